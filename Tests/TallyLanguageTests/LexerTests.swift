import XCTest
@testable import TallyLanguage

/// Token kinds, texts and locations (1-based lines, columns in UTF-8 bytes), and lexical errors.
final class LexerTests: XCTestCase {
    func lex(_ text: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        Lexer.tokenize(SourceFile(path: "t.measure", text: text))
    }

    func lex(bytes: [UInt8]) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        Lexer.tokenize(SourceFile(path: "t.measure", bytes: bytes))
    }

    /// Each token as `kind text line:column-line:column`, end of input included.
    func described(_ text: String) -> [String] {
        let r = lex(text)
        XCTAssertEqual(r.diagnostics.map(\.message), [], "unexpected diagnostics for: \(text)")
        return r.tokens.map(describe)
    }

    func describe(_ t: Token) -> String {
        "\(t.kind) \(t.text) \(t.range.lowerBound)-\(t.range.upperBound)"
    }

    /// Diagnostics as `code line:column-line:column message`.
    func errors(_ r: (tokens: [Token], diagnostics: [Diagnostic])) -> [String] {
        r.diagnostics.map { "\($0.code) \($0.range.lowerBound)-\($0.range.upperBound) \($0.message)" }
    }

    func testWordsAndLocations() {
        XCTAssertEqual(described("define a_1 = where x2"), [
            "keyword define 1:1-1:7",
            "identifier a_1 1:8-1:11",
            "symbol = 1:12-1:13",
            "keyword where 1:14-1:19",
            "identifier x2 1:20-1:22",
            "endOfInput  1:22-1:22",
        ])
    }

    func testOffsetsAndLines() {
        let r = lex("a\n  bb\n\nccc")
        XCTAssertEqual(r.tokens.map(describe), [
            "identifier a 1:1-1:2", "identifier bb 2:3-2:5", "identifier ccc 4:1-4:4", "endOfInput  4:4-4:4",
        ])
        XCTAssertEqual(r.tokens.map(\.range.lowerBound.offset), [0, 4, 8, 11])
        XCTAssertEqual(r.tokens.map(\.startsLine), [true, true, true, true])
        XCTAssertEqual(lex("a b\nc").tokens.map(\.startsLine), [true, false, true, true])
    }

    func testContextualWordsAreIdentifiers() {
        // Declaration words that are not reserved stay names; reserved ones are keywords.
        XCTAssertEqual(lex("code version start day display aggregate").tokens.dropLast().map { "\($0.kind)" },
                       Array(repeating: "identifier", count: 6))
        XCTAssertEqual(lex("starts ends occurs of same within").tokens.dropLast().map { "\($0.kind)" },
                       Array(repeating: "keyword", count: 6))
    }

    func testSymbols() {
        let r = lex("<= >= != !~ .. ( ) [ ] { } , . : ; + - * / = < > ~ & |")
        XCTAssertEqual(errors(r), [])
        XCTAssertEqual(r.tokens.dropLast().map(\.text),
                       ["<=", ">=", "!=", "!~", "..", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "+", "-", "*", "/", "=", "<", ">", "~", "&", "|"])
        XCTAssertTrue(r.tokens.dropLast().allSatisfy { $0.kind == .symbol })
        XCTAssertEqual(described("a<=b"), ["identifier a 1:1-1:2", "symbol <= 1:2-1:4", "identifier b 1:4-1:5", "endOfInput  1:5-1:5"])
    }

    func testNumbers() {
        XCTAssertEqual(described("42 3.14 0.5 007"), [
            "integer 42 1:1-1:3", "decimal 3.14 1:4-1:8", "decimal 0.5 1:9-1:12", "integer 007 1:13-1:16", "endOfInput  1:16-1:16",
        ])
        // `..` after an integer is a range, and a dot without digits is member access.
        XCTAssertEqual(described("1..5 3.x"), [
            "integer 1 1:1-1:2", "symbol .. 1:2-1:4", "integer 5 1:4-1:5",
            "integer 3 1:6-1:7", "symbol . 1:7-1:8", "identifier x 1:8-1:9", "endOfInput  1:9-1:9",
        ])
        XCTAssertEqual(described("1.5..2.5").map { String($0.prefix(while: { $0 != " " })) },
                       ["decimal", "symbol", "decimal", "endOfInput"])
    }

    func testInvalidNumber() {
        let r = lex("a = 12abc + 3.5e2 + 4")
        XCTAssertEqual(errors(r), [
            "invalid-number 1:5-1:10 invalid number '12abc'",
            "invalid-number 1:13-1:18 invalid number '3.5e2'",
        ])
        // Malformed literals keep their text, for the parser to read as null placeholders.
        XCTAssertEqual(r.tokens.map { "\($0.kind) \($0.text)" },
                       ["identifier a", "symbol =", "invalid 12abc", "symbol +", "invalid 3.5e2", "symbol +", "integer 4", "endOfInput "])
        XCTAssertEqual(r.diagnostics[0].hint, "put a space between a number and its unit: '3 days'")
    }

    func testStringsWithEscapes() {
        let r = lex(#"x = "a\"b\\c\nd\te\u{48}\u{1F600}" 'q'"#)
        XCTAssertEqual(errors(r), [])
        XCTAssertEqual(r.tokens[2].kind, .string)
        XCTAssertEqual(r.tokens[2].text, "a\"b\\c\nd\teH😀")
        XCTAssertEqual(r.tokens[2].range.lowerBound.column, 5)
        XCTAssertEqual(r.tokens[2].range.upperBound.column, 35)
        XCTAssertEqual(r.tokens[3].kind, .unit)
        XCTAssertEqual(describe(lex(#""""#).tokens[0]), "string  1:1-1:3")
    }

    func testInvalidEscapes() {
        let r = lex(#""a\qb" "\u{D800}" "\u{}" "\u{110000}" "\é""#)
        XCTAssertEqual(errors(r), [
            "invalid-escape 1:3-1:5 invalid escape sequence",
            "invalid-escape 1:9-1:17 invalid unicode escape",
            "invalid-escape 1:20-1:24 invalid unicode escape",
            "invalid-escape 1:27-1:37 invalid unicode escape",
            "invalid-escape 1:40-1:43 invalid escape sequence",
        ])
        // The strings themselves are still tokens, so parsing goes on.
        XCTAssertEqual(r.tokens.dropLast().map { "\($0.kind)" }, Array(repeating: "string", count: 5))
        XCTAssertEqual(r.tokens.dropLast().map(\.text), ["ab", "", "", "", ""])
    }

    func testUnterminatedString() {
        let r = lex("a = \"abc\nb = 'mg\nc = `x")
        XCTAssertEqual(errors(r), [
            "unterminated-string 1:5-1:6 unterminated string",
            "unterminated-string 2:5-2:6 unterminated unit",
            "unterminated-string 3:5-3:6 unterminated quoted name",
        ])
        XCTAssertEqual(r.diagnostics[0].hint, "close it with \" on the same line")
        // Each recovers as if closed at the end of its line; lexing resumes on the next one.
        XCTAssertEqual(r.tokens.map(\.text), ["a", "=", "abc", "b", "=", "mg", "c", "=", "x", ""])
        XCTAssertEqual(r.tokens.map { "\($0.kind)" },
                       ["identifier", "symbol", "string", "identifier", "symbol", "unit", "identifier", "symbol", "identifier", "endOfInput"])
        XCTAssertEqual(describe(r.tokens[2]), "string abc 1:5-1:9")
        // An empty unterminated name has nothing to recover: it is an invalid literal.
        XCTAssertEqual(lex("`").tokens.map { "\($0.kind) \($0.text)" }, ["invalid `", "endOfInput "])
        // A CR before the line feed is not part of the recovered text.
        XCTAssertEqual(lex("\"abc\r\nx").tokens.map(\.text), ["abc", "x", ""])
        XCTAssertEqual(r.tokens[3].range.lowerBound.description, "2:1")
    }

    func testUnits() {
        XCTAssertEqual(described("140 'mm[Hg]' 9 '%' 5 'mg/dL'"), [
            "integer 140 1:1-1:4", "unit mm[Hg] 1:5-1:13", "integer 9 1:14-1:15", "unit % 1:16-1:19",
            "integer 5 1:20-1:21", "unit mg/dL 1:22-1:29", "endOfInput  1:29-1:29",
        ])
    }

    func testTemporalLiterals() {
        let texts = ["@2025", "@2025-03", "@2025-03-01", "@2025-03-01T10:30", "@2025-03-01T10:30:00.000Z",
                     "@2025-03-01T10:30:00+02:00", "@2025-03-01T10:30:00-05:00", "@2025-03-01T10"]
        for text in texts {
            let r = lex(text + " x")
            XCTAssertEqual(errors(r), [], text)
            XCTAssertEqual(r.tokens[0].kind, .temporal, text)
            XCTAssertEqual(r.tokens[0].text, String(text.dropFirst()), text)
            XCTAssertEqual(r.tokens[0].range.upperBound.column, text.utf8.count + 1, text)
            XCTAssertEqual(r.tokens[1].text, "x", text)
        }
        // A trailing dot is not part of the literal; out-of-range parts are left to the checker.
        XCTAssertEqual(lex("@2025-01-01.x").tokens.map(\.text), ["2025-01-01", ".", "x", ""])
        XCTAssertEqual(lex("@2025-02-30").tokens[0].kind, .temporal)
        let bad = lex("@ x")
        XCTAssertEqual(errors(bad), ["invalid-date 1:1-1:2 expected a date or date-time after '@'"])
        XCTAssertEqual(bad.tokens.map { "\($0.kind) \($0.text)" }, ["invalid @", "identifier x", "endOfInput "])
    }

    func testComments() {
        let r = lex("a // line comment\n/* block\n comment */ b /**/c// end")
        XCTAssertEqual(errors(r), [])
        XCTAssertEqual(r.tokens.map(describe), [
            "identifier a 1:1-1:2", "identifier b 3:13-3:14", "identifier c 3:19-3:20", "endOfInput  3:26-3:26",
        ])
        // Block comments do not nest.
        XCTAssertEqual(lex("/* /* */ x */").tokens.map(\.text), ["x", "*", "/", ""])
        XCTAssertEqual(lex("// only a comment").tokens.map { "\($0.kind)" }, ["endOfInput"])
    }

    func testUnterminatedBlockComment() {
        let r = lex("a\n  /* never\nclosed")
        XCTAssertEqual(errors(r), ["unterminated-comment 2:3-2:5 unterminated block comment"])
        XCTAssertEqual(r.diagnostics[0].hint, "close it with '*/'")
        XCTAssertEqual(r.tokens.map(\.text), ["a", ""])
        XCTAssertEqual(errors(lex("/*/")), ["unterminated-comment 1:1-1:3 unterminated block comment"])
    }

    func testBackQuotedNames() {
        XCTAssertEqual(described("x.`where` `two words`"), [
            "identifier x 1:1-1:2", "symbol . 1:2-1:3", "identifier where 1:3-1:10", "identifier two words 1:11-1:22",
            "endOfInput  1:22-1:22",
        ])
        let r = lex("``")
        XCTAssertEqual(errors(r), ["invalid-name 1:1-1:3 empty quoted name"])
        XCTAssertEqual(r.tokens[0].kind, .invalid)
    }

    func testCRLFLineEnds() {
        let r = lex("define a =\r\n  1 +\r\n\r\n\t2 // c\r\n")
        XCTAssertEqual(errors(r), [])
        XCTAssertEqual(r.tokens.map(describe), [
            "keyword define 1:1-1:7", "identifier a 1:8-1:9", "symbol = 1:10-1:11",
            "integer 1 2:3-2:4", "symbol + 2:5-2:6", "integer 2 4:2-4:3", "endOfInput  5:1-5:1",
        ])
        // A string ends at the line end whatever ends the line.
        XCTAssertEqual(errors(lex("\"abc\r\nx")), ["unterminated-string 1:1-1:2 unterminated string"])
    }

    func testNonASCIIInsideStrings() {
        // Columns count bytes: "héllo wörld" is 11 characters but 13 bytes plus the quotes.
        let r = lex("define s = \"héllo wörld\" + x")
        XCTAssertEqual(errors(r), [])
        XCTAssertEqual(r.tokens[3].text, "héllo wörld")
        XCTAssertEqual(describe(r.tokens[3]), "string héllo wörld 1:12-1:27")
        XCTAssertEqual(describe(r.tokens[4]), "symbol + 1:28-1:29")
        XCTAssertEqual(describe(r.tokens[5]), "identifier x 1:30-1:31")
        XCTAssertEqual(r.tokens[5].range.lowerBound.offset, 29)
        // Four-byte characters, in units, names and comments too.
        let e = lex("'µg' `naïve` /* 😀 */ y // ✓\nz")
        XCTAssertEqual(errors(e), [])
        XCTAssertEqual(e.tokens.map(describe), [
            "unit µg 1:1-1:6", "identifier naïve 1:7-1:15", "identifier y 1:27-1:28", "identifier z 2:1-2:2", "endOfInput  2:2-2:2",
        ])
    }

    func testInvalidUTF8InsideStrings() {
        // Latin-1 "é" (0xE9) is not UTF-8: reported once per string, the string still lexes.
        let r = lex(bytes: Array("s = \"caf".utf8) + [0xE9, 0xE9] + Array("\" x".utf8))
        XCTAssertEqual(errors(r), ["invalid-utf8 1:9-1:10 invalid UTF-8 byte 0xE9 in a string"])
        XCTAssertEqual(r.tokens[2].kind, .string)
        XCTAssertEqual(r.tokens[2].text, "caf\u{FFFD}\u{FFFD}")
        XCTAssertEqual(describe(r.tokens[3]), "identifier x 1:13-1:14")
    }

    func testErrorTokens() {
        let r = lex(bytes: Array("a é ! $ ".utf8) + [0xFF, 0x20, 0x00, 0x20, 0xC0, 0x80, 0x20] + Array("b # a comment?\nc".utf8))
        XCTAssertEqual(errors(r), [
            "unexpected-character 1:3-1:5 unexpected character 'é'",
            "unexpected-character 1:6-1:7 unexpected character '!'",
            "unexpected-character 1:8-1:9 unexpected character '$'",
            "unexpected-character 1:10-1:11 unexpected byte 0xFF",
            "unexpected-character 1:12-1:13 unexpected byte 0x00",
            // An overlong encoding is two invalid bytes, not one character.
            "unexpected-character 1:14-1:15 unexpected byte 0xC0",
            "unexpected-character 1:15-1:16 unexpected byte 0x80",
            // `#` is reported, and the rest of its line skipped like a comment.
            "unexpected-character 1:19-1:20 unexpected character '#'",
        ])
        XCTAssertEqual(r.diagnostics[1].hint, "negate with 'not'; compare with '!='")
        XCTAssertEqual(r.diagnostics[7].hint, "comments start with '//'")
        // Stray characters are invalid tokens with empty text.
        XCTAssertTrue(r.tokens.filter { $0.kind == .invalid }.allSatisfy { $0.text.isEmpty })
        XCTAssertEqual(r.tokens.filter { $0.kind != .invalid }.map(\.text), ["a", "b", "c", ""])
        XCTAssertEqual(describe(r.tokens.last!), "endOfInput  2:2-2:2")
    }

    func testTokenDescriptions() {
        let r = lex(#"x "s" where ( @2025 'mg' 3"#)
        XCTAssertEqual(r.tokens.map(\.description),
                       ["name 'x'", "string \"s\"", "'where'", "'('", "@2025", "'mg'", "'3'", "end of input"])
        // Long or multi-line text is shortened so that messages stay one line.
        let long = lex("\"" + String(repeating: "a", count: 100) + "\\nb\"").tokens[0]
        XCTAssertEqual(long.description, "string \"" + String(repeating: "a", count: 30) + "...\"")
        XCTAssertEqual(lex(#""a\nb""#).tokens[0].description, #"string "a\nb""#)
    }
}
