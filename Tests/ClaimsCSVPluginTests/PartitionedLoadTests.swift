import Foundation
import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// Loading in parts gives the members and the load report a whole load gives, whatever the
/// number of parts and threads, bad rows included.
final class PartitionedLoadTests: ClaimsCSVTestCase {
    /// The full panel, plus rows each table rejects and rows that only a whole-file view can
    /// judge: a claim id used by two members, a pharmacy claim line repeated for another member,
    /// records of a member who never appears.
    func writeMessyPanel() throws {
        try writeFullPanel()
        try write("patient.csv", "person_id,sex,race,birth_date\np1,female,white,1950-01-01\np2,male,asian,1970-06-15\n"
            + "p4,female,white,1980-13-01\n\"p5\",\"fe\"\"male\",white,1981-02-02\np6,male\n")
        var m = CSVBuilder.medical()
        for (claim, line, person) in [("c1", "1", "p1"), ("c9", "1", "p2"), ("c1", "2", "p2"), ("c9", "2", "p1"), ("c1", "2", "p1"), ("c9", "3", "p2")] {
            m.add(["claim_id": claim, "claim_line_number": line, "claim_type": "professional", "person_id": person,
                   "claim_start_date": "2024-03-05", "claim_end_date": "2024-03-05", "hcpcs_code": "99213", "paid_amount": "80.10"])
        }
        m.add(["claim_id": "c7", "claim_line_number": "1", "person_id": "p2", "claim_start_date": "2024-03-05", "claim_end_date": "2024-02-05"])
        try write("medical_claim.csv", m.text)
        try write("pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply,paid_amount\n"
            + "rx1,1,p1,2024-02-01,00093721401,30,4.00\nrx1,1,p2,2024-02-01,00093721401,30,4.00\nrx2,1,p2,2024-02-01,00093721401,30,x\n"
            + "rx3,,ghost,2024-02-01,00093721401,30,4.00\n")
        try write("lab_result.csv", "lab_result_id,person_id,normalized_component_code,result,normalized_units,result_datetime\n"
            + "l1,p1,4548-4,7.1,%,2024-03-05\nl2,ghost,4548-4,8,%,2024-03-05\n\"l3,p2,4548-4,9,%,2024-03-05\n")
    }

    func testPartsEqualAWholeLoad() throws {
        try writeMessyPanel()
        let whole = render(try load())
        XCTAssertTrue(whole.contains("claim-member-mismatch"), whole)
        XCTAssertTrue(whole.contains("duplicate-line"), whole)
        XCTAssertTrue(whole.contains("no-member"), whole)
        for parts in [2, 3, 7] {
            for jobs in [1, 2] {
                XCTAssertEqual(try loadInParts(parts: parts, jobs: jobs), whole, "\(parts) parts on \(jobs) threads")
            }
        }
    }

    /// Forty members with every file in person_id order (so parts are read as ranges of the
    /// files), bad rows among them: a broken date, short rows, a claim id used by two members, a
    /// repeated pharmacy line, a row over two lines, rows without a person id, records of a member
    /// who never appears, and a quote never closed at the end of a file.
    func writeSortedMessyPanel() throws {
        let ids = (1...40).map { String(format: "p%02d", $0) }
        let files = sortedPanel(ids) { id, m in
            if id == "p10" || id == "p11" {
                m.add(["claim_id": "shared", "claim_line_number": id == "p10" ? "1" : "2", "claim_type": "professional", "person_id": id,
                       "claim_start_date": "2024-03-05", "claim_end_date": "2024-03-05", "hcpcs_code": "99213", "paid_amount": "5"])
            }
            if id == "p20" { m.add(["claim_id": "nobody", "claim_line_number": "1", "claim_start_date": "2024-03-05"]) }
        }
        try write("patient.csv", files.patients + "p41,male\n")
        try write("medical_claim.csv", files.medical)
        try write("pharmacy_claim.csv", files.pharmacy.replacingOccurrences(of: "rx-p21,1,p21", with: "rx-p20,1,p21"))
        try write("lab_result.csv", files.labs + "\"l-bad,p99,4548-4,9,%,2024-03-05\n")
    }

