import Foundation
import ReportsPlugin
import TallyEngine
import TallyTestSupport
import XCTest

/// Validates the FHIR reports against the `fhir.resources` models (PyPI) with
/// `scripts/validate-fhir-reports.py`. Needs python3 with fhir.resources:
/// `python3 -m pip install 'fhir.resources>=8,<9'` (`.ci/run` installs it); skipped otherwise.
final class FHIRReportValidationTests: TemporaryFolderURLTestCase {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/validate-fhir-reports.py")

    override class var folderPrefix: String { "tally-fhir-" }

    func testReportsAreValidFHIR() throws {
        try requireChecker()
        for (label, run) in [("member-level", Fixtures.run(memberLevel: true)), ("no period", Fixtures.run(memberLevel: true, period: nil))] {
            let reports = folder.appendingPathComponent(label)
            try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
            let files = FHIRMeasureReportReporter().render(run)
            XCTAssertEqual(files.count, 3)
            for f in files { try Data(f.contents.utf8).write(to: reports.appendingPathComponent(f.name)) }
            let (status, output) = try python([Self.script.path, reports.path])
            XCTAssertEqual(status, 0, "\(label): \(output)")
            XCTAssertTrue(output.contains("MeasureReport(s) in 3 file(s): valid FHIR R4"), output)
        }
    }

    /// The checker rejects what is not valid, so a pass means something.
    func testCheckerRejectsInvalidReports() throws {
        try requireChecker()
        let bad = """
            {"resourceType": "MeasureReport", "id": "x", "status": "complete", "type": "summary",
             "measure": "https://tally.example/Measure/X",
             "group": [{"population": [{"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/measure-population",
                                                              "code": "numerator"}]}, "count": 1}]}]}
            """
        try Data(bad.utf8).write(to: folder.appendingPathComponent("bad.json"))
        let (status, output) = try python([Self.script.path, folder.path])
        XCTAssertEqual(status, 1, output)
        XCTAssertTrue(output.contains("period"), output)
    }

    func requireChecker() throws {
        guard FileManager.default.fileExists(atPath: Self.script.path) else { throw XCTSkip("no checker at \(Self.script.path)") }
        let (status, output) = try python([Self.script.path, "--check-import"])
        if status == 127 { throw XCTSkip("python3 is not on PATH: FHIR reports not validated") }
        if status != 0 {
            throw XCTSkip("fhir.resources is not importable (python3 -m pip install 'fhir.resources>=8,<9'): FHIR reports not validated. \(output)")
        }
    }

    /// Runs `python3` (found on PATH); the status and the output, stderr after stdout.
    func python(_ arguments: [String]) throws -> (Int32, String) {
        let run = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
        return (run.status, run.stdout + run.stderr)
    }
}
