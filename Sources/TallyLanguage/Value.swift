/// A runtime value. `null` means unknown, as in CQL.
// Unchecked: a `Record` (a ManagedBuffer, which the standard library does not mark Sendable) is
// filled by one loader thread and only read after that.
public enum Value: @unchecked Sendable {
    case null
    case boolean(Bool)
    case integer(Int)
    case decimal(Double)
    case string(String)
    case temporal(Temporal)
    indirect case quantity(Quantity)
    case code(Code)
    case concept(Concept)
    indirect case interval(IntervalValue)
    case list([Value])
    case record(Record)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// Only `true` is true: null and false both fail a population or a `where`.
    public var isTrue: Bool { if case .boolean(true) = self { return true } else { return false } }

    public var asBool: Bool? { if case .boolean(let b) = self { return b } else { return nil } }

    public var asList: [Value] {
        switch self {
        case .list(let xs): return xs
        case .null: return []
        default: return [self]
        }
    }

    public var asDouble: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .decimal(let d): return d
        default: return nil
        }
    }

    public var asTemporal: Temporal? { if case .temporal(let t) = self { return t } else { return nil } }
    public var asString: String? { if case .string(let s) = self { return s } else { return nil } }
    public var asRecord: Record? { if case .record(let r) = self { return r } else { return nil } }

    public init(_ b: Bool?) { self = b.map { .boolean($0) } ?? .null }
}

/// A decimal value with a UCUM (or calendar) unit.
public struct Quantity: Sendable, Hashable {
    public var value: Double
    public var unit: String
    public init(_ value: Double, _ unit: String) {
        self.value = value
        self.unit = unit
    }
}

/// A code from a code system. `key` (`system|code`) is what value-set membership hashes.
public final class Code: Sendable, Hashable, CustomStringConvertible {
    public let system: String
    public let code: String
    public let display: String?
    public let key: String
    /// The key's hash, computed once: value-set tests probe with it instead of rehashing.
    public let keyHash: Int

    public init(system: String, code: String, display: String? = nil) {
        self.system = system
        self.code = code
        self.display = display
        self.key = system + "|" + code
        self.keyHash = key.hashValue
    }

    public static func == (a: Code, b: Code) -> Bool { a.key == b.key }
    public func hash(into h: inout Hasher) { h.combine(key) }
    public var description: String { "Code(\"\(system)\", \"\(code)\")" }
}

/// A coded concept: several codings of one idea, plus text (FHIR CodeableConcept).
public final class Concept: Sendable {
    public let codes: [Code]
    public let text: String?
    public init(codes: [Code], text: String? = nil) {
        self.codes = codes
        self.text = text
    }
}

/// An interval. A null bound means unbounded when the bound is closed (the beginning or end of
/// time) and unknown when it is open, as in CQL.
public struct IntervalValue: Sendable {
    public var low: Value
    public var lowClosed: Bool
    public var high: Value
    public var highClosed: Bool

    public init(low: Value, lowClosed: Bool = true, high: Value, highClosed: Bool = true) {
        self.low = low
        self.lowClosed = lowClosed
        self.high = high
        self.highClosed = highClosed
    }

    /// The point interval [p, p].
    public init(point: Value) { self.init(low: point, high: point) }
}

/// A record of the schema: its fields in the kind's slot order, stored in the record's own
/// allocation (one allocation per record, not an object and an array: a panel holds about 150
/// records per member, and loading and freeing them is a large share of a run).
///
///     let r = Record.make(kind: k, count: 3)      // every field null
///     r[1] = .string("x")                         // or r.fields[1]
///     let copy = Record.make(kind: k, fields: Array(r.fields))
public final class Record: ManagedBuffer<RecordHeader, Value> {
    public var kind: Int { header.kind }
    /// The number of fields (the kind's field count).
    public var count: Int { header.count }

    /// A record of `count` null fields.
    public static func make(kind: Int, count: Int) -> Record {
        let r = unsafeDowncast(create(minimumCapacity: count) { _ in RecordHeader(kind: kind, count: count) }, to: Record.self)
        r.withUnsafeMutablePointerToElements { $0.initialize(repeating: .null, count: count) }
        return r
    }

    /// A record with these fields.
    public static func make(kind: Int, fields: [Value]) -> Record {
        let r = unsafeDowncast(create(minimumCapacity: fields.count) { _ in RecordHeader(kind: kind, count: fields.count) }, to: Record.self)
        r.withUnsafeMutablePointerToElements { p in
            fields.withUnsafeBufferPointer { b in
                if let base = b.baseAddress { p.initialize(from: base, count: b.count) }
            }
        }
        return r
    }

    deinit {
        _ = withUnsafeMutablePointers { h, e in e.deinitialize(count: h.pointee.count) }
    }

    /// A field by slot. Filled by loaders, then only read.
    @inline(__always)
    public subscript(slot: Int) -> Value {
        get {
            precondition(slot >= 0 && slot < header.count, "field slot out of range")
            return withUnsafeMutablePointerToElements { $0[slot] }
        }
        set {
            precondition(slot >= 0 && slot < header.count, "field slot out of range")
            withUnsafeMutablePointerToElements { $0[slot] = newValue }
        }
    }

