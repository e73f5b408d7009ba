import Foundation
import TallyEngine
import TallyLanguage
import Yams

/// Reads `*.tests.yaml` test files (docs/testing.md): a measure, an optional period and value-set
/// folders, and cases of one member each with their records inline and the expected populations
/// and define values. Every value is typed by the canonical schema field it fills; every error
/// names the file, line and column and never crashes the reader.
public struct YAMLTestFileReader: TestFileReader {
    public init() {}
    public var format: String { "tally-yaml" }

    public func canRead(path: String) -> Bool {
        path.hasSuffix(".tests.yaml") || path.hasSuffix(".tests.yml")
    }

    public func read(path: String) throws -> TestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestFileError(file: path, location: nil, reason: "cannot read the file")
        }
        return try read(path: path, bytes: [UInt8](data))
    }

    /// Reads a test file from its bytes (`path` names it in errors and anchors relative paths).
    public func read(path: String, bytes: [UInt8]) throws -> TestFile {
        let text = try TestFileText(path: path, bytes: bytes)
        return try TestFileParser(text: text).parse()
    }
}

/// The text of a test file and the conversion of YAML marks (columns in Unicode scalars) to
/// Tally locations (columns in UTF-8 bytes).
struct TestFileText {
    let path: String
    let string: String
    let lines: [Substring]

    init(path: String, bytes: [UInt8]) throws {
        self.path = path
        // Invalid UTF-8: say where, rather than let the YAML reader guess.
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let s): offset += s.count
            case .emptyInput: break loop
            case .error:
                let before = bytes[..<offset]
                let line = before.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                let column = offset - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
                throw TestFileError(file: path, location: TestFileLocation(line: line, column: column),
                                    reason: "the file is not valid UTF-8 text")
            }
        }
        string = String(decoding: bytes, as: UTF8.self)
        lines = string.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// A YAML mark (1-based line, column in Unicode scalars) as a Tally location.
    func location(_ mark: Mark?) -> TestFileLocation? {
        guard let mark else { return nil }
        return location(line: mark.line, scalarColumn: mark.column)
    }

    func location(line: Int, scalarColumn: Int) -> TestFileLocation {
        guard line >= 1, line <= lines.count else { return TestFileLocation(line: max(line, 1), column: max(scalarColumn, 1)) }
        var bytes = 0
        for (i, u) in lines[line - 1].unicodeScalars.enumerated() {
            if i >= scalarColumn - 1 { break }
            bytes += UTF8.width(u)
        }
        return TestFileLocation(line: line, column: bytes + 1)
    }

    /// A character offset (as Yams reports reader errors) as a location.
    func location(characterOffset: Int) -> TestFileLocation {
        var line = 1, column = 1
        for (i, c) in string.enumerated() {
            if i >= characterOffset { break }
            if c == "\n" || c == "\r\n" { line += 1; column = 1 } else { column += c.utf8.count }
        }
        return TestFileLocation(line: line, column: column)
    }
}

/// Builds a `TestFile` from the YAML tree.
struct TestFileParser {
    let text: TestFileText
    var path: String { text.path }
    var folder: String { (path as NSString).deletingLastPathComponent }

    init(text: TestFileText) {
        self.text = text
    }

    func error(_ node: Node?, _ reason: String) -> TestFileError {
        TestFileError(file: path, location: text.location(node?.mark), reason: reason)
    }

    func error(at mark: Mark?, _ reason: String) -> TestFileError {
        TestFileError(file: path, location: text.location(mark), reason: reason)
    }

    // MARK: The file

