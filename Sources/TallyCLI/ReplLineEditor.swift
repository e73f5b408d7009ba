import CEditLine
import Foundation

/// Where the REPL reads its input from: the line editor on a terminal, or plain lines from a
/// pipe or file (script mode: no prompts, no escape codes).
protocol ReplLineSource: AnyObject {
    /// The next line (without its newline), `.cancelled` after Ctrl-C, `.end` at Ctrl-D or end of input.
    func read(prompt: String) -> ReplLineEvent
    /// Records a complete input in the history (a no-op without a terminal).
    func remember(_ input: String)
}

enum ReplLineEvent: Equatable {
    case line(String)
    case cancelled
    case end
}

/// Plain lines from standard input or a file: script mode.
final class ReplScriptSource: ReplLineSource {
    private let handle: UnsafeMutablePointer<FILE>
    private let closeAtEnd: Bool
    /// 1-based number of the last line read, for diagnostics that name script lines.
    private(set) var lineNumber = 0

    init(file: UnsafeMutablePointer<FILE> = stdin, closeAtEnd: Bool = false) {
        self.handle = file
        self.closeAtEnd = closeAtEnd
    }

    convenience init?(path: String) {
        guard let f = fopen(path, "r") else { return nil }
        self.init(file: f, closeAtEnd: true)
    }

    deinit { if closeAtEnd { fclose(handle) } }

    func read(prompt: String) -> ReplLineEvent {
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        let n = getline(&line, &capacity, handle)
        defer { free(line) }
        guard n >= 0, let line else { return .end }
        lineNumber += 1
        var bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: n))
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    func remember(_ input: String) {}
}

/// The line editor on a terminal, through libedit's readline-compatible interface: emacs key
/// bindings, history (persisted with mode 0600 and bounded), tab completion, window resizes
/// (libedit's own SIGWINCH handling), and Ctrl-C bound to "cancel this line".
///
/// While a line is edited, the terminal's signal characters are turned off (`setty -d -isig`),
/// so Ctrl-C arrives as a key and cancels the line instead of raising SIGINT; between lines
/// (while a query runs) the terminal is in its normal mode, and Ctrl-C raises SIGINT, which
/// `ReplInterrupt` turns into a cancellation flag.
final class ReplLineEditor: ReplLineSource {
    /// The one editor of the process: libedit's readline interface is global state, and its C
    /// callbacks cannot capture context.
    nonisolated(unsafe) static var current: ReplLineEditor?

    static let historyLimit = 1000

    let historyPath: String?
    /// Completes the text before the cursor: where the replaced word starts (in characters of
    /// the line) and the candidates that replace it.
    var completer: ((String) -> ReplCompletion.Result)?
    fileprivate var cancelled = false
    fileprivate var candidates: [String] = []
    private var lastRemembered: String?

    /// The terminal's mode when the REPL started, restored after each line.
    private let cookedMode: termios?

    init(historyPath: String?) {
        self.historyPath = historyPath
        var t = termios()
        cookedMode = tcgetattr(STDIN_FILENO, &t) == 0 ? t : nil
        rl_readline_name = UnsafePointer(strdup("tally"))
        rl_initialize()
        stifle_history(Int32(Self.historyLimit))
        if let historyPath, FileManager.default.fileExists(atPath: historyPath) {
            read_history(historyPath)
        }
        // Identifiers, dot-commands and paths complete word by word; `.` and `/` end words so
        // that fields after a dot and path components complete on their own.
        let breaks = " \t\n\"'`@$><=;|&{}()[],+-*/~!."
        rl_basic_word_break_characters = UnsafePointer(strdup(breaks))
        rl_completer_word_break_characters = strdup(breaks)
        rl_attempted_completion_function = replAttemptedCompletion
        rl_add_defun("tally-cancel-line", replCancelLine, 3)
        rl_pre_input_hook = replPreInput
        Self.current = self
    }

    func read(prompt: String) -> ReplLineEvent {
        cancelled = false
        // libedit prints the prompt before it switches the terminal to raw mode; keys typed in
        // that moment would meet the cooked line discipline (Ctrl-D lost as end-of-file, Ctrl-C
        // raised as a signal). Leave cooked mode first; libedit restores its own saved cooked
        // mode (signals on) when the line is done.
        if var t = cookedMode {
            t.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
            tcsetattr(STDIN_FILENO, TCSANOW, &t)
        }
        let line = readline(prompt)
        // Back to the terminal's own mode, where Ctrl-C raises SIGINT during an evaluation.
        if var t = cookedMode { tcsetattr(STDIN_FILENO, TCSANOW, &t) }
        guard let raw = line else {
            if cancelled {
                writeOut("^C\n")
                return .cancelled
            }
            writeOut("\n")
            return .end
        }
        defer { free(raw) }
        if cancelled {
            writeOut("^C\n")
            return .cancelled
        }
        return .line(String(cString: raw))
    }