    /// A folder in person order loaded in ranges: claims whose lines interleave within a person, a
    /// repeated line, a rejected row between them, and persons with one row give what a whole
    /// load gives.
    func testClaimsBuiltAtEachPersonLikeAWholeLoad() throws {
        let ids = (1...12).map { String(format: "p%02d", $0) }
        try write("patient.csv", "person_id,sex,birth_date\n" + ids.map { "\($0),female,1950-01-01\n" }.joined())
        var m = CSVBuilder.medical()
        for (k, id) in ids.enumerated() {
            let lines: [(String, String, String)] = k % 3 == 0 ? [("a", "1", "2024-01-05")]
                : [("a", "1", "2024-01-05"), ("b", "1", "2024-02-05"), ("a", "2", "2024-01-06"), ("b", "1", "2024-02-07"),
                   ("a", "3", "2024-13-01"), ("b", "2", "2024-02-06"), ("a", "4", "2024-01-07")]
            for (claim, line, date) in lines {
                m.add(["claim_id": "\(id)-\(claim)", "claim_line_number": line, "claim_type": "professional", "person_id": id,
                       "claim_start_date": "2024-01-01", "claim_end_date": "2024-03-01", "claim_line_start_date": date,
                       "hcpcs_code": "9921\(line)", "paid_amount": "\(k).\(line)0", "diagnosis_code_type": "icd-10-cm",
                       "diagnosis_code_1": line == "2" ? "I10" : "E119", "diagnosis_code_2": claim == "b" ? "E119" : ""])
            }
        }
        try write("medical_claim.csv", m.text)
        XCTAssertNotNil(try RangePlan.make(folder: dir, tables: Array(ClaimsCSVLoader.tables.indices), options: LoadOptions(), parts: 3, jobs: 1))
        let whole = render(try load())
        XCTAssertTrue(whole.contains("rejected duplicate-line"), whole)
        XCTAssertTrue(whole.contains("rejected bad-date"), whole)
        for parts in [2, 3, 5, 12] {
            XCTAssertEqual(try loadInParts(parts: parts, jobs: 1), whole, "\(parts) parts")
        }
        let panel = try load()
        let claims = records(try member(panel, "p02"), "claims")
        XCTAssertEqual(claims.map { field($0, "lines").asList.count }, [3, 2])
    }

    func testSortedFilesAreLoadedInRangesLikeAWholeLoad() throws {
        try writeSortedMessyPanel()
        XCTAssertNotNil(try RangePlan.make(folder: dir, tables: Array(ClaimsCSVLoader.tables.indices), options: LoadOptions(), parts: 3, jobs: 2))
        let whole = render(try load())
        for code in ["bad-date", "column-count", "claim-member-mismatch", "duplicate-line", "end-before-start", "missing-value", "no-member", "unterminated-quote"] {
            XCTAssertTrue(whole.contains("rejected \(code)"), "\(code) in\n\(whole)")
        }
        XCTAssertTrue(whole.contains("two\nlines") || whole.contains("p08"), whole)
        for parts in [2, 3, 7, 40] {
            for jobs in [1, 2] {
                XCTAssertEqual(try loadInParts(parts: parts, jobs: jobs), whole, "\(parts) parts on \(jobs) threads")
            }
        }
        // Files out of order are split by hash instead.
        try writeMessyPanel()
        XCTAssertNil(try RangePlan.make(folder: dir, tables: Array(ClaimsCSVLoader.tables.indices), options: LoadOptions(), parts: 3, jobs: 2))
    }