    func parse() throws -> TestFile {
        try checkNesting()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text.string)
        } catch let e as YamlError {
            throw yamlError(e)
        } catch {
            throw TestFileError(file: path, location: nil, reason: "not valid YAML: \(error)")
        }
        guard let root else {
            throw TestFileError(file: path, location: TestFileLocation(line: 1, column: 1),
                                reason: "the file is empty: expected 'measure:' and 'cases:'")
        }
        let top = try mapping(root, "the test file", keys: ["measure", "period", "valuesets", "cases"])
        guard let measureNode = top["measure"] else {
            throw error(root, "missing 'measure:', the measure file this file tests (relative to this file)")
        }
        let measure = try scalarText(measureNode, "the measure file path")
        let measurePath = resolve(measure)
        guard FileManager.default.fileExists(atPath: measurePath) else {
            throw error(measureNode, "no measure file '\(measure)' (looked for \(measurePath))")
        }
        let period = try top["period"].map(parsePeriod)
        var valueSets: [String] = []
        if let v = top["valuesets"] {
            for item in try listItems(v) {
                let p = resolve(try scalarText(item, "a value-set folder"))
                guard FileManager.default.fileExists(atPath: p) else { throw error(item, "no value-set folder \(p)") }
                valueSets.append(p)
            }
        }
        guard let casesNode = top["cases"] else { throw error(root, "missing 'cases:', the list of test cases") }
        guard let items = casesNode.sequence else { throw error(casesNode, "'cases' must be a list of cases, found \(describe(casesNode))") }
        var cases: [TestFileCase] = []
        var names: [String: TestFileLocation] = [:]
        for (i, item) in items.enumerated() {
            let c = try CaseBuilder(parser: self, index: i + 1).build(item)
            if let other = names[c.name] {
                throw error(item, "a second case named '\(c.name)' (the first is at line \(other.line)); case names must differ")
            }
            names[c.name] = c.location
            cases.append(c)
        }
        return TestFile(path: path, measurePath: measurePath,
                        measureLocation: text.location(measureNode.mark) ?? TestFileLocation(line: 1, column: 1),
                        period: period, valueSetPaths: valueSets, cases: cases)
    }

    /// A path written in the file, relative to the file's folder.
    func resolve(_ p: String) -> String {
        if p.hasPrefix("/") { return p }
        var path = folder.isEmpty || folder == "." ? p : (folder as NSString).appendingPathComponent(p)
        while path.hasPrefix("./") { path.removeFirst(2) }
        return path
    }

    /// Deeply nested collections would exhaust the stack of the (recursive) YAML reader: refuse
    /// them. Block nesting is bounded by indentation and compact `- - x` entries; flow nesting by
    /// counting brackets.
    func checkNesting() throws {
        for (i, l) in text.lines.enumerated() {
            let u = Array(l.utf8)
            var k = 0
            while k < u.count, u[k] == UInt8(ascii: " ") { k += 1 }
            if k > 256 {
                throw TestFileError(file: path, location: TestFileLocation(line: i + 1, column: 1),
                                    reason: "a line indented more than 256 columns: nested too deep")
            }
            var compact = 0
            while k + 1 < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "?"), u[k + 1] == UInt8(ascii: " ") {
                compact += 1
                k += 2
                while k < u.count, u[k] == UInt8(ascii: " ") { k += 1 }
            }
            if compact > 64 {
                throw TestFileError(file: path, location: TestFileLocation(line: i + 1, column: k + 1),
                                    reason: "more than 64 list entries started on one line: nested too deep")
            }
        }
        var depth = 0, line = 1, lineStart = 0, anchors = 0
        var quote: UInt8? = nil
        var comment = false
        let bytes = Array(text.string.utf8)
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "\n") {
                line += 1
                lineStart = i + 1
                comment = false
                continue
            }
            if comment { continue }
            if let q = quote { if b == q { quote = nil }; continue }
            switch b {
            case UInt8(ascii: "#"): comment = i == 0 || bytes[i - 1] == UInt8(ascii: " ") || bytes[i - 1] == UInt8(ascii: "\t")
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if i == 0 || " \t[{,:-".utf8.contains(bytes[i - 1]) { quote = b }
            case UInt8(ascii: "&") where (i == 0 || " \t[{,".utf8.contains(bytes[i - 1])) && i + 1 < bytes.count
                    && !" \t\r\n".utf8.contains(bytes[i + 1]):
                // Aliases of anchors that nest aliases build arbitrarily deep trees.
                anchors += 1
                if anchors > 32 {
                    throw TestFileError(file: path, location: TestFileLocation(line: line, column: i - lineStart + 1),
                                        reason: "more than 32 anchors (&name) in one file")
                }
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > 64 {
                    throw TestFileError(file: path, location: TestFileLocation(line: line, column: i - lineStart + 1),
                                        reason: "lists and maps nested more than 64 deep")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
    }

    func yamlError(_ e: YamlError) -> TestFileError {
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            let flow = problem.contains("expected ',' or") || (context?.text.contains("flow") ?? false)
            let hint = flow ? "; inside {...} and [...], quote a value that holds , [ ] { } or ': ', such as '140 mm[Hg]'" : ""
            return TestFileError(file: path, location: text.location(line: mark.line, scalarColumn: mark.column),
                                 reason: "not valid YAML: \(problem)\(where_)\(hint)")
        case .reader(let problem, let offset, _, _):
            return TestFileError(file: path, location: offset.map { text.location(characterOffset: $0) },
                                 reason: "not valid YAML: \(problem)")
        default:
            return TestFileError(file: path, location: nil, reason: "not valid YAML: \(e)")
        }
    }

    // MARK: YAML helpers

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .mapping: return "a map"
        case .sequence: return "a list"
        }
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A map's entries by key, checking that every key is known and none is repeated.
    func mapping(_ node: Node, _ what: String, keys known: [String]) throws -> [String: Node] {
        guard let m = node.mapping else { throw error(node, "\(what) must be a map of fields, found \(describe(node))") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw error(k, "a key must be a plain name") }
            guard known.contains(key) else {
                throw error(k, "unknown field '\(key)' in \(what)" + hint(key, known))
            }
            if out[key] != nil { throw error(k, "'\(key)' is given twice in \(what)") }
            out[key] = v
        }
        return out
    }

    /// A map's entries in order, keys as text, checking for repeats.
    func entries(_ node: Node, _ what: String) throws -> [(key: String, keyNode: Node, value: Node)] {
        guard let m = node.mapping else { throw error(node, "\(what) must be a map, found \(describe(node))") }
        var seen = Set<String>()
        var out: [(String, Node, Node)] = []
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw error(k, "a key must be a plain name") }
            guard seen.insert(key).inserted else { throw error(k, "'\(key)' is given twice in \(what)") }
            out.append((key, k, v))
        }
        return out
    }

    func hint(_ name: String, _ known: [String]) -> String {
        if let close = closestName(to: name, in: known) { return "; did you mean '\(close)'?" }
        return " (known: " + known.joined(separator: ", ") + ")"
    }

    func scalarText(_ node: Node, _ what: String) throws -> String {
        guard case .scalar(let s) = node else { throw error(node, "expected \(what), found \(describe(node))") }
        return s.string
    }

    /// A list's items; a single value counts as a list of one.
    func listItems(_ node: Node) throws -> [Node] {
        if let s = node.sequence { return Array(s) }
        return [node]
    }

    // MARK: Period

    func parsePeriod(_ node: Node) throws -> Value {
        if case .scalar(let s) = node {
            guard let year = Int(s.string), (1...9999).contains(year) else {
                throw error(node, "'period' must be a year such as 2025, or {start: 2025-01-01, end: 2025-12-31}")
            }
            return .interval(Temporal.wholeYear(year))
        }
        let m = try mapping(node, "the period", keys: ["start", "end"])
        func day(_ key: String) throws -> Temporal {
            guard let n = m[key] else { throw error(node, "the period needs '\(key)'") }
            let t = try date(n, "the period \(key)")
            guard t.precision == .day else { throw error(n, "the period \(key) must be a full date such as 2025-01-01") }
            return t
        }
        let start = try day("start"), end = try day("end")
        guard start.millis <= end.millis else { throw error(node, "the period starts after it ends") }
        return .interval(Temporal.wholeDays(start, end))
    }

    // MARK: Scalars

    func temporal(_ node: Node, _ what: String) throws -> Temporal {
        let s = try scalarText(node, what)
        switch Temporal.parse(s) {
        case .success(let t): return t
        case .failure(let e): throw error(node, "'\(s)' is not a valid date-time for \(what): \(e.message)")
        }
    }

    func date(_ node: Node, _ what: String) throws -> Temporal {
        let t = try temporal(node, what)
        guard t.isDate else { throw error(node, "\(what) is a date: write it without a time of day, such as 2025-03-01") }
        return t
    }

    /// `loinc 8480-6`, `http://loinc.org 8480-6`, or `{system: ..., code: ..., display: ...}`.
    func code(_ node: Node, _ what: String) throws -> Code {
        if node.mapping != nil {
            let m = try mapping(node, "a code", keys: ["system", "code", "display"])
            guard let sys = m["system"], let c = m["code"] else { throw error(node, "a code needs 'system' and 'code'") }
            return Code(system: try system(sys, try scalarText(sys, "a code system")), code: try scalarText(c, "a code"),
                        display: try m["display"].map { try scalarText($0, "a display") })
        }
        let s = try scalarText(node, what).trimmingCharacters(in: .whitespaces)
        guard let space = s.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            throw error(node, "'\(s)' is not a code: write SYSTEM CODE, such as 'loinc 8480-6'")
        }
        let sys = String(s[..<space])
        let value = s[space...].trimmingCharacters(in: .whitespaces)
        return Code(system: try system(node, sys), code: value)
    }

    func system(_ node: Node, _ name: String) throws -> String {
        let url = codeSystemURL(name)
        guard url.contains(":") || url.contains("/") else {
            throw error(node, "unknown code system '\(name)'" + (closestName(to: name, in: codeSystemAliases.keys).map { "; did you mean '\($0)'?" }
                ?? ": use an alias (loinc, snomed, icd10cm, icd10pcs, cpt, hcpcs, rxnorm, ndc, cvx, ...) or a canonical URL"))
        }
        return url
    }

    /// Whether a text reads as `SYSTEM CODE` with a known system.
    func looksLikeCode(_ s: String) -> Bool {
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2 else { return false }
        let url = codeSystemURL(String(parts[0]))
        return url.contains(":") || url.contains("/")
    }

    /// `140 mm[Hg]`, `9 %`, `90 days`, `140 'mm[Hg]'`; a number alone has unit `1`.
    func quantity(_ node: Node, _ what: String) throws -> Quantity {
        let s = try scalarText(node, what).trimmingCharacters(in: .whitespaces)
        guard let q = parseQuantity(s) else {
            throw error(node, "'\(s)' is not a quantity: write NUMBER UNIT, such as '140 mm[Hg]' or '9 %'")
        }
        return q
    }

    func parseQuantity(_ s: String) -> Quantity? {
        let number: Substring, unit: String
        if let space = s.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            number = s[..<space]
            var u = s[space...].trimmingCharacters(in: .whitespaces)
            if u.count >= 2, u.hasPrefix("'"), u.hasSuffix("'") { u = String(u.dropFirst().dropLast()) }
            unit = u
        } else {
            number = Substring(s)
            unit = "1"
        }
        guard !unit.isEmpty, !unit.contains(" "), let v = Double(number), v.isFinite,
              number.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" }) else { return nil }
        return Quantity(v, unit)
    }
}