    func remember(_ input: String) {
        var entry = input.trimmingCharacters(in: .whitespacesAndNewlines)
        // A multi-line input is recalled as one line (layout is free in the language; strings
        // do not span lines), unless a `//` comment would swallow what follows it.
        let lines = entry.split(separator: "\n", omittingEmptySubsequences: true)
        if lines.count > 1, !lines.contains(where: { $0.contains("//") }) {
            entry = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        guard !entry.isEmpty, entry != lastRemembered else { return }
        lastRemembered = entry
        add_history(entry)
        saveHistory()
    }

    /// Writes the history file (created with mode 0600; the mode is enforced on every write,
    /// since queries can hold member identifiers).
    func saveHistory() {
        guard let historyPath else { return }
        let fd = open(historyPath, O_WRONLY | O_CREAT, 0o600)
        if fd >= 0 { close(fd) }
        chmod(historyPath, 0o600)
        write_history(historyPath)
        chmod(historyPath, 0o600)
    }

    /// The history file: `TALLY_HISTORY`, else `~/.tally_history`.
    static func defaultHistoryPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["TALLY_HISTORY"] { return p.isEmpty ? nil : p }
        let home = env["HOME"] ?? NSHomeDirectory()
        return home.isEmpty ? nil : (home as NSString).appendingPathComponent(".tally_history")
    }
}

/// Before each line: signal characters off while editing, Ctrl-C bound to cancel the line.
/// (Done on every line, since libedit may re-read the terminal's settings.)
private func replPreInput() -> Int32 {
    rl_parse_and_bind("setty -d -isig")
    rl_parse_and_bind("bind ^C tally-cancel-line")
    return 0
}

/// Ctrl-C while editing: end the line, and let `read` report it as cancelled.
private func replCancelLine(_ count: Int32, _ key: Int32) -> Int32 {
    ReplLineEditor.current?.cancelled = true
    rl_done = 1
    return 0
}

/// libedit asks for completions of the word before the cursor, which starts at `start`
/// (characters); the answer is the list of words that replace it.
private func replAttemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    rl_attempted_completion_over = 1
    guard let editor = ReplLineEditor.current, let completer = editor.completer, let buffer = rl_line_buffer else { return nil }
    let scalars = Array(String(cString: buffer).unicodeScalars)
    let cursor = min(Int(end), scalars.count)
    let wordStart = min(max(0, Int(start)), cursor)
    var beforeCursor = String.UnicodeScalarView()
    beforeCursor.append(contentsOf: scalars[0..<cursor])
    let result = completer(String(beforeCursor))
    // Re-base the candidates on libedit's word start.
    var words: [String] = []
    for candidate in result.candidates {
        let c = Array(candidate.unicodeScalars)
        if wordStart >= result.start {
            let drop = wordStart - result.start
            guard drop <= c.count else { continue }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: c[drop...])
            words.append(String(s))
        } else {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[wordStart..<min(result.start, cursor)])
            s.append(contentsOf: c)
            words.append(String(s))
        }
    }
    guard !words.isEmpty else { return nil }
    editor.candidates = words
    rl_completion_append_character = words.count == 1 && (words[0].hasSuffix("/") || words[0].hasSuffix(".")) ? 0 : 32
    guard let text else { return nil }
    return rl_completion_matches(text, replCompletionGenerator)
}

private func replCompletionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    guard let editor = ReplLineEditor.current, Int(state) < editor.candidates.count else { return nil }
    return strdup(editor.candidates[Int(state)])
}

/// Ctrl-C during an evaluation: a SIGINT handler sets a flag that evaluation loops check
/// between members; the REPL clears it before reading each line.
enum ReplInterrupt {
    static func install() {
        replInterruptFlag = 0
        var action = sigaction()
        #if os(Linux)
        action.__sigaction_handler.sa_handler = { _ in replInterruptFlag = 1 }
        #else
        action.__sigaction_u.__sa_handler = { _ in replInterruptFlag = 1 }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    static var isSet: Bool { replInterruptFlag != 0 }
    static func clear() { replInterruptFlag = 0 }
}

nonisolated(unsafe) var replInterruptFlag: Int32 = 0
