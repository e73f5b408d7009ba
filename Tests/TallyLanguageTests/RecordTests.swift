import TallyLanguage
import XCTest

/// Records keep their fields in their own allocation: made null or from an array, read and
/// written by slot, seen as a collection, and their fields released with them.
final class RecordTests: XCTestCase {
    func testMadeNullOrFromFields() {
        let empty = Record.make(kind: 3, count: 4)
        XCTAssertEqual(empty.kind, 3)
        XCTAssertEqual(empty.count, 4)
        XCTAssertTrue(empty.fields.allSatisfy(\.isNull))
        let r = Record.make(kind: 1, fields: [.integer(7), .string("a long string that is not stored inline"), .null])
        XCTAssertEqual(r.fields.count, 3)
        XCTAssertEqual(r[0].asDouble, 7)
        XCTAssertEqual(r.fields[1].asString, "a long string that is not stored inline")
        r[2] = .boolean(true)
        r.fields[0] = .integer(8)
        XCTAssertEqual(r.fields.map { text($0) }, ["8", "a long string that is not stored inline", "true"])
        XCTAssertEqual(Record.make(kind: 0, fields: []).count, 0)
    }

    func testFieldsAreReleasedWithTheRecord() {
        weak var inner: Record?
        do {
            let child = Record.make(kind: 2, fields: [.string(String(repeating: "x", count: 40))])
            inner = child
            let outer = Record.make(kind: 1, count: 2)
            outer[1] = .list([.record(child)])
            XCTAssertNotNil(inner)
        }
        XCTAssertNil(inner, "the outer record's fields are released when it is freed")
    }

    private func text(_ v: Value) -> String {
        switch v {
        case .integer(let i): return String(i)
        case .string(let s): return s
        case .boolean(let b): return String(b)
        default: return "?"
        }
    }
}
