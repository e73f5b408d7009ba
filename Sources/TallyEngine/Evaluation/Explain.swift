import TallyLanguage

/// Why a member is in or out of each population: every population and the definitions it
/// depends on, each with its value and the records that made it so.
public struct ExplainNode: Sendable, Codable, Equatable {
    public var name: String
    public var role: String
    public var value: String
    /// The records behind a list or record value, one line each.
    public var records: [String]
    public var children: [ExplainNode]
    /// True when the definition was already shown above (its children are not repeated).
    public var seenAbove: Bool
}

public struct Explanation: Sendable, Codable, Equatable {
    public var measure: String
    public var member: String
    /// Population membership after the cascade, per subject (one, or one per episode).
    public var subjects: [[String: Bool]]
    public var populations: [ExplainNode]

    /// The explanation of every population, or only of the `populations` named (a definition
    /// shown twice within them is expanded once).
    public init(evaluator: MeasureEvaluator, member: Record, populations kinds: [PopulationKind]? = nil) {
        let program = evaluator.program
        let ctx = program.evaluation(member: member)
        measure = evaluator.name
        self.member = Panel.id(of: member)
        subjects = evaluator.evaluate(member).subjects.map { s in
            Dictionary(uniqueKeysWithValues: s.populations.flags.map { ($0.key.rawValue, $0.value) })
        }
        var seen = Set<Int>()
        func node(_ i: Int, depth: Int) -> ExplainNode {
            let d = program.defines[i]
            let value = ctx.value(ofDefine: i)
            let first = seen.insert(i).inserted
            let children = first && depth < 12 ? d.dependencies.map { node($0, depth: depth + 1) } : []
            return ExplainNode(name: d.name, role: Explanation.role(d.role), value: Explanation.summary(value),
                               records: Explanation.records(value, program.schema), children: children, seenAbove: !first)
        }
        populations = evaluator.populations.filter { kinds?.contains($0.kind) ?? true }.map { node($0.define, depth: 0) }
    }

    static func role(_ r: DefineRole) -> String {
        switch r {
        case .population: return "population"
        case .stratifier: return "stratifier"
        case .supplemental: return "supplemental"
        case .observation: return "observation"
        case .episodes: return "episodes"
        case .define: return "define"
        }
    }

    /// A short rendering of a value: lists by their size, records by kind.
    static func summary(_ v: Value) -> String {
        switch v {
        case .list(let xs): return xs.count == 1 ? "1 item" : "\(xs.count) items"
        case .record(let r): return "a record (\(r.kind))"
        case .string(let s): return "\"\(s)\""
        default: return v.description
        }
    }

    static func records(_ v: Value, _ schema: RecordSchema) -> [String] {
        let items: [Value]
        switch v {
        case .list(let xs): items = xs
        case .record: items = [v]
        default: return []
        }
        return items.prefix(20).compactMap { $0.asRecord.map { describe($0, schema) } }
            + (items.count > 20 ? ["... and \(items.count - 20) more"] : [])
    }

    /// `Encounter enc-1, period 2025-03-04T09:00:00.000Z.., type 99213`: kind, id, when, code.
    public static func describe(_ r: Record, _ schema: RecordSchema) -> String {
        let kind = schema.kinds[r.kind]
        var parts = [kind.name]
        if let s = kind.slot(of: "id"), let id = r.fields[s].asString { parts.append(id) }
        for name in ["period", "effective", "performed", "onset", "authored_on", "dispensed", "occurrence"] {
            guard let s = kind.slot(of: name) else { continue }
            let v = r.fields[s]
            if v.isNull { continue }
            parts.append("\(name) \(when(v))")
            break
        }
        if let code = kind.primaryCode, let s = kind.slot(of: code) {
            let codes = codesOf(r.fields[s])
            if !codes.isEmpty { parts.append("\(code) " + codes.joined(separator: ",")) }
        }
        return parts.joined(separator: ", ")
    }

    static func when(_ v: Value) -> String {
        switch v {
        case .temporal(let t): return t.description
        case .interval(let i): return "\(i.low.asTemporal?.description ?? "?")..\(i.high.asTemporal?.description ?? "")"
        default: return v.plainText
        }
    }

    static func codesOf(_ v: Value) -> [String] {
        switch v {
        case .code(let c): return [c.code]
        case .concept(let c): return c.codes.map(\.code)
        case .list(let xs): return xs.flatMap(codesOf)
        default: return []
        }
    }

    /// The explanation as an indented tree.
    public var text: String {
        var out = "\(measure) for member \(member)\n"
        for (i, s) in subjects.enumerated() {
            let label = subjects.count > 1 ? "episode \(i + 1): " : ""
            let order = PopulationKind.allCases.map(\.rawValue).filter { s[$0] != nil }
            out += "  \(label)" + order.map { "\($0) \(s[$0]! ? "yes" : "no")" }.joined(separator: ", ") + "\n"
        }
        func render(_ n: ExplainNode, _ indent: String) {
            out += "\(indent)\(n.role == "population" ? "population " : "")\(n.name) = \(n.value)\(n.seenAbove ? " (see above)" : "")\n"
            for r in n.records where !n.seenAbove { out += "\(indent)    · \(r)\n" }
            for c in n.children { render(c, indent + "  ") }
        }
        for p in populations { render(p, "") }
        return out
    }
}
