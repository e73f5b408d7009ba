import ArgumentParser
import Dispatch
import Foundation
import TallyEngine
import TallyLanguage

/// `tally repl` (and `tally` alone): query panels and draft measures interactively.
struct Repl: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Query panels and draft measures interactively.",
        discussion: """
            At a terminal: line editing, history in ~/.tally_history (TALLY_HISTORY overrides), tab \
            completion, .help for the dot-commands. With standard input from a pipe or file, runs it as a \
            script: no prompts; exits 1 if any input failed (-bail stops at the first). See docs/repl.md.
            """
    )

    @Option(help: ArgumentHelp("A panel folder or file to load.", valueName: "DIR"))
    var data: String?

    @Option(name: .customLong("measures"), parsing: .upToNextOption, help: ArgumentHelp("Measure or library files or folders to load.", valueName: "PATH"))
    var measures: [String] = []

    @Option(name: .customShort("c"), help: ArgumentHelp("Run one input (a query, a declaration or a dot-command), print the answer and exit.", valueName: "INPUT"))
    var command: String?

    @Flag(name: [.customLong("bail", withSingleDash: true), .customLong("bail")], help: "In a script, stop at the first error (exit code 1).")
    var bail = false

    @Flag(help: "In a script, print each input (after the prompt) before its output.")
    var echo = false

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func run(registry: PluginRegistry) throws {
        let interactive = command == nil && isatty(STDIN_FILENO) == 1
        let session = try ReplSession(registry: registry, options: options, dataOptions: dataOptions)
        session.interactive = interactive || command != nil
        session.inputName = command != nil ? "<command>" : interactive ? "<input>" : "<stdin>"
        let controller = ReplController(session: session)
        controller.bail = bail
        controller.echo = echo && !interactive
        if interactive {
            writeOut("Tally \(Tally.configuration.version) — .help for help, .quit or Ctrl-D to leave.\n")
        }
        // Measures and data named on the command line: problems are reported; a script or -c
        // then stops with the exit code `tally run` would give.
        if !measures.isEmpty {
            do {
                let loaded = try session.load(paths: measures)
                if interactive {
                    writeOut("loaded " + loaded.joined(separator: ", ") + (session.focus.map { " (focus: \(session.measures[$0].name))" } ?? "") + "\n")
                }
            } catch {
                controller.report(error, ReplInput(""))
                if !interactive { throw ExitCode(ExitStatus.measureErrors) }
            }
        }
        if let data {
            do {
                let panel = try session.loadPanel(data, range: nil)
                session.panel = panel
                session.panelPath = data
                if interactive { writeOut(ReplSession.panelSummary(panel, path: data)) }
            } catch {
                controller.report(error, ReplInput(""))
                if !interactive { throw ExitCode(FileManager.default.fileExists(atPath: data) ? ExitStatus.dataErrors : ExitStatus.usage) }
            }
        }
        if let command {
            let ok = controller.execute(ReplInput(command))
            if !ok { throw ExitCode(ExitStatus.measureErrors) }
            return
        }
        if interactive {
            ReplInterrupt.install()
            let editor = ReplLineEditor(historyPath: ReplLineEditor.defaultHistoryPath())
            editor.completer = ReplCompletion(session: session).complete
            controller.loop(editor, interactive: true)
            editor.saveHistory()
        } else {
            signal(SIGPIPE, SIG_IGN)
            controller.loop(ReplScriptSource(), interactive: false)
            if controller.errors > 0 { throw ExitCode(ExitStatus.measureErrors) }
        }
    }
}

/// Reads inputs (joining lines until an input is complete), runs them and prints the results.
final class ReplController {
    let session: ReplSession
    var quitRequested = false
    /// Inputs that failed so far.
    var errors = 0
    var bail = false
    var echo = false
    /// Set when -bail stopped a script (also inside `.read`).
    var bailed = false

    init(session: ReplSession) {
        self.session = session
    }

    static let prompt = "tally> "
    static let continuationPrompt = "  ...> "

    // MARK: The loop

