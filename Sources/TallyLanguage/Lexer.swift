/// Turns UTF-8 bytes into tokens. Works on bytes throughout; identifiers are ASCII, and
/// non-ASCII bytes are allowed only inside strings, units and comments.
///
/// Lexical errors are reported as diagnostics, then the lexer recovers so that the parser can
/// go on and report the rest of the file without cascades: an unterminated string or unit ends
/// at the end of its line, a malformed literal becomes an `.invalid` token that the parser reads
/// as null, and a stray character an `.invalid` token with empty text that the parser skips.
public struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]
    var pos = 0
    var line = 1
    var lineStart = 0
    var sawNewline = true
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    /// Lexes the whole file. The last token is always `.endOfInput`.
    public static func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(file: file)
        var tokens: [Token] = []
        while true {
            let t = lexer.next()
            tokens.append(t)
            if t.kind == .endOfInput { break }
        }
        return (tokens, lexer.diagnostics)
    }

    var location: SourceLocation { SourceLocation(line: line, column: pos - lineStart + 1, offset: pos) }

    func peek(_ ahead: Int = 0) -> UInt8 {
        let i = pos + ahead
        return i < bytes.count ? bytes[i] : 0
    }

    mutating func advance() {
        if bytes[pos] == UInt8(ascii: "\n") {
            line += 1
            lineStart = pos + 1
            sawNewline = true
        }
        pos += 1
    }

    mutating func error(_ code: String, _ message: String, from start: SourceLocation, hint: String? = nil) {
        let end = pos > start.offset ? location : SourceLocation(line: start.line, column: start.column + 1, offset: start.offset + 1)
        diagnostics.append(Diagnostic(.error, code: code, message: message, file: file.path, range: start..<end, hint: hint))
    }

    /// Skips blanks and comments; returns false after reporting an unterminated block comment.
    mutating func skipTrivia() {
        while pos < bytes.count {
            let c = bytes[pos]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                advance()
            } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
            } else if c == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let start = location
                advance(); advance()
                var closed = false
                while pos < bytes.count {
                    if bytes[pos] == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                        advance(); advance()
                        closed = true
                        break
                    }
                    advance()
                }
                if !closed {
                    let end = SourceLocation(line: start.line, column: start.column + 2, offset: start.offset + 2)
                    diagnostics.append(Diagnostic(.error, code: "unterminated-comment", message: "unterminated block comment",
                                                  file: file.path, range: start..<end, hint: "close it with '*/'"))
                }
            } else {
                return
            }
        }
    }

    public mutating func next() -> Token {
        skipTrivia()
        let first = sawNewline
        sawNewline = false
        let start = location
        guard pos < bytes.count else {
            return Token(kind: .endOfInput, text: "", range: start..<start, startsLine: true)
        }
        var tok = lexToken(start)
        tok.startsLine = first
        return tok
    }

    func make(_ kind: TokenKind, _ text: String, _ start: SourceLocation) -> Token {
        Token(kind: kind, text: text, range: start..<location, startsLine: false)
    }

    static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    mutating func lexToken(_ start: SourceLocation) -> Token {
        let c = bytes[pos]
        if Lexer.isIdentStart(c) {
            while pos < bytes.count, Lexer.isIdentPart(bytes[pos]) { pos += 1 }
            let word = String(decoding: bytes[start.offset..<pos], as: UTF8.self)
            return make(reservedWords.contains(word) ? .keyword : .identifier, word, start)
        }
        if Lexer.isDigit(c) { return lexNumber(start) }
        switch c {
        case UInt8(ascii: "\""): return lexQuoted(start, close: UInt8(ascii: "\""), kind: .string)
        case UInt8(ascii: "'"): return lexQuoted(start, close: UInt8(ascii: "'"), kind: .unit)
        case UInt8(ascii: "`"): return lexQuoted(start, close: UInt8(ascii: "`"), kind: .identifier)
        case UInt8(ascii: "@"): return lexTemporal(start)
        default: break
        }
        for sym in ["..", "<=", ">=", "!=", "!~"] where matches(sym) {
            pos += sym.utf8.count
            return make(.symbol, sym, start)
        }
        if "()[]{},.:;+-*/=<>~&|".utf8.contains(c) {
            pos += 1
            return make(.symbol, String(UnicodeScalar(c)), start)
        }
        // One unexpected character (a whole UTF-8 sequence, or one invalid byte).
        let len = Lexer.sequenceLength(bytes, at: pos)
        pos += len
        let shown = c < 0x20 || c >= 0x80 && len == 1 || c == 0x7F
            ? "byte 0x" + hexByte(c)
            : "character '\(String(decoding: bytes[start.offset..<pos], as: UTF8.self))'"
        let hint: String? = c == UInt8(ascii: "!") ? "negate with 'not'; compare with '!='"
            : c == UInt8(ascii: "#") ? "comments start with '//'" : nil
        error("unexpected-character", "unexpected \(shown)", from: start, hint: hint)
        if c == UInt8(ascii: "#") {
            // Most likely a comment in another language's style: skip it as one.
            while pos < bytes.count, bytes[pos] != 0x0A { pos += 1 }
        }
        return make(.invalid, "", start)
    }

    /// The length of the valid UTF-8 sequence at `i`, or 1 for an invalid byte.
    static func sequenceLength(_ bytes: [UInt8], at i: Int) -> Int {
        let c = bytes[i]
        guard c >= 0xC0 else { return 1 }
        let len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
        guard i + len <= bytes.count else { return 1 }
        let slice = bytes[i..<i + len]
        // Valid exactly when decoding gives the same bytes back (no overlong forms, surrogates
        // or bytes past U+10FFFF).
        return String(decoding: slice, as: UTF8.self).utf8.elementsEqual(slice) ? len : 1
    }

    func matches(_ s: String) -> Bool {
        var i = pos
        for b in s.utf8 {
            if i >= bytes.count || bytes[i] != b { return false }
            i += 1
        }
        return true
    }

    mutating func lexNumber(_ start: SourceLocation) -> Token {
        while pos < bytes.count, Lexer.isDigit(bytes[pos]) { pos += 1 }
        var kind = TokenKind.integer
        if peek() == UInt8(ascii: "."), Lexer.isDigit(peek(1)) {
            pos += 1
            while pos < bytes.count, Lexer.isDigit(bytes[pos]) { pos += 1 }
            kind = .decimal
        }
        if pos < bytes.count, Lexer.isIdentStart(bytes[pos]) {
            // `12abc` is not a number followed by a name: report it whole.
            while pos < bytes.count, Lexer.isIdentPart(bytes[pos]) { pos += 1 }
            let text = String(decoding: bytes[start.offset..<pos], as: UTF8.self)
            error("invalid-number", "invalid number '\(text)'", from: start, hint: "put a space between a number and its unit: '3 days'")
            return make(.invalid, text, start)
        }
        return make(kind, String(decoding: bytes[start.offset..<pos], as: UTF8.self), start)
    }

    mutating func lexQuoted(_ start: SourceLocation, close: UInt8, kind: TokenKind) -> Token {
        pos += 1
        var out: [UInt8] = []
        let what = kind == .string ? "string" : kind == .unit ? "unit" : "quoted name"
        var reportedEncoding = false
        while pos < bytes.count {
            let c = bytes[pos]
            if c == close {
                pos += 1
                let text = String(decoding: out, as: UTF8.self)
                if kind == .identifier && out.isEmpty {
                    error("invalid-name", "empty quoted name", from: start)
                    return make(.invalid, "``", start)
                }
                return make(kind, text, start)
            }
            if c == 0x0A { break }
            if c == UInt8(ascii: "\\") && kind == .string {
                let escStart = location
                pos += 1
                let e = peek()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A); pos += 1
                case UInt8(ascii: "t"): out.append(0x09); pos += 1
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "'"): out.append(e); pos += 1
                case UInt8(ascii: "u") where peek(1) == UInt8(ascii: "{"):
                    pos += 2
                    var value: UInt32 = 0, digits = 0
                    while pos < bytes.count, let d = hexValue(bytes[pos]), digits < 8 {
                        value = value * 16 + d; digits += 1; pos += 1
                    }
                    if peek() == UInt8(ascii: "}"), digits > 0, let scalar = Unicode.Scalar(value) {
                        pos += 1
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    } else {
                        if peek() == UInt8(ascii: "}") { pos += 1 }
                        error("invalid-escape", "invalid unicode escape", from: escStart, hint: "write \\u{1F600} with 1 to 8 hex digits")
                    }
                default:
                    if pos < bytes.count, bytes[pos] != 0x0A { pos += Lexer.sequenceLength(bytes, at: pos) }
                    error("invalid-escape", "invalid escape sequence", from: escStart, hint: "use \\\" \\\\ \\n \\t or \\u{...}")
                }
                continue
            }
            if c >= 0x80 {
                let len = Lexer.sequenceLength(bytes, at: pos)
                if len > 1 {
                    out.append(contentsOf: bytes[pos..<pos + len])
                    pos += len
                    continue
                }
                // Not UTF-8 (often Latin-1 text): report it once, keep U+FFFD in its place.
                if !reportedEncoding {
                    error("invalid-utf8", "invalid UTF-8 byte 0x\(hexByte(c)) in a \(what)", from: location,
                          hint: "save the file as UTF-8")
                    reportedEncoding = true
                }
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                pos += 1
                continue
            }
            out.append(c)
            pos += 1
        }
        let closer = String(UnicodeScalar(close))
        // Report the opening quote only: the rest of the line is what was swallowed.
        let end = SourceLocation(line: start.line, column: start.column + 1, offset: start.offset + 1)
        diagnostics.append(Diagnostic(.error, code: "unterminated-string", message: "unterminated \(what)",
                                      file: file.path, range: start..<end, hint: "close it with \(closer) on the same line"))
        // Recover as if it were closed at the end of the line.
        if out.last == 0x0D { out.removeLast() }
        if out.isEmpty && kind == .identifier { return make(.invalid, "`", start) }
        return make(kind, String(decoding: out, as: UTF8.self), start)
    }

    func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: return UInt32(c - 0x30)
        case 0x61...0x66: return UInt32(c - 0x61 + 10)
        case 0x41...0x46: return UInt32(c - 0x41 + 10)
        default: return nil
        }
    }

    /// `@` followed by date/time characters; the parser validates the parts.
    mutating func lexTemporal(_ start: SourceLocation) -> Token {
        pos += 1
        let bodyStart = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if Lexer.isDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ":") || c == UInt8(ascii: "T")
                || c == UInt8(ascii: "Z") || c == UInt8(ascii: "+") {
                pos += 1
            } else if c == UInt8(ascii: "."), Lexer.isDigit(peek(1)) {
                pos += 1
            } else {
                break
            }
        }
        if pos == bodyStart {
            error("invalid-date", "expected a date or date-time after '@'", from: start, hint: "write @2025-01-01 or @2025-01-01T00:00:00Z")
            return make(.invalid, "@", start)
        }
        return make(.temporal, String(decoding: bytes[bodyStart..<pos], as: UTF8.self), start)
    }
}

/// Two upper-case hex digits for a byte, as in `0xC3`.
func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