/// Builds one case: its member, records, references and expectations.
final class CaseBuilder {
    let p: TestFileParser
    let index: Int
    /// Records with an id, by kind name, to resolve references.
    var byKind: [String: [(id: String, record: Record, node: Node)]] = [:]
    var references: [(record: Record, slot: Int, kind: String, id: String, node: Node)] = []

    init(parser: TestFileParser, index: Int) {
        self.p = parser
        self.index = index
    }

    static let schema = CanonicalSchema.schema

    func build(_ node: Node) throws -> TestFileCase {
        let m = try p.mapping(node, "a case", keys: ["name", "member", "records", "expect", "defines"])
        let name = try m["name"].map { try p.scalarText($0, "the case name") } ?? "case \(index)"
        let member = CanonicalSchema.newRecord("Member")
        let memberKind = CaseBuilder.schema.root
        member.fields[CanonicalSchema.memberID] = .string("case-\(index)")
        if let mem = m["member"] {
            for (key, keyNode, value) in try p.entries(mem, "member") {
                guard let slot = memberKind.slot(of: key) else {
                    throw p.error(keyNode, "a member has no field '\(key)'" + p.hint(key, memberKind.fields.map(\.name)))
                }
                let field = memberKind.fields[slot]
                if case .list(.record) = field.type {
                    throw p.error(keyNode, "'\(key)' is a list of records: put it under 'records:'")
                }
                member.fields[slot] = try self.value(value, field.type, "Member.\(key)")
            }
        }
        if let recs = m["records"] {
            let lists = memberKind.fields.filter { if case .list(.record) = $0.type { return true } else { return false } }.map(\.name)
            for (key, keyNode, value) in try p.entries(recs, "records") {
                guard let slot = memberKind.slot(of: key), case .list(.record(let kind)) = memberKind.fields[slot].type else {
                    throw p.error(keyNode, "no record list '\(key)' on a member" + p.hint(key, lists))
                }
                guard let items = value.sequence else {
                    throw p.error(value, "'\(key)' must be a list of \(kind) records, found \(p.describe(value))")
                }
                member.fields[slot] = .list(try items.map { .record(try record($0, kind: kind, topLevel: true)) })
            }
        }
        try resolveReferences()
        let expected = try m["expect"].map(expectations) ?? []
        let defines = try m["defines"].map(defineExpectations) ?? []
        if expected.isEmpty && defines.isEmpty {
            throw p.error(node, "case '\(name)' expects nothing: add 'expect:' (populations) or 'defines:'")
        }
        return TestFileCase(name: name, location: p.text.location(node.mark) ?? TestFileLocation(line: 1, column: 1),
                            member: member, expected: expected, defines: defines)
    }

