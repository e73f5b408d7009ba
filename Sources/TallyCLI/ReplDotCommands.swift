import Foundation
import TallyEngine
import TallyLanguage

/// The words after a dot-command, with where each stands in the input (for carets).
struct ReplArguments {
    var input: ReplInput
    /// The command word as typed (`.he`), and its range.
    var command: (text: String, range: Range<Int>)
    var items: [(text: String, range: Range<Int>)]

    /// Splits a dot-command line at blanks; double quotes group words with blanks.
    init(_ input: ReplInput) {
        self.input = input
        var items: [(String, Range<Int>)] = []
        let b = input.bytes
        var i = 0
        while i < b.count {
            while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
            guard i < b.count else { break }
            let start = i
            var word: [UInt8] = []
            if b[i] == UInt8(ascii: "\"") {
                i += 1
                while i < b.count, b[i] != UInt8(ascii: "\"") { word.append(b[i]); i += 1 }
                if i < b.count { i += 1 }
            } else {
                while i < b.count, !(b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D) { word.append(b[i]); i += 1 }
            }
            items.append((String(decoding: word, as: UTF8.self), start..<i))
        }
        command = items.isEmpty ? ("", 0..<0) : items.removeFirst()
        self.items = items
    }

    var count: Int { items.count }
    subscript(_ i: Int) -> String { items[i].text }
    func range(_ i: Int) -> Range<Int> { items[i].range }
    /// Just past the end of the line: where a missing argument would go.
    var end: Range<Int> { input.bytes.count + 1..<input.bytes.count + 2 }

    /// The range of everything after the command, for "expected no arguments".
    var rest: Range<Int> { (items.first?.range.lowerBound ?? command.range.upperBound)..<(items.last?.range.upperBound ?? command.range.upperBound) }

    func at(most n: Int, usage: String) throws {
        if items.count > n {
            throw ReplError("too many arguments", range: items[n].range.lowerBound..<items.last!.range.upperBound, hint: "usage: \(usage)")
        }
    }

    func at(least n: Int, usage: String) throws {
        if items.count < n { throw ReplError("missing argument", range: end, hint: "usage: \(usage)") }
    }
}

/// What a dot-command's arguments complete to.
enum ReplArgumentKind {
    case none, command, path, measure, measureOrPath, kind, mode, onOff, memberID
}

/// One dot-command: its name, arguments, a one-line summary and the help text, next to the
/// code that runs it (as in the SQLite shell).
struct ReplDotCommand {
    var name: String
    var usage: String
    var summary: String
    var help: String
    var arguments: [ReplArgumentKind]
    var run: (ReplController, ReplArguments) throws -> Void

    var synopsis: String { "." + name + (usage.isEmpty ? "" : " " + usage) }
}

