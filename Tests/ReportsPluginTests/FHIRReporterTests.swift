import Foundation
@testable import ReportsPlugin
import TallyEngine
import XCTest

final class FHIRReporterTests: XCTestCase {
    static let names = ["measurereport-summary.json", "measurereport-subject-list.json", "measurereport-individual.ndjson"]

    func testGolden() throws {
        let files = FHIRMeasureReportReporter().render(Fixtures.run(memberLevel: true))
        for name in Self.names { try assertGolden(try XCTUnwrap(files[named: name]?.contents), "fhir-" + name) }
    }

    func testSummaryBundle() throws {
        let files = FHIRMeasureReportReporter().render(Fixtures.run(memberLevel: false))
        let bundle = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(files[0].contents.utf8)) as? [String: Any])
        XCTAssertEqual(bundle["resourceType"] as? String, "Bundle")
        XCTAssertEqual(bundle["type"] as? String, "collection")
        let reports = try XCTUnwrap(bundle["entry"] as? [[String: Any]]).compactMap { $0["resource"] as? [String: Any] }
        XCTAssertEqual(reports.map { $0["measure"] as? String }, ["https://tally.example/Measure/CMS125", "https://tally.example/Measure/LOS",
                                                                  "https://tally.example/Measure/READMIT_30"])
        XCTAssertEqual(reports.map { $0["id"] as? String }.prefix(2), ["CMS125-summary", "LOS-summary"])
        // An underscore is not allowed in a FHIR id: replaced, with a hash of the name so ids stay distinct.
        let id = try XCTUnwrap(reports[2]["id"] as? String)
        XCTAssertTrue(id.hasPrefix("READMIT-30-summary-") && id.count == "READMIT-30-summary-".count + 16, id)
        XCTAssertNil(reports[0]["date"], "no timestamps")
        XCTAssertEqual(reports[0]["period"] as? [String: String], ["start": "2025-01-01", "end": "2025-12-31"])
        let group = try XCTUnwrap((reports[0]["group"] as? [[String: Any]])?.first)
        XCTAssertEqual((group["measureScore"] as? [String: Double])?["value"], 0.5)
        // The median length of stay of 2.5, 3, 5 and 8 days.
        let los = try XCTUnwrap((reports[1]["group"] as? [[String: Any]])?.first)
        XCTAssertEqual((los["measureScore"] as? [String: Double])?["value"], 4)
    }

    func testPeriods() {
        let p = FHIRMeasureReportReporter.period
        XCTAssertTrue(p("2025-01-01..2025-12-31")! == ("2025-01-01", "2025-12-31"))
        XCTAssertTrue(p("interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]")! == ("2025-01-01", "2025-12-31"))
        XCTAssertTrue(p("2024")! == ("2024-01-01", "2024-12-31"))
        XCTAssertNil(p(nil))
        XCTAssertNil(p("last year"))
    }

    /// Without a period the report says so with the data-absent-reason extension (FHIR requires one).
    func testMissingPeriod() throws {
        let files = FHIRMeasureReportReporter().render(Fixtures.run(memberLevel: false, period: nil))
        XCTAssertTrue(files[0].contents.contains("\"url\": \"http://hl7.org/fhir/StructureDefinition/data-absent-reason\""))
        XCTAssertFalse(files[0].contents.contains("\"start\""))
    }

    func testIDs() {
        let id = FHIRMeasureReportReporter.id
        XCTAssertEqual(id(["CMS125", "summary"]), "CMS125-summary")
        XCTAssertNotEqual(id(["A_B", "x"]), id(["A.B", "x"]))
        XCTAssertNotEqual(id(["A_B", "x"]), id(["A-B", "x"]))
        let long = id([String(repeating: "m", count: 80), "individual", "M1"])
        XCTAssertEqual(long.count, 64)
        XCTAssertTrue(FHIRMeasureReportReporter.isValidID(long))
        XCTAssertNotEqual(long, id([String(repeating: "m", count: 80), "individual", "M2"]))
    }
}
