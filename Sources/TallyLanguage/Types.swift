/// The static types of the language. Record types name a kind of the schema handed to the checker.
public indirect enum TypeRef: Hashable, Sendable, CustomStringConvertible {
    /// The type of `null`, and of expressions whose type could not be found (errors are already
    /// reported, so it is compatible with everything to avoid cascades).
    case any
    case boolean, integer, decimal, string, date, dateTime, quantity, code, concept
    case list(TypeRef)
    case interval(TypeRef)
    case record(String)
    /// A field that may hold one of several types, such as a date-time or an interval.
    case choice([TypeRef])

    public var description: String {
        switch self {
        case .any: return "Any"
        case .boolean: return "Boolean"
        case .integer: return "Integer"
        case .decimal: return "Decimal"
        case .string: return "String"
        case .date: return "Date"
        case .dateTime: return "DateTime"
        case .quantity: return "Quantity"
        case .code: return "Code"
        case .concept: return "Concept"
        case .list(let t): return "List<\(t)>"
        case .interval(let t): return "Interval<\(t)>"
        case .record(let k): return k
        case .choice(let ts): return "Choice<" + ts.map(\.description).joined(separator: ", ") + ">"
        }
    }

    public var elementType: TypeRef? {
        if case .list(let t) = self { return t }
        if self == .any { return .any }
        return nil
    }

    public var pointType: TypeRef? {
        if case .interval(let t) = self { return t }
        return nil
    }

    public var isNumeric: Bool { self == .integer || self == .decimal || self == .any }
    public var isTemporal: Bool { self == .date || self == .dateTime }

    /// True for types whose values have a total order (and so min, max, sort and `<`).
    public var isOrdered: Bool {
        switch self {
        case .integer, .decimal, .string, .date, .dateTime, .quantity, .any: return true
        default: return false
        }
    }

    /// A date-time, an interval of them, or a choice of those: what timing phrases accept.
    public var isTiming: Bool {
        switch self {
        case .any, .date, .dateTime, .integer, .decimal, .quantity: return true
        case .interval(let p): return p.isTiming || p == .any
        case .choice(let ts): return ts.allSatisfy { $0.isTiming }
        default: return false
        }
    }

    /// The point type a timing operand compares (Interval<DateTime> and DateTime give DateTime).
    public var timingPoint: TypeRef {
        switch self {
        case .interval(let p): return p
        case .choice(let ts): return ts.first.map { $0.timingPoint } ?? .any
        case .date: return .dateTime
        default: return self
        }
    }

    /// Whether a value of this type may be used where `target` is expected.
    public func isAssignable(to target: TypeRef) -> Bool {
        if self == target || self == .any || target == .any { return true }
        switch (self, target) {
        case (.integer, .decimal), (.date, .dateTime), (.code, .concept): return true
        case (.list(let a), .list(let b)), (.interval(let a), .interval(let b)): return a.isAssignable(to: b)
        case (_, .choice(let ts)): return ts.contains { isAssignable(to: $0) }
        default: return false
        }
    }

    /// The common type of two branches (if/case, list items, union), or nil when there is none.
    public static func common(_ a: TypeRef, _ b: TypeRef) -> TypeRef? {
        if a.isAssignable(to: b) { return b == .any ? a : b }
        if b.isAssignable(to: a) { return a }
        switch (a, b) {
        case (.list(let x), .list(let y)): return common(x, y).map { .list($0) }
        case (.interval(let x), .interval(let y)): return common(x, y).map { .interval($0) }
        default: return nil
        }
    }
}

/// The named types a type annotation may use.
public let builtinTypeNames: [String: TypeRef] = [
    "Boolean": .boolean, "Integer": .integer, "Decimal": .decimal, "String": .string, "Date": .date,
    "DateTime": .dateTime, "Quantity": .quantity, "Code": .code, "Concept": .concept, "Any": .any,
]
