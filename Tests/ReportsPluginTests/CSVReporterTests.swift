import Foundation
@testable import ReportsPlugin
import TallyEngine
import XCTest

final class CSVReporterTests: XCTestCase {
    func testGolden() throws {
        let files = CSVReporter().render(Fixtures.run(memberLevel: true))
        for name in ["summary.csv", "members.csv", "gaps.csv"] {
            try assertGolden(try XCTUnwrap(files[named: name]?.contents), "csv-" + name)
        }
    }

    func testRFC4180Quoting() {
        XCTAssertEqual(csv([["a", "b,c", "say \"hi\"", "two\nlines", "cr\r", ""]]),
                       "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\r\n")
    }

    /// Every row has as many fields as the header (read back with a small RFC 4180 reader).
    func testRectangular() throws {
        for f in CSVReporter().render(Fixtures.run(memberLevel: true)) {
            let rows = readCSV(f.contents)
            XCTAssertGreaterThan(rows.count, 1, f.name)
            for row in rows { XCTAssertEqual(row.count, rows[0].count, "\(f.name): \(row)") }
        }
    }

    func testSummaryRows() throws {
        let rows = readCSV(CSVReporter().render(Fixtures.run(memberLevel: false))[0].contents)
        let header = rows[0]
        func value(_ row: [String], _ column: String) -> String { row[header.firstIndex(of: column)!] }
        let bcs = try XCTUnwrap(rows.first { $0[0] == "CMS125" && $0[1].isEmpty })
        XCTAssertEqual(value(bcs, "initial"), "5")
        XCTAssertEqual(value(bcs, "rate"), "0.5")
        XCTAssertEqual(value(bcs, "target"), "0.8")
        XCTAssertEqual(value(bcs, "gap_to_target"), "0.3")
        XCTAssertEqual(value(bcs, "members_to_target"), "2")
        XCTAssertEqual(value(bcs, "measure_population"), "", "a proportion measure has no measure population")
        let stratum = try XCTUnwrap(rows.first { $0[0] == "CMS125" && $0[2] == "65-74, rural" })
        XCTAssertEqual(value(stratum, "denominator_exclusion"), "1")
        // Lower is better: 2 of 7 discharges readmitted against a 15 % target.
        let readmit = try XCTUnwrap(rows.first { $0[0] == "READMIT_30" && $0[1].isEmpty })
        XCTAssertEqual(value(readmit, "gap_to_target"), "0.135714")
    }

    func readCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append(chars.removeFirst()) } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r" && chars.first == "\n" {
                chars.removeFirst()
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        XCTAssertTrue(row.isEmpty && field.isEmpty, "the last line ends with CRLF")
        return rows
    }
}
