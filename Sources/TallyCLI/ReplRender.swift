import Foundation
import TallyEngine
import TallyLanguage

/// How results are printed (`.mode`).
enum ReplMode: String, CaseIterable {
    /// Aligned columns under a header and a rule (the default).
    case table
    /// RFC 4180 CSV with a header row.
    case csv
    /// A JSON array of objects, one per row (a scalar result is one JSON value).
    case json
    /// One `column = value` line per cell, a blank line between rows.
    case line
}

/// A result set: named columns, rows of values, and notes shown under a table.
struct ReplTable {
    enum Format { case plain, percent }

    var columns: [String]
    var formats: [Format]
    var rows: [[Value]]
    /// Lines shown after the rows in table and line modes (such as "20 of 1000 members").
    var notes: [String] = []

    init(columns: [String], formats: [Format]? = nil, rows: [[Value]] = [], notes: [String] = []) {
        self.columns = columns
        self.formats = formats ?? columns.map { _ in .plain }
        self.rows = rows
        self.notes = notes
    }
}

/// Turns values and result sets into text for each mode.
struct ReplRenderer {
    var schema: RecordSchema
    var mode: ReplMode
    /// Table cells longer than this are cut with "...".
    static let maximumCellWidth = 60

    // MARK: Tables

    func render(_ t: ReplTable) -> String {
        switch mode {
        case .table: return renderTable(t)
        case .csv: return renderCSV(t)
        case .json: return renderJSON(t)
        case .line: return renderLines(t)
        }
    }

    func cell(_ v: Value, _ format: ReplTable.Format) -> String {
        if format == .percent, let d = v.asDouble { return ReplRenderer.percent(d) }
        return text(v)
    }

    func renderTable(_ t: ReplTable) -> String {
        let cells = t.rows.map { row in row.enumerated().map { i, v in clip(cell(v, t.formats[i])) } }
        // Numbers (and percentages) are right-aligned, everything else left-aligned.
        let right = t.columns.indices.map { i in
            !t.rows.isEmpty && t.rows.allSatisfy { row in
                switch row[i] {
                case .integer, .decimal, .null: return true
                default: return false
                }
            } && t.rows.contains { !$0[i].isNull }
        }
        let widths = t.columns.indices.map { i in ([t.columns[i]] + cells.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ r: [String]) -> String {
            var out = ""
            for (i, c) in r.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                if i > 0 { out += "  " }
                out += right[i] ? pad + c : c + pad
            }
            while out.last == " " { out.removeLast() }
            return out + "\n"
        }
        var out = line(t.columns) + line(widths.map { String(repeating: "-", count: $0) })
        for r in cells { out += line(r) }
        for n in t.notes { out += n + "\n" }
        return out
    }

    func renderLines(_ t: ReplTable) -> String {
        let width = t.columns.map(\.count).max() ?? 0
        var blocks: [String] = []
        for row in t.rows {
            var b = ""
            for (i, v) in row.enumerated() {
                b += String(repeating: " ", count: width - t.columns[i].count) + t.columns[i] + " = " + cell(v, t.formats[i]) + "\n"
            }
            blocks.append(b)
        }
        var out = blocks.joined(separator: "\n")
        if !t.notes.isEmpty { out += (out.isEmpty ? "" : "\n") + t.notes.map { $0 + "\n" }.joined() }
        return out
    }

