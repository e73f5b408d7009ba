import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct TestCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run measure test cases and report each failure.",
        discussion: """
            With PATH..., runs the hand-written test files (*.tests.yaml, see docs/testing.md) given, or \
            found under the folders given. With --cases DIR --measure FILE, runs test cases laid out as \
            MADiE exports them: a folder per case with the patient's FHIR resources and a MeasureReport \
            of expected populations. Each failure names the case, member, population, expected and actual \
            value, with the explain tree of the populations that differ. Ends with "N passed, N failed"; \
            exits 1 when any case fails (a test file that cannot be read counts as one failed case), \
            2 on usage errors. --coverage reports the clauses no case made both true and false.
            """
    )

    @Argument(help: ArgumentHelp("Test files (*.tests.yaml), or folders searched for them.", valueName: "PATH"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("A folder of exported test cases (one folder per case), with --measure.", valueName: "DIR"))
    var cases: String?

    @Option(help: ArgumentHelp("The measure the exported cases of --cases test.", valueName: "FILE"))
    var measure: String?

    @Flag(help: "Report the defines and the clauses of and/or/not/if/case/where that no case made both true and false.")
    var coverage = false

    @Option(name: .customLong("coverage-html"), help: ArgumentHelp("Also write clause coverage as an HTML page of the measures' source.", valueName: "FILE"))
    var coverageHTML: String?

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func validate() throws {
        if !paths.isEmpty, cases != nil || measure != nil {
            throw ValidationError("give test files or folders (PATH...), or --cases DIR --measure FILE, not both")
        }
        if paths.isEmpty, cases == nil, measure == nil {
            throw ValidationError("give test files or folders (PATH...), or --cases DIR --measure FILE")
        }
        if (cases == nil) != (measure == nil) {
            throw ValidationError("--cases and --measure go together")
        }
    }

    /// What a run found, across files.
    final class Counts {
        var passed = 0
        var failed = 0
    }

    func run(registry: PluginRegistry) throws {
        let recorder = coverage || coverageHTML != nil ? CoverageRecorder() : nil
        let tally = Counts()
        if let cases, let measure {
            try runExported(cases: cases, measure: measure, registry, recorder, tally)
        } else {
            try runFiles(registry, recorder, tally)
        }
        if let recorder {
            let report = CoverageReport(recorder: recorder)
            if coverage { writeOut(report.text) }
            if let path = coverageHTML {
                do {
                    try Data(report.html.utf8).write(to: URL(fileURLWithPath: path))
                } catch {
                    throw usageError("cannot write \(path): \(error.localizedDescription)")
                }
            }
        }
        writeOut("\(tally.passed) passed, \(tally.failed) failed\n")
        if tally.failed > 0 { throw ExitCode(ExitStatus.measureErrors) }
    }

    // MARK: Hand-written test files

    func testFiles(_ registry: PluginRegistry) throws -> [(path: String, reader: any TestFileReader)] {
        let readers = registry.testFileReaders.map(\.reader)
        guard !readers.isEmpty else { throw usageError("this tally has no test-file reader plugin") }
        var found: [(String, any TestFileReader)] = []
        var seen = Set<String>()
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw usageError("no such file or folder: \(p)") }
            let candidates = isDir.boolValue ? filesUnder(p) : [p]
            var any = false
            for f in candidates {
                guard let reader = readers.first(where: { $0.canRead(path: f) }) else { continue }
                any = true
                if seen.insert(tidy(f)).inserted { found.append((tidy(f), reader)) }
            }
            if !any {
                throw usageError(isDir.boolValue ? "no test files (*.tests.yaml) under \(p)" : "\(p) is not a test file (*.tests.yaml)")
            }
        }
        return found
    }

    func runFiles(_ registry: PluginRegistry, _ recorder: CoverageRecorder?, _ tally: Counts) throws {
        let files = try testFiles(registry)
        let (workspace, valueSetErrors) = try options.workspace(registry)
        for e in valueSetErrors { writeErr("\(e): error\n") }
        let commandLinePeriod = try options.periodValue() != nil
        var stores: [[String]: ValueSetStore] = [:]
        var evaluators: [String: MeasureEvaluator?] = [:]
        for (path, reader) in files {
            let file: TestFile
            do {
                file = try reader.read(path: path)
            } catch {
                writeErr("\(error)\n")
                writeOut("FAIL \(path): the test file cannot be read (see the error above)\n")
                tally.failed += 1
                continue
            }
            var ws = workspace
            if !file.valueSetPaths.isEmpty {
                let dirs = options.valueSetPaths + file.valueSetPaths
                if stores[dirs] == nil {
                    let (store, errors) = ValueSetStore.load(directories: dirs, sources: registry.valueSetSources.map(\.source))
                    for e in errors { writeErr("\(e): error\n") }
                    stores[dirs] = store
                }
                ws.valueSets = stores[dirs]!
            }
            if let p = file.period, !commandLinePeriod { ws.parameterValues["period"] = p }
            let key = "\(file.measurePath)|\(ws.parameterValues["period"]?.description ?? "")|\(file.valueSetPaths.joined(separator: ","))"
            if evaluators[key] == nil {
                evaluators[key] = compile(file.measurePath, ws, recorder)
            }
            guard let evaluator = evaluators[key]! else {
                writeOut("FAIL \(path):\(file.measureLocation): the measure \(file.measurePath) does not compile (see the errors above); \(file.cases.count) case\(file.cases.count == 1 ? "" : "s") not run\n")
                tally.failed += max(1, file.cases.count)
                continue
            }
            for c in file.cases {
                if let failure = check(c, evaluator) {
                    writeOut("FAIL \(path):\(c.location): case \"\(c.name)\", member \(Panel.id(of: c.member))\n" + failure)
                    tally.failed += 1
                } else {
                    tally.passed += 1
                }
            }
        }
    }

    /// Compiles a measure (with the coverage recorder, if any); prints diagnostics and returns
    /// nil when it does not compile.
    func compile(_ path: String, _ ws: MeasureWorkspace, _ recorder: CoverageRecorder?) -> MeasureEvaluator? {
        guard let source = MeasureWorkspace.readSource(path) else {
            writeErr("error: cannot read \(path)\n")
            return nil
        }
        let input = CompilationInput(file: source, schema: CanonicalSchema.schema, functions: ws.functions, valueSets: ws.valueSets,
                                     parameterValues: ws.parameterValues, loadLibrary: ws.findLibrary, coverage: recorder)
        let result = Compilation.compile(input)
        guard let program = result.program else {
            writeErr(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
            return nil
        }
        return MeasureEvaluator(program: program)
    }

    /// The failure report of a case, or nil when every expectation holds.
    func check(_ c: TestFileCase, _ evaluator: MeasureEvaluator) -> String? {
        let evaluation = evaluator.evaluate(c.member)
        var out = ""
        var differing: [PopulationKind] = []
        for (kind, expectation, location) in c.expected {
            let count = evaluation.subjects.filter { $0.populations[kind] }.count
            if expectation.holds(count: count) { continue }
            differing.append(kind)
            let actual: String
            switch expectation {
            case .member: actual = evaluator.isEpisodeBasis ? "\(count > 0) (\(count) episode\(count == 1 ? "" : "s"))" : "\(count > 0)"
            case .count: actual = String(count)
            }
            out += "  population \(kind.rawValue): expected \(expectation), got \(actual) (line \(location.line))\n"
        }
        let program = evaluator.program
        for d in c.defines {
            guard let i = program.defineIndex(d.name) else {
                let names = program.defines.map(\.name)
                out += "  define \(d.name): no such define in \(evaluator.name)"
                    + (closestName(to: d.name, in: names).map { "; did you mean '\($0)'?" } ?? "") + " (line \(d.location.line))\n"
                continue
            }
            let actual = defineValue(i, program, c.member)
            if d.expected.matches(actual) { continue }
            out += "  define \(d.name): expected \(d.expected), got \(render(actual, program.schema)) (line \(d.location.line))\n"
        }
        if out.isEmpty { return nil }
        for e in evaluation.errors { out += "  evaluation error: \(e)\n" }
        if !differing.isEmpty {
            let tree = Explanation(evaluator: evaluator, member: c.member, populations: differing).text
            out += "  why:\n" + tree.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "    \($0)\n" }.joined()
        }
        return out
    }

    /// A define's value for a member; for a define that reads `episode`, the list of its values,
    /// one per episode.
    func defineValue(_ i: Int, _ program: Program, _ member: Record) -> Value {
        let ctx = program.evaluation(member: member)
        guard program.defines[i].dependsOnEpisode, let episodes = program.info.episodesDefine else { return ctx.value(ofDefine: i) }
        var values: [Value] = []
        for e in ctx.value(ofDefine: episodes).asList {
            ctx.setEpisode(e)
            values.append(ctx.value(ofDefine: i))
        }
        return .list(values)
    }

    /// A value as a failure message shows it: records by kind, id, date and code.
    func render(_ v: Value, _ schema: RecordSchema) -> String {
        switch v {
        case .record(let r): return Explanation.describe(r, schema)
        case .list(let xs) where xs.contains(where: { $0.asRecord != nil }):
            let shown = xs.prefix(5).map { render($0, schema) }.joined(separator: "; ")
            return "\(xs.count) item\(xs.count == 1 ? "" : "s")" + (xs.isEmpty ? "" : " (\(shown)\(xs.count > 5 ? "; ..." : ""))")
        case .list(let xs): return xs.count == 1 ? "[\(render(xs[0], schema))] (1 item)" : "[" + xs.map { render($0, schema) }.joined(separator: ", ") + "] (\(xs.count) items)"
        default: return v.description
        }
    }

    // MARK: MADiE exports

    func runExported(cases: String, measure: String, _ registry: PluginRegistry, _ recorder: CoverageRecorder?, _ tally: Counts) throws {
        guard FileManager.default.fileExists(atPath: cases) else { throw usageError("no such folder: \(cases)") }
        guard let source = registry.testCaseSources.first(where: { $0.source.canRead(directory: cases) })?.source else {
            throw usageError("no test cases found in \(cases)")
        }
        let found = try source.cases(in: cases)
        guard FileManager.default.isReadableFile(atPath: measure) else { throw usageError("cannot read \(measure)") }
        let (workspace, valueSetErrors) = try options.workspace(registry)
        for e in valueSetErrors { writeErr("\(e): error\n") }
        var programs: [String: MeasureEvaluator] = [:]
        for c in found {
            let evaluator = try compile(measure, for: c, workspace, recorder, &programs)
            let panel = try dataOptions.load(c.dataPath, registry)
            var actual: [PopulationKind: Int] = [:]
            for m in panel.members {
                for s in evaluator.evaluate(m).subjects {
                    for (k, v) in s.populations.flags where v { actual[k, default: 0] += 1 }
                }
            }
            let mismatches = c.expected.keys.sorted { $0.rawValue < $1.rawValue }.filter { (actual[$0] ?? 0) != c.expected[$0] }
            if mismatches.isEmpty && panel.report.rejections.isEmpty {
                tally.passed += 1
                continue
            }
            tally.failed += 1
            writeOut("FAIL \(c.name)\n")
            for k in mismatches { writeOut("  \(k.rawValue): expected \(c.expected[k]!), got \(actual[k] ?? 0)\n") }
            for r in panel.report.rejections { writeOut("  rejected input: \(r)\n") }
            if !mismatches.isEmpty, panel.members.count == 1 {
                let tree = Explanation(evaluator: evaluator, member: panel.members[0], populations: mismatches).text
                writeOut("  why:\n" + tree.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "    \($0)\n" }.joined())
            }
        }
    }

    /// Compiles the measure for the case's period (once per distinct period).
    func compile(_ measure: String, for c: ExpectedCase, _ workspace: MeasureWorkspace, _ recorder: CoverageRecorder?,
                 _ cache: inout [String: MeasureEvaluator]) throws -> MeasureEvaluator {
        let key = "\(c.periodStart ?? "")/\(c.periodEnd ?? "")"
        if let e = cache[key] { return e }
        var ws = workspace
        if let s = c.periodStart, let e = c.periodEnd, options.period == nil, options.periodStart == nil,
           case .success(let start) = Temporal.parse(s), case .success(let end) = Temporal.parse(e) {
            ws.parameterValues["period"] = .interval(Temporal.wholeDays(start, end))
        }
        guard let e = compile(measure, ws, recorder) else { throw ExitCode(ExitStatus.measureErrors) }
        cache[key] = e
        return e
    }
}

/// A path without `./` components, as the test files and libraries report it.
func tidy(_ path: String) -> String {
    var p = path
    while p.hasPrefix("./") { p.removeFirst(2) }
    return p.replacingOccurrences(of: "/./", with: "/")
}
