import Foundation
import TallyTestSupport
import XCTest
import TallyEngine
import TallyLanguage
import ValueSetsPlugin

/// The measure workspace: finding measure files, resolving `use`d libraries, and compiling
/// against the canonical schema with the value sets of a run.
final class WorkspaceTests: TemporaryFolderTestCase {
    func path(_ name: String) -> String { (dir as NSString).appendingPathComponent(name) }

    func workspace(valueSets: any ValueSetProvider = NoValueSets(), libraryRoots: [String] = []) -> MeasureWorkspace {
        let registry = PluginRegistry(plugins: [ValueSetsPlugin()])
        return MeasureWorkspace(functions: registry.functionTable, valueSets: valueSets, libraryRoots: libraryRoots)
    }

    func source(_ path: String) throws -> SourceFile {
        try XCTUnwrap(MeasureWorkspace.readSource(path), "cannot read \(path)")
    }

    /// The path a lookup found, or nil; `tried` gets the paths tried when not found.
    func lookup(_ ws: MeasureWorkspace, _ use: String, from file: String, tried: inout [String]) throws -> String? {
        switch ws.findLibrary(use, from: try source(file)) {
        case .found(let f): return f.path
        case .notFound(let t): tried = t; return nil
        }
    }

    func rendered(_ result: CompilationResult) -> String {
        DiagnosticRenderer(sources: result.sources).render(result.diagnostics)
    }

    static let library = """
        library Shared "Shared definitions"
        define one = 1
        """

    // MARK: measureFiles

    func testMeasureFilesFromFoldersFilesAndMissingPaths() throws {
        let b = try write("m/b.measure", "measure B\n")
        let a = try write("m/a.measure", "measure A\n")
        let nested = try write("m/sub/c.measure", "library C\n")
        try write("m/notes.txt", "not a measure\n")
        try write("m/sub/data.json", "{}")
        let loose = try write("other/loose.txt", "given explicitly\n")
        let missing = path("nowhere")

        let (files, notFound) = MeasureWorkspace.measureFiles([path("m"), loose, missing, b])
        // Folders give their *.measure files sorted, recursively; files are kept as given,
        // whatever their extension; a file named twice is checked once; missing paths are
        // reported, not dropped silently.
        XCTAssertEqual(files, [a, b, nested, loose])
        XCTAssertEqual(notFound, [missing])

        let (none, missingOnly) = MeasureWorkspace.measureFiles([missing, path("also-missing")])
        XCTAssertEqual(none, [])
        XCTAssertEqual(missingOnly, [missing, path("also-missing")])

        let (emptyFolder, _) = MeasureWorkspace.measureFiles([path("other")])
        XCTAssertEqual(emptyFolder, [], "a folder with no *.measure file gives no files")
    }

    func testReadSource() throws {
        let p = try write("x.measure", "measure X\n")
        let s = try source(p)
        XCTAssertEqual(s.path, p)
        XCTAssertEqual(s.lineText(1), "measure X")
        XCTAssertNil(MeasureWorkspace.readSource(path("absent.measure")))
    }

    // MARK: Library resolution

    func testLibraryRelativeToTheUsingFile() throws {
        let measure = try write("proj/ecqm/m.measure", "measure M\n")
        let lib = try write("proj/ecqm/lib/common.measure", Self.library)
        let sibling = try write("proj/shared.measure", Self.library)
        var tried: [String] = []
        XCTAssertEqual(try lookup(workspace(), "lib/common", from: measure, tried: &tried), lib)
        XCTAssertEqual(try lookup(workspace(), "../shared", from: measure, tried: &tried), sibling, "`..` is normalized away")
        // `.measure` is added only when missing.
        XCTAssertEqual(try lookup(workspace(), "lib/common.measure", from: measure, tried: &tried), lib)
        // An absolute path is used as is.
        XCTAssertEqual(try lookup(workspace(), lib, from: measure, tried: &tried), lib)
    }

    func testLibraryFromLibraryRoots() throws {
        let measure = try write("proj/m.measure", "measure M\n")
        let rootA = path("roots/a"), rootB = path("roots/b")
        let inB = try write("roots/b/common.measure", Self.library)
        var tried: [String] = []
        XCTAssertEqual(try lookup(workspace(libraryRoots: [rootA, rootB]), "common", from: measure, tried: &tried), inB)
        // The using file's own folder comes first.
        let local = try write("proj/common.measure", Self.library)
        XCTAssertEqual(try lookup(workspace(libraryRoots: [rootA, rootB]), "common", from: measure, tried: &tried), local)
        // The earlier root wins over a later one.
        let inA = try write("roots/a/common.measure", Self.library)
        try FileManager.default.removeItem(atPath: local)
        XCTAssertEqual(try lookup(workspace(libraryRoots: [rootA, rootB]), "common", from: measure, tried: &tried), inA)
    }