    func renderCSV(_ t: ReplTable) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = t.columns.map(field).joined(separator: ",") + "\n"
        for row in t.rows {
            out += row.enumerated().map { i, v in
                t.formats[i] == .percent ? (v.asDouble.map { ReplRenderer.fraction($0) } ?? "") : field(text(v))
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    func renderJSON(_ t: ReplTable) -> String {
        if t.rows.isEmpty { return "[]\n" }
        let objects = t.rows.map { row in
            "{" + row.enumerated().map { i, v in
                ReplRenderer.jsonString(t.columns[i]) + ":" + (t.formats[i] == .percent ? (v.asDouble.map { ReplRenderer.fraction($0) } ?? "null") : json(v))
            }.joined(separator: ",") + "}"
        }
        return "[" + objects.joined(separator: ",\n") + "]\n"
    }

    // MARK: Single values

    /// One value on its own (an expression evaluated for one member, or a constant): written
    /// as the language writes it in table and line modes; lists of records become a table.
    func renderValue(_ v: Value) -> String {
        switch mode {
        case .json: return json(v) + "\n"
        case .csv:
            if let t = recordTable(v) { return render(t) }
            return text(v) + "\n"
        case .table, .line:
            if let t = recordTable(v) { return render(t) }
            return literal(v) + "\n"
        }
    }

    /// A record or a list of records of one kind as a table of its fields.
    func recordTable(_ v: Value) -> ReplTable? {
        let records: [Record]
        switch v {
        case .record(let r): records = [r]
        case .list(let xs) where !xs.isEmpty:
            let rs = xs.compactMap(\.asRecord)
            guard rs.count == xs.count, Set(rs.map(\.kind)).count == 1 else { return nil }
            records = rs
        default: return nil
        }
        return ReplRenderer.recordsTable(records, kind: schema.kinds[records[0].kind], dropEmpty: mode == .table || mode == .line)
    }

    /// Records as rows of their fields; for people (`dropEmpty`), fields no record has are left out.
    static func recordsTable(_ records: [Record], kind: RecordKind, dropEmpty: Bool) -> ReplTable {
        var fields = Array(kind.fields.indices)
        if dropEmpty, !records.isEmpty {
            fields = fields.filter { i in records.contains { r in
                switch r.fields[i] {
                case .null: return false
                case .list(let xs): return !xs.isEmpty
                default: return true
                }
            } }
        }
        return ReplTable(columns: fields.map { kind.fields[$0].name }, rows: records.map { r in fields.map { r.fields[$0] } })
    }

    /// The value as the language writes it, with records named by kind and id.
    func literal(_ v: Value) -> String {
        switch v {
        case .record: return text(v)
        case .list(let xs) where xs.contains(where: { $0.asRecord != nil }): return text(v)
        case .list(let xs): return "[" + xs.map(literal).joined(separator: ", ") + "]"
        case .interval(let i):
            return "interval" + (i.lowClosed ? "[" : "(") + literal(i.low) + ", " + literal(i.high) + (i.highClosed ? "]" : ")")
        default: return v.description
        }
    }

    /// The value as plain text for a cell: strings without quotes, dates without `@`, codes
    /// as their code, records as `Kind id`, lists of records as `[3 Encounter]`.
    func text(_ v: Value) -> String {
        switch v {
        case .null: return ""
        case .record(let r):
            let kind = schema.kinds[r.kind]
            if let slot = kind.slot(of: "id"), let id = r.fields[slot].asString { return "\(kind.name) \(id)" }
            return kind.name
        case .list(let xs):
            let kinds = Set(xs.compactMap { $0.asRecord?.kind })
            if kinds.count == 1, xs.allSatisfy({ $0.asRecord != nil }) {
                return "[\(xs.count) \(schema.kinds[kinds.first!].name)]"
            }
            return "[" + xs.map(text).joined(separator: ", ") + "]"
        case .interval(let i):
            return (i.lowClosed ? "[" : "(") + text(i.low) + ", " + text(i.high) + (i.highClosed ? "]" : ")")
        case .quantity: return v.description
        case .code(let c): return c.code
        default: return v.plainText
        }
    }

    func clip(_ s: String) -> String {
        var s = s
        if let nl = s.firstIndex(where: { $0 == "\n" || $0 == "\r" }) { s = String(s[..<nl]) + "..." }
        return s.count > Self.maximumCellWidth ? String(s.prefix(Self.maximumCellWidth - 3)) + "..." : s
    }

    // MARK: JSON

    func json(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .boolean(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .decimal(let d): return d.isFinite ? formatDecimal(d) : "null"
        case .string(let s): return ReplRenderer.jsonString(s)
        case .temporal(let t): return ReplRenderer.jsonString(t.description)
        case .quantity(let q): return "{\"value\":\(formatDecimal(q.value)),\"unit\":\(ReplRenderer.jsonString(q.unit))}"
        case .code(let c): return codeJSON(c)
        case .concept(let c): return "[" + c.codes.map(codeJSON).joined(separator: ",") + "]"
        case .interval(let i):
            return "{\"low\":\(json(i.low)),\"lowClosed\":\(i.lowClosed),\"high\":\(json(i.high)),\"highClosed\":\(i.highClosed)}"
        case .list(let xs): return "[" + xs.map(json).joined(separator: ",") + "]"
        case .record(let r):
            let kind = schema.kinds[r.kind]
            return "{" + zip(kind.fields, r.fields).map { ReplRenderer.jsonString($0.name) + ":" + json($1) }.joined(separator: ",") + "}"
        }
    }

    func codeJSON(_ c: Code) -> String {
        var s = "{\"system\":\(ReplRenderer.jsonString(c.system)),\"code\":\(ReplRenderer.jsonString(c.code))"
        if let d = c.display { s += ",\"display\":\(ReplRenderer.jsonString(d))" }
        return s + "}"
    }

    static func jsonString(_ s: String) -> String { TallyEngine.jsonString(s) }

    // MARK: Numbers

    /// A share as a percentage with one decimal: `12.3%`.
    static func percent(_ x: Double) -> String {
        let v = (x * 1000).rounded() / 10
        return String(format: "%.1f%%", v)
    }

    /// A share as a fraction with four decimals, for CSV and JSON: `0.1234`.
    static func fraction(_ x: Double) -> String {
        formatDecimal((x * 10000).rounded() / 10000)
    }

    /// Milliseconds with one decimal: `12.3 ms`; seconds above ten seconds.
    static func duration(_ seconds: Double) -> String {
        seconds >= 10 ? String(format: "%.1f s", seconds) : String(format: "%.1f ms", seconds * 1000)
    }
}