    // MARK: Records

    func record(_ node: Node, kind name: String, topLevel: Bool) throws -> Record {
        guard let kindIndex = CaseBuilder.schema.index(of: name) else { throw p.error(node, "unknown record kind \(name)") }
        let kind = CaseBuilder.schema.kinds[kindIndex]
        let r = CanonicalSchema.newRecord(name)
        for (key, keyNode, value) in try p.entries(node, "a \(name) record") {
            guard let slot = kind.slot(of: key) else {
                throw p.error(keyNode, "\(name) has no field '\(key)'" + p.hint(key, kind.fields.map(\.name)))
            }
            let field = kind.fields[slot]
            if case .record(let target) = field.type {
                if p.isNull(value) { continue }
                if value.mapping != nil {
                    r.fields[slot] = .record(try record(value, kind: target, topLevel: false))
                } else {
                    references.append((r, slot, target, try p.scalarText(value, "the id of \("AEIOU".contains(target.prefix(1)) ? "an" : "a") \(target) record"), value))
                }
                continue
            }
            r.fields[slot] = try self.value(value, field.type, "\(name).\(key)")
        }
        if topLevel, let idSlot = kind.slot(of: "id"), let id = r.fields[idSlot].asString {
            if let other = byKind[name]?.first(where: { $0.id == id }) {
                throw p.error(node, "a second \(name) with id '\(id)' (the first is at line \(other.node.mark?.line ?? 0)); ids must differ")
            }
            byKind[name, default: []].append((id, r, node))
        }
        return r
    }