extension ReplDotCommand {
    /// Every dot-command, in the order `.help` lists them.
    static let all: [ReplDotCommand] = [
        ReplDotCommand(name: "help", usage: "[COMMAND]", summary: "List the commands, or explain one.",
                       help: "With a command name (a unique prefix is enough), shows its full help.",
                       arguments: [.command]) { c, a in
            try a.at(most: 1, usage: ".help [COMMAND]")
            if a.count == 1 {
                let cmd = try ReplDotCommand.resolve(a[0].hasPrefix(".") ? a[0] : "." + a[0], range: a.range(0))
                c.session.out("\(cmd.synopsis)\n    \(cmd.summary)\n" + (cmd.help.isEmpty ? "" : "\n" + cmd.help.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"))
                return
            }
            let width = all.map(\.synopsis.count).max()!
            var text = ""
            for cmd in all { text += cmd.synopsis.padding(toLength: width + 2, withPad: " ", startingAt: 0) + cmd.summary + "\n" }
            text += """

                Anything else is a declaration or a query:
                  define NAME = EXPR, population NAME = EXPR, use "lib", valueset ..., measure NAME ...
                  EXPR                                   its value (over the panel: a count if Boolean)
                  count [where COND] [by EXPR, ...]      members (per group), with shares
                  rate COND [where COND] [by EXPR, ...]  members, matches and rate (per group)
                  select EXPR, ... [where COND] [sort by EXPR [desc]] [limit N]
                An incomplete input continues on the next line. Ctrl-C cancels, Ctrl-D leaves.

                """
            c.session.out(text)
        },
        ReplDotCommand(name: "load", usage: "FILE...", summary: "Load measure or library files (or folders of them).",
                       help: """
                           A measure is added to the loaded measures (replacing one of the same name) and, when
                           it is the only one loaded, becomes the focus: its definitions and populations are then
                           visible to queries. A library is added to the session as a `use` line.
                           """,
                       arguments: [.path]) { c, a in
            try a.at(least: 1, usage: ".load FILE...")
            let loaded = try c.session.load(paths: a.items.map(\.text), range: a.rest)
            var text = loaded.map { "loaded \($0)\n" }.joined()
            if let f = c.session.focus { text += "focus: \(c.session.measures[f].name)\n" }
            c.session.out(text)
        },
        ReplDotCommand(name: "reload", usage: "", summary: "Re-read the loaded measures and the value sets from disk.",
                       help: "The panel stays loaded; the session's own definitions are checked again.",
                       arguments: []) { c, a in
            try a.at(most: 0, usage: ".reload")
            try c.reload()
        },
        ReplDotCommand(name: "data", usage: "DIR", summary: "Load a panel (claims CSV, FHIR, ...).",
                       help: "Replaces the current panel and leaves member focus (.member). --input-format and --strict apply.",
                       arguments: [.path]) { c, a in
            try a.at(least: 1, usage: ".data DIR")
            try a.at(most: 1, usage: ".data DIR")
            let panel = try c.session.loadPanel(a[0], range: a.range(0))
            c.session.panel = panel
            c.session.panelPath = a[0]
            c.session.member = nil
            c.session.out(ReplSession.panelSummary(panel, path: a[0]))
        },
        ReplDotCommand(name: "measures", usage: "", summary: "List the loaded measures.",
                       help: "The measure in focus (see .focus) is named under the table.", arguments: []) { c, a in
            try a.at(most: 0, usage: ".measures")
            var t = ReplTable(columns: ["measure", "title", "scoring", "file"])
            for m in c.session.measures {
                t.rows.append([.string(m.name), m.program.info.title.map { .string($0) } ?? .null, .string(m.evaluator.scoring), .string(m.path)])
            }
            if c.session.mode == .table || c.session.mode == .line {
                if t.rows.isEmpty { t.notes.append("(no measures loaded: .load FILE)") }
                if let f = c.session.focus { t.notes.append("focus: \(c.session.measures[f].name)") }
            }
            c.session.out(c.session.renderer.render(t))
        },
        ReplDotCommand(name: "focus", usage: "[MEASURE|none]", summary: "Show or set the measure queries and definitions see.",
                       help: """
                           With a measure in focus, its definitions, populations, value sets and parameters are
                           visible to every query, and new definitions are checked as if written at the end of its
                           file (.save then writes the measure with them). `.focus none` returns to a session of
                           your own definitions.
                           """,
                       arguments: [.measure]) { c, a in
            try a.at(most: 1, usage: ".focus [MEASURE|none]")
            if a.count == 0 {
                c.session.out(c.session.focus.map { "focus: \(c.session.measures[$0].name)\n" } ?? "no measure in focus\n")
                return
            }
            if a[0] == "none" {
                try c.session.setFocus(nil)
                c.session.out("no measure in focus\n")
                return
            }
            let m = try c.session.measure(named: a[0], range: a.range(0))
            try c.session.setFocus(c.session.measures.firstIndex { $0.name == m.name })
            c.session.out("focus: \(m.name)\n")
        },
        ReplDotCommand(name: "run", usage: "[MEASURE|PATH...]", summary: "Evaluate measures over the panel: populations and rates.",
                       help: """
                           Without arguments runs every loaded measure; with names, those measures; with paths, the
                           measure files there (without loading them). With a member in focus, runs for that member.
                           """,
                       arguments: [.measureOrPath]) { c, a in
            var evaluators: [MeasureEvaluator] = []
            if a.count == 0 {
                evaluators = c.session.measures.map(\.evaluator)
                if evaluators.isEmpty { throw ReplError("no measures are loaded", hint: "load one with .load FILE, or give .run PATH") }
            }
            for (i, item) in a.items.enumerated() {
                if let m = c.session.measures.first(where: { $0.name == item.text }) {
                    evaluators.append(m.evaluator)
                    continue
                }
                guard FileManager.default.fileExists(atPath: item.text) else {
                    _ = try c.session.measure(named: item.text, range: a.range(i))
                    continue
                }
                let saved = (c.session.measures, c.session.focus, c.session.declarations)
                defer { (c.session.measures, c.session.focus, c.session.declarations) = saved }
                c.session.measures = []
                try c.session.load(paths: [item.text], range: a.range(i), focusSingle: false)
                evaluators += c.session.measures.map(\.evaluator)
            }
            c.session.out(try ReplMeasureCommands(session: c.session).run(evaluators.sorted { $0.name < $1.name }))
        },
        ReplDotCommand(name: "gaps", usage: "MEASURE [PROVIDER]", summary: "List care gaps of a measure, for one provider or all.",
                       help: """
                           A gap is a member in the denominator, not excluded and without an exception, who is not
                           in the numerator (for measures where lower is better, `improvement decrease`, one who is
                           in it). PROVIDER is an attributed provider NPI or practice id; a member's attribution is
                           the one whose period starts last.
                           """,
                       arguments: [.measure, .none]) { c, a in
            try a.at(least: 1, usage: ".gaps MEASURE [PROVIDER]")
            try a.at(most: 2, usage: ".gaps MEASURE [PROVIDER]")
            let m = try c.session.measure(named: a[0], range: a.range(0))
            let t = try ReplMeasureCommands(session: c.session).gaps(m, provider: a.count > 1 ? a[1] : nil)
            c.session.out(c.session.renderer.render(t))
        },
        ReplDotCommand(name: "explain", usage: "MEASURE [MEMBER]", summary: "Why a member is in or out of each population.",
                       help: """
                           Shows each population's value for the member, whether the member counts after the
                           population cascade, and the definitions it reads with their values, as a tree.
                           MEMBER defaults to the member in focus (.member).
                           """,
                       arguments: [.measure, .memberID]) { c, a in
            try a.at(least: 1, usage: ".explain MEASURE [MEMBER]")
            try a.at(most: 2, usage: ".explain MEASURE [MEMBER]")
            let m = try c.session.measure(named: a[0], range: a.range(0))
            let member: Record
            if a.count > 1 {
                member = try c.member(a[1], range: a.range(1))
            } else if let focused = c.session.member {
                member = focused
            } else {
                throw ReplError("which member?", range: a.end, hint: "usage: .explain MEASURE MEMBER (or choose one with .member ID)")
            }
            c.session.out(ReplMeasureCommands(session: c.session).explain(m, member: member))
        },
        ReplDotCommand(name: "member", usage: "[ID|off]", summary: "Focus on one member, or go back to the whole panel.",
                       help: """
                           With a member in focus, expressions evaluate for that member (lists of records show as
                           tables), and .records lists their records. `.member off` returns to the panel.
                           """,
                       arguments: [.memberID]) { c, a in
            try a.at(most: 1, usage: ".member [ID|off]")
            if a.count == 0 {
                c.session.out(c.session.member.map { "member: \(Panel.id(of: $0))\n" } ?? "no member in focus: queries run over the whole panel\n")
                return
            }
            if a[0] == "off" {
                c.session.member = nil
                c.session.out("queries run over the whole panel\n")
                return
            }
            let m = try c.member(a[0], range: a.range(0))
            c.session.member = m
            c.session.out("member: \(a[0])\n")
        },
        ReplDotCommand(name: "records", usage: "KIND", summary: "List the focused member's records of a kind.",
                       help: "KIND is a record kind (Encounter) or the member's field (encounters); case does not matter.",
                       arguments: [.kind]) { c, a in
            try a.at(least: 1, usage: ".records KIND")
            try a.at(most: 1, usage: ".records KIND")
            guard let member = c.session.member else {
                throw ReplError("no member in focus", hint: "choose one with .member ID")
            }
            let schema = c.session.schema
            let root = schema.root
            let wanted = a[0].lowercased()
            let field = root.fields.first { f in
                guard case .list(.record(let k)) = f.type else { return false }
                return f.name.lowercased() == wanted || k.lowercased() == wanted
            }
            guard let field, case .list(.record(let kindName)) = field.type, let kind = schema.kind(kindName),
                  let slot = root.slot(of: field.name) else {
                let names = root.fields.compactMap { f -> String? in if case .list(.record(let k)) = f.type { return k } else { return nil } }
                throw ReplError("no record kind '\(a[0])' on a member", range: a.range(0),
                                hint: closestName(to: a[0], in: names).map { "did you mean '\($0)'?" } ?? "kinds: " + names.joined(separator: ", "))
            }
            let records = member.fields[slot].asList.compactMap(\.asRecord)
            var t = ReplRenderer.recordsTable(records, kind: kind, dropEmpty: c.session.mode == .table || c.session.mode == .line)
            if c.session.mode == .table || c.session.mode == .line {
                t.notes.append("(\(records.count) \(kind.name) record\(records.count == 1 ? "" : "s"))")
            }
            c.session.out(c.session.renderer.render(t))
        },
        ReplDotCommand(name: "schema", usage: "[KIND]", summary: "List the record kinds, or the fields of one.",
                       help: "The canonical member-record model (docs/data-model.md).", arguments: [.kind]) { c, a in
            try a.at(most: 1, usage: ".schema [KIND]")
            let schema = c.session.schema
            if a.count == 0 {
                var t = ReplTable(columns: ["kind", "fields", "description"])
                for k in schema.kinds { t.rows.append([.string(k.name), .integer(k.fields.count), .string(k.doc)]) }
                c.session.out(c.session.renderer.render(t))
                return
            }
            let wanted = a[0].lowercased()
            let listField = schema.root.fields.first { $0.name.lowercased() == wanted }
            var kind = schema.kinds.first { $0.name.lowercased() == wanted }
            if kind == nil, let f = listField, case .list(.record(let k)) = f.type { kind = schema.kind(k) }
            guard let kind else {
                throw ReplError("no record kind '\(a[0])'", range: a.range(0),
                                hint: closestName(to: a[0], in: schema.kinds.map(\.name)).map { "did you mean '\($0)'?" } ?? "see .schema")
            }
            var t = ReplTable(columns: ["field", "type", "description"])
            for f in kind.fields { t.rows.append([.string(f.name), .string(f.type.description), .string(f.doc)]) }
            if c.session.mode == .table, !kind.doc.isEmpty { t.notes.append("\(kind.name): \(kind.doc)") }
            c.session.out(c.session.renderer.render(t))
        },
        ReplDotCommand(name: "valuesets", usage: "", summary: "List the value sets declared in the session and whether they are loaded.",
                       help: "Value sets are loaded with --valuesets DIR (FHIR ValueSet JSON or CSV code lists).", arguments: []) { c, a in
            try a.at(most: 0, usage: ".valuesets")
            var t = ReplTable(columns: ["name", "reference", "codes", "loaded"])
            var seen = Set<String>()
            for v in c.session.sessionProgram()?.valueSets ?? [] where seen.insert(v.name + "|" + v.reference).inserted {
                t.rows.append([.string(v.name), .string(v.reference), .integer(v.codes.count), .boolean(v.loaded)])
            }
            if c.session.mode == .table {
                t.notes.append("\(c.session.valueSets.count) value set\(c.session.valueSets.count == 1 ? "" : "s") loaded"
                               + (c.session.options.valueSetPaths.isEmpty ? " (start with --valuesets DIR to load some)" : " from " + c.session.options.valueSetPaths.joined(separator: ", ")))
            }
            c.session.out(c.session.renderer.render(t))
        },
        ReplDotCommand(name: "session", usage: "", summary: "Print the session's definitions as the file .save writes.",
                       help: "", arguments: []) { c, a in
            try a.at(most: 0, usage: ".session")
            c.session.out(String(decoding: c.session.sessionSource().file.bytes, as: UTF8.self))
        },
        ReplDotCommand(name: "timer", usage: "on|off", summary: "Print how long each query takes.", help: "", arguments: [.onOff]) { c, a in
            try a.at(least: 1, usage: ".timer on|off")
            try a.at(most: 1, usage: ".timer on|off")
            switch a[0] {
            case "on": c.session.timer = true
            case "off": c.session.timer = false
            default: throw ReplError("expected 'on' or 'off', not '\(a[0])'", range: a.range(0))
            }
        },
        ReplDotCommand(name: "mode", usage: "[table|csv|json|line]", summary: "How results are printed.",
                       help: """
                           table  aligned columns under a header (the default)
                           csv    RFC 4180, with a header row; shares as fractions
                           json   an array of objects, one per row; a single value as JSON
                           line   one `column = value` line per cell, rows apart
                           """,
                       arguments: [.mode]) { c, a in
            try a.at(most: 1, usage: ".mode [table|csv|json|line]")
            if a.count == 0 { c.session.out("\(c.session.mode.rawValue)\n"); return }
            guard let mode = ReplMode(rawValue: a[0]) ?? ReplMode.allCases.first(where: { $0.rawValue.hasPrefix(a[0]) && !a[0].isEmpty }) else {
                throw ReplError("unknown mode '\(a[0])'", range: a.range(0), hint: "one of: " + ReplMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.session.mode = mode
        },
        ReplDotCommand(name: "output", usage: "[FILE|stdout]", summary: "Send results to a file (or back to the screen).",
                       help: "The file is replaced. Errors and prompts stay on the terminal.", arguments: [.path]) { c, a in
            try a.at(most: 1, usage: ".output [FILE|stdout]")
            try? c.session.output?.close()
            c.session.output = nil
            c.session.outputPath = nil
            guard a.count == 1, a[0] != "stdout", a[0] != "-" else { return }
            guard FileManager.default.createFile(atPath: a[0], contents: nil), let h = FileHandle(forWritingAtPath: a[0]) else {
                throw ReplError("cannot write \(a[0])", range: a.range(0))
            }
            c.session.output = h
            c.session.outputPath = a[0]
        },
        ReplDotCommand(name: "save", usage: "FILE", summary: "Write the session's definitions as a measure or library file.",
                       help: """
                           Writes the header (typed, or `library Session` / `measure Session` with a scoring the
                           populations satisfy), the focused measure's text if any, and every declaration typed,
                           with `use` paths rewritten relative to FILE. The file is checked first as `tally check`
                           would; a file that would not pass is not written.
                           """,
                       arguments: [.path]) { c, a in
            try a.at(least: 1, usage: ".save FILE")
            try a.at(most: 1, usage: ".save FILE")
            try c.save(to: a[0], range: a.range(0))
        },
        ReplDotCommand(name: "read", usage: "FILE", summary: "Run the lines of a file as if typed.",
                       help: "Stops at the first error when the REPL runs with -bail.", arguments: [.path]) { c, a in
            try a.at(least: 1, usage: ".read FILE")
            try a.at(most: 1, usage: ".read FILE")
            guard let source = ReplScriptSource(path: a[0]) else { throw ReplError("cannot read \(a[0])", range: a.range(0)) }
            try c.runNested(source, name: a[0])
        },
        ReplDotCommand(name: "quit", usage: "", summary: "Leave the REPL (so does Ctrl-D).", help: "", arguments: []) { c, a in
            try a.at(most: 0, usage: ".quit")
            c.quitRequested = true
        },
        ReplDotCommand(name: "exit", usage: "", summary: "Leave the REPL.", help: "", arguments: []) { c, a in
            try a.at(most: 0, usage: ".exit")
            c.quitRequested = true
        },
    ]

    /// Finds a command by name or unique prefix (`.he` is `.help`).
    static func resolve(_ typed: String, range: Range<Int>) throws -> ReplDotCommand {
        let name = typed.hasPrefix(".") ? String(typed.dropFirst()) : typed
        if let exact = all.first(where: { $0.name == name }) { return exact }
        let matches = name.isEmpty ? [] : all.filter { $0.name.hasPrefix(name) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw ReplError("ambiguous command '\(typed)'", range: range, hint: "it could be " + matches.map { "." + $0.name }.joined(separator: ", "))
        }
        throw ReplError("unknown command '\(typed)'", range: range,
                        hint: closestName(to: name, in: all.map(\.name)).map { "did you mean '.\($0)'? (.help lists the commands)" } ?? ".help lists the commands")
    }
}
