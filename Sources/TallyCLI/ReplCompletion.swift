import Foundation
import TallyEngine
import TallyLanguage

/// Tab completion: dot-commands and their arguments (paths, measures, record kinds, modes,
/// member ids); in expressions, keywords, functions, the session's names (definitions,
/// parameters, value sets, codes), the member's record lists, and after a dot the fields of
/// what precedes it (by its static type when it compiles, else every field of the schema).
struct ReplCompletion {
    struct Result {
        /// Where the replaced word starts, in characters (Unicode scalars) of the line.
        var start: Int
        var candidates: [String]
    }

    let session: ReplSession

    /// Words the REPL adds to the language (the query forms).
    static let queryWords = ["count", "rate", "select", "limit", "desc", "asc", "member"]

    /// Completes the text before the cursor.
    func complete(_ line: String) -> Result {
        let scalars = Array(line.unicodeScalars)
        let lead = scalars.firstIndex { $0 != " " && $0 != "\t" } ?? scalars.count
        if lead < scalars.count, scalars[lead] == "." {
            return dotCommand(scalars, lead)
        }
        return expression(scalars)
    }

    // MARK: Dot-commands

    func dotCommand(_ s: [Unicode.Scalar], _ lead: Int) -> Result {
        let words = splitWords(s, from: lead)
        if words.count == 1, !(s.last == " " || s.last == "\t") {
            let typed = String(String.UnicodeScalarView(s[lead..<s.count]))
            return Result(start: lead, candidates: ReplDotCommand.all.map { "." + $0.name }.filter { $0.hasPrefix(typed) })
        }
        guard let command = try? ReplDotCommand.resolve(words[0].text, range: 0..<0) else { return Result(start: s.count, candidates: []) }
        let typingNew = s.last == " " || s.last == "\t"
        let index = typingNew ? words.count - 1 : words.count - 2
        let start = typingNew ? s.count : words.last!.start
        let typed = typingNew ? "" : words.last!.text
        guard !command.arguments.isEmpty else { return Result(start: start, candidates: []) }
        let kind = index < command.arguments.count ? command.arguments[index]
            : ([.path, .measureOrPath].contains(command.arguments.last!) ? command.arguments.last! : .none)
        return Result(start: start, candidates: arguments(kind, typed, command: command))
    }

    func arguments(_ kind: ReplArgumentKind, _ typed: String, command: ReplDotCommand) -> [String] {
        func starting(_ xs: [String]) -> [String] { xs.filter { $0.hasPrefix(typed) } }
        switch kind {
        case .none: return []
        case .command: return starting(ReplDotCommand.all.map(\.name))
        case .path: return paths(typed)
        case .measure: return starting(session.measures.map(\.name) + (command.name == "focus" ? ["none"] : []))
        case .measureOrPath: return starting(session.measures.map(\.name)) + paths(typed)
        case .kind:
            let listFields = session.schema.root.fields.compactMap { f -> String? in if case .list(.record) = f.type { return f.name } else { return nil } }
            return starting(session.schema.kinds.map(\.name) + listFields)
        case .mode: return starting(ReplMode.allCases.map(\.rawValue))
        case .onOff: return starting(["on", "off"])
        case .memberID:
            var out = command.name == "member" ? starting(["off"]) : []
            for m in session.panel?.members ?? [] {
                let id = Panel.id(of: m)
                if id.hasPrefix(typed) { out.append(id) }
                if out.count >= 200 { break }
            }
            return out
        }
    }

    /// Files and folders starting with the typed path; folders end with `/`.
    func paths(_ typed: String) -> [String] {
        let dir: String, base: String
        if let slash = typed.lastIndex(of: "/") {
            dir = String(typed[...slash])
            base = String(typed[typed.index(after: slash)...])
        } else {
            dir = ""
            base = typed
        }
        let listed = dir.isEmpty ? "." : dir
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        return names.filter { $0.hasPrefix(base) && (base.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: (listed as NSString).appendingPathComponent(name), isDirectory: &isDir)
            return dir + name + (isDir.boolValue ? "/" : "")
        }
    }

    func splitWords(_ s: [Unicode.Scalar], from: Int) -> [(text: String, start: Int)] {
        var out: [(String, Int)] = []
        var i = from
        while i < s.count {
            while i < s.count, s[i] == " " || s[i] == "\t" { i += 1 }
            guard i < s.count else { break }
            let start = i
            while i < s.count, s[i] != " ", s[i] != "\t" { i += 1 }
            out.append((String(String.UnicodeScalarView(s[start..<i])), start))
        }
        return out
    }

    // MARK: Expressions

