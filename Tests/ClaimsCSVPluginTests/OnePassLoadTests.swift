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

    /// Forty members in person order with rows rejected inside a member's rows (`sortedPanel`),
    /// and a pharmacy claim line repeated (p30).
    private func writeSortedPanel(labsAfter extra: String = "") throws {
        let files = sortedPanel(ids)
        try write("patient.csv", files.patients)
        try write("medical_claim.csv", files.medical)
        try write("pharmacy_claim.csv", files.pharmacy.replacingOccurrences(of: "rx-p30,1,p30,2024-02-01,00093721401,30,4.00\n",
                                                                            with: "rx-p30,1,p30,2024-02-01,00093721401,30,4.00\nrx-p30,1,p30,2024-02-02,00093721401,30,4.00\n"))
        try write("lab_result.csv", files.labs + extra)
    }

    /// Rewrites one file of the panel.
    private func edit(_ name: String, _ change: (String) -> String) throws {
        try write(name, change(try String(contentsOfFile: path(name), encoding: .utf8)))
    }

    /// Loads the panel in each number of parts on each number of threads: each load gives
    /// `whole`, from the attempt expected (0: read once; 1: started over).
    private func assertLoadsInParts(_ parts: [Int], jobs: [Int] = [2], give whole: String, attempt expected: Int) throws {
        for p in parts {
            for j in jobs {
                let (inParts, attempt) = try loadInPartsWithAttempt(parts: p, jobs: j)
                XCTAssertEqual(inParts, whole, "\(p) parts on \(j) threads")
                XCTAssertEqual(attempt, expected, "\(p) parts on \(j) threads: attempt")
            }
        }
    }

    func testAFolderInOrderIsReadOnceAndEqualsAWholeLoad() throws {
        try writeSortedPanel()
        let whole = render(try load())
        for code in ["bad-date", "column-count", "duplicate-line", "end-before-start", "no-member"] {
            XCTAssertTrue(whole.contains("rejected \(code)"), "\(code) in\n\(whole)")
        }
        // The repeated pharmacy line names the line of the first, in the file's numbering.
        XCTAssertTrue(whole.contains("pharmacy_claim.csv:32: claim rx-p30 line 1 repeats the line read at line 31"), whole)
        try assertLoadsInParts([2, 3, 7, 40], jobs: [1, 2], give: whole, attempt: 0)
    }

    func testARowOutOfOrderAtTheEndStartsOver() throws {
        try writeSortedPanel(labsAfter: "l-late,p02,4548-4,9.5,%,2024-04-05\n")
        let whole = render(try load())
        XCTAssertTrue(whole.contains("9.5"), whole)
        try assertLoadsInParts([2, 7], give: whole, attempt: 1)
    }

    func testAClaimOfTwoMembersInTwoPartsStartsOver() throws {
        try writeSortedPanel()
        // p03 and p38 are far apart: in different parts of a load in seven.
        try edit("medical_claim.csv") { $0.replacingOccurrences(of: "\np38-c1,1,", with: "\np03-c1,9,") }
        let whole = render(try load())
        XCTAssertTrue(whole.contains("claim p03-c1 belongs to person_id 'p03' on line"), whole)
        try assertLoadsInParts([7], give: whole, attempt: 1)
    }

    /// A quoted field holding lines that look like rows of other members: a cut guessed inside
    /// it is found by the part before and the load starts over; the result is the whole load's.
    func testLinesInsideAQuotedFieldAreNotTakenForRows() throws {
        try writeSortedPanel()
        let fake = (0..<400).map { "p\(String(format: "%02d", 21 + $0 % 19))-x,1,professional,p\(String(format: "%02d", 21 + $0 % 19)),2024-01-05" }
            .joined(separator: "\n")
        try edit("medical_claim.csv") { $0.replacingOccurrences(of: "\np20-c1,1,", with: "\np20-c1,1,\"\(fake)\"") }
        let whole = render(try load())
        for parts in [2, 3, 5, 9] {
            XCTAssertEqual(try loadInParts(parts: parts, jobs: 2), whole, "\(parts) parts")
        }
    }

    /// Line ends of CRLF, a byte-order mark, a table with a header only and an empty table read
    /// once as they read whole.
    func testCRLFByteOrderMarkAndEmptyTablesReadOnce() throws {
        try writeSortedPanel()
        try edit("medical_claim.csv") { "\u{FEFF}" + $0.replacingOccurrences(of: "\n", with: "\r\n") }
        try write("condition.csv", "condition_id,person_id,normalized_code_type,normalized_code,recorded_date\n")
        try write("procedure.csv", "")
        let whole = render(try load())
        XCTAssertTrue(whole.contains("rejected column-count"), whole)
        try assertLoadsInParts([2, 5, 11], give: whole, attempt: 0)
    }

    /// Lines ended by a lone CR give no line feed to cut at: the load takes the careful way.
    func testLinesEndedByCarriageReturnsAreReadTheCarefulWay() throws {
        try writeSortedPanel()
        var rx = "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply,paid_amount\r"
        for k in 0..<60_000 { rx += "rx-p\(String(format: "%02d", 1 + k / 1_500))-\(k),1,p\(String(format: "%02d", 1 + k / 1_500)),2024-02-01,00093721401,30,4.00\r" }
        try write("pharmacy_claim.csv", rx)
        try assertLoadsInParts([5], give: render(try load()), attempt: 1)
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
        let lines = RelativeLines(nonce: 7)
        XCTAssertEqual(lines.resolve("repeats line \(lines.mark(3)) and \(lines.mark(10))", firstLine: 101), "repeats line 103 and 110")
        XCTAssertEqual(lines.resolve("no lines here", firstLine: 7), "no lines here")
        // Text from the data that looks like a mark, or like half of one, is left as it is.
        let fromData = "birth_date '\u{E000}5\u{E001}' and '\u{E000}9223372036854775807\u{E001}' on \(lines.mark(2)) \u{E000}"
        XCTAssertEqual(lines.resolve(fromData, firstLine: 10),
                       "birth_date '\u{E000}5\u{E001}' and '\u{E000}9223372036854775807\u{E001}' on 11 \u{E000}")
    }

    /// A rejected value that holds the characters line marks are made of reads as in a whole load.
    func testValuesLikeLineMarksAreLeftAsTheyAre() throws {
        try writeSortedPanel()
        try edit("patient.csv") { $0.replacingOccurrences(of: "p20,female,white,1950-01-01", with: "p20,female,white,\u{E000}9223372036854775807\u{E001}") }
        let whole = render(try load())
        XCTAssertTrue(whole.contains("\u{E000}9223372036854775807\u{E001}"), whole)
        try assertLoadsInParts([5], give: whole, attempt: 0)
    }
}

private final class Attempts: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: Set<Int> = []
    func add(_ a: Int) { lock.withLock { _ = seen.insert(a) } }
    var all: Set<Int> { lock.withLock { seen } }
}
