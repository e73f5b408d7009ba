@testable import TallyLanguage
import XCTest

/// `sum(xs as c where g(c) = k return v(c))` asked for several `k` over the same list, answered
/// by one pass that sums every group, gives what the general path gives (the list walked for
/// each `k`): nulls in keys, values and `k`, keys no item has, decimals whose sum depends on the
/// order of the additions, the same list asked again after another list, empty and missing lists.
final class GroupedSumTests: XCTestCase {
    let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("items", .list(.record("Item")))]),
        RecordKind(name: "Item", fields: [
            FieldDef("cat", .string), FieldDef("amount", .decimal), FieldDef("rank", .integer), FieldDef("day", .date),
        ]),
    ], rootKind: "Member")

    let source = """
        library L
        function in_month(m: Interval<Date>): List<Item> = items as i where i.day during m
        function cat_sum(m: Interval<Date>, k: String): Decimal = sum(in_month(m) as i where i.cat = k return i.amount)
        function cat_sum_flipped(m: Interval<Date>, k: String): Decimal = sum(in_month(m) as i where k = i.cat return i.amount * 2)
        function cat_items(m: Interval<Date>, k: String): Integer = sum(in_month(m) as i where i.cat = k return i.rank)
        function rank_sum(m: Interval<Date>, k: Integer): Integer = sum(in_month(m) as i where i.rank = k return i.rank)
        define months = [interval[@2025-01-01, @2025-01-31], interval[@2025-02-01, @2025-02-28], interval[@2025-01-01, @2025-12-31], null]
        define cats = ["a", "b", "c", "zz", null]
        define by_cat = months as m return (cats as k return cat_sum(m, k))
        define by_cat_flipped = months as m return (cats as k return cat_sum_flipped(m, k))
        define by_cat_interleaved = cats as k return (months as m return cat_sum(m, k))
        define ranks = months as m return (cats as k return cat_items(m, k))
        define by_rank = months as m return ([1, 2, 3, null] as k return rank_sum(m, k))
        """

    func day(_ text: String) -> Value {
        guard case .success(let t) = Temporal.parse(text) else { fatalError(text) }
        return .temporal(t)
    }

    func item(_ cat: Value, _ amount: Value, _ rank: Value, _ d: String) -> Value {
        .record(Record.make(kind: 1, fields: [cat, amount, rank, day(d)]))
    }

    func members() -> [Record] {
        let items: [Value] = [
            item(.string("a"), .decimal(0.1), .integer(1), "2025-01-03"),
            item(.string("b"), .decimal(1e16), .integer(2), "2025-01-04"),
            item(.string("a"), .decimal(0.2), .integer(1), "2025-01-05"),
            item(.null, .decimal(5), .integer(3), "2025-01-06"),
            item(.string("b"), .decimal(1), .null, "2025-01-07"),
            item(.string("a"), .null, .integer(2), "2025-01-08"),
            item(.string("c"), .decimal(-3.5), .integer(1), "2025-02-01"),
            item(.string("b"), .decimal(-1e16), .integer(3), "2025-02-02"),
            item(.string("a"), .decimal(0.3), .integer(1), "2025-01-09"),
            item(.string("b"), .decimal(1), .integer(1), "2025-02-03"),
        ]
        return [
            Record.make(kind: 0, fields: [.list(items)]),
            Record.make(kind: 0, fields: [.list(items.reversed())]),
            Record.make(kind: 0, fields: [.list([items[3]])]),
            Record.make(kind: 0, fields: [.list([])]),
            Record.make(kind: 0, fields: [.null]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    func testGroupedSumsAreTheWalksSums() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        // in_month is indexed; the four sums are grouped.
        XCTAssertEqual(fast.indexSites, 5)
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: ["by_cat", "by_cat_flipped", "by_cat_interleaved", "ranks", "by_rank"])
    }

    func testSumsInListOrder() throws {
        // 1e16 + 1 is 1e16 in binary floating point: the order of the additions shows.
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        let expected = try program(coverage: true).evaluation(member: members()[0]).value(of: "by_cat")!.description
        XCTAssertEqual(ctx.value(of: "by_cat")!.description, expected)
        XCTAssertTrue(expected.hasPrefix("[[0.6"), expected)
    }
}
