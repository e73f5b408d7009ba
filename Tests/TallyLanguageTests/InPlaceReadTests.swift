import TallyLanguage
import XCTest

/// Fast paths that read operands in place (memoized calls probed with their arguments where they
/// are, query items lent to the local, `start of` a field of a query item, timing phrases with a
/// local interval, strings compared with constants) give the values of the general path. The general path is the same measure
/// compiled for clause coverage, which turns every fast path off.
final class InPlaceReadTests: XCTestCase {
    let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("claims", .list(.record("Claim")))]),
        RecordKind(name: "Claim", fields: [
            FieldDef("id", .string), FieldDef("period", .interval(.date)), FieldDef("paid", .decimal),
            FieldDef("setting", .string),
        ]),
    ], rootKind: "Member")

    let source = """
        library L
        parameter period = interval[@2025-01-01, @2025-12-31]
        define months = [interval[@2025-01-01, @2025-01-31], interval[@2025-02-01, @2025-02-28],
                         interval[@2025-03-01, @2025-03-31], null, interval[@2025-02-01, null]]
        function claims_in(m: Interval<Date>): List<Claim> = claims as c where start of c.period during m
        function category(c: Claim): String =
          case when c.setting = "inpatient" then "inpatient" when c.setting is null then null else "other" end
        function paid_in(m: Interval<Date>, k: String): Decimal =
          coalesce(sum(claims_in(m) as c where category(c) = k return coalesce(c.paid, 0.0)), 0.0)
        define claim_starts = claims as c return start of c.period
        define claim_ends = claims as c return end of c.period
        define per_month = months as m return count(claims_in(m))
        define inpatient = months as m return paid_in(m, "inpatient")
        define other = months as m return paid_in(m, "other")
        define unknown_category = months as m return paid_in(m, null)
        define categories = claims as c return category(c)
        define categories_again = claims as c return category(c)
        define any_in_month = months as m return exists (claims as c where start of c.period during m)
        define nested = claims as c return count(claims as o where start of o.period during c.period)
        define all_in_period = claims as c where start of c.period during period
        define in_months_after = months as m return (claims as c where end of c.period after m return c.id)
        define nested_in_item = claims as c return (claims as o where start of o.period during c.period return o.id)
        define in_first_month = claims as c where start of c.period during first_month return c.id
        define in_no_month = claims as c where start of c.period during no_month return c.id
        define sorted_in_first_month = claims as c where c.period overlaps first_month sort by c.id desc return c.id
        define known_months = months as m where m is not null return interval[start of m, end of m]
        define per_known_month = known_months as m return paid_in(m, "inpatient")
        define first_month = months[0]
        define no_month = months[3]
        define define_arguments = [paid_in(first_month, "inpatient"), count(claims_in(first_month)), count(claims_in(no_month)),
          paid_in(no_month, "other")]
        define rebuilt_months = months as m return paid_in(interval[start of m, end of m], "inpatient")
        define twice_per_month = months as m return [count(claims_in(m)), paid_in(m, "other"), count(claims_in(m)), paid_in(m, "other")]
        define by_local_category = ["inpatient", "other", null, "inpatient", "other"] as k return paid_in(first_month, k)
        define long_categories = [paid_in(first_month, "inpatient-category-with-a-long-name-1"),
          paid_in(first_month, "inpatient-category-with-a-long-name-2"), paid_in(first_month, "inpatient")]
        function tag(x: Integer): String =
          if x is null then "null" else first(claims as c where c.id is not null and x >= 0 return "value")
        define tags = [0, null, 0, null, 1] as x return tag(x)
        define string_tests = claims as c return [c.setting = "inpatient", "inpatient" = c.setting, c.setting != "office",
          c.setting in ["office", "other"], c.setting in ["office", null]]
        """

    /// Every record of the test is made here (one place to follow the `Record` API).
    func record(kind: Int, _ fields: [Value]) -> Record {
        Record.make(kind: kind, fields: fields)
    }

    func claim(_ id: String, _ period: Value, _ paid: Value, _ setting: Value) -> Record {
        record(kind: 1, [.string(id), period, paid, setting])
    }

    func day(_ text: String) -> Value {
        guard case .success(let t) = Temporal.parse(text) else { fatalError(text) }
        return .temporal(t)
    }

    func members() -> [Record] {
        let claims: [Record] = [
            claim("a", .interval(IntervalValue(low: day("2025-01-05"), high: day("2025-01-07"))), .decimal(10.5), .string("inpatient")),
            claim("b", .interval(IntervalValue(low: day("2025-02-10"), high: day("2025-02-10"))), .null, .string("office")),
            claim("c", .null, .decimal(3), .string("inpatient")),
            claim("d", .interval(IntervalValue(low: .null, high: day("2025-03-01"))), .decimal(7), .null),
            claim("e", .interval(IntervalValue(low: day("2025-03-31"), lowClosed: false, high: day("2025-04-02"))), .decimal(1.25), .string("other")),
            claim("f", .interval(IntervalValue(low: day("2025-02-27"), high: .null, highClosed: false)), .decimal(2), .string("inpatient")),
        ]
        return [
            record(kind: 0, [.list(claims.map { .record($0) })]),
            record(kind: 0, [.list([])]),
            record(kind: 0, [.null]),
            record(kind: 0, [.list((Array(claims.reversed()) + claims).map { .record($0) })]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    func testInPlaceReadsGiveTheGeneralPathsValues() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        let names = ["claim_starts", "claim_ends", "per_month", "inpatient", "other", "unknown_category", "categories", "categories_again",
                     "any_in_month", "nested", "all_in_period", "define_arguments", "string_tests", "known_months", "per_known_month", "in_months_after", "nested_in_item", "in_first_month", "in_no_month", "sorted_in_first_month",
                     "rebuilt_months", "twice_per_month", "by_local_category", "long_categories", "tags"]
        // One context reused over the members (as the runner does: it keeps `known_months`, the
        // same for every member), and a fresh one per member.
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: names)
    }

    func testValuesAreWhatTheMeasureSays() throws {
        // Claim e starts on 2025-04-01 (its low bound, 03-31, is open); the last month has no end.
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        XCTAssertEqual(ctx.value(of: "per_month")!.description, "[1, 2, 0, 0, 3]")
        XCTAssertEqual(ctx.value(of: "inpatient")!.description, "[10.5, 2.0, 0.0, 0.0, 2.0]")
        XCTAssertEqual(ctx.value(of: "other")!.description, "[0.0, 0.0, 0.0, 0.0, 1.25]")
        XCTAssertEqual(ctx.value(of: "by_local_category")!.description, "[10.5, 0.0, 0.0, 10.5, 0.0]")
        XCTAssertEqual(ctx.value(of: "tags")!.description, #"["value", "null", "value", "null", "value"]"#)
        XCTAssertEqual(ctx.value(of: "categories")!.description, #"["inpatient", "other", "inpatient", null, "other", "inpatient"]"#)
    }
}
