import Foundation
import XCTest
import TallyLanguage

/// The small world the diagnostic tests compile against: a member record schema, one external
/// function, one loaded value set, and two in-memory libraries.
enum TestWorld {
    static let schema = RecordSchema(kinds: [
        RecordKind(name: "Member", fields: [
            FieldDef("id", .string),
            FieldDef("birth_date", .date),
            FieldDef("sex", .string),
            FieldDef("encounters", .list(.record("Encounter"))),
            FieldDef("conditions", .list(.record("Condition"))),
            FieldDef("observations", .list(.record("Observation"))),
        ]),
        RecordKind(name: "Encounter", fields: [
            FieldDef("id", .string),
            FieldDef("status", .string),
            FieldDef("type", .list(.concept)),
            FieldDef("period", .interval(.dateTime)),
            FieldDef("class", .string),
        ]),
        RecordKind(name: "Condition", fields: [
            FieldDef("code", .concept),
            FieldDef("onset", .choice([.dateTime, .interval(.dateTime)])),
        ], primaryCode: "code"),
        RecordKind(name: "Observation", fields: [
            FieldDef("code", .concept),
            FieldDef("status", .string),
            FieldDef("effective", .choice([.dateTime, .interval(.dateTime)])),
            FieldDef("value", .choice([.quantity, .concept, .string])),
            FieldDef("encounter", .record("Encounter")),
        ], primaryCode: "code"),
    ], rootKind: "Member")

    static let functions = FunctionTable([
        FunctionDefinition(name: "double", parameters: [.integer], result: .integer, doc: "Twice the number.") { args in
            if case .integer(let n) = args[0] { return .integer(n * 2) }
            return .null
        },
    ])

    /// One value set is loaded, so a reference to any other is an error.
    struct ValueSets: ValueSetProvider {
        static let hypertension = "2.16.840.1.113883.3.464.1003.104.12.1011"
        func codes(for reference: String) -> Set<String>? {
            reference == ValueSets.hypertension ? ["http://snomed.info/sct|38341003"] : nil
        }
        var isEmpty: Bool { false }
    }

    /// Libraries served by `use`: "lib/common" and "lib/other" (both define `shared`), a measure
    /// and two libraries that use each other; any other path is not found.
    static let libraries: [String: String] = [
        "lib/common": """
            library Common
            define shared = 1
            define common_only = 2
            function triple(x: Integer): Integer = x * 3
            """,
        "lib/other": """
            library Other
            define shared = 2
            """,
        "lib/a-measure": """
            measure Other
              scoring cohort
            population initial = true
            """,
        "lib/cycle-a": """
            library CycleA
            use "cycle-b"
            """,
        "lib/cycle-b": """
            library CycleB
            use "cycle-a"
            """,
    ]

    /// Paths are relative to the using file, as `tally` resolves them.
    static func loadLibrary(_ path: String, from: SourceFile) -> LibraryLookup {
        var name = path.hasSuffix(".measure") ? String(path.dropLast(8)) : path
        let folder = from.path.split(separator: "/").dropFirst().dropLast().joined(separator: "/")
        if !folder.isEmpty { name = folder + "/" + name }
        if let text = libraries[name] {
            return .found(SourceFile(path: "diagnostics/\(name).measure", text: text))
        }
        return .notFound(tried: ["diagnostics/\(name).measure", "Measures/\(name).measure"])
    }

    static func compile(_ file: SourceFile) -> CompilationResult {
        Compilation.compile(CompilationInput(file: file, schema: schema, functions: functions, valueSets: ValueSets(),
                                             loadLibrary: loadLibrary))
    }

    static func compile(path: String = "t.measure", _ text: String) -> CompilationResult {
        compile(SourceFile(path: path, text: text))
    }
}

/// Compiles every `Fixtures/diagnostics/NN-name.measure` and compares the rendered diagnostics
/// with `NN-name.expected`, byte for byte.
///
/// Each input's first line is `// error: CODE`, the diagnostic the file is about; the test also
/// checks that this code is reported. Run with `TALLY_RECORD=1` to rewrite the `.expected` files
/// in the source tree (then review them by eye: caret under the offending text, clear message).
final class DiagnosticGoldenTests: XCTestCase {
    static let sourceFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/diagnostics")

    var recording: Bool { ProcessInfo.processInfo.environment["TALLY_RECORD"] == "1" }

    func fixtureFolder() throws -> URL {
        if recording { return DiagnosticGoldenTests.sourceFolder }
        let bundled = try XCTUnwrap(Bundle.module.resourceURL).appendingPathComponent("Fixtures/diagnostics")
        return bundled
    }

