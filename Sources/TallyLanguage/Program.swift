/// A compiled measure or library: immutable, shareable across threads, run once per member.
public final class Program: @unchecked Sendable {
    public let info: MeasureInfo
    public let parameters: [ParameterInfo]
    public let defines: [DefineInfo]
    public let functions: [FunctionInfo]
    public let valueSets: [ValueSetInfo]
    public let codes: [(name: String, code: Code)]
    /// Sources of every file compiled, root first (for rendering diagnostics and explain).
    public let sources: [SourceFile]
    public let schema: RecordSchema

    let defineEvals: [Eval]
    let defineFrameSizes: [Int]
    let functionEvals: [Eval]
    let functionFrameSizes: [Int]
    let episodeDependent: [Bool]

    init(info: MeasureInfo, parameters: [ParameterInfo], defines: [DefineInfo], functions: [FunctionInfo],
         valueSets: [ValueSetInfo], codes: [(String, Code)], sources: [SourceFile], schema: RecordSchema,
         defineEvals: [Eval], defineFrameSizes: [Int], functionEvals: [Eval], functionFrameSizes: [Int]) {
        self.info = info
        self.parameters = parameters
        self.defines = defines
        self.functions = functions
        self.valueSets = valueSets
        self.codes = codes.map { (name: $0.0, code: $0.1) }
        self.sources = sources
        self.schema = schema
        self.defineEvals = defineEvals
        self.defineFrameSizes = defineFrameSizes
        self.functionEvals = functionEvals
        self.functionFrameSizes = functionFrameSizes
        self.episodeDependent = defines.map(\.dependsOnEpisode)
    }

    /// The index of a define by name, searching the root file first.
    public func defineIndex(_ name: String) -> Int? {
        defines.firstIndex { $0.name == name && $0.isRoot } ?? defines.firstIndex { $0.name == name }
    }

    public var populations: [DefineInfo] { defines.filter { $0.role.isPopulation } }

    public func defines(withRole role: DefineRole) -> [DefineInfo] { defines.filter { $0.role == role } }

    /// Starts evaluating this program for one member (nil for a program that reads no member).
    public func evaluation(member: Record?) -> EvaluationContext {
        EvaluationContext(program: self, member: member)
    }
}

public struct MeasureInfo: Sendable {
    public var name: String
    public var title: String?
    public var isLibrary: Bool
    public var version: String?
    public var steward: String?
    public var owner: String?
    public var description: String?
    /// What closes a care gap of this measure (`gap "..."`).
    public var gapAction: String?
    public var scoring: String?
    public var improvement: String?
    public var target: Double?
    /// The define that lists the episodes, for episode-basis measures.
    public var episodesDefine: Int?
    public var file: String
}

public struct ParameterInfo: Sendable {
    public var name: String
    public var type: TypeRef
    public var value: Value
}

public enum DefineRole: Equatable, Sendable {
    case define
    case population(String)
    case stratifier
    case supplemental
    case observation(PopulationAggregate)
    case episodes

    public var isPopulation: Bool { if case .population = self { return true } else { return false } }
}

public struct DefineInfo: Sendable {
    public var name: String
    public var role: DefineRole
    public var type: TypeRef
    public var file: String
    public var range: SourceRange
    /// True for definitions of the measure file itself, false for those of used libraries.
    public var isRoot: Bool
    public var body: Typed
    /// Indexes of the defines this one reads directly.
    public var dependencies: [Int]
    public var dependsOnEpisode: Bool
}

public struct FunctionInfo: Sendable {
    public var name: String
    public var parameters: [(String, TypeRef)]
    public var result: TypeRef
    public var file: String
    public var body: Typed
}

public struct ValueSetInfo: Sendable {
    public var name: String
    public var reference: String
    public var codes: Set<String>
    public var loaded: Bool
}

/// The state of one member's evaluation: cached define values and runtime errors.
public final class EvaluationContext {
    public let program: Program
    public let member: Record?
    var cache: [Value?]
    public private(set) var episode: Value = .null
    /// Runtime errors (such as `singleton` of several items), in the order they happened.
    public private(set) var errors: [String] = []

    init(program: Program, member: Record?) {
        self.program = program
        self.member = member
        self.cache = [Value?](repeating: nil, count: program.defines.count)
    }

    /// The value of a define, computed once per member (and per episode when it reads `episode`).
    public func value(ofDefine i: Int) -> Value {
        if let v = cache[i] { return v }
        let frame = Frame(ctx: self, size: program.defineFrameSizes[i])
        let v = program.defineEvals[i](frame)
        cache[i] = v
        return v
    }

    public func value(of name: String) -> Value? {
        program.defineIndex(name).map { value(ofDefine: $0) }
    }

    /// Moves to the next episode of an episode-basis measure.
    public func setEpisode(_ e: Value) {
        episode = e
        for (i, dep) in program.episodeDependent.enumerated() where dep { cache[i] = nil }
    }

    func fail(_ message: String) { errors.append(message) }

    func call(function i: Int, _ args: [Value]) -> Value {
        let frame = Frame(ctx: self, size: max(program.functionFrameSizes[i], args.count))
        for (k, a) in args.enumerated() { frame.locals[k] = a }
        return program.functionEvals[i](frame)
    }
}

/// Locals of one define or function body: query items and function arguments. Kept in raw
/// storage: the hot path reads and writes them per record without exclusivity bookkeeping.
final class Frame {
    unowned let ctx: EvaluationContext
    let locals: UnsafeMutablePointer<Value>
    let size: Int
    init(ctx: EvaluationContext, size: Int) {
        self.ctx = ctx
        self.size = size
        self.locals = UnsafeMutablePointer<Value>.allocate(capacity: max(size, 1))
        self.locals.initialize(repeating: .null, count: max(size, 1))
    }
    deinit {
        locals.deinitialize(count: max(size, 1))
        locals.deallocate()
    }
}

typealias Eval = (Frame) -> Value
