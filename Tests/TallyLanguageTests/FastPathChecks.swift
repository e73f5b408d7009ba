@testable import TallyLanguage
import XCTest

// What the evaluator's fast-path tests share. Clause coverage turns every fast path off, so a
// measure compiled with coverage on evaluates along the general path: the reference the fast
// paths are checked against.

/// A test measure compiled as it runs (`coverage: false`) or along the general path (`true`).
func fastPathProgram(_ source: String, schema: RecordSchema, coverage: Bool) throws -> Program {
    let input = CompilationInput(file: SourceFile(path: "l.measure", text: source), schema: schema,
                                 coverage: coverage ? CoverageRecorder() : nil)
    let result = Compilation.compile(input)
    return try XCTUnwrap(result.program, DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
}

/// Each define in `names` has the general path's value for every member, both in a fresh context
/// per member and in one context reset member after member (as the runner reuses them), and the
/// fast program records the same errors.
func assertFastPathsMatchGeneral(fast: Program, general: Program, members: [Record], names: [String],
                                 file: StaticString = #filePath, line: UInt = #line) {
    let reused = fast.evaluation(member: nil)
    for (n, member) in members.enumerated() {
        reused.reset(member: member)
        let fresh = fast.evaluation(member: member), reference = general.evaluation(member: member)
        for name in names {
            let expected = reference.value(of: name)?.description
            XCTAssertNotNil(expected, "no define \(name)", file: file, line: line)
            XCTAssertEqual(fresh.value(of: name)?.description, expected, "\(name), member \(n)", file: file, line: line)
            XCTAssertEqual(reused.value(of: name)?.description, expected, "\(name), member \(n)", file: file, line: line)
        }
        XCTAssertEqual(fresh.errors, reference.errors, "member \(n)", file: file, line: line)
    }
}


/// Members with a list of spans (an id, a date period, a date-time): the fixture of the tests of
/// queries over a member's list with timing filters.
enum SpanFixture {
    static let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [FieldDef("spans", .list(.record("Span")))]),
        RecordKind(name: "Span", fields: [
            FieldDef("id", .string), FieldDef("period", .interval(.date)), FieldDef("at", .dateTime),
        ]),
    ], rootKind: "Member")

    static func day(_ text: String) -> Value {
        guard case .success(let t) = Temporal.parse(text) else { fatalError(text) }
        return .temporal(t)
    }

    /// A span; no bounds at all make a null period.
    static func span(_ id: String, _ low: String?, _ high: String?, _ at: Value) -> Record {
        let period: Value = low == nil && high == nil ? .null
            : .interval(IntervalValue(low: low.map(day) ?? .null, high: high.map(day) ?? .null))
        return Record.make(kind: 1, fields: [.string(id), period, at])
    }
}
