import Foundation
import TallyLanguage

/// One input as typed (possibly several lines), and what kind of statement it is.
///
///     .mode csv                          a dot-command (one line)
///     define diabetic = exists ...       a declaration, added to the session
///     count where diabetic by provider   a panel query
///     member.birth_date                  an expression
struct ReplInput {
    var text: String
    var bytes: [UInt8]
    /// The 1-based line of a script where the input starts (1 when typed).
    var firstLine: Int

    init(_ text: String, firstLine: Int = 1) {
        self.text = text
        self.bytes = Array(text.utf8)
        self.firstLine = firstLine
    }

    enum Kind: Equatable {
        case empty
        case dotCommand
        case declaration
        case query
    }

    /// Tokens of the input (lexical errors are left to the compiler to report).
    var tokens: [Token] {
        Lexer.tokenize(SourceFile(path: "<input>", bytes: bytes)).tokens.filter { $0.kind != .endOfInput }
    }

    var kind: Kind {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .empty }
        if trimmed.hasPrefix(".") { return .dotCommand }
        let ts = tokens
        guard let first = ts.first else { return .empty }
        if first.kind == .keyword, declarationWords.contains(first.text) { return .declaration }
        // `code NAME = system "x"` declares a code; `code(...)` is the function.
        if first.kind == .identifier, first.text == "code", ts.count > 2, ts[1].kind == .identifier, ts[2].isSymbol("=") {
            return .declaration
        }
        return .query
    }

    /// The input with every byte outside `range` blanked to a space (newlines kept), so an
    /// expression cut out of it keeps its lines and columns.
    func blanked(_ range: Range<Int>) -> [UInt8] {
        var out = bytes
        for i in out.indices where !range.contains(i) && out[i] != UInt8(ascii: "\n") { out[i] = UInt8(ascii: " ") }
        return out
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// The text of a range on one line with runs of blanks collapsed: a column title.
    func title(_ range: Range<Int>) -> String {
        text(range).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }
}

/// Whether parsing stopped because the input ended early: then the REPL reads another line
/// (with the continuation prompt) instead of reporting an error, as Lua's REPL does.
func isIncomplete(_ diagnostics: [Diagnostic]) -> Bool {
    diagnostics.contains { $0.code == "unexpected-end" || $0.code == "unterminated-comment" }
}

/// The panel-query forms the REPL adds around the language's expressions (docs/repl.md):
///
///     EXPR                                              evaluate (count when Boolean)
///     count [where COND] [by KEY, ...]                  count members (per group)
///     rate COND [where COND] [by KEY, ...]              members, matches and rate (per group)
///     select EXPR, ... [where COND] [sort by EXPR [desc]] [limit N]
///
/// Clauses are found at the top level of the input (outside parentheses and brackets), in
/// any order, each once; a second `where` belongs to the expression it follows.
struct ReplQuerySyntax {
    enum Form: String { case expression, count, rate, select }

    var form: Form
    /// The form word (`count`, `rate`, `select`), for messages.
    var formRange: Range<Int>?
    /// The expressions before the clauses: the whole expression, the condition of `rate`, or
    /// the columns of `select`.
    var head: [Range<Int>] = []
    var filter: Range<Int>?
    var keys: [Range<Int>] = []
    var sort: Range<Int>?
    var descending = false
    var limit: Int?
    /// True when some part is still to come (a clause word with nothing after it).
    var incomplete = false

    /// Every expression to compile, in order.
    var segments: [Range<Int>] {
        head + (filter.map { [$0] } ?? []) + keys + (sort.map { [$0] } ?? [])
    }

    static let operatorKeywords: Set<String> = [
        "and", "or", "xor", "implies", "in", "is", "as", "contains", "union", "intersect", "except", "during",
        "includes", "included", "overlaps", "before", "after", "within", "same", "div", "mod", "starts", "ends",
        "occurs", "where", "sort", "return", "then", "else", "of",
    ]