    func testGoldenDiagnostics() throws {
        let folder = try fixtureFolder()
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".measure") }.sorted()
        XCTAssertGreaterThanOrEqual(inputs.count, 34, "expected at least 34 diagnostic fixtures in \(folder.path)")
        var recorded: [String] = []
        var codes: Set<String> = []
        for input in inputs {
            let base = String(input.dropLast(".measure".count))
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(input)))
            let result = TestWorld.compile(SourceFile(path: "diagnostics/\(input)", bytes: bytes))
            let rendered = DiagnosticRenderer(sources: result.sources).render(result.diagnostics)

            // The file says which error it is about.
            let firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            if firstLine.hasPrefix("// error: ") {
                let code = String(firstLine.dropFirst("// error: ".count)).trimmingCharacters(in: .whitespaces)
                XCTAssertTrue(result.diagnostics.contains { $0.code == code },
                              "\(input): expected a '\(code)' diagnostic, got \(result.diagnostics.map(\.code))")
                codes.insert(code)
            } else {
                XCTFail("\(input): the first line must be '// error: CODE'")
            }
            XCTAssertTrue(result.diagnostics.hasErrors, "\(input): compiled without errors")
            XCTAssertNil(result.program, "\(input): produced a program")

            let expectedURL = folder.appendingPathComponent(base + ".expected")
            if recording {
                try Data(rendered.utf8).write(to: expectedURL)
                recorded.append(base + ".expected")
                continue
            }
            guard let expected = try? Data(contentsOf: expectedURL) else {
                XCTFail("\(input): no \(base).expected; run with TALLY_RECORD=1 to record it. Output:\n\(rendered)")
                continue
            }
            if expected != Data(rendered.utf8) {
                XCTFail("\(input): diagnostics differ from \(base).expected\n--- expected\n"
                        + String(decoding: expected, as: UTF8.self) + "--- actual\n" + rendered)
            }
        }
        XCTAssertGreaterThanOrEqual(codes.count, 30, "fixtures should cover distinct diagnostic codes")
        if recording {
            XCTFail("TALLY_RECORD=1: recorded \(recorded.count) files in \(folder.path); review them, then run without TALLY_RECORD")
        }
    }

    /// Every `.expected` file has its `.measure` input, so stale goldens do not linger.
    func testNoOrphanExpectations() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: try fixtureFolder().path)
        for e in names where e.hasSuffix(".expected") {
            XCTAssertTrue(names.contains(String(e.dropLast(".expected".count)) + ".measure"), "\(e) has no .measure input")
        }
    }

    /// The renderer on its own: caret under the range, hint line, multi-byte text, long lines.
    func testRendererLayout() {
        let file = SourceFile(path: "x.measure", text: "define a = \"héllo\" + encounter\n")
        let d = Diagnostic(.error, code: "unknown-name", message: "unknown name 'encounter'", file: "x.measure",
                           range: SourceLocation(line: 1, column: 23, offset: 22)..<SourceLocation(line: 1, column: 32, offset: 31),
                           hint: "did you mean 'encounters'?")
        XCTAssertEqual(DiagnosticRenderer(sources: [file]).render(d), """
            x.measure:1:23: error: unknown name 'encounter'
             1 | define a = "héllo" + encounter
               |                      ^~~~~~~~~
               = hint: did you mean 'encounters'?

            """)
        // Without the source, the message and hint still print.
        XCTAssertEqual(DiagnosticRenderer(sources: []).render(d),
                       "x.measure:1:23: error: unknown name 'encounter'\n  = hint: did you mean 'encounters'?\n")
    }

    func testRendererInvalidUTF8AndTabs() {
        // An invalid byte shows as one U+FFFD column; a tab as one space; the caret stays aligned.
        let bytes: [UInt8] = [0xFF, 0x09] + Array("x = 1".utf8)
        let file = SourceFile(path: "b.measure", bytes: bytes)
        let d = Diagnostic(.error, code: "c", message: "m", file: "b.measure",
                           range: SourceLocation(line: 1, column: 3, offset: 2)..<SourceLocation(line: 1, column: 4, offset: 3))
        XCTAssertEqual(DiagnosticRenderer(sources: [file]).render(d), "b.measure:1:3: error: m\n 1 | \u{FFFD} x = 1\n   |   ^\n")
    }

    func testRendererLongLineWindow() {
        let line = "define a = " + Array(repeating: "1", count: 200).joined(separator: " + ") + " + oops"
        let file = SourceFile(path: "l.measure", text: line)
        let column = line.utf8.count - 3
        let d = Diagnostic(.error, code: "c", message: "m", file: "l.measure",
                           range: SourceLocation(line: 1, column: column, offset: column - 1)..<SourceLocation(line: 1, column: column + 4, offset: column + 3))
        let lines = DiagnosticRenderer(sources: [file]).render(d).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines[1], " 1 | ..." + line.suffix(DiagnosticRenderer.maximumLineWidth))
        XCTAssertEqual(lines[2], "   | " + String(repeating: " ", count: 3 + DiagnosticRenderer.maximumLineWidth - 4) + "^~~~")
    }
}
