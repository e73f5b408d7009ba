import TallyLanguage
import XCTest

/// `distinct` (and `union`, built on it) keeps the first of items that are equal and
/// equivalent: byte-identical strings collapse, strings equivalent but not equal do not.
final class DistinctTests: XCTestCase {
    func texts(_ expression: String) throws -> [String] {
        guard case .success(let v) = Compilation.evaluate(expression) else { XCTFail("did not compile: \(expression)"); return [] }
        return v.asList.map { $0.asString ?? "null" }
    }

    func testDistinctStrings() throws {
        XCTAssertEqual(try texts(#"distinct(["a", "b", "a", "A", "a b", "a  b", "b"])"#), ["a", "b", "A", "a b", "a  b"])
        XCTAssertEqual(try texts(#"["x", "y"] union ["y", "x", "z"]"#), ["x", "y", "z"])
        XCTAssertEqual(try texts(#"distinct(["é", "é"])"#), ["é"])
    }

    func testDistinctKeepsOneNull() throws {
        guard case .success(let v) = Compilation.evaluate("distinct([1, null, 2, null, 1])") else { return XCTFail() }
        XCTAssertEqual(v.asList.count, 3)
    }
}
