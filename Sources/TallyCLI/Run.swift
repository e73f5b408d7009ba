import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct Run: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate measures over a panel and write reports.",
        discussion: """
            Give the measures with --measures PATH... or a suite with --suite FILE. Reports are written \
            atomically into --out; without --out the text summary goes to standard output. Member-level \
            reports and care-gap worklists hold PHI: they are written only with --member-level, with mode 0600. \
            Exit codes: 0 success, 1 measure errors, 2 usage errors, 3 data errors under --strict.
            """
    )

    @Argument(help: ArgumentHelp("The panel folder or file.", valueName: "DATA"))
    var data: String

    @Option(name: .customLong("measures"), parsing: .upToNextOption, help: ArgumentHelp("Measure files or folders.", valueName: "PATH"))
    var measures: [String] = []

    @Option(help: ArgumentHelp("A suite file naming measures, period, filters and targets.", valueName: "FILE"))
    var suite: String?

    @Option(name: .customLong("format"), help: "Report format (text, json, csv, fhir, html). Repeatable; default text.")
    var formats: [String] = []

    @Option(help: ArgumentHelp("Folder for report files; without it the text report goes to standard output.", valueName: "DIR"))
    var out: String?

    @Flag(name: .customLong("member-level"), help: "Also write member-level results and care-gap worklists (PHI).")
    var memberLevel = false

    @Option(help: ArgumentHelp("Evaluate only shard i of n (members by id hash) and write a partial result into --out for `tally merge`.", valueName: "i/n"))
    var shard: String?

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print load and evaluation times (thread-seconds), wall time and time per member-measure on standard error.")
    var timings = false

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func validate() throws {
        if measures.isEmpty && suite == nil { throw ValidationError("give the measures to run with --measures PATH... or --suite FILE") }
        if !measures.isEmpty && suite != nil { throw ValidationError("give --measures or --suite, not both") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let shard {
            guard Shard(shard) != nil else { throw ValidationError("--shard must be i/n with 1 ≤ i ≤ n, such as 2/8; not '\(shard)'") }
            if out == nil { throw ValidationError("--shard writes a partial result: give --out DIR") }
            if memberLevel { throw ValidationError("--member-level cannot be combined with --shard: merge gives summary reports") }
        }
    }

    func run(registry: PluginRegistry) throws {
        let reporters = try resolveReporters(formats, registry)
        let suiteFile = try suite.map(loadSuite)
        var options = self.options
        if let s = suiteFile {
            options.valueSetPaths = s.valueSets + options.valueSetPaths
            if options.period == nil, options.periodStart == nil, let p = s.period {
                options.periodStart = p.start.truncated(to: .day).description
                options.periodEnd = p.end.truncated(to: .day).description
            }
        }
        let evaluators = try compileMeasures(suiteFile?.measures.map(\.path) ?? measures, options, registry)
        let shardSpec = shard.flatMap(Shard.init)
        let clock = RunClock()
        let collected = PartResults()
        let progress = ProgressBar(total: nil)
        // Parts (of a large panel) are loaded and evaluated as they come, so only a few parts are
        // in memory at once; their summaries merge into the same result whatever the parts.
        let fields = Self.memberFields(read: evaluators, suite: suiteFile, memberLevel: memberLevel)
        let tests = LoadOptions.recordTests(for: evaluators.map(\.program), memberFields: fields,
                                            runReads: Self.fieldsReadByTheRun(suite: suiteFile, memberLevel: memberLevel))
        let loadReport = try dataOptions.loadParts(data, registry, jobs: jobs, memberFields: fields, recordTests: tests) { [memberLevel, jobs] part in
            var members = part.members
            if let s = suiteFile { members = members.filter(s.includes) }
            if let shardSpec { members = members.filter { shardSpec.contains(Panel.id(of: $0)) } }
            // The total is known for a panel in one part; with several, it is estimated from the
            // parts that have arrived (parts are of about the same size).
            progress?.expect(collected.expected(adding: members.count, of: part.of, attempt: part.attempt))
            let threadStart = RunClock.threadSeconds(), processStart = RunClock.processSeconds()
            let before = collected.membersDone
            let (s, k) = PanelRunner(jobs: part.concurrent ? 1 : jobs).run(
                evaluators, on: members, keepMembers: memberLevel,
                progress: progress.map { bar in { bar.update(before + $0) } })
            // A part evaluated on its own thread costs that thread's time; one evaluated on every
            // thread (while nothing else runs) costs the process's.
            let cost = part.concurrent ? RunClock.threadSeconds() - threadStart : RunClock.processSeconds() - processStart
            collected.add(part.index, attempt: part.attempt, summaries: s, evaluations: k, members: memberLevel ? members : [], count: members.count, seconds: cost)
            progress?.update(collected.membersDone)
        }
        progress?.finish()
        let (summariesRun, memberResults, members) = collected.merged(evaluators)
        if timings { writeErr(clock.report(evaluateSeconds: collected.evaluateSeconds, members: collected.membersDone, measures: evaluators.count)) }
        var summaries = summariesRun
        // Contract targets in the suite override the measures' own.
        for m in suiteFile?.measures ?? [] where m.target != nil {
            if let j = evaluators.firstIndex(where: { $0.program.info.file == m.path }) { summaries[j].target = m.target }
        }
        // The period reports show: the one given, else the default the measures share.
        let shared = Set(evaluators.compactMap { e in e.program.parameters.first { $0.name == "period" }.map { periodText($0.value) } })
        let period = try options.periodValue().map(periodText) ?? (shared.count == 1 ? shared.first : nil)
        if let shardSpec, let out {
            let partial = PartialResult(shard: shardSpec, period: period, summaries: summaries, load: loadReport)
            try writeReport(ReportFile(name: PartialResult.fileName, contents: try encodeJSON(partial)), into: out)
            return
        }
        var result = RunResult(summaries: summaries, load: loadReport, period: period)
        if memberLevel {
            result.members = memberResults
            result.gaps = evaluators.indices.filter { evaluators[$0].scoring == "proportion" }.map { i in
                CareGapList(evaluator: evaluators[i], summary: summaries[i], evaluations: memberResults[i], members: members,
                            program: suiteFile?.attributionProgram)
            }
        }
        try writeReports(result, reporters, out: out)
    }

    /// The member fields a run reads: the measures' own, the enrollments of a suite's member
    /// filters and the attributions of care-gap worklists; nil when a measure reads the member
    /// as a whole. Input that fills none of them need not be read.
    static func memberFields(read evaluators: [MeasureEvaluator], suite: Suite?, memberLevel: Bool) -> Set<String>? {
        var fields: Set<String> = []
        for e in evaluators {
            guard let read = e.program.memberFieldsRead else { return nil }
            fields.formUnion(read)
        }
        return fields.union(fieldsReadByTheRun(suite: suite, memberLevel: memberLevel))
    }

    /// The member fields the run reads for itself, whole: the enrollments of a suite's member
    /// filters and the attributions of care-gap worklists.
    static func fieldsReadByTheRun(suite: Suite?, memberLevel: Bool) -> Set<String> {
        var fields: Set<String> = []
        if let suite, !suite.filters.isEmpty { fields.insert("enrollments") }
        if memberLevel { fields.insert("attributions") }
        return fields
    }

    func loadSuite(_ path: String) throws -> Suite {
        guard let source = MeasureWorkspace.readSource(path) else { throw usageError("cannot read suite \(path)") }
        let (suite, diagnostics) = Suite.parse(source)
        guard let suite else {
            writeErr(DiagnosticRenderer(sources: [source]).render(diagnostics))
            throw ExitCode(ExitStatus.usage)
        }
        return suite
    }

    /// Compiles every measure file; libraries (files without scoring) are not run.
    func compileMeasures(_ paths: [String], _ options: MeasureOptions, _ registry: PluginRegistry) throws -> [MeasureEvaluator] {
        let (files, missing) = MeasureWorkspace.measureFiles(paths)
        if let m = missing.first { throw usageError("no such file or folder: \(m)") }
        let (workspace, valueSetErrors) = try options.workspace(registry)
        for e in valueSetErrors { writeErr("\(e)\n") }
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
        if evaluators.isEmpty { throw usageError("no measures (only libraries) in " + paths.joined(separator: ", ")) }
        return evaluators.sorted { $0.name < $1.name }
    }
}

