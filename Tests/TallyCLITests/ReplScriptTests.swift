import Foundation
import TallyTestSupport
import XCTest

/// The REPL without a terminal: piped scripts (no prompts, no escape codes), `-bail`, `-c`,
/// and the golden transcripts of `examples/repl/`.
final class ReplScriptTests: TallyBinaryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let transcripts = repository.appendingPathComponent("examples/repl")

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Both streams as they were written, interleaved.
        var merged: String
    }

    /// Runs `tally ARGS < script` in the repository folder; once with the streams apart and
    /// once with them merged (as a terminal would show them).
    func script(_ text: String, _ arguments: [String] = []) throws -> Output {
        let input = dir.appendingPathComponent("script-\(UUID().uuidString).tally")
        try Data(text.utf8).write(to: input)
        let apart = try run(arguments, stdin: input, merged: false)
        let together = try run(arguments, stdin: input, merged: true)
        XCTAssertEqual(apart.status, together.status)
        return Output(status: apart.status, stdout: apart.out, stderr: apart.err, merged: together.out)
    }

    func run(_ arguments: [String], stdin: URL, merged: Bool) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.tallyURL.path) else { throw MissingBinary(path: Self.tallyURL.path) }
        let process = Process()
        process.executableURL = Self.tallyURL
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        var environment = ProcessInfo.processInfo.environment
        environment["TALLY_HISTORY"] = dir.appendingPathComponent("history").path
        environment["TALLY_RECORD"] = nil
        process.environment = environment
        let outURL = dir.appendingPathComponent("out-\(UUID().uuidString)"), errURL = dir.appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = merged ? out : err
        process.standardInput = try FileHandle(forReadingFrom: stdin)
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    // MARK: Piped scripts

    func testPipedScriptPrintsResultsOnly() throws {
        let r = try script("""
            1 + 2
            define answer = 6 * 7
            answer
            "a" & "b"
            @2025-01-31 + 1 month
            [1, 2, 3] union [3, 4]
            .mode csv
            answer
            .mode json
            interval[1, 5]

            """)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(r.stdout, """
            3
            42
            "ab"
            @2025-02-28
            [1, 2, 3, 4]
            42
            {"low":1,"lowClosed":true,"high":5,"highClosed":true}

            """)
    }

    func testErrorsPointAtTheInput() throws {
        let r = try script("""
            define x = exists encounter
            1 +
            .foo
            .mode xml
            2 * 3

            """)
        XCTAssertEqual(r.status, 1, "a script with errors exits 1")
        XCTAssertEqual(r.stdout, "6\n", "the script goes on after errors without -bail")
        XCTAssertEqual(r.stderr, """
            <stdin>:1:19: error: unknown name 'encounter'
             1 | define x = exists encounter
               |                   ^~~~~~~~~
               = hint: did you mean 'encounters'?
            <stdin>:2:4: error: unexpected end of input; expected an expression
             2 | 1 +
               |    ^
            <stdin>:3: Error: unknown command '.foo'
              .foo
              ^~~~
              hint: .help lists the commands
            <stdin>:4: Error: unknown mode 'xml'
              .mode xml
                    ^~~
              hint: one of: table, csv, json, line

            """)
    }

    func testBailStopsAtTheFirstError() throws {
        let r = try script("""
            1 + 1
            .frobnicate now
            2 + 2

            """, ["-bail"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "2\n")
        XCTAssertEqual(r.stderr, """
            <stdin>:2: Error: unknown command '.frobnicate'
              .frobnicate now
              ^~~~~~~~~~~
              hint: .help lists the commands

            """)
    }

    func testIncompleteInputContinuesOnTheNextLine() throws {
        let r = try script("""
            define total =
              1 +
              2
            total * (
              10
            )
            count where
            """, ["--echo"])
        XCTAssertEqual(r.stdout, """
            tally> define total =
              ...>   1 +
              ...>   2
            tally> total * (
              ...>   10
              ...> )
            30
            tally> count where

            """)
        XCTAssertEqual(r.stderr, """
            <stdin>:7:12: error: unexpected end of input; expected an expression
             7 | count where
               |            ^

            """)
        XCTAssertEqual(r.status, 1)
    }

    func testDashCAnswersOnce() throws {
        let ok = try tally(["-c", "40 + 2"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "42\n")
        let counted = try tally(["-c", "count where member.sex = \"female\"", "--data", Self.repository.appendingPathComponent("examples/panel").path])
        XCTAssertEqual(counted.status, 0, counted.stderr)
        XCTAssertEqual(counted.stdout, "count  members  share\n-----  -------  -----\n  502     1000  50.2%\n")
        let bad = try tally(["-c", "count(encounters"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertEqual(bad.stderr, """
            error: unexpected end of input; expected ')' to close the argument list
             1 | count(encounters
               |                 ^

            """)
        let command = try tally(["repl", "-c", ".mode xml"])
        XCTAssertEqual(command.status, 1)
        XCTAssertEqual(command.stderr, "Error: unknown mode 'xml'\n  .mode xml\n        ^~~\n  hint: one of: table, csv, json, line\n")
    }

    // MARK: Golden transcripts

    /// Each `examples/repl/NAME.tally` runs as `tally repl ARGS --echo < NAME.tally` from the
    /// repository folder (ARGS from its first line, `// args: ...`); the interleaved output must
    /// equal `NAME.out` (re-record with TALLY_RECORD=1). Transcripts that need
    /// `../shared/ecqm/valuesets` are skipped when it is not there.
    func testTranscripts() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.transcripts.path).filter { $0.hasSuffix(".tally") }.sorted()
        XCTAssertFalse(names.isEmpty)
        var ran = 0
        for name in names {
            let url = Self.transcripts.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            var arguments: [String] = []
            if let first = text.split(separator: "\n").first, first.hasPrefix("// args:") {
                arguments = first.dropFirst("// args:".count).split(separator: " ").map(String.init)
            }
            if arguments.contains(where: { $0.hasPrefix("../shared") }),
               !FileManager.default.fileExists(atPath: Self.repository.deletingLastPathComponent().appendingPathComponent("shared/ecqm/valuesets").path) {
                continue
            }
            let r = try run(["repl"] + arguments + ["--echo"], stdin: url, merged: true)
            let actual = r.out + (r.status == 0 ? "" : "[exit \(r.status)]\n")
            try TallyTestSupport.assertGolden(actual, at: url.deletingPathExtension().appendingPathExtension("out"))
            ran += 1
        }
        XCTAssertGreaterThan(ran, 0)
    }
}
