import Foundation
import TallyTestSupport
import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// A test case with a fresh temporary folder of CSV files, and helpers to load it and read
/// records by field name.
class ClaimsCSVTestCase: TemporaryFolderTestCase {

    /// A path as rejections name it.
    func path(_ name: String) -> String { dir + "/" + name }

    func load(strict: Bool = false, chunkSize: Int = 1 << 20) throws -> Panel {
        try ClaimsCSVLoader().load(path: dir, options: LoadOptions(strict: strict), chunkSize: chunkSize)
    }

    /// Loads strictly and returns the rejection thrown (failing when none is).
    func strictRejection(file: StaticString = #filePath, line: UInt = #line) -> Rejection? {
        thrown(Rejection.self, file: file, line: line) { _ = try load(strict: true) }
    }

    /// A standard patient file for the members `ids`.
    func patients(_ ids: String...) throws { try patients(ids) }

    func patients(_ ids: [String]) throws {
        try write("patient.csv", "person_id,sex,birth_date\n" + ids.map { "\($0),female,1960-01-01\n" }.joined())
    }

    /// The files of members `ids` in person order, with rows each table rejects: a broken birth
    /// date (p05), two claims of two lines per member (a line of the eighth member over two
    /// lines), a claim ending before it starts (p15), a short row (p25), and lab results of a
    /// member who never appears (p99). `claims` adds rows after a member's claims.
    func sortedPanel(_ ids: [String], claims: (String, inout CSVBuilder) -> Void = { _, _ in })
        -> (patients: String, medical: String, pharmacy: String, labs: String) {
        var patients = "person_id,sex,race,birth_date\n"
        for id in ids { patients += id == "p05" ? "p05,female,white,1980-13-01\n" : "\(id),female,white,1950-01-01\n" }
        var m = CSVBuilder.medical()
        for (k, id) in ids.enumerated() {
            for claim in 1...2 {
                for line in 1...2 {
                    m.add(["claim_id": "\(id)-c\(claim)", "claim_line_number": "\(line)", "claim_type": "professional", "person_id": id,
                           "claim_start_date": "2024-0\(claim)-05", "claim_end_date": "2024-0\(claim)-05", "hcpcs_code": "99213",
                           "paid_amount": "\(k).10", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "E119",
                           "data_source": k == 7 && line == 2 ? "two\nlines" : ""])
                }
            }
            claims(id, &m)
            if id == "p15" { m.add(["claim_id": "p15-c9", "claim_line_number": "1", "person_id": id, "claim_start_date": "2024-03-05", "claim_end_date": "2024-02-05"]) }
        }
        let medical = m.text.replacingOccurrences(of: "\np25-c1,1,", with: "\np25-c1,1\np25-c1,1,")
        var rx = "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply,paid_amount\n"
        for id in ids { rx += "rx-\(id),1,\(id),2024-02-01,00093721401,30,4.00\n" }
        var labs = "lab_result_id,person_id,normalized_component_code,result,normalized_units,result_datetime\n"
        for id in ids + ["p99"] { labs += "l-\(id),\(id),4548-4,7.1,%,2024-03-05\n" }
        return (patients, medical, rx, labs)
    }

    /// Loads in parts and renders the members (sorted by id, each once) with the whole report.
    func loadInParts(parts: Int, jobs: Int, options: LoadOptions = LoadOptions()) throws -> String {
        try loadInPartsWithAttempt(parts: parts, jobs: jobs, options: options).rendered
    }

    /// The rendering of a load in parts, and the attempt its parts came from (0: the files were
    /// read once; 1: the load started over).
    func loadInPartsWithAttempt(parts: Int, jobs: Int, options: LoadOptions = LoadOptions(),
                                file: StaticString = #filePath, line: UInt = #line) throws -> (rendered: String, attempt: Int) {
        let collected = Collected()
        let report = try ClaimsCSVLoader().loadParts(path: dir, options: options, jobs: jobs, parts: parts) { part in
            collected.add(part)
        }
        let members = collected.members.sorted { Panel.id(of: $0) < Panel.id(of: $1) }
        XCTAssertEqual(Set(members.map(Panel.id(of:))).count, members.count, "a member in two parts", file: file, line: line)
        XCTAssertEqual(collected.indexes.sorted(), Array(0..<collected.indexes.count), file: file, line: line)
        return (render(Panel(members: members, report: report)), collected.attempt)
    }

    func member(_ panel: Panel, _ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> Record {
        try XCTUnwrap(panel.members.first { Panel.id(of: $0) == id }, "no member \(id)", file: file, line: line)
    }
}

/// The parts of the load's last attempt (a part of a later attempt drops the earlier ones).
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var members: [Record] = []
    private(set) var indexes: [Int] = []
    private(set) var attempt = 0
    func add(_ part: PanelPart) {
        lock.withLock {
            if part.attempt > attempt { (attempt, members, indexes) = (part.attempt, [], []) }
            members += part.members
            indexes.append(part.index)
        }
    }
}

/// Reads a record's field by name.
func field(_ r: Record, _ name: String) -> Value {
    let kind = CanonicalSchema.schema.kinds[r.kind]
    guard let s = kind.slot(of: name) else { fatalError("no field \(kind.name).\(name)") }
    return r.fields[s]
}

func records(_ r: Record, _ list: String) -> [Record] { field(r, list).asList.compactMap(\.asRecord) }

extension Value {
    var asCodeKeys: [String] {
        switch self {
        case .code(let c): return [c.key]
        case .concept(let c): return c.codes.map(\.key)
        case .list(let xs): return xs.flatMap(\.asCodeKeys)
        default: return []
        }
    }

    var asInterval: IntervalValue? { if case .interval(let i) = self { return i } else { return nil } }

    var asQuantity: Quantity? { if case .quantity(let q) = self { return q } else { return nil } }
}

/// A readable, complete rendering of a panel (records by field name), to compare panels.
func render(_ panel: Panel) -> String {
    var out = ""
    func value(_ v: Value, _ indent: String) -> String {
        switch v {
        case .record(let r): return "\n" + record(r, indent + "  ")
        case .list(let xs) where xs.contains { $0.asRecord != nil }:
            return xs.map { value($0, indent) }.joined()
        case .temporal(let t): return "@" + t.description + (t.isDate ? "(date)" : "")
        default: return v.description
        }
    }
    func record(_ r: Record, _ indent: String) -> String {
        let kind = CanonicalSchema.schema.kinds[r.kind]
        var s = indent + kind.name + "\n"
        for (i, f) in kind.fields.enumerated() where !r.fields[i].isNull {
            if f.name == "encounter", let e = r.fields[i].asRecord {
                s += indent + "  encounter -> " + (field(e, "id").asString ?? "?") + "\n"
                continue
            }
            s += indent + "  " + f.name + ": " + value(r.fields[i], indent) + "\n"
        }
        return s
    }
    for m in panel.members { out += record(m, "") }
    out += "records: " + panel.report.records.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") + "\n"
    for r in panel.report.rejections { out += "rejected \(r.code) \(r)\n" }
    return out
}
