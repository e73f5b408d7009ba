import Foundation
import XCTest

/// Compares what users see with the golden file at `url` byte for byte; with `TALLY_RECORD=1` in
/// the environment, writes it there instead, and fails so that a recording run never passes.
public func assertGolden(_ actual: String, at url: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    if ProcessInfo.processInfo.environment["TALLY_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(actual.utf8).write(to: url)
        XCTFail("recorded \(url.path); review it and run the tests again without TALLY_RECORD", file: file, line: line)
        return
    }
    guard let expected = FileManager.default.contents(atPath: url.path) else {
        XCTFail("no golden file \(url.path); record it with TALLY_RECORD=1", file: file, line: line)
        return
    }
    if Data(actual.utf8) != expected {
        XCTFail("""
            output differs from \(url.path) (re-record with TALLY_RECORD=1 if the change is intended)
            --- expected
            \(String(decoding: expected, as: UTF8.self))
            --- actual
            \(actual)
            """, file: file, line: line)
    }
}
