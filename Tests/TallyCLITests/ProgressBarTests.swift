import Foundation
import XCTest
@testable import TallyCLI

/// The progress bar of `tally run`: what a line shows, and the bar at a real terminal.
final class ProgressBarTests: TallyBinaryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testLines() {
        XCTAssertEqual(ProgressBar.line(done: 250, total: 1000, elapsed: 2),
                       "\r[#######.......................] 250/1000 members, 125/s, 6s left ")
        XCTAssertEqual(ProgressBar.line(done: 1000, total: 1000, elapsed: 4),
                       "\r[##############################] 1000/1000 members, 250/s, 0s left ")
        // An estimated total the run has gone past: a full bar, no time left.
        XCTAssertEqual(ProgressBar.line(done: 1200, total: 1000, elapsed: 4),
                       "\r[##############################] 1200/1000 members, 300/s, 0s left ")
        XCTAssertEqual(ProgressBar.line(done: 0, total: 1000, elapsed: 0), "\r[..............................] 0/1000 members, 0/s, 0s left ")
        XCTAssertEqual(ProgressBar.line(done: 42, total: nil, elapsed: 2), "\r42 members, 21/s ")
    }

    /// At a terminal (here a pseudo-terminal), with the bar shown from the start, a run draws the
    /// bar on standard error and erases it at the end; the report is unchanged.
    func testTheBarAtATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.tallyURL.path) else { throw MissingBinary(path: Self.tallyURL.path) }
        let out = dir.appendingPathComponent("out").path
        let t = try ReplTerminal(Self.tallyURL.path, ["run", "examples/panel", "--measures", "Measures/hedis/BCS.measure",
                                                      "--valuesets", "Measures/valuesets", "--format", "json", "--out", out],
                                 cwd: Self.repository.path, environment: ["HOME": dir.path, "TALLY_PROGRESS_AFTER": "0"])
        XCTAssertEqual(try t.waitForExit(timeout: 300), 0, t.screen)
        let raw = String(decoding: t.raw, as: UTF8.self)
        XCTAssertNotNil(raw.range(of: #"\r\[[#.]{30}\] [0-9]+/1000 members, [0-9]+/s, [0-9]+s left "#, options: .regularExpression), raw)
        // Erased after the last bar drawn.
        let lastBar = try XCTUnwrap(raw.range(of: "members, ", options: .backwards))
        XCTAssertNotNil(raw[lastBar.upperBound...].range(of: "\r\u{1B}[K"), raw)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/summary.json"))
    }
}
