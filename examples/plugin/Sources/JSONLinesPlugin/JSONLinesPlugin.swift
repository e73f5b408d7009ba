import Foundation
import TallyEngine
import TallyLanguage

/// An example plugin written outside Tally's core. It adds:
/// - a function `bmi(weight: Quantity, height: Quantity): Decimal`, typed for the checker;
/// - a loader for a simple JSON-lines member format (`*.members.jsonl`), one member per line:
///   `{"id": "m1", "birth_date": "1960-05-01", "sex": "female",
///     "encounters": [{"id": "e1", "status": "finished", "date": "2025-03-01", "code": "cpt|99213"}]}`;
/// - a reporter `markdown` writing `summary.md`, a table of the measures' rates.
public struct JSONLinesPlugin: TallyPlugin {
    public init() {}
    public var name: String { "jsonlines-example" }
    public var summary: String { "example: bmi() function, JSON-lines member loader, Markdown report" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(functions: [Self.bmi], from: name)
        registry.add(loader: JSONLinesLoader(), from: name)
        registry.add(reporter: MarkdownReporter(), from: name)
    }

    /// Body-mass index from a weight and a height in any compatible units.
    static let bmi = FunctionDefinition(name: "bmi", parameters: [.quantity, .quantity], result: .decimal,
                                        doc: "Body-mass index (kg/m2) from a weight and a height.") { args in
        guard case .quantity(let w) = args[0], case .quantity(let h) = args[1],
              let kg = convert(w.value, from: w.unit, to: "kg"), let m = convert(h.value, from: h.unit, to: "m"), m > 0 else {
            return .null
        }
        return .decimal((kg / (m * m) * 10).rounded() / 10)
    }
}

/// Reads `*.members.jsonl` files: one JSON object per line, a member with encounters.
struct JSONLinesLoader: PanelLoader {
    var format: String { "jsonlines" }

    func canLoad(path: String) -> Bool {
        path.hasSuffix(".members.jsonl") || ((try? FileManager.default.contentsOfDirectory(atPath: path))?.contains { $0.hasSuffix(".members.jsonl") } ?? false)
    }

    func load(path: String, options: LoadOptions) throws -> Panel {
        let files = path.hasSuffix(".jsonl") ? [path] : filesUnder(path).filter { $0.hasSuffix(".members.jsonl") }
        var assembler = MemberAssembler()
        var report = LoadReport()
        let encounters = CanonicalSchema.slot("Member", "encounters")
        for file in files {
            report.files.append(file)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw Rejection(file: file, code: "unreadable", message: "cannot read the file")
            }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                do {
                    try readMember(String(line), &assembler, encounters)
                } catch let bad as BadMember {
                    let r = Rejection(file: file, line: n + 1, code: "bad-member", message: bad.reason)
                    if options.strict { throw r }
                    report.rejections.append(r)
                }
            }
        }
        return try assembler.finish(report: report, options: options)
    }

    func readMember(_ line: String, _ assembler: inout MemberAssembler, _ encountersSlot: Int) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { throw BadMember(reason: "invalid JSON") }
        guard let id = object["id"] as? String, !id.isEmpty else { throw BadMember(reason: "a member needs an \"id\"") }
        let member = assembler.member(id)
        member.seen = true
        if let birth = object["birth_date"] as? String {
            guard case .success(let t) = Temporal.parse(birth), t.isDate else { throw BadMember(reason: "bad birth_date '\(birth)'") }
            member.setField(CanonicalSchema.slot("Member", "birth_date"), .temporal(t))
        }
        if let sex = object["sex"] as? String { member.setField(CanonicalSchema.slot("Member", "sex"), .string(sex)) }
        for e in object["encounters"] as? [[String: Any]] ?? [] {
            let record = CanonicalSchema.newRecord("Encounter")
            record.fields[CanonicalSchema.slot("Encounter", "id")] = (e["id"] as? String).map { .string($0) } ?? .null
            record.fields[CanonicalSchema.slot("Encounter", "status")] = .string(e["status"] as? String ?? "finished")
            guard let date = e["date"] as? String, case .success(let day) = Temporal.parse(date) else { throw BadMember(reason: "an encounter needs a \"date\"") }
            let start = Temporal(year: day.parts.year, month: day.parts.month, day: day.parts.day)
            record.fields[CanonicalSchema.slot("Encounter", "period")] = .interval(IntervalValue(low: .temporal(start), high: .temporal(start)))
            if let code = e["code"] as? String, let bar = code.firstIndex(of: "|") {
                let c = Code(system: codeSystemURL(String(code[..<bar])), code: String(code[code.index(after: bar)...]))
                record.fields[CanonicalSchema.slot("Encounter", "type")] = .list([.concept(Concept(codes: [c]))])
            }
            member.add(record, list: encountersSlot)
        }
    }
}

/// Why a line is not a member.
struct BadMember: Error {
    var reason: String
}

/// Writes `summary.md`: one row per measure with its rate.
struct MarkdownReporter: Reporter {
    var format: String { "markdown" }
    func render(_ result: RunResult) -> [ReportFile] {
        var out = "| Measure | Initial | Numerator | Rate |\n|---|---:|---:|---:|\n"
        for s in result.summaries {
            let rate = s.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            out += "| \(s.measure) | \(s.count(.initial)) | \(s.count(.numerator)) | \(rate) |\n"
        }
        return [ReportFile(name: "summary.md", contents: out)]
    }
}
