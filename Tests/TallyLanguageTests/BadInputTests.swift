import Foundation
import TallyTestSupport
import XCTest
import TallyLanguage

/// Hostile and degenerate inputs: the compiler must not crash or hang, and must report an error
/// (or pass cleanly where the input is valid).
final class BadInputTests: XCTestCase {

    /// Compiles bytes and renders the diagnostics (a hang shows as a test that never ends; no
    /// test asserts on time, which a busy machine would make flaky).
    func compile(_ bytes: [UInt8]) -> CompilationResult {
        let result = TestWorld.compile(SourceFile(path: "bad.measure", bytes: bytes))
        // Rendering must cope with whatever was reported, too.
        _ = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
        return result
    }

    func compile(_ text: String) -> CompilationResult { compile(Array(text.utf8)) }

    func codes(_ r: CompilationResult) -> [String] { r.diagnostics.map(\.code) }

    static let header = "library Bad\n"

    func testBinaryGarbage() {
        var rng = SplitMix(seed: 0x7A11_7A11)
        for size in [1, 7, 100, 4096, 200_000] {
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let r = compile(bytes)
            XCTAssertTrue(r.diagnostics.hasErrors, "size \(size)")
            XCTAssertNil(r.program)
        }
        // Garbage after a valid header still yields errors, located inside the file.
        let bytes = Array(BadInputTests.header.utf8) + (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let r = compile(bytes)
        XCTAssertTrue(r.diagnostics.hasErrors)
        for d in r.diagnostics {
            XCTAssertLessThanOrEqual(d.range.lowerBound.offset, bytes.count)
            XCTAssertLessThanOrEqual(d.range.lowerBound, d.range.upperBound)
        }
    }

    func testInvalidUTF8() {
        // Latin-1 text: invalid in a string (reported once), and outside one.
        let latin1: [UInt8] = Array((BadInputTests.header + "define s = \"caf").utf8) + [0xE9] + Array("\"\ndefine t = 1 ".utf8) + [0xE9, 0xFF]
        let r = compile(latin1)
        XCTAssertEqual(codes(r), ["invalid-utf8", "unexpected-character", "unexpected-character"])
        XCTAssertEqual(r.diagnostics.map(\.message),
                       ["invalid UTF-8 byte 0xE9 in a string", "unexpected byte 0xE9", "unexpected byte 0xFF"])
        // Truncated and overlong sequences, surrogates, and bytes past U+10FFFF.
        for bad: [UInt8] in [[0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFE]] {
            let r = compile(Array((BadInputTests.header + "define a = 1 ").utf8) + bad)
            XCTAssertEqual(Set(codes(r)), ["unexpected-character"], "\(bad)")
            let s = compile(Array((BadInputTests.header + "define a = \"").utf8) + bad + Array("\"".utf8))
            XCTAssertEqual(codes(s), ["invalid-utf8"], "\(bad)")
        }
    }

    func testOneMegabyteExpressionLine() {
        // 1 + 1 + ... on one 1 MB line: a chain that deep is refused, not a stack overflow.
        let terms = 1_000_000 / 4
        let text = BadInputTests.header + "define a = " + Array(repeating: "1", count: terms).joined(separator: " + ") + "\n"
        XCTAssertGreaterThan(text.utf8.count, 1_000_000)
        let r = compile(text)
        XCTAssertEqual(codes(r), ["too-deep"])
        // The rendered line is cut to a window, not a megabyte.
        let rendered = DiagnosticRenderer(sources: r.sources).render(r.diagnostics)
        XCTAssertLessThan(rendered.utf8.count, 1000)
    }

    func testOneMegabyteList() {
        // The same size, flat: a list of a quarter of a million items compiles.
        let text = BadInputTests.header + "define a = [" + Array(repeating: "1", count: 250_000).joined(separator: ", ") + "]\n"
        let r = compile(text)
        XCTAssertEqual(codes(r), [])
        XCTAssertNotNil(r.program)
    }

    func testOneMegabyteStringLiteral() {
        let text = BadInputTests.header + "define s = \"" + String(repeating: "ab\\\"é", count: 200_000) + "\"\n"
        XCTAssertGreaterThan(text.utf8.count, 1_000_000)
        let r = compile(text)
        XCTAssertEqual(codes(r), [])
        XCTAssertNotNil(r.program)
        // Unterminated, it is one error that names the opening quote only.
        let open = compile(BadInputTests.header + "define s = \"" + String(repeating: "x", count: 1_000_000) + "\ndefine t = 1\n")
        XCTAssertEqual(codes(open), ["unterminated-string"])
        XCTAssertEqual(open.diagnostics[0].range.upperBound.offset - open.diagnostics[0].range.lowerBound.offset, 1)
    }

    func testTenThousandNestedParentheses() {
        let text = BadInputTests.header + "define a = " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + "\n"
        let r = compile(text)
        XCTAssertEqual(codes(r), ["too-deep"])
        XCTAssertEqual(r.diagnostics[0].message, "expression nested too deeply (more than \(Parser.maximumNesting) levels)")
        XCTAssertEqual(r.diagnostics[0].hint, "split it into several definitions")
        // Unbalanced, too.
        XCTAssertEqual(codes(compile(BadInputTests.header + "define a = " + String(repeating: "(", count: 10_000))), ["too-deep"])
        XCTAssertEqual(Set(codes(compile(BadInputTests.header + "define a = " + String(repeating: ")", count: 10_000)))),
                       ["unexpected-token"])
    }

    func testTenThousandNestedNot() {
        let r = compile(BadInputTests.header + "define a = " + String(repeating: "not ", count: 10_000) + "true\n")
        XCTAssertEqual(codes(r), ["too-deep"])
    }

    func testOtherDeepNesting() {
        for body in [
            String(repeating: "-", count: 10_000) + "1",
            String(repeating: "exists ", count: 10_000) + "encounters",
            String(repeating: "start of ", count: 10_000) + "x",
            String(repeating: "[", count: 10_000),
            String(repeating: "if true then ", count: 10_000) + "1",
            String(repeating: "f(", count: 10_000),
            String(repeating: "interval[", count: 10_000),
            "member" + String(repeating: ".id", count: 100_000),
            "encounters" + String(repeating: "[0]", count: 100_000),
            Array(repeating: "true", count: 100_000).joined(separator: " and "),
            Array(repeating: "1", count: 100_000).joined(separator: " = "),
            Array(repeating: "encounters", count: 100_000).joined(separator: " union "),
        ] {
            let r = compile(BadInputTests.header + "define a = " + body + "\n")
            XCTAssertEqual(codes(r), ["too-deep"], String(body.prefix(30)))
        }
    }

    func testNestingJustWithinTheLimitCompiles() {
        // Deep but allowed: the parser's limit leaves the checker and code generator enough stack.
        let n = Parser.maximumNesting - 10
        for body in [
            Array(repeating: "exists encounters", count: n).joined(separator: " or "),
            String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n),
            String(repeating: "[", count: n) + "1" + String(repeating: "]", count: n),
            String(repeating: "not ", count: n) + "true",
            String(repeating: "if true then ", count: n) + "1" + String(repeating: " else 2", count: n),
            "member" + String(repeating: ".encounters", count: 1) + String(repeating: ".id", count: 1),
            Array(repeating: "1", count: n).joined(separator: " + "),
        ] {
            let r = compile(BadInputTests.header + "define a = " + body + "\n")
            XCTAssertEqual(codes(r), [], String(body.prefix(30)))
            XCTAssertNotNil(r.program, String(body.prefix(30)))
        }
    }