    static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    func expression(_ s: [Unicode.Scalar]) -> Result {
        var start = s.count
        while start > 0, Self.isNameScalar(s[start - 1]) { start -= 1 }
        let typed = String(String.UnicodeScalarView(s[start..<s.count]))
        if start > 0, s[start - 1] == "." {
            let fields = fieldNames(before: s, dot: start - 1)
            return Result(start: start, candidates: fields.filter { $0.hasPrefix(typed) })
        }
        // After `is` or `as`: type names.
        var k = start
        while k > 0, s[k - 1] == " " || s[k - 1] == "\t" { k -= 1 }
        var w = k
        while w > 0, Self.isNameScalar(s[w - 1]) { w -= 1 }
        let previous = String(String.UnicodeScalarView(s[w..<k]))
        if previous == "is" || previous == "as", k < start {
            let types = Array(builtinTypeNames.keys) + ["List", "Interval"] + session.schema.kinds.map(\.name)
            return Result(start: start, candidates: Set(types).filter { $0.hasPrefix(typed) }.sorted())
        }
        guard !typed.isEmpty else { return Result(start: start, candidates: []) }
        var words = Set(reservedWords).union(Self.queryWords)
        words.formUnion(builtinFunctions.map(\.name))
        words.formUnion(session.registry.functionTable.names)
        words.formUnion(session.schema.root.fields.compactMap { f -> String? in if case .list = f.type { return f.name } else { return nil } })
        words.formUnion(["code", "start", "end", "date", "day", "month", "year", "it", "episode"])
        if let p = session.sessionProgram() {
            words.formUnion(p.defines.map(\.name).filter { !$0.hasPrefix("__") })
            words.formUnion(p.functions.map(\.name))
            words.formUnion(p.parameters.map(\.name))
            words.formUnion(p.valueSets.map(\.name))
            words.formUnion(p.codes.map(\.name))
        }
        for d in session.declarations { if let n = d.name { words.insert(n) } }
        return Result(start: start, candidates: words.filter { $0.hasPrefix(typed) && $0 != typed || $0 == typed }.sorted())
    }

    /// Field names after a dot: of the kind the expression before the dot has (a record, or a
    /// list of records), found by compiling it; for a query alias, of the aliased list's items;
    /// else every field of the schema.
    func fieldNames(before s: [Unicode.Scalar], dot: Int) -> [String] {
        let prefixStart = chainStart(s, end: dot)
        let prefix = String(String.UnicodeScalarView(s[prefixStart..<dot]))
        if !prefix.isEmpty, let kind = kindOf(prefix) { return kind.fields.map(\.name) }
        // `xs as e where e.` — the alias stands for an item of `xs`.
        if !prefix.isEmpty, prefix.unicodeScalars.allSatisfy(Self.isNameScalar) {
            let text = String(String.UnicodeScalarView(s[0..<prefixStart]))
            if let r = text.range(of: " as \(prefix) ", options: .backwards) ?? text.range(of: " as \(prefix)\t", options: .backwards) {
                let before = Array(text[..<r.lowerBound].unicodeScalars)
                let source = String(String.UnicodeScalarView(before[chainStart(before, end: before.count)..<before.count]))
                if let kind = kindOf(source) { return kind.fields.map(\.name) }
            }
        }
        var all = Set<String>()
        for k in session.schema.kinds { all.formUnion(k.fields.map(\.name)) }
        return all.sorted()
    }

    /// The record kind of an expression in the session, if it compiles to a record or a list of them.
    func kindOf(_ expression: String) -> RecordKind? {
        let source = session.sessionSource(extra: "define __complete =\n" + expression + "\n")
        guard let program = session.compile(source.file).program, let i = program.defineIndex("__complete") else { return nil }
        switch program.defines[i].type {
        case .record(let k), .list(.record(let k)): return session.schema.kind(k)
        default: return nil
        }
    }

    /// Where the postfix chain ending at `end` starts: names, dots, calls and indexes.
    func chainStart(_ s: [Unicode.Scalar], end: Int) -> Int {
        var i = end
        while i > 0 {
            let c = s[i - 1]
            if Self.isNameScalar(c) || c == "." {
                i -= 1
            } else if c == ")" || c == "]" {
                let open: Unicode.Scalar = c == ")" ? "(" : "["
                var depth = 0
                var j = i - 1
                while j >= 0 {
                    if s[j] == c { depth += 1 }
                    if s[j] == open { depth -= 1; if depth == 0 { break } }
                    j -= 1
                }
                if j < 0 { return i }
                i = j
            } else {
                break
            }
        }
        return i
    }
}
