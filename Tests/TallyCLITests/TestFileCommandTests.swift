import Foundation
import XCTest

/// `tally test PATH...` on hand-written `*.tests.yaml` files, end to end: passing and failing
/// cases, malformed files, define values, episode counts, clause coverage (text golden, HTML).
final class TestFileCommandTests: TallyBinaryTestCase {
    static let measure = """
        measure BP "Blood pressure control"
          scoring proportion

        parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]

        code Systolic = loinc "8480-6"
        code OfficeVisit = cpt "99213"
        code Pregnancy = icd10cm "Z33.1"

        define age = years_between(member.birth_date, end of period)

        define visits =
          encounters as e
            where e.type ~ OfficeVisit and e.period during day of period

        define systolic_readings =
          observations as o where o.code ~ Systolic and latest(o.effective) during day of period

        define last_systolic =
          last(systolic_readings as o sort by latest(o.effective) return o.value as Quantity)

        define band = if age < 65 then "adult" else "senior"

        population initial = age in 18..85 and exists visits
        population denominator = initial
        population denominator_exclusion = exists (conditions as c where c.code ~ Pregnancy)
        population numerator = last_systolic < 140 'mm[Hg]'

        """

    static let tests = """
        measure: bp.measure
        period: 2025
        cases:
          - name: controlled adult
            member: {id: m1, birth_date: 1970-05-01, sex: female}
            records:
              encounters:
                - {id: e1, status: finished, type: cpt 99213, period: [2025-03-01T09:00:00Z, 2025-03-01T09:30:00Z]}
              observations:
                - {id: o1, code: loinc 8480-6, value: '130 mm[Hg]', effective: 2025-03-01T09:10:00Z}
            expect: {initial: true, denominator: true, denominator_exclusion: false, numerator: true}
            defines:
              age: 55
              band: adult
              visits: {count: 1}
              last_systolic: 130 'mm[Hg]'
          - name: uncontrolled senior
            member: {id: m2, birth_date: 1950-05-01}
            records:
              encounters:
                - {id: e1, status: finished, type: cpt 99213, period: [2025-06-01T09:00:00Z, 2025-06-01T09:30:00Z]}
              observations:
                - code: loinc 8480-6
                  value: 150 mm[Hg]
                  effective: 2025-06-01T09:10:00Z
            expect: {initial: true, numerator: false}
            defines: {band: senior}
          - name: pregnant, excluded
            member: {id: m3, birth_date: 1990-05-01}
            records:
              encounters:
                - {id: e1, status: finished, type: cpt 99213, period: [2025-06-01T09:00:00Z, 2025-06-01T09:30:00Z]}
              conditions:
                - {code: icd10cm Z33.1}
            expect: {denominator: true, denominator_exclusion: true, numerator: false}
          - name: no visit
            member: {id: m4, birth_date: 1970-05-01}
            expect: {initial: false}

        """

    func writeMeasure() throws {
        try write("bp.measure", Self.measure)
    }

