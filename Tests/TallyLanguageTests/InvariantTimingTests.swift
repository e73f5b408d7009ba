@testable import TallyLanguage
import XCTest

/// `exists` and `count` of `xs as s where x(s) <timing> y`, `y` not reading the item (a call,
/// an indexed define), evaluate `y` once per query rather than per item; they give what the
/// general path gives. The general path is the same library compiled for clause coverage, which
/// turns fast paths off. Null, open and half-open bounds, null periods, points and intervals,
/// a right side that reads the item (not hoisted), empty and missing lists.
final class InvariantTimingTests: XCTestCase {
    let schema = SpanFixture.schema

    let source = """
        library L
        define months = [
          interval[@2025-01-01, @2025-01-31], interval[@2025-02-01, @2025-02-28], interval[@2025-01-01, @2025-12-31],
          interval(@2025-01-01, @2025-03-01), interval[@2025-01-01, @2025-03-01), interval(@2025-01-01, @2025-03-01],
          interval[null, @2025-02-15], interval[@2025-01-15, null], interval[@2025-03-01, @2025-01-01],
          interval[@2025-02-10, @2025-02-10], interval[@2024-01-01, @2024-12-31], null]
        define ks = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        function month(k: Integer): Interval<Date> = months[k]
        function enrolled(k: Integer): Boolean = exists (spans as s where s.period overlaps month(k))
        function overlapping(k: Integer): Integer = count(spans as s where s.period overlaps months[k])
        function ats(k: Integer): Integer = count(spans as s where s.period during month(k) return s.at)
        function any_at(k: Integer): Boolean = exists (spans as s where start of s.period before month(k) return s.at)
        function starting(k: Integer): Integer = count(spans as s where start of s.period during months[k])
        function own(k: Integer): Integer =
          count(spans as s where s.period overlaps interval[start of s.period, end of month(k)])
        define by_enrolled = ks as k return enrolled(k)
        define by_overlapping = ks as k return overlapping(k)
        define by_ats = ks as k return ats(k)
        define by_any_at = ks as k return any_at(k)
        define by_starts = ks as k return starting(k)
        define by_own = ks as k return own(k)
        """

    func day(_ text: String) -> Value { SpanFixture.day(text) }

    func span(_ id: String, _ low: String?, _ high: String?, _ at: Value) -> Record { SpanFixture.span(id, low, high, at) }

    func members() -> [Record] {
        let jan1 = Value.temporal(Temporal(millis: 86_400_000 * 20_089, precision: .millisecond, isDate: false))
        let spans: [Record] = [
            span("a", "2025-03-01", "2025-12-31", jan1),
            span("b", "2025-01-01", "2025-02-15", .null),
            span("c", "2024-06-01", "2025-01-01", jan1),
            span("d", nil, "2025-02-20", .null),
            span("e", nil, nil, jan1),
            span("f", "2025-02-10", nil, jan1),
            span("g", "2025-02-28", "2025-02-28", .null),
        ]
        return [
            Record.make(kind: 0, fields: [.list(spans.map { .record($0) })]),
            Record.make(kind: 0, fields: [.list(spans.reversed().map { .record($0) })]),
            Record.make(kind: 0, fields: [.list([spans[3]].map { .record($0) })]),
            Record.make(kind: 0, fields: [.list([spans[0]].map { .record($0) })]),
            Record.make(kind: 0, fields: [.list([])]),
            Record.make(kind: 0, fields: [.null]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    let names = ["by_enrolled", "by_overlapping", "by_ats", "by_any_at", "by_starts", "by_own"]

    func testHoistedRightSideGivesTheWalksResults() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: names)
    }

    func testKnownAnswers() throws {
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        // January: a, d? (d has no start: null start, overlaps is unknown), b, c, e (null) ...
        XCTAssertEqual(ctx.value(of: "by_overlapping")!.description,
                       try program(coverage: true).evaluation(member: members()[0]).value(of: "by_overlapping")!.description)
        XCTAssertEqual(ctx.value(of: "by_enrolled")!.description.prefix(5), "[true")
        let empty = try program(coverage: false).evaluation(member: members()[4])
        XCTAssertEqual(empty.value(of: "by_overlapping")!.description, "[" + Array(repeating: "0", count: 13).joined(separator: ", ") + "]")
    }
}
