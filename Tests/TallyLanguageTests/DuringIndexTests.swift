@testable import TallyLanguage
import XCTest

/// `xs as c where key(c) during m` answered from a per-member index of the items' keys (a binary
/// search per query, the kept items in list order) gives what the general path gives: every item
/// walked and tested. The general path is the same library compiled for clause coverage, which
/// turns fast paths off. Nulls in keys and in bounds, open and closed bounds, equal keys, dates
/// and date-times at one or several precisions, empty and missing lists.
final class DuringIndexTests: XCTestCase {
    let schema = SpanFixture.schema

    let source = """
        library L
        function ids_in(m: Interval<Date>): List<String> = spans as s where start of s.period during m return s.id
        function spans_in(m: Interval<Date>): List<Span> = spans as s where start of s.period during m
        function ends_in(m: Interval<Date>): List<String> = spans as s where end of s.period during m return s.id
        function at_in(m: Interval<DateTime>): List<String> = spans as s where s.at during m return s.id
        define months = [
          interval[@2025-01-01, @2025-01-31], interval[@2025-02-01, @2025-02-28], interval[@2025-01-01, @2025-12-31],
          interval(@2025-01-01, @2025-03-01), interval[@2025-01-01, @2025-03-01), interval(@2025-01-01, @2025-03-01],
          interval[null, @2025-02-15], interval[@2025-01-15, null], interval[@2025-03-01, @2025-01-01],
          interval[@2025-02-10, @2025-02-10], interval[@2024-01-01, @2024-12-31], null]
        define by_start = months as m return ids_in(m)
        define by_start_items = months as m return count(spans_in(m))
        define by_end = months as m return ends_in(m)
        define inline = months as m return (spans as s where start of s.period during m return s.id)
        define feb = interval[@2025-02-01, @2025-02-28]
        define in_feb = spans as s where start of s.period during feb return s.id
        define instants = [
          interval[@2025-01-01T00:00:00.000Z, @2025-01-05T00:00:00.000Z],
          interval[@2025-01-02T00:00:00.000Z, @2025-01-02T00:00:00.000Z],
          interval(@2025-01-01T00:00:00.000Z, @2025-01-03T00:00:00.000Z),
          interval[@2025-01-01T00:00:00.000Z, null], null]
        define by_at = instants as m return at_in(m)
        """

    func day(_ text: String) -> Value { SpanFixture.day(text) }

    func at(_ millis: Int64, _ precision: DatePrecision) -> Value {
        .temporal(Temporal(millis: millis, precision: precision, isDate: false))
    }

    func span(_ id: String, _ low: String?, _ high: String?, _ at: Value) -> Record { SpanFixture.span(id, low, high, at) }

    func members() -> [Record] {
        let d: Int64 = 86_400_000, jan1 = d * 20_089  // 2025-01-01
        // Equal keys (b, c and g start the same day), keys on the bounds, a null key (d, e), a
        // span without a period, keys out of every month.
        let spans: [Record] = [
            span("a", "2025-03-01", "2025-12-31", at(jan1 + 2 * d, .millisecond)),
            span("b", "2025-01-01", "2025-02-15", at(jan1 + d, .millisecond)),
            span("c", "2025-01-01", "2025-06-30", at(jan1 + d, .millisecond)),
            span("d", nil, "2025-02-20", .null),
            span("e", nil, nil, at(jan1 + 4 * d, .millisecond)),
            span("f", "2025-02-10", nil, at(jan1, .millisecond)),
            span("g", "2025-01-01", "2025-01-31", at(jan1 + 5 * d, .millisecond)),
            span("h", "2025-01-31", "2025-02-28", at(jan1 + 3 * d + 1, .millisecond)),
            span("i", "2024-06-01", "2025-01-15", at(jan1 - d, .millisecond)),
        ]
        // Date-times of different precisions: compared with uncertainty, the general path decides.
        let mixed: [Record] = [
            span("m1", "2025-01-01", "2025-01-31", at(jan1 + 3_600_000, .hour)),
            span("m2", "2025-01-02", "2025-01-31", at(jan1 + d, .day)),
            span("m3", "2025-01-03", "2025-01-31", at(jan1 + 2 * d, .millisecond)),
        ]
        // Date-times of one precision coarser than the bounds'.
        let days: [Record] = [
            span("d1", "2025-01-01", "2025-01-31", at(jan1, .day)),
            span("d2", "2025-01-02", "2025-01-31", at(jan1 + d, .day)),
        ]
        return [
            Record.make(kind: 0, fields: [.list(spans.map { .record($0) })]),
            Record.make(kind: 0, fields: [.list(spans.reversed().map { .record($0) })]),
            Record.make(kind: 0, fields: [.list([spans[3]].map { .record($0) })]),
            Record.make(kind: 0, fields: [.list(mixed.map { .record($0) })]),
            Record.make(kind: 0, fields: [.list((mixed + spans).map { .record($0) })]),
            Record.make(kind: 0, fields: [.list(days.map { .record($0) })]),
            Record.make(kind: 0, fields: [.list([])]),
            Record.make(kind: 0, fields: [.null]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    let names = ["by_start", "by_start_items", "by_end", "inline", "in_feb", "by_at"]

    func testIndexedQueriesGiveTheWalksItems() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        // ids_in, spans_in, ends_in, at_in and the inline query are indexed (in_feb's bound is a
        // define: indexed too); the general program indexes nothing.
        XCTAssertEqual(fast.indexSites, 6)
        XCTAssertEqual(general.indexSites, 0)
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: names)
    }

    func testKeptItemsAreInListOrder() throws {
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        XCTAssertEqual(ctx.value(of: "by_start")!.description,
                       #"[["b", "c", "g", "h"], ["f"], ["a", "b", "c", "f", "g", "h"], ["f", "h"], ["b", "c", "f", "g", "h"], ["a", "f", "h"], ["b", "c", "f", "g", "h", "i"], ["a", "f", "h"], [], ["f"], ["i"], []]"#)
        let reversed = try program(coverage: false).evaluation(member: members()[1])
        XCTAssertEqual(reversed.value(of: "in_feb")!.description, #"["f"]"#)
        XCTAssertEqual(reversed.value(of: "by_start")!.description.prefix(26), #"[["h", "g", "c", "b"], ["f"#)
    }
}
