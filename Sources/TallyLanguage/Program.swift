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

    let defineEvals: [Compiled]
    let defineFrameSizes: [Int]
    let functionEvals: [Compiled]
    let functionFrameSizes: [Int]
    let episodeDependent: [Bool]
    /// Per function: whether its result is kept per member and per argument values (a pure
    /// function that does real work; see `CodeGenerator.memoizable`).
    let functionMemoized: [Bool]
    /// Per function: whether it reads `episode` (its kept results are dropped per episode).
    let functionEpisodeDependent: [Bool]
    let anyMemoized: Bool
    /// The defines that read `episode`, and the memoized functions that do (`setEpisode` forgets
    /// their values).
    let episodeDependentDefines: [Int]
    let episodeDependentMemos: [Int]
    /// The memoized functions (the only ones whose tables hold anything).
    let memoizedFunctions: [Int]
    /// Per define: the same for every member (see `BodyAnalysis.defineMemberIndependent`), so
    /// `reset(member:)` keeps its value.
    let keptAcrossMembers: [Bool]
    /// Compiled to count clause coverage: its defines are never shared with other programs.
    public let recordsCoverage: Bool
    /// The number of queries answered from something kept per member (`DuringIndex`, `GroupedSums`).
    let indexSites: Int
    /// Per define and per function: evaluating it can record a runtime error (`BodyAnalysis`);
    /// nil when not analysed (a program that records clause coverage): anything may.
    let raises: (defines: [Bool], functions: [Bool])?

    init(info: MeasureInfo, parameters: [ParameterInfo], defines: [DefineInfo], functions: [FunctionInfo],
         valueSets: [ValueSetInfo], codes: [(String, Code)], sources: [SourceFile], schema: RecordSchema,
         defineEvals: [Compiled], defineFrameSizes: [Int], functionEvals: [Compiled], functionFrameSizes: [Int],
         functionMemoized: [Bool]? = nil, functionEpisodeDependent: [Bool]? = nil, recordsCoverage: Bool = false,
         definesKeptAcrossMembers: [Bool]? = nil, indexSites: Int = 0, raises: (defines: [Bool], functions: [Bool])? = nil) {
        self.indexSites = indexSites
        self.raises = raises
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
        self.functionMemoized = functionMemoized ?? functionEvals.map { _ in false }
        self.functionEpisodeDependent = functionEpisodeDependent ?? functionEvals.map { _ in true }
        self.anyMemoized = self.functionMemoized.contains(true)
        let dependent = defines.map(\.dependsOnEpisode)
        self.episodeDependentDefines = dependent.indices.filter { dependent[$0] }
        let memoized = self.functionMemoized, memoEpisode = self.functionEpisodeDependent
        self.episodeDependentMemos = memoized.indices.filter { memoized[$0] && memoEpisode[$0] }
        self.memoizedFunctions = memoized.indices.filter { memoized[$0] }
        self.keptAcrossMembers = recordsCoverage ? defines.map { _ in false } : definesKeptAcrossMembers ?? defines.map { _ in false }
        self.recordsCoverage = recordsCoverage
    }

    /// Whether evaluating an expression of this program can record a runtime error.
    func mayRaise(_ t: Typed) -> Bool {
        guard let raises else { return true }
        return BodyAnalysis.mayRaise(t, defines: raises.defines, functions: raises.functions)
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

    /// Starts evaluating this program for one member, taking the values of defines it shares
    /// with the other programs of a run from `store` (the worker's, cleared per member).
    public func evaluation(member: Record?, sharing slots: SharedDefineSlots, store: SharedDefineValues) -> EvaluationContext {
        EvaluationContext(program: self, member: member, shared: (slots.slots, store))
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
    /// The member being evaluated (raw storage: `reset(member:)` moves a reused context on to
    /// the next member without exclusivity bookkeeping on the hot path's reads).
    public var member: Record? { memberSlot.pointee }
    let memberSlot: UnsafeMutablePointer<Record?>
    /// Define values computed so far, one per define (`.null` until computed), and whether each
    /// is computed. Raw storage: the hot path reads it without exclusivity bookkeeping, and a
    /// computed value stays where it is (its address can be lent) until `reset`/`setEpisode`.
    let cache: UnsafeMutablePointer<Value>
    let cached: UnsafeMutablePointer<Bool>
    @exclusivity(unchecked) public private(set) var episode: Value = .null
    /// Runtime errors (such as `singleton` of several items), in the order they happened.
    public private(set) var errors: [String] = []
    /// The defines computed for this member, in order (`reset` empties only those), and per
    /// define whether it is listed there.
    let computed: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var computedCount = 0
    let listed: UnsafeMutablePointer<Bool>
    /// Locals of the bodies being evaluated, pushed and popped in call order.
    let stack: UnsafeMutablePointer<ValueStack>
    /// Results of memoized functions, one table per function (nil when none is memoized).
    let memos: UnsafeMutablePointer<MemoTable>?
    /// Per define its slot in `sharedValues` (-1: not shared), and the worker's store.
    let sharedSlots: [Int32]?
    let sharedValues: SharedDefineValues?
    /// Per index site (`Program.indexSites`) what the site keeps for the member (a `DuringIndex`,
    /// `GroupedSums`), made on first use (nil: not yet).
    let indexes: UnsafeMutablePointer<AnyObject?>?

    init(program: Program, member: Record?, shared: ([Int32], SharedDefineValues)? = nil) {
        self.program = program
        memberSlot = .allocate(capacity: 1)
        memberSlot.initialize(to: member)
        sharedSlots = shared?.0
        sharedValues = shared?.1
        cache = .allocate(capacity: max(program.defines.count, 1))
        cache.initialize(repeating: .null, count: max(program.defines.count, 1))
        cached = .allocate(capacity: max(program.defines.count, 1))
        cached.initialize(repeating: false, count: max(program.defines.count, 1))
        computed = .allocate(capacity: max(program.defines.count, 1))
        listed = .allocate(capacity: max(program.defines.count, 1))
        listed.initialize(repeating: false, count: max(program.defines.count, 1))
        stack = .allocate(capacity: 1)
        stack.initialize(to: ValueStack())
        if program.anyMemoized {
            let n = program.functionEvals.count
            let m = UnsafeMutablePointer<MemoTable>.allocate(capacity: n)
            for i in 0..<n { (m + i).initialize(to: MemoTable(arity: program.functions[i].parameters.count)) }
            memos = m
        } else {
            memos = nil
        }
        if program.indexSites > 0 {
            let p = UnsafeMutablePointer<AnyObject?>.allocate(capacity: program.indexSites)
            p.initialize(repeating: nil, count: program.indexSites)
            indexes = p
        } else {
            indexes = nil
        }
    }

    deinit {
        memberSlot.deinitialize(count: 1)
        memberSlot.deallocate()
        cache.deinitialize(count: max(program.defines.count, 1))
        cache.deallocate()
        cached.deallocate()
        computed.deallocate()
        listed.deallocate()
        stack.pointee.release()
        stack.deinitialize(count: 1)
        stack.deallocate()
        if let memos {
            let n = program.functionEvals.count
            for i in 0..<n { memos[i].destroy() }
            memos.deinitialize(count: n)
            memos.deallocate()
        }
        if let indexes {
            indexes.deinitialize(count: program.indexSites)
            indexes.deallocate()
        }
    }

    /// Starts over for another member, keeping the storage (define cache, value stack, memo
    /// tables): a worker evaluating many members with one context allocates nothing per member.
    public func reset(member: Record?) {
        memberSlot.pointee = member
        let kept = program.keptAcrossMembers
        for k in 0..<computedCount {
            let i = Int(computed[k])
            // A define that is the same for every member stays (and stays listed, so it is
            // never listed again).
            if kept[i] { continue }
            cache[i] = .null
            cached[i] = false
            listed[i] = false
        }
        computedCount = 0
        episode = .null
        errors.removeAll(keepingCapacity: true)
        if let memos {
            for i in program.memoizedFunctions { memos[i].reset() }
        }
        if let indexes {
            // Indexes are dropped; grouped sums let their list go and keep their storage.
            for i in 0..<program.indexSites {
                if let g = indexes[i] as? GroupedSums { g.start([], at: nil) } else { indexes[i] = nil }
            }
        }
    }

    /// The value of a define, computed once per member (and per episode when it reads `episode`).
    public func value(ofDefine i: Int) -> Value {
        if cached[i] { return cache[i] }
        return compute(define: i)
    }

    /// The address of a define's value, computed first when it is not yet: valid until the
    /// next `reset` or `setEpisode` (a memoized call reads its argument there).
    @inline(__always)
    func valueAddress(ofDefine i: Int) -> UnsafePointer<Value> {
        if !cached[i] { _ = compute(define: i) }
        return UnsafePointer(cache + i)
    }

    /// A define not yet in the cache: from the shared store when another program of the run
    /// computed it for this member, else computed (and shared when it may be).
    private func compute(define i: Int) -> Value {
        guard let sharedSlots, let sharedValues, sharedSlots[i] >= 0 else { return computeHere(define: i) }
        let slot = Int(sharedSlots[i])
        if let v = sharedValues.values[slot] {
            cache[i] = v
            cached[i] = true
            noteComputed(i)
            return v
        }
        let v = computeHere(define: i)
        sharedValues.values[slot] = v
        return v
    }

    @inline(__always)
    private func computeHere(define i: Int) -> Value {
        let size = program.defineFrameSizes[i]
        let locals = stack.pointee.push(size)
        let v = program.defineEvals[i].run(Frame(ctx: self, locals: locals))
        stack.pointee.pop(locals, size)
        cache[i] = v
        cached[i] = true
        noteComputed(i)
        return v
    }

    @inline(__always)
    private func noteComputed(_ i: Int) {
        if listed[i] { return }  // an episode-dependent define, computed again per episode
        listed[i] = true
        computed[computedCount] = Int32(i)
        computedCount += 1
    }

    public func value(of name: String) -> Value? {
        program.defineIndex(name).map { value(ofDefine: $0) }
    }

    /// Moves to the next episode of an episode-basis measure.
    public func setEpisode(_ e: Value) {
        episode = e
        for i in program.episodeDependentDefines {
            cache[i] = .null
            cached[i] = false
        }
        if let memos {
            for i in program.episodeDependentMemos { memos[i].removeAll() }
        }
    }

    func fail(_ message: String) { errors.append(message) }

    /// Calls function `i`: `setArguments` evaluates the arguments in the caller's frame straight
    /// into the callee's locals. A memoized function runs once per member and argument values.
    /// `size` (the callee's frame) and `memoized` were fixed when the call was compiled.
    @inline(__always)
    func call(function i: Int, size: Int, memoized: Bool, count: Int, _ setArguments: (UnsafeMutablePointer<Value>) -> Void) -> Value {
        let locals = stack.pointee.push(size)
        setArguments(locals)
        let v: Value
        if memoized, let memos, !memos[i].bypassed {
            let hash = MemoTable.hash(locals, count)
            if let kept = memos[i].find(locals, hash: hash) {
                memos[i].hits += 1
                v = kept
            } else {
                v = program.functionEvals[i].run(Frame(ctx: self, locals: locals))
                memos[i].insert(locals, hash: hash, v)
                memos[i].noteMiss()
            }
        } else {
            v = program.functionEvals[i].run(Frame(ctx: self, locals: locals))
        }
        stack.pointee.pop(locals, size)
        return v
    }
}

extension EvaluationContext {
    /// Calls memoized function `i` with arguments read in place (a local of the caller, a
    /// constant): a kept result is found without pushing a frame or copying the arguments; only
    /// a call that runs the body copies them into the callee's locals.
    @inline(__always)
    func callMemoized(function i: Int, size: Int, _ a0: UnsafePointer<Value>) -> Value {
        guard let memos, !memos[i].bypassed else { return callCopying(function: i, size: size, a0) }
        let hash = MemoTable.finish(memos[i].stateAfterFirst(a0))
        if let kept = memos[i].find1(a0, hash: hash) {
            memos[i].hits += 1
            return kept
        }
        return callCopying(function: i, size: size, a0, keepingIn: memos, hash: hash)
    }

    @inline(__always)
    func callMemoized(function i: Int, size: Int, _ a0: UnsafePointer<Value>, _ a1: UnsafePointer<Value>) -> Value {
        guard let memos, !memos[i].bypassed else { return callCopying(function: i, size: size, a0, a1) }
        var h = memos[i].stateAfterFirst(a0)
        memoHash(a1, &h)
        return callMemoized(function: i, size: size, a0, a1, hash: MemoTable.finish(h), memos)
    }

    /// `callMemoized` of two arguments whose second is a constant string with that digest.
    @inline(__always)
    func callMemoized(function i: Int, size: Int, _ a0: UnsafePointer<Value>, _ a1: UnsafePointer<Value>, digest: UInt64) -> Value {
        guard let memos, !memos[i].bypassed else { return callCopying(function: i, size: size, a0, a1) }
        var h = memos[i].stateAfterFirst(a0)
        memoHashString(digest: digest, &h)
        return callMemoized(function: i, size: size, a0, a1, hash: MemoTable.finish(h), memos)
    }

    @inline(__always)
    private func callMemoized(function i: Int, size: Int, _ a0: UnsafePointer<Value>, _ a1: UnsafePointer<Value>, hash: Int,
                              _ memos: UnsafeMutablePointer<MemoTable>) -> Value {
        if let kept = memos[i].find2(a0, a1, hash: hash) {
            memos[i].hits += 1
            return kept
        }
        return callCopying(function: i, size: size, a0, a1, keepingIn: memos, hash: hash)
    }

    /// Runs function `i` with its arguments copied into a frame; with `memos`, keeps the result
    /// under `hash` (a miss of `callMemoized`).
    @inline(__always)
    private func callCopying(function i: Int, size: Int, _ a0: UnsafePointer<Value>, _ a1: UnsafePointer<Value>? = nil,
                             keepingIn memos: UnsafeMutablePointer<MemoTable>? = nil, hash: Int = 0) -> Value {
        let locals = stack.pointee.push(size)
        locals[0] = a0.pointee
        if let a1 { locals[1] = a1.pointee }
        let v = program.functionEvals[i].run(Frame(ctx: self, locals: locals))
        if let memos {
            memos[i].insert(locals, hash: hash, v)
            memos[i].noteMiss()
        }
        stack.pointee.pop(locals, size)
        return v
    }
}

/// Locals of one define or function body: query items and function arguments, a window of the
/// context's value stack. Passed by value: no reference counting per node. Frames never outlive
/// the call that pushed them, so the context reference is not counted either.
struct Frame {
    unowned(unsafe) let ctx: EvaluationContext
    let locals: UnsafeMutablePointer<Value>

    /// The context, not retained for the call: the frame's caller keeps it alive.
    @inline(__always)
    func withContext<R>(_ body: (EvaluationContext) -> R) -> R {
        Unmanaged.passUnretained(ctx)._withUnsafeGuaranteedRef(body)
    }
}

/// A stack of values in chunks that never move (so a frame's pointer stays valid while frames
/// above it are pushed). Every free slot holds `.null`; popping a frame nulls its slots.
struct ValueStack {
    private var base: UnsafeMutablePointer<Value>
    private var top = 0
    private var capacity: Int
    private var below: [(base: UnsafeMutablePointer<Value>, top: Int, capacity: Int)] = []

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
        base.initialize(repeating: .null, count: capacity)
    }

    @inline(__always)
    mutating func push(_ n: Int) -> UnsafeMutablePointer<Value> {
        if top + n > capacity { grow(n) }
        let p = base + top
        top += n
        return p
    }

    mutating func grow(_ n: Int) {
        below.append((base, top, capacity))
        capacity = max(capacity * 2, n)
        base = .allocate(capacity: capacity)
        base.initialize(repeating: .null, count: capacity)
        top = 0
    }

    @inline(__always)
    mutating func pop(_ p: UnsafeMutablePointer<Value>, _ n: Int) {
        p.update(repeating: .null, count: n)
        top -= n
        if top == 0, let previous = below.popLast() {
            base.deinitialize(count: capacity)
            base.deallocate()
            (base, top, capacity) = previous
        }
    }

    func release() {
        base.deinitialize(count: capacity)
        base.deallocate()
        for b in below {
            b.base.deinitialize(count: b.capacity)
            b.base.deallocate()
        }
    }
}

typealias Eval = (Frame) -> Value

/// A compiled body or operand kept in an array. Closures are wrapped because an array of bare
/// closures stores them at their most general abstraction (argument and result passed
/// indirectly), and every call through it would go through two conversion thunks.
struct Compiled {
    let run: Eval
}