    func resolveReferences() throws {
        for ref in references {
            let candidates = byKind[ref.kind] ?? []
            guard let target = candidates.first(where: { $0.id == ref.id }) else {
                let ids = candidates.map(\.id)
                let known = ids.isEmpty ? "the case has no \(ref.kind) records with an id"
                    : closestName(to: ref.id, in: ids).map { "did you mean '\($0)'?" } ?? "ids: " + ids.joined(separator: ", ")
                throw p.error(ref.node, "no \(ref.kind) with id '\(ref.id)' in this case's records; \(known)")
            }
            ref.record.fields[ref.slot] = .record(target.record)
        }
    }

    // MARK: Values by schema type

    func value(_ node: Node, _ type: TypeRef, _ field: String) throws -> Value {
        if p.isNull(node) { return .null }
        switch type {
        case .string, .any:
            return .string(try p.scalarText(node, "text for \(field)"))
        case .boolean:
            guard case .scalar(let s) = node, let b = node.bool, s.style == .plain else {
                throw p.error(node, "\(field) is true or false, not \(p.describe(node))")
            }
            return .boolean(b)
        case .integer:
            let s = try p.scalarText(node, "a whole number for \(field)")
            guard let i = Int(s) else { throw p.error(node, "\(field) is a whole number, not '\(s)'") }
            return .integer(i)
        case .decimal:
            let s = try p.scalarText(node, "a number for \(field)")
            guard let d = Double(s), d.isFinite, Int(s) != nil || s.contains(".") else {
                throw p.error(node, "\(field) is a number, not '\(s)'")
            }
            return .decimal(d)
        case .date:
            return .temporal(try p.date(node, field))
        case .dateTime:
            return .temporal(try p.temporal(node, field))
        case .quantity:
            return .quantity(try p.quantity(node, field))
        case .code:
            return .code(try p.code(node, field))
        case .concept:
            if let items = node.sequence {
                guard !items.isEmpty else { throw p.error(node, "\(field) needs at least one code") }
                return .concept(Concept(codes: try items.map { try p.code($0, field) }))
            }
            return .concept(Concept(codes: [try p.code(node, field)]))
        case .list(let item):
            if case .record(let kind) = item {
                guard let items = node.sequence else { throw p.error(node, "\(field) is a list of \(kind) records, found \(p.describe(node))") }
                return .list(try items.map { .record(try record($0, kind: kind, topLevel: false)) })
            }
            if let items = node.sequence { return .list(try items.map { try value($0, item, field) }) }
            return .list([try value(node, item, field)])
        case .interval(let point):
            return .interval(try interval(node, point, field))
        case .record(let kind):
            return .record(try record(node, kind: kind, topLevel: false))
        case .choice(let options):
            return try choice(node, options, field)
        }
    }

