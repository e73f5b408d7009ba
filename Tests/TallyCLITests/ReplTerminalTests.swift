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

    func testTypingAndEditing() throws {
        let t = try terminal()
        // Type the end first, go to the start of the line (Ctrl-A) and insert the beginning.
        t.type("+ 2")
        t.type(ReplTerminal.ctrlA)
        t.type("40 ")
        t.type("\r")
        try t.expect("\n42\ntally> ")
        // Backspace removes the character before the cursor.
        t.type("6 * 77\u{7F}\r")
        try t.expect("\n42\ntally> ")
        t.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try t.waitForExit(), 0)
    }

    func testHistoryRecallAcrossRuns() throws {
        let first = try terminal()
        first.type("1000 + 337\r")
        try first.expect("\n1337\ntally> ")
        first.type(".quit\r")
        XCTAssertEqual(try first.waitForExit(), 0)
        let path = dir.appendingPathComponent("history").path
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600, "the history file must be private")

        let second = try terminal()
        // Up twice: `.quit`, then the query; Enter runs it again.
        second.type(ReplTerminal.up)
        second.type(ReplTerminal.up)
        second.type("\r")
        try second.expect("\n1337\ntally> ")
        second.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try second.waitForExit(), 0)
    }

    func testTabCompletion() throws {
        let t = try terminal(["--data", panel])
        // A dot-command by prefix.
        t.type(".he" + ReplTerminal.tab)
        try t.expect(".help ")
        t.type("\r")
        try t.expect(".records KIND")
        try t.expect("tally> ")
        // A field after a dot, found by the static type of what precedes it.
        t.type(".member P00000001\r")
        try t.expect("member: P00000001\ntally> ")
        t.type("member.bir" + ReplTerminal.tab)
        try t.expect("member.birth_date ")
        t.type("\r")
        try t.expect("\n@1965-06-15\ntally> ")
        // A record list of the member, then a field of its items through an alias.
        t.type("count(encou" + ReplTerminal.tab)
        try t.expect("count(encounters ")
        t.type("as e where e.sta" + ReplTerminal.tab)
        try t.expect("e.status ")
        t.type("= \"finished\")\r")
        try t.expect("\n34\ntally> ")
        t.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try t.waitForExit(), 0)
    }

    func testMultiLineInput() throws {
        let t = try terminal()
        t.type("define answer =\r")
        try t.expect("  ...> ")
        t.type("  40 +\r")
        try t.expect("  ...> ")
        t.type("  2\r")
        try t.expect("tally> ")
        t.type("answer\r")
        try t.expect("\n42\ntally> ")
        t.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try t.waitForExit(), 0)
    }

    func testCtrlCCancelsTheLineAndAnEvaluation() throws {
        let t = try terminal(["--data", panel])
        // Ctrl-C on a line being typed drops it.
        t.type("1 + 1")
        t.type(ReplTerminal.ctrlC)
        try t.expect("^C")
        try t.expect("tally> ")
        t.type("2 + 2\r")
        try t.expect("\n4\ntally> ")
        // A query that takes long (cubic in each member's encounters: no `exists` is ever
        // satisfied, so none stops early), stopped by Ctrl-C.
        t.type("count where exists (encounters as a where exists (encounters as b where a.id != b.id and exists (encounters as c where a.id = c.id and b.id = c.id)))\r")
        try t.expect("c.id)))\n")
        t.pump(0.5)
        t.type(ReplTerminal.ctrlC)
        try t.expect("Interrupted")
        try t.expect("tally> ")
        t.type("3 + 3\r")
        try t.expect("\n6\ntally> ")
        t.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try t.waitForExit(), 0)
    }

    /// A measure drafted at the prompt, saved, accepted by `tally check`, and evaluated by
    /// `tally run` to the counts the session showed.
    func testSaveThenCheck() throws {
        let saved = dir.appendingPathComponent("drafts/diabetes-a1c.measure").path
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("drafts").path, withIntermediateDirectories: true)
        let t = try terminal(["--data", panel])
        t.type("use \"Measures/lib/common\"\r")
        try t.expect("tally> ")
        t.type("define diabetic = exists (conditions where code ~ code(\"icd10cm\", \"E11.9\"))\r")
        try t.expect("tally> ")
        t.type("define a1c_tested =\r  exists (observations as o where o.code ~ code(\"loinc\", \"4548-4\")\r    and latest(o.effective) during period)\r")
        try t.expect("tally> ")
        t.type("population initial = diabetic and age_at(end of period) >= 18\r")
        try t.expect("tally> ")
        t.type("population denominator = initial\r")
        try t.expect("tally> ")
        t.type("population numerator = a1c_tested\r")
        try t.expect("tally> ")
        t.type("rate numerator where denominator\r")
        try t.expect("members  count   rate\n")
        try t.expect("tally> ")
        let table = t.lastOutput
        t.type(".save \(saved)\r")
        try t.expect("saved measure Session to \(saved)\ntally> ")
        t.type(ReplTerminal.ctrlD)
        XCTAssertEqual(try t.waitForExit(), 0)

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