struct Merge: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the partial results of `tally run --shard i/n` into the reports of the whole run."
    )

    @Argument(help: ArgumentHelp("Folders holding partial results, one per shard.", valueName: "PARTIAL_DIR"))
    var partials: [String]

    @Option(help: ArgumentHelp("Folder for the merged reports.", valueName: "DIR"))
    var out: String?

    @Option(name: .customLong("format"), help: "Report format (text, json, csv, fhir, html). Repeatable; default text.")
    var formats: [String] = []

    func run(registry: PluginRegistry) throws {
        let reporters = try resolveReporters(formats, registry)
        let decoder = JSONDecoder()
        let parts = try partials.map { dir -> PartialResult in
            let path = (dir as NSString).appendingPathComponent(PartialResult.fileName)
            guard let data = FileManager.default.contents(atPath: path) else { throw usageError("no partial result at \(path)") }
            do { return try decoder.decode(PartialResult.self, from: data) } catch {
                throw usageError("\(path) is not a partial result of this version of tally")
            }
        }
        switch PartialResult.merge(parts) {
        case .success(let result): try writeReports(result, reporters, out: out)
        case .failure(let e): throw usageError(e.message)
        }
    }
}

func resolveReporters(_ formats: [String], _ registry: PluginRegistry) throws -> [any Reporter] {
    try (formats.isEmpty ? ["text"] : formats).map { f in
        guard let r = registry.reporters.first(where: { $0.reporter.format == f })?.reporter else {
            throw usageError("unknown --format '\(f)' (known: \(registry.reporters.map(\.reporter.format).joined(separator: ", ")))")
        }
        return r
    }
}

/// Writes every report into `out`, or the text report to standard output without `out`.
func writeReports(_ result: RunResult, _ reporters: [any Reporter], out: String?) throws {
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

/// `2025-01-01..2025-12-31` for a whole-day period.
func periodText(_ v: Value) -> String {
    guard case .interval(let i) = v, let s = i.low.asTemporal, let e = i.high.asTemporal else { return v.plainText }
    return s.truncated(to: .day).description + ".." + e.truncated(to: .day).description
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
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
