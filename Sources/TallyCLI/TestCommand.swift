import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct TestCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run measure test cases and report each failure.",
        discussion: """
            With --cases DIR --measure FILE, runs test cases laid out as MADiE exports them: a folder per \
            case with the patient's FHIR resources and a MeasureReport of expected populations. \
            Ends with "N passed, N failed"; exits 1 when any case fails.
            """
    )

    @Option(help: ArgumentHelp("A folder of exported test cases (one folder per case).", valueName: "DIR"))
    var cases: String

    @Option(help: ArgumentHelp("The measure the cases test.", valueName: "FILE"))
    var measure: String

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func run(registry: PluginRegistry) throws {
        guard FileManager.default.fileExists(atPath: cases) else { throw usageError("no such folder: \(cases)") }
        guard let source = registry.testCaseSources.first(where: { $0.source.canRead(directory: cases) })?.source else {
            throw usageError("no test cases found in \(cases)")
        }
        let found = try source.cases(in: cases)
        guard let file = MeasureWorkspace.readSource(measure) else { throw usageError("cannot read \(measure)") }
        let (workspace, valueSetErrors) = try options.workspace(registry)
        for e in valueSetErrors { writeErr("\(e): error\n") }
        var programs: [String: MeasureEvaluator] = [:]
        var passed = 0, failed = 0
        for c in found {
            let evaluator = try compile(file, for: c, workspace, &programs)
            let panel = try dataOptions.load(c.dataPath, registry)
            var actual: [PopulationKind: Int] = [:]
            for m in panel.members {
                for s in evaluator.evaluate(m).subjects {
                    for (k, v) in s.populations.flags where v { actual[k, default: 0] += 1 }
                }
            }
            let mismatches = c.expected.keys.sorted { $0.rawValue < $1.rawValue }.filter { (actual[$0] ?? 0) != c.expected[$0] }
            if mismatches.isEmpty && panel.report.rejections.isEmpty {
                passed += 1
                continue
            }
            failed += 1
            writeOut("FAIL \(c.name)\n")
            for k in mismatches { writeOut("  \(k.rawValue): expected \(c.expected[k]!), got \(actual[k] ?? 0)\n") }
            for r in panel.report.rejections { writeOut("  rejected input: \(r)\n") }
        }
        writeOut("\(passed) passed, \(failed) failed\n")
        if failed > 0 { throw ExitCode(ExitStatus.measureErrors) }
    }

    /// Compiles the measure for the case's period (once per distinct period).
    func compile(_ file: SourceFile, for c: ExpectedCase, _ workspace: MeasureWorkspace,
                 _ cache: inout [String: MeasureEvaluator]) throws -> MeasureEvaluator {
        let key = "\(c.periodStart ?? "")/\(c.periodEnd ?? "")"
        if let e = cache[key] { return e }
        var ws = workspace
        if let s = c.periodStart, let e = c.periodEnd, options.period == nil, options.periodStart == nil,
           case .success(let start) = Temporal.parse(s), case .success(let end) = Temporal.parse(e) {
            let p = end.parts
            ws.parameterValues["period"] = .interval(IntervalValue(
                low: .temporal(Temporal(year: start.parts.year, month: start.parts.month, day: start.parts.day)),
                high: .temporal(Temporal(year: p.year, month: p.month, day: p.day, hour: 23, minute: 59, second: 59, millisecond: 999))))
        }
        let result = ws.compile(file)
        guard let program = result.program else {
            writeErr(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
            throw ExitCode(ExitStatus.measureErrors)
        }
        let e = MeasureEvaluator(program: program)
        cache[key] = e
        return e
    }
}