    /// The fields as a collection (`r.fields[slot]` is `r[slot]`).
    public var fields: RecordFields { RecordFields(record: self) }
}

/// What a record's allocation starts with.
public struct RecordHeader: Sendable {
    public let kind: Int
    public let count: Int
}

/// A record's fields as a random-access collection; it keeps the record alive.
public struct RecordFields: RandomAccessCollection, @unchecked Sendable {
    public let record: Record
    public var startIndex: Int { 0 }
    public var endIndex: Int { record.count }
    @inline(__always)
    public subscript(slot: Int) -> Value {
        get { record[slot] }
        nonmutating set { record[slot] = newValue }
    }

    /// The fields in place, for reads that must not copy a field out (valid inside `body` only).
    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Value>) throws -> R) rethrows -> R {
        try record.withUnsafeMutablePointerToElements { try body(UnsafeBufferPointer(start: $0, count: record.count)) }
    }
}

// MARK: - Comparison and equality

extension Value {
    /// Orders two values of the same ordered type. Nil when either is null, when the types differ,
    /// when units are incompatible, or when precision leaves the answer unknown.
    public static func compare(_ a: Value, _ b: Value, precision: DatePrecision? = nil) -> Int? {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.string(let x), .string(let y)): return x < y ? -1 : x == y ? 0 : 1
        case (.temporal(let x), .temporal(let y)): return x.compare(y, at: precision)
        case (.quantity(let x), .quantity(let y)):
            guard let yv = convert(y.value, from: y.unit, to: x.unit) else { return nil }
            return x.value < yv ? -1 : x.value == yv ? 0 : 1
        default:
            if let x = a.asDouble, let y = b.asDouble { return x < y ? -1 : x == y ? 0 : 1 }
            return nil
        }
    }

    /// Equality (`=`): null when either side is null or the answer is unknown.
    public static func equal(_ a: Value, _ b: Value) -> Bool? {
        switch (a, b) {
        case (.null, _), (_, .null): return nil
        case (.string(let x), .string(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.boolean(let x), .boolean(let y)): return x == y
        case (.code(let x), .code(let y)): return x.key == y.key
        case (.concept(let c), .code(let k)), (.code(let k), .concept(let c)): return c.codes.contains { $0.key == k.key }
        case (.concept(let x), .concept(let y)):
            return x.codes.count == y.codes.count && zip(x.codes, y.codes).allSatisfy { $0.key == $1.key }
        case (.record(let x), .record(let y)): return x === y
        case (.list(let xs), .list(let ys)):
            guard xs.count == ys.count else { return false }
            var result: Bool? = true
            for (x, y) in zip(xs, ys) {
                guard let e = equal(x, y) else { result = nil; continue }
                if !e { return false }
            }
            return result
        case (.interval(let x), .interval(let y)):
            // Compare the closed forms, so [1, 5) = [1, 4]; a closed null bound is the
            // beginning or end of time, an open null bound is unknown.
            func same(_ p: Point?, _ q: Point?) -> Bool? {
                switch (p, q) {
                case (.min?, .min?), (.max?, .max?): return true
                case (.known(let u)?, .known(let v)?): return equal(u, v)
                case (nil, _), (_, nil): return nil
                default: return false
                }
            }
            return threeValuedAnd(same(knownStart(x), knownStart(y)), same(knownEnd(x), knownEnd(y)))
        default:
            return compare(a, b).map { $0 == 0 }
        }
    }

    /// Equivalence (`~`): never null; null ~ null; strings ignore case and surrounding blanks;
    /// a concept is equivalent to a code when any of its codings is.
    public static func equivalent(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        case (.string(let x), .string(let y)): return normalized(x) == normalized(y)
        case (.concept(let c), .code(let k)), (.code(let k), .concept(let c)): return c.codes.contains { $0.key == k.key }
        case (.concept(let x), .concept(let y)): return x.codes.contains { a in y.codes.contains { $0.key == a.key } }
        case (.list(let xs), .list(let ys)): return xs.count == ys.count && zip(xs, ys).allSatisfy { equivalent($0, $1) }
        case (.list(let xs), _): return xs.contains { equivalent($0, b) }
        case (_, .list(let ys)): return ys.contains { equivalent(a, $0) }
        default: return equal(a, b) ?? false
        }
    }

    static func normalized(_ s: String) -> String {
        var out = ""
        for w in s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            if !out.isEmpty { out += " " }
            out += w.lowercased()
        }
        return out
    }
}

/// Kleene `and`.
@inline(__always)
public func threeValuedAnd(_ a: Bool?, _ b: Bool?) -> Bool? {
    if a == false || b == false { return false }
    if a == nil || b == nil { return nil }
    return true
}

/// Kleene `or`.
@inline(__always)
public func threeValuedOr(_ a: Bool?, _ b: Bool?) -> Bool? {
    if a == true || b == true { return true }
    if a == nil || b == nil { return nil }
    return false
}

