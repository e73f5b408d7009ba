/// The kinds of token the lexer produces.
public enum TokenKind: Hashable, Sendable {
    case identifier      // names, including back-quoted ones
    case keyword         // reserved words; `text` holds the word
    case integer
    case decimal
    case string          // "..." with escapes resolved into `text`
    case unit            // '...' UCUM unit
    case temporal        // @2025-01-01T00:00:00Z; `text` holds what follows '@'
    case symbol          // punctuation and operators; `text` holds it
    case endOfInput
    /// A lexical error, already reported. `text` is empty for a stray character (the parser
    /// skips it) and holds the source of a malformed literal (the parser reads it as null).
    case invalid
}

/// One token, with its resolved text and its source range.
public struct Token: Sendable, CustomStringConvertible {
    public var kind: TokenKind
    public var text: String
    public var range: SourceRange
    /// True when the token is the first on its line (used for error recovery).
    public var startsLine: Bool

    public func `is`(_ keyword: String) -> Bool { kind == .keyword && text == keyword }
    public func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
    /// A word, reserved or not: `start`, `code`, `day` are identifiers whose meaning depends on place.
    public func isWord(_ w: String) -> Bool { (kind == .identifier || kind == .keyword) && text == w }

    /// How messages name the token: `name 'x'`, `string "a"`, `'where'`. Long or multi-line text
    /// is shortened so that a message stays one readable line.
    public var description: String {
        switch kind {
        case .endOfInput: return "end of input"
        case .string: return "string \"\(Token.shortened(text))\""
        case .temporal: return "@\(text)"
        case .unit: return "'\(Token.shortened(text))'"
        case .identifier: return "name '\(Token.shortened(text))'"
        default: return "'\(Token.shortened(text))'"
        }
    }

    static func shortened(_ text: String, limit: Int = 30) -> String {
        var out = ""
        var count = 0
        for u in text.unicodeScalars {
            if count == limit { return out + "..." }
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(u.value < 0x20 || u.value == 0x7F ? " " : u)
            }
            count += 1
        }
        return out
    }
}

/// Reserved words: they cannot name a definition, and they end an expression.
public let reservedWords: Set<String> = [
    "and", "or", "xor", "not", "implies", "exists", "in", "is", "as", "if", "then", "else",
    "case", "when", "where", "sort", "by", "return", "null", "true", "false", "interval",
    "union", "intersect", "except", "during", "includes", "included", "overlaps", "before",
    "after", "within", "same", "div", "mod", "contains", "of", "starts", "ends", "occurs",
    "define", "function", "population", "stratify", "supplemental", "observation",
    "parameter", "valueset", "use", "measure", "library",
]

/// Words that start a declaration; error recovery resumes at one of them.
public let declarationWords: Set<String> = [
    "define", "function", "population", "stratify", "supplemental", "observation",
    "parameter", "valueset", "code", "use", "measure", "library",
]
