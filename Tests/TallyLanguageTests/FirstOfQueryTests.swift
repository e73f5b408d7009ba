import TallyLanguage
import XCTest

/// `first` and `last` of a sorted query in one pass (and `first` of an unsorted query stopping
/// at the first item kept) give what the general path gives: the list built, keyed, stably
/// sorted (nulls first ascending, last descending) and its first or last item taken. The
/// general path is the same library compiled for clause coverage, which turns fast paths off.
final class FirstOfQueryTests: XCTestCase {
    let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("spans", .list(.record("Span")))]),
        RecordKind(name: "Span", fields: [
            FieldDef("id", .string), FieldDef("period", .interval(.date)), FieldDef("payer", .string),
            FieldDef("rank", .integer), FieldDef("weight", .decimal), FieldDef("at", .dateTime),
        ]),
    ], rootKind: "Member")

    let source = """
        library L
        define feb = interval[@2025-02-01, @2025-02-28]
        define first_by_start = first(spans as s sort by start of s.period return s.id)
        define last_by_start = last(spans as s sort by start of s.period return s.id)
        define first_by_start_desc = first(spans as s sort by start of s.period desc return s.id)
        define last_by_start_desc = last(spans as s sort by start of s.period desc return s.id)
        define first_by_rank = first(spans as s sort by s.rank return s.id)
        define last_by_rank = last(spans as s sort by s.rank return s.id)
        define first_by_rank_desc = first(spans as s sort by s.rank desc return s.id)
        define last_by_rank_desc = last(spans as s sort by s.rank desc return s.id)
        define first_by_payer = first(spans as s sort by s.payer return s.id)
        define last_by_payer_desc = last(spans as s sort by s.payer desc return s.id)
        define first_by_weight = first(spans as s sort by s.weight return s.id)
        define last_by_weight = last(spans as s sort by s.weight return s.id)
        define first_in_feb = first(spans as s where s.period overlaps feb sort by start of s.period return s.payer)
        define last_in_feb = last(spans as s where s.period overlaps feb sort by start of s.period desc return s.payer)
        define first_payer_by_rank = first(spans as s sort by s.rank return s.payer)
        define first_item = first(spans as s sort by s.rank desc)
        define first_by_null_key = first(spans as s sort by (if s.rank > 100 then s.rank else null) return s.id)
        define first_by_at = first(spans as s sort by s.at return s.id)
        define last_by_at = last(spans as s sort by s.at desc return s.id)
        define first_unsorted = first(spans as s where s.rank > 1 return s.id)
        define first_unsorted_payer = first(spans as s where s.rank > 1 return s.payer)
        define first_unsorted_item = first(spans as s where s.id != "a")
        define first_none = first(spans as s where s.rank > 100 sort by s.rank return s.id)
        define raising_source = first((if singleton([1, 2]) = 1 then spans else spans) as s sort by s.at return s.id)
        define per_month = [interval[@2025-01-01, @2025-01-31], feb, null] as m
          return first(spans as s where s.period overlaps m sort by start of s.period return s.payer)
        """

    func record(kind: Int, _ fields: [Value]) -> Record {
        Record.make(kind: kind, fields: fields)
    }

    func day(_ text: String) -> Value {
        guard case .success(let t) = Temporal.parse(text) else { fatalError(text) }
        return .temporal(t)
    }

    func span(_ id: String, _ low: String?, _ high: String?, _ payer: Value, _ rank: Value, _ weight: Value, _ at: Value) -> Record {
        let period: Value = low == nil && high == nil ? .null
            : .interval(IntervalValue(low: low.map(day) ?? .null, high: high.map(day) ?? .null))
        return record(kind: 1, [.string(id), period, payer, rank, weight, at])
    }

    func at(_ millis: Int64, _ precision: DatePrecision) -> Value {
        .temporal(Temporal(millis: millis, precision: precision, isDate: false))
    }

    func members() -> [Record] {
        let day: Int64 = 86_400_000
        // Ties on every key (b and c start the same day, have the same rank, payer and weight),
        // nulls in every key, a span without a period.
        let spans: [Record] = [
            span("a", "2025-03-01", "2025-12-31", .string("commercial"), .integer(2), .decimal(1.5), at(3 * day, .day)),
            span("b", "2025-01-01", "2025-02-15", .string("medicare"), .integer(1), .decimal(0.5), at(day, .day)),
            span("c", "2025-01-01", "2025-06-30", .string("medicare"), .integer(1), .decimal(0.5), at(day, .day)),
            span("d", nil, "2025-02-20", .null, .null, .null, .null),
            span("e", nil, nil, .string("medicaid"), .integer(3), .decimal(-2), at(2 * day, .day)),
            span("f", "2025-02-10", nil, .string("commercial"), .null, .decimal(1.5), .null),
        ]
        // Date-times of different precisions: compared with uncertainty, the general path decides.
        let mixed: [Record] = [
            span("m1", "2025-01-01", "2025-01-31", .string("x"), .integer(1), .decimal(1), at(5 * day + 3_600_000, .hour)),
            span("m2", "2025-01-02", "2025-01-31", .string("y"), .integer(1), .decimal(.nan), at(5 * day, .day)),
            span("m3", "2025-01-03", "2025-01-31", .string("z"), .integer(0), .decimal(1), at(4 * day, .hour)),
        ]
        return [
            record(kind: 0, [.list(spans.map { .record($0) })]),
            record(kind: 0, [.list(spans.reversed().map { .record($0) })]),
            record(kind: 0, [.list([spans[3]].map { .record($0) })]),
            record(kind: 0, [.list(mixed.map { .record($0) })]),
            record(kind: 0, [.list((mixed + spans).map { .record($0) })]),
            record(kind: 0, [.list([])]),
            record(kind: 0, [.null]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    let names = ["first_by_start", "last_by_start", "first_by_start_desc", "last_by_start_desc", "first_by_rank", "last_by_rank",
                 "first_by_rank_desc", "last_by_rank_desc", "first_by_payer", "last_by_payer_desc", "first_by_weight", "last_by_weight",
                 "first_in_feb", "last_in_feb", "first_payer_by_rank", "first_item", "first_by_null_key", "first_by_at", "last_by_at",
                 "first_unsorted", "first_unsorted_payer", "first_unsorted_item", "first_none", "per_month", "raising_source"]

    func testOnePassGivesTheSortedListsFirstAndLast() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: names)
    }

    func testTiesKeepTheStableOrder() throws {
        // b and c tie on start, rank, payer and weight: first takes the earlier, last the later.
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        XCTAssertEqual(ctx.value(of: "first_by_start")!.description, #""d""#)  // null start first
        XCTAssertEqual(ctx.value(of: "last_by_start")!.description, #""a""#)
        XCTAssertEqual(ctx.value(of: "first_by_start_desc")!.description, #""a""#)
        XCTAssertEqual(ctx.value(of: "last_by_start_desc")!.description, #""e""#)  // nulls last, the later of d and e
        XCTAssertEqual(ctx.value(of: "first_by_rank")!.description, #""d""#)
        XCTAssertEqual(ctx.value(of: "first_by_rank_desc")!.description, #""e""#)
        XCTAssertEqual(ctx.value(of: "last_by_rank_desc")!.description, #""f""#)
        XCTAssertEqual(ctx.value(of: "first_by_weight")!.description, #""d""#)
        XCTAssertEqual(ctx.value(of: "last_by_weight")!.description, #""f""#)
        XCTAssertEqual(ctx.value(of: "first_unsorted")!.description, #""a""#)
        XCTAssertEqual(ctx.value(of: "first_none")!.description, "null")
        let reversed = try program(coverage: false).evaluation(member: members()[1])
        XCTAssertEqual(reversed.value(of: "first_by_rank_desc")!.description, #""e""#)
        XCTAssertEqual(reversed.value(of: "last_by_start")!.description, #""a""#)
    }
}