// MARK: - Units

/// Dimension and factor to the dimension's base unit, for the UCUM units measures use.
let unitTable: [String: (String, Double)] = [
    "1": ("1", 1), "%": ("%", 1),
    "mm[Hg]": ("pressure", 1), "kPa": ("pressure", 7.50062),
    "g": ("mass", 1), "mg": ("mass", 0.001), "kg": ("mass", 1000), "ug": ("mass", 0.000001), "[lb_av]": ("mass", 453.59237),
    "m": ("length", 1), "cm": ("length", 0.01), "mm": ("length", 0.001), "[in_i]": ("length", 0.0254),
    "L": ("volume", 1), "dL": ("volume", 0.1), "mL": ("volume", 0.001),
    "mg/dL": ("mass/volume", 10), "g/dL": ("mass/volume", 10000), "mg/L": ("mass/volume", 1), "g/L": ("mass/volume", 1000),
    "mmol/L": ("substance/volume", 1), "mmol/mol": ("substance/substance", 1),
    "kg/m2": ("bmi", 1), "/min": ("rate", 1), "{beats}/min": ("rate", 1),
    "ms": ("time", 0.001), "s": ("time", 1), "min": ("time", 60), "h": ("time", 3600), "d": ("time", 86400),
    "wk": ("time", 604800), "millisecond": ("time", 0.001), "second": ("time", 1), "minute": ("time", 60),
    "hour": ("time", 3600), "day": ("time", 86400), "week": ("time", 604800),
    "milliseconds": ("time", 0.001), "seconds": ("time", 1), "minutes": ("time", 60), "hours": ("time", 3600),
    "days": ("time", 86400), "weeks": ("time", 604800), "months": ("month", 1), "years": ("month", 12),
    "mo": ("month", 1), "month": ("month", 1), "a": ("month", 12), "year": ("month", 12),
]

/// Converts a value between compatible units; nil when the units are not comparable.
public func convert(_ value: Double, from: String, to: String) -> Double? {
    if from == to { return value }
    guard let f = unitTable[from], let t = unitTable[to], f.0 == t.0 else { return nil }
    return value * f.1 / t.1
}

// MARK: - Rendering

extension Value: CustomStringConvertible {
    /// The value written as the language would write it: `"text"`, `@2025-01-01`, `140 'mm[Hg]'`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .decimal(let d): return formatDecimal(d)
        case .string(let s): return "\"" + s.replacingAll("\\", "\\\\").replacingAll("\"", "\\\"") + "\""
        case .temporal(let t): return "@" + t.description
        case .quantity(let q):
            let number = q.value == q.value.rounded() && abs(q.value) < 1e15 ? String(Int64(q.value)) : formatDecimal(q.value)
            if let u = CalendarUnit(unit: q.unit), u.rawValue == q.unit {
                return number + " " + q.unit + (q.value == 1 ? "" : "s")
            }
            return number + " '" + q.unit + "'"
        case .code(let c): return c.description
        case .concept(let c): return "Concept[" + c.codes.map(\.description).joined(separator: ", ") + "]"
        case .interval(let i):
            return "interval" + (i.lowClosed ? "[" : "(") + i.low.description + ", " + i.high.description + (i.highClosed ? "]" : ")")
        case .list(let xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
        case .record(let r): return "Record(kind: \(r.kind))"
        }
    }

    /// The value as plain text for tables: strings without quotes, dates without `@`.
    public var plainText: String {
        switch self {
        case .null: return ""
        case .string(let s): return s
        case .temporal(let t): return t.description
        case .code(let c): return c.code
        case .concept(let c): return c.codes.map(\.code).joined(separator: ",")
        default: return description
        }
    }
}

/// Shortest round-tripping text of a decimal, always with a fractional part (`3.0`, `0.1`).
public func formatDecimal(_ d: Double) -> String {
    if d.isNaN || d.isInfinite { return "null" }
    if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
    var s = String(d)
    if s.contains("e") {
        // Expand exponents so output stays readable: 1e-08 -> 0.00000001
        let v = d
        var digits = 1
        while digits < 17 {
            let r = (v * pow10d(digits)).rounded() / pow10d(digits)
            if r == v { break }
            digits += 1
        }
        s = fixed(v, digits)
    }
    return s
}

func pow10d(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }

func fixed(_ v: Double, _ digits: Int) -> String {
    let neg = v < 0
    let scaled = (abs(v) * pow10d(digits)).rounded()
    var intPart = String(Int64(scaled / pow10d(digits)))
    var frac = String(Int64(scaled.truncatingRemainder(dividingBy: pow10d(digits))))
    frac = String(repeating: "0", count: max(0, digits - frac.count)) + frac
    while frac.hasSuffix("0"), frac.count > 1 { frac.removeLast() }
    if neg { intPart = "-" + intPart }
    return intPart + "." + frac
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed in the language core).
    public func replacingAll(_ target: String, _ replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