    func loop(_ source: ReplLineSource, interactive: Bool) {
        var pending: [String] = []
        var firstLine = 1
        var lineNumber = 0
        while !quitRequested && !bailed {
            if interactive { ReplInterrupt.clear() }
            let event = source.read(prompt: interactive ? (pending.isEmpty ? Self.prompt : Self.continuationPrompt) : "")
            switch event {
            case .end:
                // An input cut short by the end of a script is still run, to report it.
                if !interactive, !pending.isEmpty { run(pending, firstLine: firstLine, source) }
                return
            case .cancelled:
                pending = []
            case .line(let line):
                lineNumber += 1
                // A dot-command line always starts a new input: what was pending is run first
                // (and reports what it lacks).
                if !pending.isEmpty, line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix(".") {
                    run(pending, firstLine: firstLine, source)
                    pending = []
                    if bailed || quitRequested { return }
                }
                if pending.isEmpty {
                    firstLine = lineNumber
                    if line.trimmingCharacters(in: .whitespaces).isEmpty {
                        if echo { writeOut("\n") }
                        continue
                    }
                }
                pending.append(line)
                let input = ReplInput(pending.joined(separator: "\n"), firstLine: interactive ? 1 : firstLine)
                if needsMore(input) { continue }
                run(pending, firstLine: firstLine, source)
                pending = []
            }
        }
    }

    private func run(_ lines: [String], firstLine: Int, _ source: ReplLineSource) {
        let text = lines.joined(separator: "\n")
        if echo {
            // The echo is the input, not a result: it goes to standard output even under .output.
            writeOut(lines.enumerated().map { ($0.offset == 0 ? Self.prompt : Self.continuationPrompt) + $0.element + "\n" }.joined())
        }
        source.remember(text)
        let ok = execute(ReplInput(text, firstLine: session.interactive ? 1 : firstLine))
        if !ok, bail { bailed = true }
    }

    /// Whether the input stops in the middle of something: then the next line continues it.
    func needsMore(_ input: ReplInput) -> Bool {
        switch input.kind {
        case .dotCommand: return false
        case .empty:
            return isIncomplete(Lexer.tokenize(SourceFile(path: "<input>", bytes: input.bytes)).diagnostics)
        case .declaration:
            return isIncomplete(Parser.parse(SourceFile(path: "<input>", bytes: input.bytes)).diagnostics)
        case .query:
            guard let q = try? ReplQuerySyntax.parse(input) else { return false }
            if q.incomplete { return true }
            return q.segments.contains { isIncomplete(Parser.parseExpression(SourceFile(path: "<input>", bytes: input.blanked($0))).diagnostics) }
        }
    }

    /// Runs one complete input and prints its result; false when it failed.
    @discardableResult
    func execute(_ input: ReplInput) -> Bool {
        let start = DispatchTime.now().uptimeNanoseconds
        var ok = true
        var timed = session.timer
        do {
            switch input.kind {
            case .empty:
                timed = false
            case .dotCommand:
                let args = ReplArguments(input)
                let command = try ReplDotCommand.resolve(args.command.text, range: args.command.range)
                if command.name == "timer" { timed = false }
                try command.run(self, args)
            case .declaration:
                try session.declare(input)
            case .query:
                session.out(try ReplQueryRunner(session: session).run(input))
            }
        } catch is ReplQueryRunner.Cancelled {
            session.err("Interrupted\n")
            ok = false
        } catch {
            report(error, input)
            ok = false
        }
        if !ok { errors += 1 }
        if timed {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            writeOut("Run Time: \(ReplRenderer.duration(seconds))\n")
        }
        return ok
    }

    /// Prints an error: language diagnostics as rendered, others as `Error: message` with the
    /// input line and a caret under the offending part.
    func report(_ error: Error, _ input: ReplInput) {
        switch error {
        case let e as ReplDiagnosticsError:
            session.err(e.rendered)
        case let e as ReplError:
            var text = ""
            if let r = e.range, !input.bytes.isEmpty {
                let file = SourceFile(path: session.inputName, bytes: input.bytes)
                let lo = min(r.lowerBound, input.bytes.count)
                let loc = file.location(at: lo)
                if !session.interactive { text += "\(session.inputName):\(loc.line + input.firstLine - 1): " }
                text += "Error: \(e.message)\n"
                let lineBytes = file.lineBytes(loc.line)
                let shown = String(decoding: lineBytes, as: UTF8.self)
                let before = String(decoding: lineBytes.prefix(max(0, loc.column - 1)), as: UTF8.self)
                let lineEnd = file.lineStarts[loc.line - 1] + lineBytes.count
                let covered = String(decoding: input.bytes[lo..<max(lo, min(r.upperBound, lineEnd))], as: UTF8.self)
                // A caret past the end of the line marks where something is missing.
                let past = max(0, r.lowerBound - input.bytes.count)
                text += "  \(shown)\n  \(String(repeating: " ", count: before.count + past))^\(String(repeating: "~", count: max(0, covered.count - 1)))\n"
            } else {
                if !session.interactive, !input.bytes.isEmpty { text += "\(session.inputName):\(input.firstLine): " }
                text += "Error: \(e.message)\n"
            }
            if let hint = e.hint { text += "  hint: \(hint)\n" }
            session.err(text)
        case let e as ExitCode:
            session.err("Error: exit \(e.rawValue)\n")
        default:
            session.err("Error: \(error)\n")
        }
    }