    /// `[start, end]` or `{start: ..., end: ...}`: closed at both ends; a null start is unknown
    /// (an open null bound), a null end is the end of time (a closed null bound).
    func interval(_ node: Node, _ point: TypeRef, _ field: String) throws -> IntervalValue {
        let startNode: Node?, endNode: Node?
        if let items = node.sequence {
            guard items.count == 2 else { throw p.error(node, "\(field) is an interval: write [start, end], found a list of \(items.count)") }
            startNode = items[0]
            endNode = items[1]
        } else if node.mapping != nil {
            let m = try p.mapping(node, "the interval \(field)", keys: ["start", "end"])
            startNode = m["start"]
            endNode = m["end"]
        } else {
            throw p.error(node, "\(field) is an interval: write [start, end] or {start: ..., end: ...}, not \(p.describe(node))")
        }
        let low = try startNode.map { try value($0, point, "the start of \(field)") } ?? .null
        let high = try endNode.map { try value($0, point, "the end of \(field)") } ?? .null
        if let l = low.asTemporal, let h = high.asTemporal, l.compare(h) == 1 {
            throw p.error(node, "\(field) starts (\(l)) after it ends (\(h))")
        }
        return IntervalValue(low: low, lowClosed: !low.isNull, high: high, highClosed: true)
    }

    static let typeKeys: [String: TypeRef] = [
        "quantity": .quantity, "concept": .concept, "code": .code, "string": .string, "boolean": .boolean,
        "integer": .integer, "decimal": .decimal, "datetime": .dateTime, "date": .date,
    ]

