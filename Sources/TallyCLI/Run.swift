import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct Run: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate measures over a panel and write reports.",
        discussion: "Exit codes: 0 success, 1 measure errors, 2 usage errors, 3 data errors under --strict."
    )

    @Argument(help: ArgumentHelp("The panel folder or file.", valueName: "DATA"))
    var data: String

    @Option(name: .customLong("measures"), parsing: .upToNextOption, help: ArgumentHelp("Measure files or folders.", valueName: "PATH"))
    var measures: [String] = []

    @Option(name: .customLong("format"), help: "Report format (text, json, ...). Repeatable; default text.")
    var formats: [String] = []

    @Option(help: ArgumentHelp("Folder for report files; without it the text report goes to standard output.", valueName: "DIR"))
    var out: String?

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func validate() throws {
        if measures.isEmpty { throw ValidationError("give the measures to run with --measures PATH...") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run(registry: PluginRegistry) throws {
        let formats = self.formats.isEmpty ? ["text"] : self.formats
        let reporters = try formats.map { f -> any Reporter in
            guard let r = registry.reporters.first(where: { $0.reporter.format == f })?.reporter else {
                throw usageError("unknown --format '\(f)' (known: \(registry.reporters.map(\.reporter.format).joined(separator: ", ")))")
            }
            return r
        }
        let evaluators = try compileMeasures(registry)
        let panel = try dataOptions.load(data, registry)
        let runner = PanelRunner(jobs: jobs)
        let (summaries, _) = runner.run(evaluators, on: panel.members)
        let period = try options.periodValue().map { $0.plainText }
        let result = RunResult(summaries: summaries, load: panel.report, period: period)
        for reporter in reporters {
            for file in reporter.render(result) {
                if let out {
                    try writeReport(file, into: out)
                } else if reporter.format == "text" {
                    writeOut(file.contents)
                } else {
                    throw usageError("--format \(reporter.format) writes files: give --out DIR")
                }
            }
        }
    }

    /// Compiles every measure file; libraries (files without scoring) are not run.
    func compileMeasures(_ registry: PluginRegistry) throws -> [MeasureEvaluator] {
        let (files, missing) = MeasureWorkspace.measureFiles(measures)
        if let m = missing.first { throw usageError("no such file or folder: \(m)") }
        let (workspace, valueSetErrors) = try options.workspace(registry)
        for e in valueSetErrors { writeErr("\(e): error\n") }
        var evaluators: [MeasureEvaluator] = []
        var failed = false
        for path in files {
            guard let source = MeasureWorkspace.readSource(path) else { throw usageError("cannot read \(path)") }
            let result = workspace.compile(source)
            if result.diagnostics.hasErrors {
                writeErr(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
                failed = true
                continue
            }
            if let p = result.program, !p.info.isLibrary { evaluators.append(MeasureEvaluator(program: p)) }
        }
        if failed || !valueSetErrors.isEmpty { throw ExitCode(ExitStatus.measureErrors) }
        if evaluators.isEmpty { throw usageError("no measures (only libraries) in " + measures.joined(separator: ", ")) }
        return evaluators.sorted { $0.name < $1.name }
    }
}

/// Writes a report atomically (a temporary file, then rename), PHI files with mode 0600.
func writeReport(_ file: ReportFile, into dir: String) throws {
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = (dir as NSString).appendingPathComponent(file.name)
    let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    let attributes: [FileAttributeKey: Any]? = file.containsPHI ? [.posixPermissions: 0o600] : nil
    guard FileManager.default.createFile(atPath: temporary, contents: Data(file.contents.utf8), attributes: attributes) else {
        throw usageError("cannot write \(temporary)")
    }
    if rename(temporary, path) != 0 { throw usageError("cannot write \(path)") }
}
