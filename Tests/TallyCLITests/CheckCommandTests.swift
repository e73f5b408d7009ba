import Foundation
import XCTest

/// `tally check` end to end, through the real `tally` binary: exit codes, stdout, stderr, and
/// golden files of what users see.
///
/// These tests run the `tally` executable from the build products folder (the folder that holds
/// the test bundle). `swift test` does not build executables the tests do not link, so build it
/// first:
///
///     swift build --product tally && swift test
///
/// CI does this. A missing binary fails the tests with that instruction.
///
/// Golden files live in `Tests/TallyCLITests/Golden/`. After an intended change of the output,
/// re-record them with `TALLY_RECORD=1 swift test --filter CheckCommandTests`, review the diff,
/// and run the tests again without the variable.
final class CheckCommandTests: TallyBinaryTestCase {
    static let clean = """
        measure Clean "A clean measure"
          scoring proportion
          basis member
        parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
        define visits = encounters as e where e.period overlaps period
        population initial = exists visits
        population denominator = initial
        population numerator = exists (conditions as c where c.clinical_status = "active")
        """

    static let broken = """
        library Broken
        define a = exists encounter
        define b = 1 + "x"
        """

    // MARK: Exit codes and output

    func testCleanFileExitsZeroWithSummary() throws {
        try write("clean.measure", Self.clean)
        let r = try tally(["check", "clean.measure"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "1 file checked: 0 errors, 0 warnings\n")
        XCTAssertEqual(r.stderr, "")
    }

    func testFolderOfCleanFiles() throws {
        try write("m/one.measure", Self.clean)
        try write("m/sub/two.measure", Self.clean.replacingOccurrences(of: "Clean", with: "Two"))
        try write("m/readme.txt", "not a measure")
        let r = try tally(["check", "m"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "2 files checked: 0 errors, 0 warnings\n")
    }

    func testFileWithErrorsExitsOneWithDiagnostics() throws {
        try write("broken.measure", Self.broken)
        try write("clean.measure", Self.clean)
        let r = try tally(["check", "clean.measure", "broken.measure"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.contains("""
            broken.measure:2:19: error: unknown name 'encounter'
             2 | define a = exists encounter
               |                   ^~~~~~~~~
               = hint: did you mean 'encounters'?
            """), r.stdout)
        XCTAssertTrue(r.stdout.contains("broken.measure:3:12: error: cannot apply '+' to Integer and String\n"), r.stdout)
        XCTAssertTrue(r.stdout.hasSuffix("2 files checked: 2 errors, 0 warnings\n"), r.stdout)
    }

    func testMissingPathExitsTwoWithPointedMessage() throws {
        try write("clean.measure", Self.clean)
        let r = try tally(["check", "clean.measure", "nowhere.measure"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("Error: no such file or folder: nowhere.measure\n"), r.stderr)
    }

    func testFolderWithoutMeasuresExitsTwo() throws {
        try write("empty/notes.txt", "nothing here")
        let r = try tally(["check", "empty"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("Error: no .measure files found in empty\n"), r.stderr)
    }

    func testNoPathExitsTwo() throws {
        let r = try tally(["check"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("Missing expected argument '<PATH> ...'"), r.stderr)
    }

    func testBadFormatExitsTwo() throws {
        try write("clean.measure", Self.clean)
        let r = try tally(["check", "--format", "xml", "clean.measure"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("Error: The value 'xml' is invalid for '--format <format>'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("'text' and 'json'"), r.stderr)
    }

    func testUnknownOptionAndSubcommandExitTwo() throws {
        try write("clean.measure", Self.clean)
        let option = try tally(["check", "--colour", "clean.measure"])
        XCTAssertEqual(option.status, 2)
        XCTAssertTrue(option.stderr.contains("Unknown option '--colour'"), option.stderr)
        let command = try tally(["chekc", "clean.measure"])
        XCTAssertEqual(command.status, 2, command.stderr)
    }

    func testPeriodOptions() throws {
        try write("clean.measure", Self.clean)
        let good = try tally(["check", "--period", "2025", "clean.measure"])
        XCTAssertEqual(good.status, 0, good.stderr)
        let range = try tally(["check", "--period-start", "2025-04-01", "--period-end", "2026-03-31", "clean.measure"])
        XCTAssertEqual(range.status, 0, range.stderr)

        let cases: [([String], String)] = [
            (["--period", "0"], "--period must be a year such as 2025, not 0"),
            (["--period", "10000"], "--period must be a year such as 2025, not 10000"),
            (["--period", "2025", "--period-start", "2025-01-01", "--period-end", "2025-12-31"],
             "give either --period or --period-start/--period-end, not both"),
            (["--period-start", "2025-01-01"], "--period-start and --period-end go together"),
            (["--period-end", "2025-12-31"], "--period-start and --period-end go together"),
            (["--period-start", "2025", "--period-end", "2025-12-31"], "--period-start must be a date such as 2025-01-01, not '2025'"),
            (["--period-start", "2025-01-01", "--period-end", "2025-13-01"], "--period-end must be a date such as 2025-01-01, not '2025-13-01'"),
            (["--period-start", "2025-02-30", "--period-end", "2025-12-31"], "--period-start must be a date such as 2025-01-01, not '2025-02-30'"),
            (["--period-start", "2025-01-01T00:00:00", "--period-end", "2025-12-31"],
             "--period-start must be a date such as 2025-01-01, not '2025-01-01T00:00:00'"),
            (["--period-start", "2025-12-01", "--period-end", "2025-01-31"], "--period-start 2025-12-01 is after --period-end 2025-01-31"),
        ]
        for (options, message) in cases {
            let r = try tally(["check"] + options + ["clean.measure"])
            XCTAssertEqual(r.status, 2, options.joined(separator: " "))
            XCTAssertEqual(r.stdout, "", options.joined(separator: " "))
            XCTAssertTrue(r.stderr.hasPrefix("Error: \(message)\n"), "\(options.joined(separator: " ")): \(r.stderr)")
        }
        let notNumber = try tally(["check", "--period", "twenty", "clean.measure"])
        XCTAssertEqual(notNumber.status, 2)
        XCTAssertTrue(notNumber.stderr.contains("'twenty'"), notNumber.stderr)
    }

    func testLibraryRootsAndValueSets() throws {
        try write("libs/shared.measure", "library Shared\ndefine one = 1\n")
        try write("m.measure", Self.clean.replacingOccurrences(of: "parameter period", with: "use \"shared\"\nparameter period"))
        let notFound = try tally(["check", "m.measure"])
        XCTAssertEqual(notFound.status, 1)
        XCTAssertTrue(notFound.stdout.contains("error: library 'shared' not found"), notFound.stdout)
        let found = try tally(["check", "--lib", "libs", "m.measure"])
        XCTAssertEqual(found.status, 0, found.stdout)

        // A value set that is not among the loaded ones is an error; a broken value-set file too.
        try write("vs.measure", "library V\nvalueset Diabetes = \"2.16.840.1.113883.3.464.1003.103.12.1001\"\n")
        try write("vs/list.csv", "oid,system,code\n1.2.3,loinc,1\n")
        let unknown = try tally(["check", "--valuesets", "vs", "vs.measure"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stdout.contains("error: value set 'Diabetes' (2.16.840.1.113883.3.464.1003.103.12.1001) is not loaded"),
                      unknown.stdout)
        try write("vs/list.csv", "oid,system,code\n2.16.840.1.113883.3.464.1003.103.12.1001,snomed,44054006\n")
        let loaded = try tally(["check", "--valuesets", "vs", "vs.measure"])
        XCTAssertEqual(loaded.status, 0, loaded.stdout)
        try write("vs/bad.csv", "oid,system,code\n1.2.3,icd9,250\n")
        let bad = try tally(["check", "--valuesets", "vs", "vs.measure"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stdout, "vs/bad.csv:2: error: unknown code system 'icd9'\n1 file checked: 1 error, 0 warnings\n")
    }

    func testJSONFormat() throws {
        try write("broken.measure", Self.broken)
        try write("clean.measure", Self.clean)
        let r = try tally(["check", "--format", "json", "clean.measure", "broken.measure"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        XCTAssertEqual(object["files"] as? Int, 2)
        XCTAssertEqual(object["errors"] as? Int, 2)
        XCTAssertEqual(object["warnings"] as? Int, 0)
        let diagnostics = try XCTUnwrap(object["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(diagnostics.count, 2)
        for d in diagnostics {
            for key in ["file", "code", "message", "severity"] { XCTAssertNotNil(d[key] as? String, "\(key) in \(d)") }
            for key in ["line", "column", "endLine", "endColumn"] { XCTAssertNotNil(d[key] as? Int, "\(key) in \(d)") }
        }
        let first = diagnostics[0]
        XCTAssertEqual(first["file"] as? String, "broken.measure")
        XCTAssertEqual(first["line"] as? Int, 2)
        XCTAssertEqual(first["column"] as? Int, 19)
        XCTAssertEqual(first["endLine"] as? Int, 2)
        XCTAssertEqual(first["endColumn"] as? Int, 28)
        XCTAssertEqual(first["code"] as? String, "unknown-name")
        XCTAssertEqual(first["severity"] as? String, "error")
        XCTAssertEqual(first["message"] as? String, "unknown name 'encounter'")
        XCTAssertEqual(first["hint"] as? String, "did you mean 'encounters'?")
        XCTAssertEqual(diagnostics[1]["code"] as? String, "type-mismatch")
        XCTAssertNil(diagnostics[1]["hint"], "no hint, no key")

        let clean = try tally(["check", "--format", "json", "clean.measure"])
        XCTAssertEqual(clean.status, 0)
        let cleanObject = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(cleanObject["errors"] as? Int, 0)
        XCTAssertEqual((cleanObject["diagnostics"] as? [Any])?.count, 0)
    }

    func testVersion() throws {
        let r = try tally(["--version"])
        XCTAssertEqual(r.status, 0)
        XCTAssertFalse(r.stdout.isEmpty)
    }

    // MARK: Golden files

    func testGoldenCheckText() throws {
        let r = try tally(["check", "broken.measure"], in: Self.goldenDirectory)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "")
        try assertGolden(r.stdout, "check-broken.txt")
    }

    func testGoldenCheckJSON() throws {
        let r = try tally(["check", "--format", "json", "broken.measure"], in: Self.goldenDirectory)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "")
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)))
        try assertGolden(r.stdout, "check-broken-json.txt")
    }

    func testGoldenHelp() throws {
        let r = try tally(["--help"], in: Self.goldenDirectory)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
        try assertGolden(r.stdout, "help.txt")
    }

    func testGoldenCheckHelp() throws {
        let r = try tally(["check", "--help"], in: Self.goldenDirectory)
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
        try assertGolden(r.stdout, "check-help.txt")
        // `tally help check` prints the same.
        let viaHelp = try tally(["help", "check"], in: Self.goldenDirectory)
        XCTAssertEqual(viaHelp.status, 0)
        XCTAssertEqual(viaHelp.stdout, r.stdout)
    }
}
