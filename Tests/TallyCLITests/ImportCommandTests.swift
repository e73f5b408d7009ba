import Foundation
import XCTest

/// `tally import` end to end: the cache gives the same reports as its source, and a stale or
/// damaged cache stops every command with exit code 3 and a message saying what to do.
final class ImportCommandTests: TallyBinaryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var cache: String { dir.appendingPathComponent("panel.tpc").path }

    /// Imports `data` (relative to the repository) into `cache`.
    @discardableResult
    func importPanel(_ data: String, _ extra: [String] = []) throws -> Run {
        let r = try tally(["import", data, "--out", cache] + extra, in: Self.repository)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        return r
    }

    /// A small claims CSV folder in the test folder.
    func smallPanel(_ patients: String = "person_id,sex,birth_date\np1,female,1960-01-01\np2,male,1970-02-03\n") throws -> String {
        try write("small/patient.csv", patients)
        return dir.appendingPathComponent("small").path
    }

    func testRunOnTheCacheGivesByteIdenticalReports() throws {
        let imported = try importPanel("examples/panel")
        let summary = try NSRegularExpression(pattern: #"^imported examples/panel into \S+: 1000 members, [0-9]+ records, 0 rejected, [0-9]+ bytes, [0-9.]+ s\n$"#)
        XCTAssertEqual(summary.numberOfMatches(in: imported.stdout, range: NSRange(imported.stdout.startIndex..., in: imported.stdout)), 1,
                       imported.stdout)
        let fromCSV = dir.appendingPathComponent("csv"), fromCache = dir.appendingPathComponent("cache")
        let a = try tally(["run", "examples/panel", "--measures", "Measures/hedis", "--format", "json", "--out", fromCSV.path], in: Self.repository)
        let b = try tally(["run", cache, "--measures", "Measures/hedis", "--format", "json", "--out", fromCache.path], in: Self.repository)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        // From CSV, the run skips the tables no HEDIS measure reads and says so; the cache holds
        // every record, so nothing is left unread. Otherwise the reports are the same bytes.
        let json = try String(contentsOf: fromCSV.appendingPathComponent("summary.json"), encoding: .utf8)
        XCTAssertGreaterThan(json.count, 100)
        let notRead = "  ],\n  \"not_read\" : [\n    \"provider_attribution.csv\",\n    \"pharmacy_claim.csv\"\n"
        XCTAssertTrue(json.contains(notRead), json)
        XCTAssertEqual(json.replacingOccurrences(of: notRead, with: ""),
                       try String(contentsOf: fromCache.appendingPathComponent("summary.json"), encoding: .utf8))
    }

    func testLoadOfTheCacheMatchesTheSource() throws {
        // One rejected row, so the stored load report has something to show.
        let small = try smallPanel("person_id,sex,birth_date\np1,female,1960-01-01\np2,male,1970-13-03\np3,male,1971-02-03\n")
        let imported = try tally(["import", small, "--out", cache])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains(": 2 members, 0 records, 1 rejected, "), imported.stdout)
        let a = try tally(["load", small]), b = try tally(["load", cache])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(a.stdout.split(separator: "\n").dropFirst(), b.stdout.split(separator: "\n").dropFirst())
        XCTAssertTrue(b.stdout.hasPrefix("\(cache): 2 members\n"), b.stdout)
        // Strict: the import stops at the rejected row, exit 3, and writes nothing.
        try FileManager.default.removeItem(atPath: cache)
        let strict = try tally(["import", small, "--out", cache, "--strict"])
        XCTAssertEqual(strict.status, 3)
        XCTAssertTrue(strict.stderr.hasPrefix("error: \(small)/patient.csv:3: "), strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache))
    }

    func testStaleSourceIsAnError() throws {
        let small = try smallPanel()
        XCTAssertEqual(try tally(["import", small, "--out", cache]).status, 0)
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: small + "/patient.csv"))
        h.seekToEndOfFile()
        h.write(Data("p3,female,1980-01-01\n".utf8))
        h.closeFile()
        for command in [["load", cache], ["run", cache, "--measures", Self.repository.appendingPathComponent("Measures/hedis").path]] {
            let r = try tally(command)
            XCTAssertEqual(r.status, 3, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("error: \(cache): the panel cache is stale: "), r.stderr)
            XCTAssertTrue(r.stderr.contains("/small/patient.csv has changed (size 65 → 86 bytes, modified "), r.stderr)
            XCTAssertTrue(r.stderr.hasSuffix("re-run `tally import` to refresh it\n"), r.stderr)
            XCTAssertEqual(r.stdout, "")
        }
    }

    func testCorruptBlockIsAnError() throws {
        let small = try smallPanel()
        XCTAssertEqual(try tally(["import", small, "--out", cache]).status, 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        let size = bytes.count
        bytes[96 + 20] ^= 0xFF  // inside block 0, which follows the 96-byte header
        try bytes.write(to: URL(fileURLWithPath: cache))
        let r = try tally(["load", cache])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.hasPrefix("error: \(cache): the panel cache is corrupt: block 0 of 1 (bytes 96..<"), r.stderr)
        XCTAssertTrue(r.stderr.hasSuffix("fails its checksum; re-run `tally import` to rebuild it\n"), r.stderr)
        // Truncated, and another format version.
        try bytes.prefix(size - 10).write(to: URL(fileURLWithPath: cache))
        let t = try tally(["load", cache])
        XCTAssertEqual(t.status, 3)
        XCTAssertEqual(t.stderr, "error: \(cache): the panel cache is truncated: it has \(size - 10) bytes, its header says \(size); re-run `tally import` to rebuild it\n")
        bytes[8] = 9
        try bytes.write(to: URL(fileURLWithPath: cache))
        let v = try tally(["load", cache])
        XCTAssertEqual(v.status, 3)
        XCTAssertEqual(v.stderr, "error: \(cache): the panel cache has format version 9, this tally reads version 3; re-run `tally import` to rebuild it\n")
    }

    func testNotACacheAndUsageErrors() throws {
        let notes = try write("notes.txt", "hello\n")
        let r = try tally(["load", notes.path, "--input-format", "tally-panel"])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.stderr.contains("not a Tally panel cache"), r.stderr)
        let small = try smallPanel()
        let missing = try tally(["import", small, "--out", dir.appendingPathComponent("no/such/folder/x.tpc").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("--out: no such folder"), missing.stderr)
        let noOut = try tally(["import", small])
        XCTAssertEqual(noOut.status, 2)
    }
}
