import Foundation
import XCTest
import TallyLanguage

/// A table of expressions and the values they must give, read from `Fixtures/expressions.txt`.
///
/// Each case is one line, `EXPRESSION  ==>  EXPECTED`, where EXPECTED is the value's `description`
/// text (`null`, `true`, `3`, `2.5`, `"abc"`, `@2025-01-01`, `[1, 2]`, `interval[1, 5]`, ...) or
/// `error: CODE` when the checker must reject the expression with that diagnostic code. Lines
/// starting with `#` are comments; blank lines are ignored. Every mismatch is collected and
/// reported in one failure.
final class ExpressionTableTests: XCTestCase {
    struct Case {
        var line: Int
        var expression: String
        var expected: String
    }

    static let separator = "==>"

    func loadCases() throws -> [Case] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/expressions", withExtension: "txt")
            ?? Bundle.module.resourceURL?.appendingPathComponent("Fixtures/expressions.txt"),
            "Fixtures/expressions.txt is missing from the test bundle")
        let text = try String(contentsOf: url, encoding: .utf8)
        var cases: [Case] = []
        for (i, raw) in text.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let r = line.range(of: ExpressionTableTests.separator, options: .backwards) else {
                XCTFail("line \(i + 1): no '\(ExpressionTableTests.separator)' in: \(line)")
                continue
            }
            let expr = line[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            let expected = line[r.upperBound...].trimmingCharacters(in: .whitespaces)
            if expr.isEmpty || expected.isEmpty {
                XCTFail("line \(i + 1): empty expression or expectation in: \(line)")
                continue
            }
            cases.append(Case(line: i + 1, expression: expr, expected: expected))
        }
        return cases
    }

    /// The text a case's actual outcome is compared with.
    static func outcome(of expression: String, expecting expected: String) -> String {
        switch Compilation.evaluate(expression) {
        case .success(let v):
            return v.description
        case .failure(let d):
            let codes = d.items.filter { $0.severity == .error }.map(\.code)
            // An expected code matches when the checker reports it among its errors.
            if expected.hasPrefix("error: "), codes.contains(String(expected.dropFirst("error: ".count))) {
                return expected
            }
            let first = d.items.first { $0.severity == .error }
            return "error: " + codes.joined(separator: ", ") + (first.map { " (\($0.message))" } ?? "")
        }
    }

    func testExpressionTable() throws {
        let cases = try loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 200, "the expression table should have at least 200 cases")
        var failures: [String] = []
        for c in cases {
            let got = ExpressionTableTests.outcome(of: c.expression, expecting: c.expected)
            if got != c.expected {
                failures.append("line \(c.line): \(c.expression): expected \(c.expected), got \(got)")
            }
        }
        if !failures.isEmpty {
            XCTFail("\(failures.count) of \(cases.count) expression cases failed:\n" + failures.joined(separator: "\n"))
        }
    }
}