    // MARK: Helpers of the dot-commands

    func member(_ id: String, range: Range<Int>) throws -> Record {
        guard session.panel != nil else {
            throw ReplError("no panel is loaded", range: range, hint: "load one with .data DIR (or start with --data DIR)")
        }
        guard let m = session.findMember(id) else {
            let example = session.panel?.members.first.map { " (ids look like \(Panel.id(of: $0)))" } ?? ""
            throw ReplError("no member '\(id)' in the panel", range: range, hint: "check the id\(example)")
        }
        return m
    }

    /// `.read FILE`: the file's lines run as a script, then the session continues.
    func runNested(_ source: ReplScriptSource, name: String) throws {
        let saved = (session.inputName, session.interactive)
        session.inputName = name
        session.interactive = false
        defer { (session.inputName, session.interactive) = saved }
        let before = errors
        loop(source, interactive: false)
        if errors > before, !bail {
            // The errors were reported; the .read itself is not one more.
            return
        }
    }

    /// `.reload`: measures and value sets from disk again; the session is checked again.
    func reload() throws {
        let (store, vsErrors) = ValueSetStore.load(directories: session.options.valueSetPaths,
                                                   sources: session.registry.valueSetSources.map(\.source))
        for e in vsErrors { session.err("\(e): error\n") }
        session.valueSets = store
        session.workspace.valueSets = store
        let focusName = session.focus.map { session.measures[$0].name }
        let paths = session.measures.map(\.path)
        session.measures = []
        session.focus = nil
        var failure: Error?
        if !paths.isEmpty {
            do { try session.load(paths: paths, focusSingle: false) } catch { failure = error }
        }
        if let focusName, let i = session.measures.firstIndex(where: { $0.name == focusName }) {
            do { try session.setFocus(i) } catch { failure = failure ?? error }
        }
        let check = session.compile(session.sessionSource().file)
        if check.program == nil {
            session.err(DiagnosticRenderer(sources: check.sources).render(check.diagnostics.filter { $0.severity == .error }))
        }
        session.out("reloaded \(session.measures.count) measure\(session.measures.count == 1 ? "" : "s") and \(store.count) value set\(store.count == 1 ? "" : "s")\n")
        if let failure { throw failure }
    }

    /// `.save FILE`: the session as a file `tally check` accepts, `use` paths made relative
    /// to where it is written.
    func save(to path: String, range: Range<Int>) throws {
        let source = session.sessionSource().file
        var bytes = source.bytes
        let parsed = Parser.parse(source).unit
        let destinationDir = (ReplController.absolute(path) as NSString).deletingLastPathComponent
        // Replace `use` paths from the end, so earlier offsets stay valid.
        for d in parsed.decls.reversed() {
            guard case .use(let usePath, let r, _) = d.kind else { continue }
            guard case .found(let lib) = session.workspace.findLibrary(usePath, from: source) else { continue }
            var relative = ReplController.relativePath(from: destinationDir, to: ReplController.absolute(lib.path))
            if relative.hasSuffix(".measure") { relative.removeLast(8) }
            if !relative.hasPrefix(".") && !relative.hasPrefix("/") { relative = "./" + relative }
            let quoted = Array(ReplRenderer.jsonString(relative).utf8)
            let lo = r.lowerBound.offset, hi = r.upperBound.offset
            guard lo < hi, hi <= bytes.count, bytes[lo] == UInt8(ascii: "\"") else { continue }
            bytes.replaceSubrange(lo..<hi, with: quoted)
        }
        let file = SourceFile(path: path, bytes: bytes)
        let check = session.workspace.compile(file)
        let errors = check.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty {
            throw ReplDiagnosticsError(rendered: DiagnosticRenderer(sources: check.sources + [file]).render(errors)
                                       + "Error: not saved: \(path) would not pass tally check\n")
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ReplError("cannot write \(path)", range: range)
        }
        let info = check.program?.info
        session.out("saved \(info?.isLibrary == true ? "library" : "measure") \(info?.name ?? "") to \(path)\n")
    }

    static func absolute(_ path: String) -> String {
        let p = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: p).standardizedFileURL.path
    }

    /// The path of `file` relative to the folder `dir` (both absolute).
    static func relativePath(from dir: String, to file: String) -> String {
        let a = dir.split(separator: "/").map(String.init), b = file.split(separator: "/").map(String.init)
        var i = 0
        while i < a.count, i < b.count - 1, a[i] == b[i] { i += 1 }
        let ups = Array(repeating: "..", count: a.count - i)
        return (ups + b[i...]).joined(separator: "/")
    }
}