    func testPassingFile() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests)
        let r = try tally(["test", "bp.tests.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "4 passed, 0 failed\n")
        XCTAssertEqual(r.stderr, "")
        // A folder is searched for *.tests.yaml files.
        let folder = try tally(["test", "."])
        XCTAssertEqual(folder.stdout, "4 passed, 0 failed\n", folder.stderr)
    }

    /// A deliberately wrong expectation fails: the case, member, population, expected and actual
    /// value, and the explain tree of the differing population.
    func testWrongExpectationFails() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests.replacingOccurrences(
            of: "{initial: true, denominator: true, denominator_exclusion: false, numerator: true}",
            with: "{initial: true, denominator: true, denominator_exclusion: false, numerator: false}"))
        let r = try tally(["test", "bp.tests.yaml"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("FAIL bp.tests.yaml:4:5: case \"controlled adult\", member m1\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  population numerator: expected false, got true (line 11)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  why:\n    BP for member m1\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("    population numerator = true\n      last_systolic = 130 'mm[Hg]'\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("population initial ="), "only the differing population's tree is shown")
        XCTAssertTrue(r.stdout.hasSuffix("3 passed, 1 failed\n"), r.stdout)
        try assertGolden(r.stdout, "test-failure.txt")
    }

    func testDefineValueExpectations() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests
            .replacingOccurrences(of: "band: adult", with: "band: senior")
            .replacingOccurrences(of: "visits: {count: 1}", with: "visits: {count: 2}\n      bnad: adult"))
        let r = try tally(["test", "bp.tests.yaml"])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("  define band: expected senior, got \"adult\" (line 14)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  define visits: expected count 2, got 1 item (Encounter, e1, period 2025-03-01T09:00:00Z..2025-03-01T09:30:00Z, type 99213) (line 15)\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  define bnad: no such define in BP; did you mean 'band'? (line 16)\n"), r.stdout)
        XCTAssertFalse(r.stdout.contains("why:"), "no population differs, so no tree")
        XCTAssertTrue(r.stdout.hasSuffix("3 passed, 1 failed\n"), r.stdout)
    }

    /// Malformed files: one clear `file:line:col: error:` line each; the file counts as one failed
    /// case and the other files still run.
    func testMalformedFilesGiveLineAndColumn() throws {
        try writeMeasure()
        try write("good.tests.yaml", Self.tests)
        let head = "measure: bp.measure\ncases:\n  - name: a\n"
        let bad: [(String, String)] = [
            ("measure: bp.measure\ncases:\n  - name: a\n   expect: {initial: true}\n",
             "4:4: error: not valid YAML: did not find expected '-' indicator (while parsing a block collection at line 3)"),
            (head + "    expect: {initial: true}\n    expected: {numerator: true}\n",
             "5:5: error: unknown field 'expected' in a case; did you mean 'expect'?"),
            (head + "    member: {birth_date: 2025-02-29}\n    expect: {initial: true}\n",
             "4:26: error: '2025-02-29' is not a valid date-time for Member.birth_date: day 29 is out of range: February 2025 has 28 days"),
            (head + "    records:\n      conditions:\n        - code: lonic 1234-5\n    expect: {initial: true}\n",
             "6:17: error: unknown code system 'lonic'; did you mean 'loinc'?"),
            (head + "    records:\n      encounters: [{id: visit}]\n      observations:\n        - {encounter: vist}\n    expect: {initial: true}\n",
             "7:23: error: no Encounter with id 'vist' in this case's records; did you mean 'visit'?"),
        ]
        for (text, message) in bad {
            try write("bad.tests.yaml", text)
            let r = try tally(["test", "bad.tests.yaml"])
            XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
            XCTAssertEqual(r.stderr, "bad.tests.yaml:\(message)\n")
            XCTAssertEqual(r.stdout, "FAIL bad.tests.yaml: the test file cannot be read (see the error above)\n0 passed, 1 failed\n")
            let both = try tally(["test", "."])
            XCTAssertEqual(both.status, 1)
            XCTAssertTrue(both.stdout.hasSuffix("4 passed, 1 failed\n"), both.stdout)
        }
    }

    func testMeasureThatDoesNotCompileFailsItsCases() throws {
        try write("bp.measure", "measure BP\n  scoring proportion\npopulation initial = nonsense\n")
        try write("bp.tests.yaml", Self.tests)
        let r = try tally(["test", "bp.tests.yaml"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bp.measure:3:22: error: unknown name 'nonsense'"), r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("FAIL bp.tests.yaml:1:10: the measure bp.measure does not compile"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("0 passed, 4 failed\n"), r.stdout)
    }

    /// Episode-basis measures expect counts of episodes; a define that reads `episode` is compared
    /// as the list of its values, one per episode.
    func testEpisodeBasisCounts() throws {
        try write("visits.measure", """
            measure Visits "Visits with a reading that day"
              scoring proportion
              basis episode of encounters where status = "finished"

            parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]

            define reading_that_day =
              exists (observations as o where latest(o.effective) same day as start of episode.period)

            population initial = episode.period during day of period
            population denominator = initial
            population numerator = reading_that_day

            """)
        let tests = """
            measure: visits.measure
            cases:
              - name: three finished visits, two in 2025, one with a reading
                member: {id: p1, birth_date: 1970-01-01}
                records:
                  encounters:
                    - {id: a, status: finished, period: [2025-03-01T09:00:00Z, 2025-03-01T10:00:00Z]}
                    - {id: b, status: finished, period: [2025-06-01T09:00:00Z, 2025-06-01T10:00:00Z]}
                    - {id: c, status: finished, period: [2024-06-01T09:00:00Z, 2024-06-01T10:00:00Z]}
                    - {id: d, status: cancelled, period: [2025-07-01T09:00:00Z, 2025-07-01T10:00:00Z]}
                  observations:
                    - {id: o, effective: 2025-03-01T09:30:00Z}
                expect: {initial: 2, denominator: 2, numerator: 1, denominator_exclusion: 0}
                defines:
                  reading_that_day: [true, false, false]
              - name: no visits
                member: {id: p2}
                expect: {initial: 0, numerator: false}

            """
        try write("visits.tests.yaml", tests)
        let r = try tally(["test", "visits.tests.yaml"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "2 passed, 0 failed\n")

        try write("visits.tests.yaml", tests.replacingOccurrences(of: "numerator: 1,", with: "numerator: 2,")
            .replacingOccurrences(of: "numerator: false", with: "numerator: true"))
        let wrong = try tally(["test", "visits.tests.yaml"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stdout.contains("  population numerator: expected 2, got 1 (line 13)\n"), wrong.stdout)
        XCTAssertTrue(wrong.stdout.contains("  population numerator: expected true, got false (0 episodes) (line 18)\n"), wrong.stdout)
        XCTAssertTrue(wrong.stdout.contains("    Visits for member p1\n      episode 1: "), wrong.stdout)
        XCTAssertTrue(wrong.stdout.hasSuffix("0 passed, 2 failed\n"), wrong.stdout)
    }

    func testCoverageText() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests)
        let r = try tally(["test", "bp.tests.yaml", "--coverage"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasSuffix("4 passed, 0 failed\n"), r.stdout)
        try assertGolden(r.stdout, "test-coverage.txt")
    }

    func testCoverageHTML() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests)
        let r = try tally(["test", "bp.tests.yaml", "--coverage-html", "coverage.html"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(r.stdout, "4 passed, 0 failed\n", "--coverage-html alone prints no text report")
        let html = try String(contentsOf: dir.appendingPathComponent("coverage.html"), encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"), html)
        XCTAssertTrue(html.hasSuffix("</html>\n"))
        XCTAssertFalse(html.contains("<script"), "self-contained and static")
        XCTAssertFalse(html.contains("http"), "no external resources")
        XCTAssertTrue(html.contains("<h2 id=\"file0\">bp.measure</h2>"), html)
        XCTAssertTrue(html.contains("last_systolic &lt; 140 &#39;mm[Hg]&#39;"), "the source is escaped")
        XCTAssertTrue(html.contains("&quot;adult&quot;"))
        XCTAssertTrue(html.contains("class=\"nt\"") || html.contains("class=\"nf\""), "uncovered clauses are marked")
        XCTAssertTrue(html.contains("<span class=\"ln\">27</span>population numerator"), html)
        XCTAssertEqual(html.components(separatedBy: "<span").count, html.components(separatedBy: "</span>").count, "spans balance")
        let bad = try tally(["test", "bp.tests.yaml", "--coverage-html", "no/such/dir/x.html"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
    }

    func testUsageErrors() throws {
        try writeMeasure()
        try write("bp.tests.yaml", Self.tests)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let none = try tally(["test"])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("give test files or folders (PATH...), or --cases DIR --measure FILE"), none.stderr)
        let both = try tally(["test", "bp.tests.yaml", "--cases", ".", "--measure", "bp.measure"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
        let half = try tally(["test", "--cases", "."])
        XCTAssertEqual(half.status, 2)
        XCTAssertTrue(half.stderr.contains("--cases and --measure go together"), half.stderr)
        let missing = try tally(["test", "nope.tests.yaml"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "Error: no such file or folder: nope.tests.yaml\n")
        let empty = try tally(["test", "empty"])
        XCTAssertEqual(empty.status, 2)
        XCTAssertEqual(empty.stderr, "Error: no test files (*.tests.yaml) under empty\n")
        let notTests = try tally(["test", "bp.measure"])
        XCTAssertEqual(notTests.status, 2)
        XCTAssertEqual(notTests.stderr, "Error: bp.measure is not a test file (*.tests.yaml)\n")
    }

    /// The example test files of the four eCQMs pass with the published value sets.
    func testECQMExamplesPass() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let valueSets = repository.deletingLastPathComponent().appendingPathComponent("shared/ecqm/valuesets")
        guard FileManager.default.fileExists(atPath: valueSets.path) else { throw XCTSkip("\(valueSets.path) is not here") }
        let r = try tally(["test", repository.appendingPathComponent("Measures/ecqm").path, "--valuesets", valueSets.path])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.hasSuffix(" passed, 0 failed\n"), r.stdout)
    }
}