    func testTheExamplePanelInPartsEqualsAWholeLoad() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/panel").standardized.path
        dir = example
        defer { dir = nil }
        XCTAssertEqual(try loadInParts(parts: 5, jobs: 2), render(try load()))
    }

    func testScratchFilesAreRemoved() throws {
        try writeMessyPanel()
        let scratch = dir + "-scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let old = ProcessInfo.processInfo.environment["TMPDIR"]
        setenv("TMPDIR", scratch, 1)
        defer { if let old { setenv("TMPDIR", old, 1) } else { unsetenv("TMPDIR") } }
        _ = try loadInParts(parts: 3, jobs: 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), [])
    }

    func testStrictStopsAtARejection() throws {
        for write in [writeMessyPanel, writeSortedMessyPanel] {
            try write()
            XCTAssertThrowsError(try ClaimsCSVLoader().loadParts(path: dir, options: LoadOptions(strict: true), jobs: 2, parts: 3) { _ in }) { e in
                XCTAssertNotNil(e as? Rejection)
            }
        }
    }

    func testPartCountFollowsTheInputSize() throws {
        try writeMessyPanel()
        XCTAssertEqual(PartitionedLoad.partCount(folder: dir), 1)
        XCTAssertGreaterThan(PartitionedLoad.partCount(folder: dir, options: LoadOptions(partSize: 200)), 5)
        XCTAssertEqual(PartitionedLoad.partCount(folder: dir, options: LoadOptions(partSize: 1)), PartitionedLoad.maximumParts)
    }

    /// Records derived from claims (an encounter per claim, conditions, procedures) are made only
    /// for the fields a run reads; a condition's or procedure's encounter only with encounters.
    func testRecordsDerivedFromClaimsOnlyForTheFieldsRead() throws {
        try writeFullPanel()
        func load(_ fields: Set<String>) throws -> Panel {
            try ClaimsCSVLoader().load(path: dir, options: LoadOptions(memberFields: fields), chunkSize: 1 << 20)
        }
        func records(_ panel: Panel, _ field: String) -> [Record] {
            let slot = CanonicalSchema.slot("Member", field)
            return panel.members.flatMap { $0.fields[slot].asList.compactMap(\.asRecord) }
        }
        let all = try self.load()
        for kind in ["Encounter", "Condition", "Procedure"] { XCTAssertGreaterThan(all.report.records[kind] ?? 0, 0, kind) }
        let claims = try load(["claims"])
        XCTAssertEqual(claims.report.records["Claim"], all.report.records["Claim"])
        XCTAssertEqual(claims.report.records["Encounter"], nil)
        XCTAssertEqual(claims.report.records["Condition"], nil)
        XCTAssertEqual(claims.report.records["Procedure"], nil)
        XCTAssertEqual(records(claims, "claims").count, records(all, "claims").count)

        let encounter = CanonicalSchema.slot("Condition", "encounter")
        let conditions = try load(["conditions", "procedures"])
        XCTAssertEqual(conditions.report.records["Condition"], all.report.records["Condition"])
        XCTAssertEqual(conditions.report.records["Procedure"], all.report.records["Procedure"])
        XCTAssertEqual(conditions.report.records["Encounter"], nil)
        XCTAssertTrue(records(conditions, "conditions").allSatisfy { $0.fields[encounter].isNull })
        XCTAssertTrue(records(all, "conditions").contains { !$0.fields[encounter].isNull })

        // With encounters as well, those three lists are the whole load's.
        let three = try load(["conditions", "procedures", "encounters"])
        for field in ["conditions", "procedures", "encounters"] {
            let only = Panel(members: three.members.map { m in Self.keeping(field, of: m) }, report: LoadReport())
            let whole = Panel(members: all.members.map { m in Self.keeping(field, of: m) }, report: LoadReport())
            XCTAssertEqual(render(only), render(whole), field)
        }
    }

    /// A member record holding only its id and one field.
    static func keeping(_ field: String, of m: Record) -> Record {
        let slot = CanonicalSchema.slot("Member", field)
        return Record.make(kind: m.kind, fields: m.fields.indices.map { i in
            i == slot || i == CanonicalSchema.memberID ? m.fields[i] : .null
        })
    }

    func testTablesOfFieldsTheRunDoesNotReadAreSkipped() throws {
        try writeMessyPanel()
        let all = try load()
        XCTAssertEqual(all.report.notRead, [])
        let options = LoadOptions(memberFields: ["claims", "enrollments"])
        let some = try ClaimsCSVLoader().load(path: dir, options: options, chunkSize: 1 << 20)
        // The member tables are always read; tables that fill only other fields are skipped and
        // named, and their rows are neither loaded nor checked.
        XCTAssertEqual(some.report.notRead, ["provider_attribution.csv", "pharmacy_claim.csv", "encounter.csv", "lab_result.csv",
                                                 "condition.csv", "procedure.csv", "observation.csv", "immunization.csv", "medication.csv"])
        XCTAssertEqual(some.report.records["MedicationDispense"], nil)
        XCTAssertEqual(some.report.records["Attribution"], nil)
        XCTAssertEqual(some.report.records["Claim"], all.report.records["Claim"])
        XCTAssertEqual(some.report.records["Member"], all.report.records["Member"])
        XCTAssertFalse(some.report.rejections.contains { $0.file.hasSuffix("pharmacy_claim.csv") || $0.file.hasSuffix("lab_result.csv") })
        XCTAssertTrue(some.report.rejections.contains { $0.code == "claim-member-mismatch" })
        XCTAssertEqual(try loadInParts(parts: 3, jobs: 2, options: options), render(some))
        let parts = try ClaimsCSVLoader().loadParts(path: dir, options: options, jobs: 2, parts: 3) { _ in }
        XCTAssertEqual(parts.notRead, some.report.notRead)
    }
}
