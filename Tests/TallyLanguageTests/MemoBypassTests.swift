@testable import TallyLanguage
import XCTest

/// A memoized function whose kept results are (almost) never asked for again is called without
/// its table after 4,096 computed results in a context; one whose results are found again keeps
/// it. Either way the values are what the general path (no memo) gives.
final class MemoBypassTests: XCTestCase {
    let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("items", .list(.record("Item")))]),
        RecordKind(name: "Item", fields: [FieldDef("rank", .integer)]),
    ], rootKind: "Member")

    let source = """
        library L
        function with_rank(k: Integer): Integer = count(items as i where i.rank = k and i.rank >= 0 and i.rank < 1000)
        function above_rank(k: Integer): Integer = count(items as i where i.rank > k and i.rank >= 0 and i.rank < 1000)
        define once = above_rank(1)
        define twice = with_rank(1) + with_rank(1)
        """

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    func testTablesNeverReadAreBypassedWithTheSameValues() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        let once = try XCTUnwrap(fast.functions.firstIndex { $0.name == "above_rank" })
        let twice = try XCTUnwrap(fast.functions.firstIndex { $0.name == "with_rank" })
        XCTAssertTrue(fast.functionMemoized[once] && fast.functionMemoized[twice])
        let reused = fast.evaluation(member: nil), reference = general.evaluation(member: nil)
        for n in 0..<5000 {
            let items: [Value] = (0..<(n % 5)).map { .record(Record.make(kind: 1, fields: [.integer($0)])) }
            let member = Record.make(kind: 0, fields: [.list(items)])
            reused.reset(member: member)
            reference.reset(member: member)
            for name in ["once", "twice"] {
                XCTAssertEqual(reused.value(of: name)!.description, reference.value(of: name)!.description, "\(name), member \(n)")
            }
            XCTAssertEqual(reused.memos![once].bypassed, n >= 4095, "member \(n)")
        }
        XCTAssertFalse(reused.memos![twice].bypassed)
    }
}
