import Foundation
import TallyEngine
import TallyLanguage
import XCTest
@testable import TallyCLI

/// The REPL's pieces without a process: query forms, completion, rendering.
final class ReplUnitTests: XCTestCase {
    func session() throws -> ReplSession {
        try ReplSession(registry: PluginRegistry(plugins: []), options: MeasureOptions.parse([]), dataOptions: DataOptions.parse([]))
    }

    func texts(_ input: ReplInput, _ ranges: [Range<Int>]) -> [String] { ranges.map(input.text) }

    // MARK: Query forms

    func testQueryForms() throws {
        var input = ReplInput("count by member.sex, provider where diabetic limit 3")
        var q = try ReplQuerySyntax.parse(input)
        XCTAssertEqual(q.form, .count)
        XCTAssertEqual(texts(input, q.keys), ["member.sex", "provider"])
        XCTAssertEqual(q.filter.map(input.text), "diabetic")
        XCTAssertEqual(q.limit, 3)

        input = ReplInput("select member.id, coalesce(a, b) where x and y sort by member.birth_date desc limit 5")
        q = try ReplQuerySyntax.parse(input)
        XCTAssertEqual(q.form, .select)
        XCTAssertEqual(texts(input, q.head), ["member.id", "coalesce(a, b)"])
        XCTAssertEqual(q.filter.map(input.text), "x and y")
        XCTAssertEqual(q.sort.map(input.text), "member.birth_date")
        XCTAssertTrue(q.descending)
        XCTAssertEqual(q.limit, 5)

        // A second `where` belongs to the condition (a query inside it).
        input = ReplInput("count where exists encounters where status = \"finished\"")
        q = try ReplQuerySyntax.parse(input)
        XCTAssertEqual(q.filter.map(input.text), "exists encounters where status = \"finished\"")

        input = ReplInput("rate a1c where diabetic by provider")
        q = try ReplQuerySyntax.parse(input)
        XCTAssertEqual(q.form, .rate)
        XCTAssertEqual(texts(input, q.head), ["a1c"])
        XCTAssertEqual(texts(input, q.keys), ["provider"])

        // The builtin `count(...)` and names that merely start like a form are expressions.
        for text in ["count(encounters) > 2", "select = 3", "rate.x", "counted and x"] {
            XCTAssertEqual(try ReplQuerySyntax.parse(ReplInput(text)).form, .expression, text)
        }
        // Clause words with nothing after them wait for more.
        for text in ["count where", "count by", "select", "rate", "select a,", "rate x by", "count where x by"] {
            XCTAssertTrue(try ReplQuerySyntax.parse(ReplInput(text)).incomplete, text)
        }
    }

    func testInputKinds() {
        XCTAssertEqual(ReplInput("  .help").kind, .dotCommand)
        XCTAssertEqual(ReplInput("define x = 1").kind, .declaration)
        XCTAssertEqual(ReplInput("code Systolic = loinc \"8480-6\"").kind, .declaration)
        XCTAssertEqual(ReplInput("code(\"loinc\", \"1\")").kind, .query)
        XCTAssertEqual(ReplInput("// a comment").kind, .empty)
        XCTAssertEqual(ReplInput("member.sex").kind, .query)
    }

    // MARK: Completion

    func complete(_ s: ReplSession, _ line: String) -> [String] {
        ReplCompletion(session: s).complete(line).candidates
    }

    func testCompletion() throws {
        let s = try session()
        XCTAssertEqual(complete(s, ".he"), [".help"])
        XCTAssertEqual(complete(s, ".mode c"), ["csv"])
        XCTAssertEqual(complete(s, ".schema Enc"), ["Encounter"])
        XCTAssertEqual(complete(s, ".records enc"), ["encounters"])
        XCTAssertEqual(complete(s, "member.bi"), ["birth_date"])
        XCTAssertEqual(complete(s, "last(member.attributions).prov"), ["provider"])
        XCTAssertEqual(complete(s, "encounters as e where e.sta"), ["status"])
        // Unknown: every field of the schema.
        XCTAssertEqual(complete(s, "whatever.disch"), ["discharge", "discharge_disposition"])
        XCTAssertEqual(complete(s, "exis"), ["exists"])
        XCTAssertEqual(complete(s, "x is Dat"), ["Date", "DateTime"])
        XCTAssertTrue(complete(s, "enc").contains("encounters"))
        try s.declare(ReplInput("define diabetic_adults = true"))
        try s.declare(ReplInput("valueset Diabetes = \"2.16.840.1.113883.3.464.1003.103.12.1001\""))
        XCTAssertEqual(complete(s, "count where diab"), ["diabetic_adults"])
        XCTAssertEqual(complete(s, "conditions(Diab"), ["Diabetes"])
        XCTAssertEqual(ReplCompletion(session: s).complete("count where diab").start, 12)
    }

    // MARK: Rendering

    func testRendering() {
        let schema = CanonicalSchema.schema
        let t = ReplTable(columns: ["name", "n", "share"], formats: [.plain, .plain, .percent],
                          rows: [[.string("a, \"b\""), .integer(7), .decimal(0.1234)], [.string("c"), .integer(12), .null]])
        XCTAssertEqual(ReplRenderer(schema: schema, mode: .table).render(t), """
            name     n  share
            ------  --  -----
            a, "b"   7  12.3%
            c       12

            """)
        XCTAssertEqual(ReplRenderer(schema: schema, mode: .csv).render(t), "name,n,share\n\"a, \"\"b\"\"\",7,0.1234\nc,12,\n")
        XCTAssertEqual(ReplRenderer(schema: schema, mode: .json).render(t),
                       "[{\"name\":\"a, \\\"b\\\"\",\"n\":7,\"share\":0.1234},\n{\"name\":\"c\",\"n\":12,\"share\":null}]\n")
        XCTAssertEqual(ReplRenderer(schema: schema, mode: .line).render(t), " name = a, \"b\"\n    n = 7\nshare = 12.3%\n\n name = c\n    n = 12\nshare = \n")
        XCTAssertEqual(ReplRenderer(schema: schema, mode: .table).renderValue(.list([.integer(1), .string("x")])), "[1, \"x\"]\n")
    }
}