    func testLibraryFromMeasuresAncestor() throws {
        let measure = try write("repo/Measures/ecqm/deep/m.measure", "measure M\n")
        let lib = try write("repo/Measures/lib/common.measure", Self.library)
        var tried: [String] = []
        XCTAssertEqual(try lookup(workspace(), "lib/common", from: measure, tried: &tried), lib)
        // --lib roots come before the Measures/ ancestor.
        let rooted = try write("libroot/lib/common.measure", Self.library)
        XCTAssertEqual(try lookup(workspace(libraryRoots: [path("libroot")]), "lib/common", from: measure, tried: &tried), rooted)
    }

    func testLibraryNotFoundListsWhatWasTried() throws {
        let measure = try write("repo/Measures/ecqm/m.measure", "measure M\n")
        let root = path("libs")
        var tried: [String] = []
        XCTAssertNil(try lookup(workspace(libraryRoots: [root]), "lib/nope", from: measure, tried: &tried))
        XCTAssertEqual(tried, [
            path("repo/Measures/ecqm/lib/nope.measure"),
            path("libs/lib/nope.measure"),
            path("repo/Measures/lib/nope.measure"),
        ])
    }

    func testLibraryNotFoundDiagnosticThroughCompile() throws {
        let measure = try write("proj/m.measure", """
            library M "Uses a missing library"
            use "lib/nope"
            define x = 1
            """)
        let result = workspace(libraryRoots: [path("libs")]).compile(try source(measure))
        XCTAssertNil(result.program)
        let d = try XCTUnwrap(result.diagnostics.first { $0.code == "library-not-found" }, rendered(result))
        XCTAssertEqual(d.file, measure)
        XCTAssertEqual(d.range.lowerBound.line, 2)
        XCTAssertTrue(d.message.contains("lib/nope"), d.message)
        let hint = try XCTUnwrap(d.hint)
        XCTAssertTrue(hint.contains(path("proj/lib/nope.measure")), hint)
        XCTAssertTrue(hint.contains(path("libs/lib/nope.measure")), hint)
    }