    func testManyDeclarations() {
        var text = BadInputTests.header
        for i in 0..<5_000 { text += "define d\(i) = \(i == 0 ? "1" : "d\(i - 1) + 1")\n" }
        let r = compile(text)
        XCTAssertEqual(codes(r), [])
        XCTAssertNotNil(r.program)
    }

    func testOnlyComments() {
        let r = compile("// just a comment\n/* and a block\n   comment */\n// end\n")
        XCTAssertEqual(codes(r), ["missing-header"])
        XCTAssertEqual(r.diagnostics[0].range.lowerBound.description, "1:1")
    }

    func testEmptyFile() {
        XCTAssertEqual(codes(compile("")), ["missing-header"])
        XCTAssertEqual(codes(compile("\n\n   \r\n\t")), ["missing-header"])
    }

    func testOnlyMeasureWord() {
        let r = compile("measure")
        XCTAssertTrue(codes(r).contains("unexpected-end"), "\(codes(r))")
        XCTAssertEqual(r.diagnostics.first { $0.code == "unexpected-end" }?.message,
                       "unexpected end of input; expected a measure name")
        XCTAssertNil(r.program)
        // With a name it is a measure without scoring.
        XCTAssertEqual(codes(compile("measure M")), ["missing-scoring"])
    }

    func testNULByteInTheMiddle() {
        let bytes = Array((BadInputTests.header + "define a = 1").utf8) + [0x00] + Array(" + 2\ndefine b = a\n".utf8)
        let r = compile(bytes)
        XCTAssertEqual(codes(r), ["unexpected-character"])
        XCTAssertEqual(r.diagnostics[0].message, "unexpected byte 0x00")
        XCTAssertEqual(r.diagnostics[0].range.lowerBound.description, "2:13")
        // Inside a string a NUL is just a character.
        let s = compile(Array((BadInputTests.header + "define s = \"a").utf8) + [0x00] + Array("b\"\n".utf8))
        XCTAssertEqual(codes(s), [])
    }

    func testRandomTokenSoup() {
        // Random sequences of real tokens reach deep into the parser and checker.
        let words = ["define", "function", "population", "initial", "measure", "library", "use", "as", "where", "sort", "by",
                     "return", "and", "or", "not", "in", "is", "null", "if", "then", "else", "case", "when", "end", "interval",
                     "during", "before", "after", "starts", "ends", "within", "same", "day", "of", "on", "or", "3 days", "start",
                     "exists", "encounters", "conditions", "member", "x", "e", "period", "code", "valueset", "parameter", "=",
                     "(", ")", "[", "]", ",", ".", ":", "+", "-", "*", "/", "..", "<", "<=", "1", "2.5", "\"s\"", "@2025-01-01",
                     "'mg'", "Integer", "List", "<", ">", "union", "contains", "observation", "aggregate", "median", "scoring",
                     "cohort", "basis", "episode", "version", "\"v\"", "//", "`n`", "\n"]
        var rng = SplitMix(seed: 42)
        for _ in 0..<2_000 {
            let count = Int.random(in: 1...40, using: &rng)
            var text = Bool.random(using: &rng) ? "measure M scoring cohort\n" : ""
            for _ in 0..<count { text += words.randomElement(using: &rng)! + " " }
            _ = compile(text)
        }
    }
}
