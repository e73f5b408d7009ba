import Foundation
import TallyTestSupport
import XCTest

/// Runs the real `tally` binary from the build products folder in a fresh temporary folder, and
/// compares what users see with golden files in `Tests/TallyCLITests/Golden/`
/// (re-record with `TALLY_RECORD=1`). Build the binary first: `swift build --product tally`.
class TallyBinaryTestCase: TemporaryFolderURLTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The folder that holds the test bundle, and `tally` beside it.
    static var productsDirectory: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
        #else
        // On Linux the test bundle is an executable; Bundle.main is the folder that holds it.
        let main = Bundle.main.bundleURL
        return main.pathExtension == "xctest" ? main.deletingLastPathComponent() : main
        #endif
    }

    static var tallyURL: URL { productsDirectory.appendingPathComponent("tally") }

    /// `Tests/TallyCLITests/Golden` in the source tree.
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    override class var folderPrefix: String { "tally-cli-tests-" }

    /// The test's temporary folder, where `tally` runs unless told otherwise.
    var dir: URL! { folder }

    struct MissingBinary: Error, CustomStringConvertible {
        var path: String
        var description: String { "the tally binary is missing at \(path): run `swift build --product tally` first, then `swift test`" }
    }

    /// Runs `tally` with arguments in a working directory. stdout and stderr go to files, so a
    /// full pipe never blocks the child.
    func tally(_ arguments: [String], in cwd: URL? = nil) throws -> Run {
        let url = Self.tallyURL
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw MissingBinary(path: url.path) }
        // Help text wraps at the terminal width: fix it so output does not depend on the caller.
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "80"
        environment["LINES"] = "25"
        environment["TALLY_RECORD"] = nil
        let run = try runProcess(url, arguments, in: cwd ?? dir, environment: environment)
        XCTAssertEqual(run.reason, .exit, "tally was killed by a signal: \(arguments)")
        return Run(status: run.status, stdout: run.stdout, stderr: run.stderr)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Compares output with `Golden/<name>` byte for byte; with `TALLY_RECORD=1`, writes it instead.
    func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try TallyTestSupport.assertGolden(actual, at: Self.goldenDirectory.appendingPathComponent(name), file: file, line: line)
    }

}
