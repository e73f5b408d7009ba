import TallyEngine
import TallyLanguage

/// A JSON document built in memory and written with sorted keys (`resourceType` first), so
/// reports are byte-stable.
/// (The member-level and FHIR reports are written with this rather than `JSONEncoder`: the
/// output does not depend on the Foundation version, and it is fast enough for a million
/// individual MeasureReports.)
indirect enum JSON: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// An object from pairs, dropping nil values (absent elements, as FHIR wants them).
    static func obj(_ pairs: KeyValuePairs<String, JSON?>) -> JSON {
        var o: [String: JSON] = [:]
        for (k, v) in pairs { if let v { o[k] = v } }
        return .object(o)
    }

    /// Pretty-printed with two-space indents and a final newline.
    var pretty: String {
        var out = ""
        write(into: &out, indent: 0, pretty: true)
        return out + "\n"
    }

    /// On one line (NDJSON).
    var compact: String {
        var out = ""
        write(into: &out, indent: 0, pretty: false)
        return out
    }

    func write(into out: inout String, indent: Int, pretty: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSON.number(d)
        case .string(let s): JSON.quote(s, into: &out)
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                x.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            // Keys sorted, except that a FHIR resource's `resourceType` comes first, as FHIR recommends.
            var keys = o.keys.sorted()
            if let i = keys.firstIndex(of: "resourceType"), i > 0 { keys.insert(keys.remove(at: i), at: 0) }
            for (i, k) in keys.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSON.quote(k, into: &out)
                out += pretty ? ": " : ":"
                o[k]!.write(into: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    /// The shortest text that reads back as the same double; integral values without a fraction.
    static func number(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return formatDecimal(d)
    }

    static func quote(_ s: String, into out: inout String) {
        appendJSONString(s, to: &out)
    }

    /// A runtime value as JSON: numbers, strings, dates as ISO 8601 text, codes as
    /// `{system, code, display}`, quantities as `{value, unit}`, lists as arrays.
    init(_ v: Value) {
        switch v {
        case .null: self = .null
        case .boolean(let b): self = .bool(b)
        case .integer(let i): self = .int(i)
        case .decimal(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .temporal(let t): self = .string(t.description)
        case .quantity(let q): self = .obj(["value": .double(q.value), "unit": .string(q.unit)])
        case .code(let c): self = JSON.code(c)
        case .concept(let c): self = .obj(["codes": .array(c.codes.map(JSON.code)), "text": c.text.map(JSON.string)])
        case .interval(let i):
            self = .obj(["low": JSON(i.low), "high": JSON(i.high), "lowClosed": .bool(i.lowClosed), "highClosed": .bool(i.highClosed)])
        case .list(let xs): self = .array(xs.map(JSON.init))
        case .record(let r): self = JSON.record(r)
        }
    }

    /// A record (of the canonical schema) as its kind and its scalar fields; nested records and
    /// lists are left out, so a supplemental value that is a whole record stays small.
    static func record(_ r: Record) -> JSON {
        let kinds = CanonicalSchema.schema.kinds
        guard kinds.indices.contains(r.kind) else { return .obj(["kind": .int(r.kind)]) }
        let kind = kinds[r.kind]
        var o: [String: JSON] = ["kind": .string(kind.name)]
        for (field, value) in zip(kind.fields, r.fields) {
            switch value {
            case .null, .list, .record: continue
            default: o[field.name] = JSON(value)
            }
        }
        return .object(o)
    }

    static func code(_ c: Code) -> JSON {
        .obj(["system": .string(c.system), "code": .string(c.code), "display": c.display.map(JSON.string)])
    }
}
