import Foundation
import XCTest

/// `tally run` and `tally test` end to end on the published eCQM test cases (skipped when
/// `../shared/ecqm` is not beside the repository).
final class RunAndTestCommandTests: TallyBinaryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/ecqm")

    func sharedPath(_ relative: String) throws -> String {
        let url = Self.shared.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) is not here") }
        return url.path
    }

    var cms125: String { Self.repository.appendingPathComponent("Measures/ecqm/CMS125.measure").path }

    func testMADiECasesPass() throws {
        let cases = try sharedPath("tests/BreastCancerScreeningFHIR")
        let r = try tally(["test", "--cases", cases, "--measure", cms125, "--valuesets", try sharedPath("valuesets")])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "58 passed, 0 failed\n")
    }

    /// A deliberately wrong expectation must fail, name the case and population, and exit 1.
    func testWrongExpectationFails() throws {
        let cases = try sharedPath("tests/BreastCancerScreeningFHIR")
        let caseFolder = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cases).sorted().first { !$0.hasSuffix(".txt") })
        let copy = dir.appendingPathComponent("cases/\(caseFolder)")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: cases + "/" + caseFolder, toPath: copy.path)
        let reportName = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: copy.path).first { $0.hasPrefix("MeasureReport") })
        let reportURL = copy.appendingPathComponent(reportName)
        var report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: reportURL)) as? [String: Any])
        var groups = try XCTUnwrap(report["group"] as? [[String: Any]])
        var populations = try XCTUnwrap(groups[0]["population"] as? [[String: Any]])
        let initialIndex = try XCTUnwrap(populations.firstIndex {
            (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String == "initial-population"
        })
        let was = populations[initialIndex]["count"] as? Int ?? 0
        populations[initialIndex]["count"] = 1 - was
        groups[0]["population"] = populations
        report["group"] = groups
        try JSONSerialization.data(withJSONObject: report).write(to: reportURL)

        let r = try tally(["test", "--cases", copy.deletingLastPathComponent().path, "--measure", cms125,
                           "--valuesets", try sharedPath("valuesets")])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("FAIL "), r.stdout)
        XCTAssertTrue(r.stdout.contains("  initial: expected \(1 - was), got \(was)\n"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("0 passed, 1 failed\n"), r.stdout)
    }

    /// The summary over all 58 CMS125 patients, and the same bytes whatever the thread count.
    func testRunSummaryIsGoldenAndDeterministic() throws {
        let cases = try sharedPath("tests/BreastCancerScreeningFHIR")
        let valueSets = try sharedPath("valuesets")
        let one = try tally(["run", cases, "--measures", cms125, "--valuesets", valueSets, "--jobs", "1"])
        let many = try tally(["run", cases, "--measures", cms125, "--valuesets", valueSets, "--jobs", "4"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(one.stdout, many.stdout)
        try assertGolden(one.stdout, "run-cms125-text.txt")
    }

    func testRunNeedsMeasures() throws {
        let r = try tally(["run", "."])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--measures"), r.stderr)
    }

    func testStrictLoadStopsWithExitThree() throws {
        try write("panel/Patient-p1.json", #"{"resourceType": "Patient", "id": "p1", "birthDate": "1960-02-30"}"#)
        let r = try tally(["load", "panel", "--input-format", "fhir", "--strict"])
        XCTAssertEqual(r.status, 3, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("Patient-p1.json"), r.stderr)
        let lenient = try tally(["load", "panel", "--input-format", "fhir"])
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stdout.contains("rejected: 1\n"), lenient.stdout)
    }
}
