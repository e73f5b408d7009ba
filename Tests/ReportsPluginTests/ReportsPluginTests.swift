import Foundation
@testable import ReportsPlugin
@testable import TallyEngine
import TallyLanguage
import XCTest

/// What every reporter shares: registration, PHI marking, and summary files that do not depend
/// on whether member-level data was asked for.
final class ReportsPluginTests: XCTestCase {
    func testRegistersEveryFormat() {
        var registry = PluginRegistry()
        ReportsPlugin().register(into: &registry)
        XCTAssertEqual(registry.reporters.map(\.reporter.format), ["text", "json", "csv", "fhir", "html"])
    }

    /// Which files each format writes, and which of them hold PHI.
    static let expected: [(reporter: any Reporter, summary: [String], phi: [String])] = [
        (TextReporter(), ["summary.txt"], []),
        (JSONReporter(), ["summary.json"], ["members.json", "gaps.json"]),
        (CSVReporter(), ["summary.csv"], ["members.csv", "gaps.csv"]),
        (FHIRMeasureReportReporter(), ["measurereport-summary.json"], ["measurereport-subject-list.json", "measurereport-individual.ndjson"]),
    ]

    func testPHIFilesAreMarkedAndAbsentWithoutMemberLevelData() {
        let summaryOnly = Fixtures.run(memberLevel: false), memberLevel = Fixtures.run(memberLevel: true)
        for (reporter, summaryFiles, phiFiles) in Self.expected {
            let plain = reporter.render(summaryOnly)
            XCTAssertEqual(plain.map(\.name), summaryFiles, reporter.format)
            XCTAssertFalse(plain.contains { $0.containsPHI }, reporter.format)
            let full = reporter.render(memberLevel)
            XCTAssertEqual(full.map(\.name), summaryFiles + phiFiles, reporter.format)
            for f in full { XCTAssertEqual(f.containsPHI, phiFiles.contains(f.name), "\(reporter.format) \(f.name)") }
            // The summary files are the same either way.
            for name in summaryFiles { XCTAssertEqual(full[named: name]?.contents, plain[named: name]?.contents, name) }
            // No member id in a file without PHI.
            for f in plain { XCTAssertFalse(f.contents.contains("M 006"), "\(f.name) names a member") }
        }
        // The HTML report holds PHI only when it carries the worklists.
        let html = HTMLReporter()
        XCTAssertEqual(html.render(summaryOnly).map(\.name), ["report.html"])
        XCTAssertFalse(html.render(summaryOnly)[0].containsPHI)
        XCTAssertFalse(html.render(summaryOnly)[0].contents.contains("M 006"))
        XCTAssertFalse(html.render(summaryOnly)[0].contents.contains("Care gaps"))
        XCTAssertTrue(html.render(memberLevel)[0].containsPHI)
        XCTAssertTrue(html.render(memberLevel)[0].contents.contains("M 006"))
    }

    /// Gaps handed over without member-level evaluations are not written (PHI only with `--member-level`).
    func testGapsWithoutMemberLevelAreNotWritten() {
        var r = Fixtures.run(memberLevel: true)
        r.members = nil
        for reporter in [JSONReporter(), CSVReporter(), FHIRMeasureReportReporter(), HTMLReporter()] as [any Reporter] {
            for f in reporter.render(r) {
                XCTAssertFalse(f.containsPHI, "\(reporter.format) \(f.name)")
                XCTAssertFalse(f.contents.contains("Lovelace"), "\(reporter.format) \(f.name)")
            }
        }
    }

    func testDeterministic() {
        for reporter in [TextReporter(), JSONReporter(), CSVReporter(), FHIRMeasureReportReporter(), HTMLReporter()] as [any Reporter] {
            let a = reporter.render(Fixtures.run(memberLevel: true)), b = reporter.render(Fixtures.run(memberLevel: true))
            XCTAssertEqual(a.map(\.contents), b.map(\.contents), reporter.format)
        }
    }
}

/// How values (supplemental data, strata, observations) are written in tables and JSON.
final class ValueTextTests: XCTestCase {
    func coverage() throws -> Value {
        let schema = CanonicalSchema.schema
        let kind = try XCTUnwrap(schema.index(of: "Coverage"))
        var fields = [Value](repeating: .null, count: schema.kinds[kind].fields.count)
        func set(_ name: String, _ v: Value) { fields[schema.kinds[kind].slot(of: name)!] = v }
        set("id", .string("C1"))
        set("type", .concept(Concept(codes: [Code(system: "urn:oid:2.16.840.1.113883.3.221.5", code: "5")], text: "Medicare")))
        set("payer", .string("Acme, Inc."))
        return .record(Record.make(kind: kind, fields: fields))
    }

    func testCellText() throws {
        XCTAssertEqual(cellText(.list([try coverage(), .string("x")])), "5;x")
        XCTAssertEqual(cellText(.quantity(Quantity(2.5, "d"))), "2.5 d")
        XCTAssertEqual(cellText(.decimal(3)), "3")
        XCTAssertEqual(cellText(.null), "")
        XCTAssertEqual(cellText(.code(Code(system: "s", code: "F"))), "F")
    }

    func testJSONValues() throws {
        XCTAssertEqual(JSON(try coverage()).compact,
                       #"{"id":"C1","kind":"Coverage","payer":"Acme, Inc.","type":{"codes":[{"code":"5","system":"urn:oid:2.16.840.1.113883.3.221.5"}],"text":"Medicare"}}"#)
        XCTAssertEqual(JSON.string("a\"b\\c\n\u{1}\u{2028}é").compact, #""a\"b\\c\n\u0001\u2028é""#)
        XCTAssertEqual(JSON.array([.double(0.1), .double(2), .int(-3), .null, .bool(true)]).compact, "[0.1,2,-3,null,true]")
        XCTAssertEqual(JSON.obj(["b": .int(1), "resourceType": .string("X"), "a": nil]).compact, #"{"resourceType":"X","b":1}"#)
    }
}