    /// A field of several possible types, chosen by the shape of what is written.
    func choice(_ node: Node, _ options: [TypeRef], _ field: String) throws -> Value {
        let names = options.map(\.description).joined(separator: ", ")
        let interval = options.first { if case .interval = $0 { return true } else { return false } }
        switch node {
        case .scalar(let s):
            let t = s.string.trimmingCharacters(in: .whitespaces)
            let scalarOptions = options.filter { if case .interval = $0 { return false } else { return true } }
            let quoted = s.style != .plain
            if options.contains(.dateTime), scalarOptions == [.dateTime] || looksLikeDate(t) {
                return .temporal(try p.temporal(node, field))
            }
            if !quoted, options.contains(.integer), let i = Int(t) { return .integer(i) }
            if options.contains(.quantity), let q = p.parseQuantity(t), t.contains(" ") || !options.contains(.integer) {
                return .quantity(q)
            }
            if !quoted, options.contains(.boolean), let b = node.bool { return .boolean(b) }
            if options.contains(.concept), p.looksLikeCode(t) { return .concept(Concept(codes: [try p.code(node, field)])) }
            if options.contains(.string) { return .string(s.string) }
            throw p.error(node, "'\(t)' does not fit \(field), which is one of \(names)")
        case .sequence:
            if let interval, case .interval(let point) = interval { return .interval(try self.interval(node, point, field)) }
            if options.contains(.concept) { return try value(node, .concept, field) }
            throw p.error(node, "\(field) (one of \(names)) cannot be a list")
        case .mapping(let m):
            let keys = m.keys.compactMap { $0.scalar?.string }
            if let interval, case .interval(let point) = interval, keys.allSatisfy({ $0 == "start" || $0 == "end" }) {
                return .interval(try self.interval(node, point, field))
            }
            if keys.count == 1, let key = keys.first, let type = CaseBuilder.typeKeys[key] ?? (key == "interval" ? interval : nil) {
                guard options.contains(type) else { throw p.error(node, "\(field) cannot be a \(key): it is one of \(names)") }
                return try value(m.values.first!, type, field)
            }
            if options.contains(.concept), keys.contains("system") { return try value(node, .concept, field) }
            throw p.error(node, "\(field) (one of \(names)) cannot be this map; write {TYPE: value}, such as {quantity: 140 mm[Hg]}")
        }
    }

    func looksLikeDate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 7 else { return false }
        return u[0..<4].allSatisfy { $0 >= 48 && $0 <= 57 } && u[4] == UInt8(ascii: "-")
    }

    // MARK: Expectations

    func expectations(_ node: Node) throws -> [(population: PopulationKind, expectation: PopulationExpectation, location: TestFileLocation)] {
        let names = PopulationKind.allCases.map(\.rawValue)
        return try p.entries(node, "expect").map { key, keyNode, value in
            guard let kind = PopulationKind(rawValue: key) ?? PopulationKind.allCases.first(where: { $0.fhirCode == key }) else {
                throw p.error(keyNode, "unknown population '\(key)'" + p.hint(key, names))
            }
            let expectation: PopulationExpectation
            if case .scalar(let s) = value, s.style == .plain, let b = value.bool, Int(s.string) == nil {
                expectation = .member(b)
            } else if case .scalar(let s) = value, s.style == .plain, let n = Int(s.string), n >= 0 {
                expectation = .count(n)
            } else {
                throw p.error(value, "expected true, false or a count of subjects for '\(key)', found \(p.describe(value))")
            }
            return (kind, expectation, p.text.location(keyNode.mark) ?? TestFileLocation(line: 1, column: 1))
        }
    }

    func defineExpectations(_ node: Node) throws -> [DefineExpectation] {
        try p.entries(node, "defines").map { key, keyNode, value in
            DefineExpectation(name: key, expected: try expectedValue(value),
                              location: p.text.location(keyNode.mark) ?? TestFileLocation(line: 1, column: 1))
        }
    }

    func expectedValue(_ node: Node, depth: Int = 0) throws -> DefineExpectation.Expected {
        if p.isNull(node) { return .text("null") }
        guard depth < 16 else { throw p.error(node, "an expected value nested more than 16 lists deep") }
        switch node {
        case .scalar(let s): return .text(s.string)
        case .sequence(let items): return .items(try items.map { try expectedValue($0, depth: depth + 1) })
        case .mapping:
            let m = try p.mapping(node, "a define expectation", keys: ["count"])
            guard let c = m["count"], let n = Int(try p.scalarText(c, "a count")), n >= 0 else {
                throw p.error(node, "write {count: N} for the number of items of a list")
            }
            return .count(n)
        }
    }
}