    static func parse(_ input: ReplInput) throws -> ReplQuerySyntax {
        let tokens = input.tokens
        let all = (tokens.first?.range.lowerBound.offset ?? 0)..<(tokens.last?.range.upperBound.offset ?? 0)
        guard let first = tokens.first else { return ReplQuerySyntax(form: .expression, head: [all]) }
        var form = ReplQuerySyntax.Form.expression
        if first.kind == .identifier {
            let next = tokens.count > 1 ? tokens[1] : nil
            switch first.text {
            case "count":
                if next == nil || next!.is("where") || next!.is("by") { form = .count }
            case "rate", "select":
                if let n = next {
                    let call = n.isSymbol("(") && n.range.lowerBound.offset == first.range.upperBound.offset
                    let continues = (n.kind == .symbol && !["(", "[", "-"].contains(n.text))
                        || (n.kind == .keyword && operatorKeywords.contains(n.text))
                    if !call && !continues { form = first.text == "rate" ? .rate : .select }
                } else {
                    form = first.text == "rate" ? .rate : .select
                }
            default: break
            }
        }
        if form == .expression { return ReplQuerySyntax(form: .expression, head: [all]) }

        var q = ReplQuerySyntax(form: form, formRange: first.range.lowerBound.offset..<first.range.upperBound.offset)
        enum Clause { case head, filter, keys, sort }
        var current = Clause.head
        var parts: [Clause: [Token]] = [.head: []]
        var seen: Set<String> = []
        var depth = 0
        var i = 1
        while i < tokens.count {
            let t = tokens[i]
            if depth == 0 {
                if t.is("where"), !seen.contains("where") {
                    seen.insert("where"); current = .filter; parts[.filter] = []; i += 1; continue
                }
                if t.is("sort"), i + 1 < tokens.count, tokens[i + 1].is("by"), !seen.contains("sort"), form == .select {
                    seen.insert("sort"); current = .sort; parts[.sort] = []; i += 2; continue
                }
                if t.is("by"), !seen.contains("by"), !(i > 0 && tokens[i - 1].is("sort")), form != .select {
                    seen.insert("by"); current = .keys; parts[.keys] = []; i += 1; continue
                }
                if t.kind == .identifier, t.text == "limit", q.limit == nil {
                    if i + 1 < tokens.count, tokens[i + 1].kind == .integer, let n = Int(tokens[i + 1].text), i + 2 == tokens.count || !tokens[i + 2].isSymbol(".") {
                        q.limit = n
                        i += 2
                        continue
                    }
                    if i + 1 == tokens.count { q.incomplete = true; i += 1; continue }
                }
            }
            if t.isSymbol("(") || t.isSymbol("[") { depth += 1 }
            if t.isSymbol(")") || t.isSymbol("]") { depth = max(0, depth - 1) }
            parts[current, default: []].append(t)
            i += 1
        }
        func span(_ ts: [Token]) -> Range<Int>? {
            guard let a = ts.first, let b = ts.last else { return nil }
            return a.range.lowerBound.offset..<b.range.upperBound.offset
        }
        /// Splits a clause at top-level commas; an empty piece means more is to come.
        func list(_ ts: [Token]) -> [Range<Int>] {
            var out: [Range<Int>] = []
            var piece: [Token] = []
            var d = 0
            for t in ts {
                if t.isSymbol("(") || t.isSymbol("[") { d += 1 }
                if t.isSymbol(")") || t.isSymbol("]") { d = max(0, d - 1) }
                if d == 0, t.isSymbol(",") {
                    if let s = span(piece) { out.append(s) } else { q.incomplete = true }
                    piece = []
                    continue
                }
                piece.append(t)
            }
            if let s = span(piece) { out.append(s) } else { q.incomplete = true }
            return out
        }
        let head = parts[.head] ?? []
        switch form {
        case .count:
            if let h = span(head) {
                throw ReplError("expected 'where' or 'by' after 'count'", range: h)
            }
        case .rate:
            if let h = span(head) { q.head = [h] } else { q.incomplete = true }
        case .select:
            if head.isEmpty { q.incomplete = true } else { q.head = list(head) }
        case .expression: break
        }
        if let f = parts[.filter] {
            if let s = span(f) { q.filter = s } else { q.incomplete = true }
        }
        if let k = parts[.keys] {
            if k.isEmpty { q.incomplete = true } else { q.keys = list(k) }
        }
        if var s = parts[.sort] {
            if let last = s.last, last.kind == .identifier, last.text == "desc" || last.text == "asc" {
                q.descending = last.text == "desc"
                s.removeLast()
            }
            if let r = span(s) { q.sort = r } else { q.incomplete = true }
        }
        return q
    }
}

/// A problem with what was typed, outside the language's own diagnostics: an unknown
/// dot-command, a bad argument. `range` (bytes of the input) is where the caret goes.
struct ReplError: Error {
    var message: String
    var range: Range<Int>?
    var hint: String?

    init(_ message: String, range: Range<Int>? = nil, hint: String? = nil) {
        self.message = message
        self.range = range
        self.hint = hint
    }
}

/// Diagnostics already rendered for the user.
struct ReplDiagnosticsError: Error {
    var rendered: String
}

/// Maps diagnostics of a synthetic source (the session's text with the input appended, once
/// per expression) back to the input, so that the caret sits under what was typed.
struct ReplSourceMap {
    /// Where a copy of the input starts in the synthetic source: its byte offset and 1-based line.
    struct Region {
        var offset: Int
        var line: Int
        var length: Int
    }

    var input: ReplInput
    var regions: [Region]
    /// The name diagnostics show (`<input>`, `<stdin>`, a script path).
    var displayName: String

    /// The diagnostic moved onto the input, or nil when it lies outside every copy of it.
    func map(_ d: Diagnostic) -> Diagnostic? {
        let inputFile = SourceFile(path: displayName, bytes: input.bytes)
        for r in regions where d.range.lowerBound.offset >= r.offset && d.range.lowerBound.offset <= r.offset + r.length {
            func move(_ l: SourceLocation) -> SourceLocation {
                let line = max(1, l.line - r.line + 1)
                let start = line - 1 < inputFile.lineStarts.count ? inputFile.lineStarts[line - 1] : input.bytes.count
                let offset = min(start + l.column - 1, input.bytes.count + 1)
                return SourceLocation(line: line + input.firstLine - 1, column: l.column, offset: offset + input.firstLine - 1)
            }
            var moved = d
            let lo = move(d.range.lowerBound)
            var hi = d.range.upperBound.offset <= r.offset + r.length + 1 ? move(d.range.upperBound) : lo
            if hi < lo { hi = lo }
            moved.range = lo..<hi
            moved.file = displayName
            return moved
        }
        return nil
    }

    /// The source the renderer shows: the input, preceded by blank lines in a script so that
    /// line numbers are the script's.
    var renderSource: SourceFile {
        SourceFile(path: displayName, bytes: Array(repeating: UInt8(ascii: "\n"), count: input.firstLine - 1) + input.bytes)
    }
}
