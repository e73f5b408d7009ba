import Foundation
import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// A folder in person order is loaded in parts reading each file once; whatever that cannot
/// vouch for (a row out of order, a claim of two members in two parts, a cut inside a quoted
/// field) makes the load start over, and either way the result is a whole load's.
final class OnePassLoadTests: ClaimsCSVTestCase {
    private let ids = (1...40).map { String(format: "p%02d", $0) }

    /// Forty members in person order with rows rejected inside a member's rows: a broken date, a
    /// short row, a repeated claim line, a claim ending before it starts, a row over two lines,
    /// and records of a member who never appears.
    private func writeSortedPanel(labsAfter extra: String = "") throws {
        var patients = "person_id,sex,race,birth_date\n"
        for id in ids { patients += id == "p05" ? "p05,female,white,1980-13-01\n" : "\(id),female,white,1950-01-01\n" }
        try write("patient.csv", patients)
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
            if id == "p15" { m.add(["claim_id": "p15-c9", "claim_line_number": "1", "person_id": id, "claim_start_date": "2024-03-05", "claim_end_date": "2024-02-05"]) }
        }
        var medical = m.text
        medical = medical.replacingOccurrences(of: "\np25-c1,1,", with: "\np25-c1,1\np25-c1,1,")
        try write("medical_claim.csv", medical)
        var rx = "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply,paid_amount\n"
        for id in ids { rx += "rx-\(id),1,\(id),2024-02-01,00093721401,30,4.00\n" + (id == "p30" ? "rx-p30,1,p30,2024-02-02,00093721401,30,4.00\n" : "") }
        try write("pharmacy_claim.csv", rx)
        var labs = "lab_result_id,person_id,normalized_component_code,result,normalized_units,result_datetime\n"
        for id in ids + ["p99"] { labs += "l-\(id),\(id),4548-4,7.1,%,2024-03-05\n" }
        try write("lab_result.csv", labs + extra)
    }

    func testAFolderInOrderIsReadOnceAndEqualsAWholeLoad() throws {
        try writeSortedPanel()
        let whole = render(try load())
        for code in ["bad-date", "column-count", "duplicate-line", "end-before-start", "no-member"] {
            XCTAssertTrue(whole.contains("rejected \(code)"), "\(code) in\n\(whole)")
        }
        // The repeated pharmacy line names the line of the first, in the file's numbering.
        XCTAssertTrue(whole.contains("pharmacy_claim.csv:32: claim rx-p30 line 1 repeats the line read at line 31"), whole)
        for parts in [2, 3, 7, 40] {
            for jobs in [1, 2] {
                let (inParts, attempt) = try loadInPartsWithAttempt(parts: parts, jobs: jobs)
                XCTAssertEqual(inParts, whole, "\(parts) parts on \(jobs) threads")
                XCTAssertEqual(attempt, 0, "\(parts) parts on \(jobs) threads started over")
            }
        }
    }

    func testARowOutOfOrderAtTheEndStartsOver() throws {
        try writeSortedPanel(labsAfter: "l-late,p02,4548-4,9.5,%,2024-04-05\n")
        let whole = render(try load())
        XCTAssertTrue(whole.contains("9.5"), whole)
        for parts in [2, 7] {
            let (inParts, attempt) = try loadInPartsWithAttempt(parts: parts, jobs: 2)
            XCTAssertEqual(inParts, whole, "\(parts) parts")
            XCTAssertEqual(attempt, 1, "\(parts) parts")
        }
    }

    func testAClaimOfTwoMembersInTwoPartsStartsOver() throws {
        try writeSortedPanel()
        // p03 and p38 are far apart: in different parts of a load in seven.
        var medical = try String(contentsOfFile: path("medical_claim.csv"), encoding: .utf8)
        medical = medical.replacingOccurrences(of: "\np38-c1,1,", with: "\np03-c1,9,")
        try write("medical_claim.csv", medical)
        let whole = render(try load())
        XCTAssertTrue(whole.contains("claim p03-c1 belongs to person_id 'p03' on line"), whole)
        let (inParts, attempt) = try loadInPartsWithAttempt(parts: 7, jobs: 2)
        XCTAssertEqual(inParts, whole)
        XCTAssertEqual(attempt, 1)
    }

    /// A quoted field holding lines that look like rows of other members: a cut guessed inside
    /// it is found by the part before and the load starts over; the result is the whole load's.
    func testLinesInsideAQuotedFieldAreNotTakenForRows() throws {
        try writeSortedPanel()
        var m = try String(contentsOfFile: path("medical_claim.csv"), encoding: .utf8)
        let fake = (0..<400).map { "p\(String(format: "%02d", 21 + $0 % 19))-x,1,professional,p\(String(format: "%02d", 21 + $0 % 19)),2024-01-05" }
            .joined(separator: "\n")
        m = m.replacingOccurrences(of: "\np20-c1,1,", with: "\np20-c1,1,\"\(fake)\"")
        try write("medical_claim.csv", m)
        let whole = render(try load())
        for parts in [2, 3, 5, 9] {
            XCTAssertEqual(try loadInParts(parts: parts, jobs: 2), whole, "\(parts) parts")
        }
    }

    func testStrictReadsTheCarefulWay() throws {
        try writeSortedPanel()
        let seen = Attempts()
        XCTAssertThrowsError(try ClaimsCSVLoader().loadParts(path: dir, options: LoadOptions(strict: true), jobs: 2, parts: 3) { seen.add($0.attempt) }) { e in
            // The scan of each file finds the short row before any part is read.
            XCTAssertEqual((e as? Rejection)?.code, "column-count")
        }
        XCTAssertEqual(seen.all, [])
    }

    func testLinesInMessagesAreMovedToTheFilesNumbering() {
        XCTAssertEqual(RelativeLines.resolve("repeats line \(RelativeLines.mark(3)) and \(RelativeLines.mark(10))", firstLine: 101),
                       "repeats line 103 and 110")
        XCTAssertEqual(RelativeLines.resolve("no lines here", firstLine: 7), "no lines here")
    }
}

private final class Attempts: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<Int> = []
    func add(_ a: Int) { lock.withLock { _ = seen.insert(a) } }
    var all: Set<Int> { lock.withLock { seen } }
}
