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

    var examplePanel: String { Self.repository.appendingPathComponent("examples/panel").path }
    var ecqmMeasures: String { Self.repository.appendingPathComponent("Measures/ecqm").path }

    /// A panel split into three shards and merged gives the bytes of the unsharded run.
    func testShardsMergeToTheSameReports() throws {
        let valueSets = try sharedPath("valuesets")
        let full = try tally(["run", examplePanel, "--measures", ecqmMeasures, "--valuesets", valueSets,
                              "--format", "text", "--format", "json", "--out", "full"])
        XCTAssertEqual(full.status, 0, full.stderr)
        for i in 1...3 {
            let part = try tally(["run", examplePanel, "--measures", ecqmMeasures, "--valuesets", valueSets,
                                  "--shard", "\(i)/3", "--out", "part\(i)", "--jobs", "1"])
            XCTAssertEqual(part.status, 0, part.stderr)
        }
        let merged = try tally(["merge", "part1", "part2", "part3", "--format", "text", "--format", "json", "--out", "merged"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        for name in ["summary.txt", "summary.json"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("full/\(name)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("merged/\(name)"))
            XCTAssertEqual(a, b, "\(name) differs between the whole run and the merged shards")
        }
        let missing = try tally(["merge", "part1", "part3", "--out", "bad"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("missing 2/3"), missing.stderr)
        let badShard = try tally(["run", examplePanel, "--measures", ecqmMeasures, "--shard", "4/3", "--out", "x"])
        XCTAssertEqual(badShard.status, 2)
    }

    /// A panel loaded in parts (here 21 parts of about 1 MB) gives byte-identical reports, member
    /// level included, to one loaded whole; `--timings` reports on standard error only.
    func testPartsGiveTheSameReports() throws {
        let suite = Self.repository.appendingPathComponent("Measures/suites/hedis-payer-2025.suite").path
        let formats = ["json", "csv", "text", "fhir", "html"].flatMap { ["--format", $0] }
        let whole = try tally(["run", examplePanel, "--suite", suite, "--member-level", "--out", "whole"] + formats)
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let parts = try tally(["run", examplePanel, "--suite", suite, "--member-level", "--out", "parts", "--part-size", "1", "--timings"] + formats)
        XCTAssertEqual(parts.status, 0, parts.stderr)
        XCTAssertTrue(parts.stderr.contains("timings: load "), parts.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("whole").path).sorted()
        XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("parts").path).sorted())
        XCTAssertTrue(names.contains("members.json") && names.contains("gaps.csv"), "\(names)")
        for name in names {
            let a = try Data(contentsOf: dir.appendingPathComponent("whole/\(name)"))
            let b = try Data(contentsOf: dir.appendingPathComponent("parts/\(name)"))
            XCTAssertEqual(a, b, "\(name) differs between a whole load and a load in parts")
        }
        let load = try tally(["load", examplePanel, "--part-size", "1"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertEqual(load.stdout, try tally(["load", examplePanel]).stdout)
        XCTAssertEqual(try tally(["load", examplePanel, "--part-size", "0"]).status, 2)
    }

    /// A panel whose last lab row belongs to its first member: a load in parts reads each file
    /// once, hands parts over, finds the row out of order and starts over. Reports, the load
    /// summary and an imported cache are those of a whole load.
    func testALoadThatStartsOverGivesTheSameReports() throws {
        let panel = dir.appendingPathComponent("late")
        try FileManager.default.copyItem(atPath: examplePanel, toPath: panel.path)
        let labs = panel.appendingPathComponent("lab_result.csv")
        var text = try String(contentsOf: labs, encoding: .utf8)
        let first = text.split(separator: "\n")[1]
        text += "P00000001-L9999" + first.drop { $0 != "," } + "\n"
        try text.write(to: labs, atomically: true, encoding: .utf8)
        let suite = Self.repository.appendingPathComponent("Measures/suites/hedis-payer-2025.suite").path
        let formats = ["json", "csv", "text"].flatMap { ["--format", $0] }
        for (out, extra) in [("whole", [String]()), ("parts", ["--part-size", "1"])] {
            let run = try tally(["run", panel.path, "--suite", suite, "--member-level", "--out", out] + extra + formats)
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        XCTAssertEqual(try tally(["import", panel.path, "--out", "late.tpc", "--part-size", "1"]).status, 0)
        let cached = try tally(["run", dir.appendingPathComponent("late.tpc").path, "--suite", suite, "--member-level", "--out", "cached"] + formats)
        XCTAssertEqual(cached.status, 0, cached.stderr)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("whole").path).sorted()
        for name in names where name != "run.json" {
            let a = try Data(contentsOf: dir.appendingPathComponent("whole/\(name)"))
            XCTAssertEqual(a, try Data(contentsOf: dir.appendingPathComponent("parts/\(name)")), "\(name): whole and in parts")
        }
        let members = try String(contentsOf: dir.appendingPathComponent("whole/members.json"), encoding: .utf8)
        XCTAssertEqual(members, try String(contentsOf: dir.appendingPathComponent("cached/members.json"), encoding: .utf8))
        let load = try tally(["load", panel.path, "--part-size", "1"])
        XCTAssertEqual(load.stdout, try tally(["load", panel.path]).stdout)
    }

    /// A suite names measures and targets; its payer-type filter narrows the panel.
    func testSuiteTargetsAndFilters() throws {
        _ = try sharedPath("valuesets")
        let suite = Self.repository.appendingPathComponent("Measures/suites/medicare-ecqm-2025.suite").path
        let r = try tally(["run", examplePanel, "--suite", suite])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Measurement period: 2025-01-01..2025-12-31\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("74%"), r.stdout)
        XCTAssertFalse(r.stdout.contains("CMS122"), r.stdout)
        let all = try tally(["run", examplePanel, "--suite", Self.repository.appendingPathComponent("Measures/suites/ecqm-quality-2025.suite").path])
        func initial(_ out: String, _ m: String) -> Int? {
            out.split(separator: "\n").first { $0.hasPrefix(m + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        let medicare = try XCTUnwrap(initial(r.stdout, "CMS125")), everyone = try XCTUnwrap(initial(all.stdout, "CMS125"))
        XCTAssertLessThan(medicare, everyone)
    }

    /// A suite's payer-type filter sees every enrollment even when its measures read enrollments
    /// only through a test that keeps some of them: the members it keeps are those of a run whose
    /// measure reads them whole.
    func testASuiteFilterSeesEveryEnrollment() throws {
        try write("tested.measure", """
            measure Tested
              scoring cohort
            population initial = exists (enrollments as s where s.payer_type = "medicare")
            """)
        try write("whole.measure", """
            measure Whole
              scoring cohort
            population initial = count(enrollments) > 0
            """)
        func members(_ measure: String) throws -> Int? {
            try write("s.suite", "suite S\nperiod 2025\npayer_type commercial\nmeasure \"\(measure).measure\"\n")
            let r = try tally(["run", examplePanel, "--suite", "s.suite", "--format", "json", "--out", measure])
            XCTAssertEqual(r.status, 0, r.stderr)
            let data = try Data(contentsOf: dir.appendingPathComponent(measure + "/summary.json"))
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let measures = try XCTUnwrap(json["measures"] as? [[String: Any]])
            return measures.first?["members"] as? Int
        }
        let whole = try XCTUnwrap(try members("whole"))
        XCTAssertGreaterThan(whole, 0)
        XCTAssertEqual(try members("tested"), whole)
    }

    func testBadSuiteLinePointsAtIt() throws {
        try write("bad.suite", "suite S\nperiod 2025\nmeasur \"x.measure\"\n")
        let r = try tally(["run", ".", "--suite", "bad.suite"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad.suite:3:1: error: unknown suite line 'measur'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'measure'?"), r.stderr)
    }

    /// Member-level reports hold PHI: written only with --member-level, and only for the owner.
    func testMemberLevelReportsAreOwnerOnly() throws {
        let valueSets = try sharedPath("valuesets")
        let summaryOnly = try tally(["run", examplePanel, "--measures", ecqmMeasures, "--valuesets", valueSets,
                                     "--format", "csv", "--format", "json", "--out", "summary-only"])
        XCTAssertEqual(summaryOnly.status, 0, summaryOnly.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("summary-only").path).sorted()
        XCTAssertEqual(files, ["summary.csv", "summary.json"])

        let r = try tally(["run", examplePanel, "--measures", ecqmMeasures, "--valuesets", valueSets, "--member-level",
                           "--format", "csv", "--format", "json", "--format", "html", "--out", "member-level"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["members.csv", "gaps.csv", "members.json", "gaps.json", "report.html"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("member-level/\(name)").path)
            XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, name)
        }
        let summary = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("member-level/summary.csv").path)
        XCTAssertEqual((summary[.posixPermissions] as? NSNumber)?.intValue, 0o644)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("member-level").path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    /// `tally explain` for the first shared CMS125 case: a readable tree, and JSON.
    func testExplainIsGolden() throws {
        let cases = try sharedPath("tests/BreastCancerScreeningFHIR")
        let id = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: cases).sorted().first { !$0.hasSuffix(".txt") })
        let r = try tally(["explain", cms125, id, "--data", cases + "/" + id, "--valuesets", try sharedPath("valuesets")])
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertGolden(r.stdout, "explain-cms125.txt")
        let json = try tally(["explain", cms125, id, "--data", cases + "/" + id, "--valuesets", try sharedPath("valuesets"), "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["member"] as? String, id)
        let missing = try tally(["explain", cms125, "nobody", "--data", cases + "/" + id])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no member 'nobody'"), missing.stderr)
    }
}
