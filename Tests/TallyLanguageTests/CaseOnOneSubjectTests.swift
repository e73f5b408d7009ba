@testable import TallyLanguage
import XCTest

/// `case when x = "a" then .. when x in [..] then .. else .. end`, every arm testing the same
/// subject against constant strings, evaluates the subject once; it gives what the general
/// chain gives (the same library compiled for clause coverage, which turns fast paths off):
/// null subjects, subjects that are not strings, constants on either side, no arm true.
final class CaseOnOneSubjectTests: XCTestCase {
    let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("items", .list(.record("Item")))]),
        RecordKind(name: "Item", fields: [FieldDef("code", .string), FieldDef("n", .integer)]),
    ], rootKind: "Member")

    let source = """
        library L
        function head(i: Item): String = if i.code is null then null else substring(i.code, 0, 2)
        function kind(i: Item): String =
          case
            when head(i) = "21" then "snf"
            when head(i) in ["32", "33", "34"] then "home"
            when "81" = head(i) then "hospice"
            else i.code
          end
        function by_field(i: Item): String =
          case when i.code = "x" then "ex" when i.code in ["y", "z"] then "yz" else null end
        function mixed(i: Item): String =
          case when head(i) = "21" then "a" when i.code = "x" then "b" else "c" end
        function number(i: Item): String =
          case when i.n = 1 then "one" when i.n = 2 then "two" else "many" end
        define kinds = items as i return kind(i)
        define fields = items as i return by_field(i)
        define mixeds = items as i return mixed(i)
        define numbers = items as i return number(i)
        """

    func item(_ code: String?, _ n: Int?) -> Value {
        .record(Record.make(kind: 1, fields: [code.map { .string($0) } ?? .null, n.map { .integer($0) } ?? .null]))
    }

    func members() -> [Record] {
        let items = [item("2100", 1), item("3301", 2), item("81", 3), item("8", nil), item(nil, 1), item("x", 2),
                     item("y", 1), item("z", nil), item("", 0), item("9999", 5)]
        return [
            Record.make(kind: 0, fields: [.list(items)]),
            Record.make(kind: 0, fields: [.list(items.reversed())]),
            Record.make(kind: 0, fields: [.list([])]),
            Record.make(kind: 0, fields: [.null]),
        ]
    }

    func program(coverage: Bool) throws -> Program {
        try fastPathProgram(source, schema: schema, coverage: coverage)
    }

    func testOneSubjectGivesTheChainsValue() throws {
        let fast = try program(coverage: false), general = try program(coverage: true)
        assertFastPathsMatchGeneral(fast: fast, general: general, members: members(), names: ["kinds", "fields", "mixeds", "numbers"])
    }

    func testKnownAnswers() throws {
        let ctx = try program(coverage: false).evaluation(member: members()[0])
        XCTAssertEqual(ctx.value(of: "kinds")!.description,
                       #"["snf", "home", "hospice", "8", null, "x", "y", "z", "", "9999"]"#)
        XCTAssertEqual(ctx.value(of: "fields")!.description, #"[null, null, null, null, null, "ex", "yz", "yz", null, null]"#)
    }
}