    func testRelativePathsStayRelative() throws {
        // Run from the temporary folder so paths are relative, as on a command line.
        let previous = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        try write("Measures/ecqm/m.measure", "measure M\n")
        let lib = try write("Measures/lib/common.measure", Self.library)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(dir))
        let ws = workspace()
        var tried: [String] = []
        XCTAssertEqual(try lookup(ws, "../lib/common", from: "Measures/ecqm/m.measure", tried: &tried), "Measures/lib/common.measure")
        XCTAssertEqual(try lookup(ws, "lib/common", from: "Measures/ecqm/m.measure", tried: &tried), "Measures/lib/common.measure")
        XCTAssertTrue(FileManager.default.fileExists(atPath: lib))
        // A file in the current folder: its folder is "" and the candidate is "./x" normalized.
        try write("top.measure", "measure Top\n")
        XCTAssertNil(try lookup(ws, "x", from: "top.measure", tried: &tried))
        XCTAssertEqual(tried, ["x.measure"])
    }

    // MARK: Compiling

    static let smallMeasure = """
        measure Small "A small measure"
          scoring proportion
          basis member

        use "lib/shared"

        parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]

        valueset Diabetes = "2.16.840.1.113883.3.464.1003.103.12.1001"
        code HbA1c = loinc "4548-4"

        define diabetes =
          conditions as c
            where c.code in Diabetes

        define hba1c_tests =
          observations as o
            where o.code ~ HbA1c
              and o.status in ["final", "amended", "corrected"]

        population initial = exists diabetes and one = 1
        population denominator = initial
        population numerator = exists hba1c_tests
        """

    func testCompileSmallMeasureAgainstCanonicalSchema() throws {
        let measure = try write("small/m.measure", Self.smallMeasure)
        try write("small/lib/shared.measure", Self.library)
        var store = ValueSetStore()
        store.add(ValueSetDefinition(url: "urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001",
                                     codes: [Code(system: "http://snomed.info/sct", code: "44054006")]))
        let result = workspace(valueSets: store).compile(try source(measure))
        XCTAssertEqual(result.diagnostics.count, 0, rendered(result))
        let program = try XCTUnwrap(result.program)
        XCTAssertEqual(program.info.name, "Small")
        XCTAssertEqual(program.info.scoring, "proportion")
        XCTAssertEqual(program.populations.map(\.name), ["initial", "denominator", "numerator"])
        XCTAssertEqual(Set(result.sources.map(\.path)), [measure, path("small/lib/shared.measure")])
        XCTAssertEqual(program.valueSets.first?.codes, ["http://snomed.info/sct|44054006"])
    }

    func testAliasedLibraryFunctionsAndTheMeasuresParameterDefault() throws {
        try write("q/lib/util.measure", """
            library Util "Helpers"
            parameter period = interval[@2020-01-01T00:00:00.000Z, @2020-12-31T23:59:59.999Z]
            function twice(x: Integer) = x * 2
            define period_year = year(start of period)
            """)
        let measure = try write("q/m.measure", """
            library Q "Uses Util with an alias"
            use "lib/util" as U
            parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
            define four = U.twice(2)
            define year_seen_by_library = U.period_year
            define wrong = U.thrice(2)
            """)
        let result = workspace().compile(try source(measure))
        // `U.thrice` does not exist: the error names the library and suggests `twice`.
        XCTAssertEqual(result.diagnostics.map(\.code), ["unknown-function"], rendered(result))
        XCTAssertEqual(result.diagnostics.first?.hint, "did you mean 'twice'?")

        try write("q/m.measure", """
            library Q "Uses Util with an alias"
            use "lib/util" as U
            parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
            define four = U.twice(2)
            define year_seen_by_library = U.period_year
            """)
        let clean = workspace().compile(try source(measure))
        let program = try XCTUnwrap(clean.program, rendered(clean))
        let ctx = program.evaluation(member: nil)
        XCTAssertEqual(ctx.value(of: "four")?.description, "4")
        // The measure's parameter default wins over the library's, whatever the order of lines.
        XCTAssertEqual(ctx.value(of: "year_seen_by_library")?.description, "2025")
    }

    func testUnknownFieldOfCanonicalSchemaIsAnError() throws {
        let measure = try write("m.measure", """
            library Bad "A field the canonical schema does not have"
            define x = encounters as e where e.diagnosis_codes is not null
            """)
        let result = workspace().compile(try source(measure))
        XCTAssertNil(result.program)
        XCTAssertTrue(result.diagnostics.contains { $0.severity == .error && $0.message.contains("diagnosis_codes") }, rendered(result))
    }

    func testValueSetNotLoadedWhenOthersAreGivesUnknownValueSet() throws {
        let measure = try write("small/m.measure", Self.smallMeasure)
        try write("small/lib/shared.measure", Self.library)
        var store = ValueSetStore()
        store.add(ValueSetDefinition(url: "urn:oid:1.2.3", codes: [Code(system: "http://loinc.org", code: "1")]))
        let result = workspace(valueSets: store).compile(try source(measure))
        XCTAssertNil(result.program)
        let errors = result.diagnostics.filter { $0.severity == .error }
        XCTAssertEqual(errors.map(\.code), ["unknown-valueset"], rendered(result))
        let d = try XCTUnwrap(errors.first)
        XCTAssertTrue(d.message.contains("Diabetes"), d.message)
        XCTAssertTrue(d.message.contains("2.16.840.1.113883.3.464.1003.103.12.1001"), d.message)
        XCTAssertEqual(d.file, measure)
        XCTAssertEqual(d.range.lowerBound.line, 9)

        // With no value sets loaded at all, references are not checked.
        let unchecked = workspace().compile(try source(measure))
        XCTAssertEqual(unchecked.diagnostics.count, 0, rendered(unchecked))
        XCTAssertNotNil(unchecked.program)
    }

    // MARK: The repository's measures

    /// The repository root: this file is Tests/TallyEngineTests/WorkspaceTests.swift.
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testRepositoryMeasuresCompileWithSharedValueSets() throws {
        let valueSets = Self.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/ecqm/valuesets").path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: valueSets, isDirectory: &isDir), isDir.boolValue else {
            throw XCTSkip("no shared value sets at \(valueSets)")
        }
        let registry = PluginRegistry(plugins: [ValueSetsPlugin()])
        let teamLists = Self.repoRoot.appendingPathComponent("Measures/valuesets").path
        let (store, vsErrors) = ValueSetStore.load(directories: [valueSets, teamLists], sources: registry.valueSetSources.map(\.source))
        XCTAssertEqual(vsErrors.map(\.description), [])
        XCTAssertFalse(store.isEmpty)

        let (files, missing) = MeasureWorkspace.measureFiles([Self.repoRoot.appendingPathComponent("Measures").path])
        XCTAssertEqual(missing, [])
        XCTAssertFalse(files.isEmpty)
        let ws = MeasureWorkspace(functions: registry.functionTable, valueSets: store)
        for file in files {
            let result = ws.compile(try source(file))
            let errors = result.diagnostics.filter { $0.severity == .error }
            XCTAssertEqual(errors.count, 0, "\(file):\n" + rendered(result))
            XCTAssertNotNil(result.program, file)
        }
    }
}
