import Foundation
import XCTest

/// The REPL at a terminal, driven through a pseudo-terminal: editing keys, history across
/// runs, tab completion, multi-line input, Ctrl-C on a line and during an evaluation, and a
/// measure drafted, saved and checked.
final class ReplTerminalTests: TallyBinaryTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var panel: String { Self.repository.appendingPathComponent("examples/panel").path }

    /// Starts `tally` at a terminal, with its history file in the test's folder.
    func terminal(_ arguments: [String] = [], history: String = "history") throws -> ReplTerminal {
        guard FileManager.default.isExecutableFile(atPath: Self.tallyURL.path) else { throw MissingBinary(path: Self.tallyURL.path) }
        let t = try ReplTerminal(Self.tallyURL.path, arguments, cwd: Self.repository.path, environment: [
            "HOME": dir.path,
            "TALLY_HISTORY": dir.appendingPathComponent(history).path,
        ])
        try t.expect("tally> ")
        return t
    }

    /// Runs `body` at a `tally` terminal, then types `end` (Ctrl-D unless given) and checks that
    /// tally exits with 0.
    func session(_ arguments: [String] = [], end: String = ReplTerminal.ctrlD,
                 file: StaticString = #filePath, line: UInt = #line, _ body: (ReplTerminal) throws -> Void) throws {
        let t = try terminal(arguments)
        try body(t)
        t.type(end)
        XCTAssertEqual(try t.waitForExit(), 0, file: file, line: line)
    }

    func testTypingAndEditing() throws {
        try session { t in
            // Type the end first, go to the start of the line (Ctrl-A) and insert the beginning.
            t.type("+ 2")
            t.type(ReplTerminal.ctrlA)
            t.type("40 ")
            try t.type("\r", expecting: "\n42\ntally> ")
            // Backspace removes the character before the cursor.
            try t.type("6 * 77\u{7F}\r", expecting: "\n42\ntally> ")
        }
    }

    func testHistoryRecallAcrossRuns() throws {
        try session(end: ".quit\r") { t in
            try t.type("1000 + 337\r", expecting: "\n1337\ntally> ")
        }
        let path = dir.appendingPathComponent("history").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the history file must be private")

        try session { t in
            // Up twice: `.quit`, then the query; Enter runs it again.
            t.type(ReplTerminal.up)
            t.type(ReplTerminal.up)
            try t.type("\r", expecting: "\n1337\ntally> ")
        }
    }

    func testTabCompletion() throws {
        try session(["--data", panel]) { t in
            // A dot-command by prefix.
            try t.type(".he" + ReplTerminal.tab, expecting: ".help ")
            try t.type("\r", expecting: ".records KIND", "tally> ")
            // A field after a dot, found by the static type of what precedes it.
            try t.type(".member P00000001\r", expecting: "member: P00000001\ntally> ")
            try t.type("member.bir" + ReplTerminal.tab, expecting: "member.birth_date ")
            try t.type("\r", expecting: "\n@1965-06-15\ntally> ")
            // A record list of the member, then a field of its items through an alias.
            try t.type("count(encou" + ReplTerminal.tab, expecting: "count(encounters ")
            try t.type("as e where e.sta" + ReplTerminal.tab, expecting: "e.status ")
            try t.type("= \"finished\")\r", expecting: "\n34\ntally> ")
        }
    }

    func testMultiLineInput() throws {
        try session { t in
            try t.type("define answer =\r", expecting: "  ...> ")
            try t.type("  40 +\r", expecting: "  ...> ")
            try t.type("  2\r", expecting: "tally> ")
            try t.type("answer\r", expecting: "\n42\ntally> ")
        }
    }

    func testCtrlCCancelsTheLineAndAnEvaluation() throws {
        try session(["--data", panel]) { t in
            // Ctrl-C on a line being typed drops it.
            t.type("1 + 1")
            try t.type(ReplTerminal.ctrlC, expecting: "^C", "tally> ")
            try t.type("2 + 2\r", expecting: "\n4\ntally> ")
            // A query that takes long (cubic in each member's encounters: no `exists` is ever
            // satisfied, so none stops early), stopped by Ctrl-C.
            try t.type("count where exists (encounters as a where exists (encounters as b where a.id != b.id and exists (encounters as c where a.id = c.id and b.id = c.id)))\r",
                       expecting: "c.id)))\n")
            t.pump(0.5)
            try t.type(ReplTerminal.ctrlC, expecting: "Interrupted", "tally> ")
            try t.type("3 + 3\r", expecting: "\n6\ntally> ")
        }
    }

    /// A measure drafted at the prompt, saved, accepted by `tally check`, and evaluated by
    /// `tally run` to the counts the session showed.
    func testSaveThenCheck() throws {
        let saved = dir.appendingPathComponent("drafts/diabetes-a1c.measure").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("drafts").path, withIntermediateDirectories: true)
        var table = ""
        try session(["--data", panel]) { t in
            try t.type("use \"Measures/lib/common\"\r", expecting: "tally> ")
            try t.type("define diabetic = exists (conditions where code ~ code(\"icd10cm\", \"E11.9\"))\r", expecting: "tally> ")
            try t.type("define a1c_tested =\r  exists (observations as o where o.code ~ code(\"loinc\", \"4548-4\")\r    and latest(o.effective) during period)\r",
                       expecting: "tally> ")
            try t.type("population initial = diabetic and age_at(end of period) >= 18\r", expecting: "tally> ")
            try t.type("population denominator = initial\r", expecting: "tally> ")
            try t.type("population numerator = a1c_tested\r", expecting: "tally> ")
            try t.type("rate numerator where denominator\r", expecting: "members  count   rate\n", "tally> ")
            table = t.lastOutput
            try t.type(".save \(saved)\r", expecting: "saved measure Session to \(saved)\ntally> ")
        }

        let check = try tally(["check", saved])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertEqual(check.stdout, "1 file checked: 0 errors, 0 warnings\n")
        let run = try tally(["run", panel, "--measures", saved])
        XCTAssertEqual(run.status, 0, run.stderr)
        // The session's members and matches are the saved measure's denominator and numerator.
        let numbers = table.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        XCTAssertEqual(numbers.count, 2, table)
        let row = run.stdout.split(separator: "\n").first { $0.hasPrefix("Session") }.map(String.init) ?? ""
        let cells = row.split(separator: " ").map(String.init)
        XCTAssertEqual(cells.count >= 6 ? [cells[2], cells[5]] : [], numbers.map(String.init), run.stdout)
    }
}

private extension ReplTerminal {
    /// Types `text`, then waits for each of `shown` in turn.
    func type(_ text: String, expecting shown: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        type(text)
        for s in shown { try expect(s, file: file, line: line) }
    }
}
