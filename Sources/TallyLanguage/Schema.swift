/// The record types a measure can read, handed to the checker by the engine.
///
/// The language knows nothing of FHIR or claims: the engine describes its canonical member
/// record model with this schema, and the checker resolves every field against it.
public struct RecordSchema: Sendable {
    public var kinds: [RecordKind]
    /// The kind of the member record itself; its list fields are visible by bare name
    /// (`encounters`, `conditions`, ...) and the record itself as `member`.
    public var rootKind: String

    private var indexByName: [String: Int]

    public init(kinds: [RecordKind], rootKind: String) {
        self.kinds = kinds
        self.rootKind = rootKind
        var map: [String: Int] = [:]
        for (i, k) in kinds.enumerated() { map[k.name] = i }
        self.indexByName = map
    }

    public func index(of kind: String) -> Int? { indexByName[kind] }
    public func kind(_ name: String) -> RecordKind? { indexByName[name].map { kinds[$0] } }
    public var root: RecordKind { kind(rootKind)! }
}

/// One kind of record (Encounter, Condition, ...) and its fields in slot order.
public struct RecordKind: Sendable {
    public var name: String
    public var fields: [FieldDef]
    /// The field `conditions(ValueSet)` filters on.
    public var primaryCode: String?
    public var doc: String

    private var slotByName: [String: Int]

    public init(name: String, fields: [FieldDef], primaryCode: String? = nil, doc: String = "") {
        self.name = name
        self.fields = fields
        self.primaryCode = primaryCode
        self.doc = doc
        var map: [String: Int] = [:]
        for (i, f) in fields.enumerated() { map[f.name] = i }
        self.slotByName = map
    }

    public func slot(of field: String) -> Int? { slotByName[field] }
}

public struct FieldDef: Sendable {
    public var name: String
    public var type: TypeRef
    public var doc: String

    public init(_ name: String, _ type: TypeRef, _ doc: String = "") {
        self.name = name
        self.type = type
        self.doc = doc
    }
}

/// A function the checker can call: its signature types the call, its implementation runs it.
public struct FunctionDefinition: Sendable {
    public var name: String
    public var parameters: [TypeRef]
    public var result: TypeRef
    public var doc: String
    public var implementation: @Sendable ([Value]) -> Value
    /// When true (the default), a call with any null argument gives null without running.
    public var propagatesNull: Bool

    public init(name: String, parameters: [TypeRef], result: TypeRef, doc: String = "", propagatesNull: Bool = true,
                implementation: @escaping @Sendable ([Value]) -> Value) {
        self.name = name
        self.parameters = parameters
        self.result = result
        self.doc = doc
        self.propagatesNull = propagatesNull
        self.implementation = implementation
    }

    public var signature: String {
        "\(name)(" + parameters.map(\.description).joined(separator: ", ") + "): \(result)"
    }
}

/// The functions available to measures beyond the language's own built-ins, by name, with
/// overloads told apart by argument types.
public struct FunctionTable: Sendable {
    public private(set) var functions: [String: [FunctionDefinition]] = [:]

    public init(_ definitions: [FunctionDefinition] = []) {
        for d in definitions { add(d) }
    }

    public mutating func add(_ d: FunctionDefinition) { functions[d.name, default: []].append(d) }
    public func overloads(_ name: String) -> [FunctionDefinition] { functions[name] ?? [] }
    public var names: [String] { functions.keys.sorted() }
}

/// The value sets a compilation can use, by canonical URL or OID.
public protocol ValueSetProvider: Sendable {
    /// The codes of a value set as `system|code` keys, or nil when it is not loaded.
    func codes(for reference: String) -> Set<String>?
    /// Whether any value set is loaded at all; when none is, references are not checked.
    var isEmpty: Bool { get }
}

/// No value sets: references compile, and match nothing.
public struct NoValueSets: ValueSetProvider {
    public init() {}
    public func codes(for reference: String) -> Set<String>? { nil }
    public var isEmpty: Bool { true }
}
