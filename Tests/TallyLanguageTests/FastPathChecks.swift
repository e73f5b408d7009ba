import TallyLanguage
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
