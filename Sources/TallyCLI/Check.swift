import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct Check: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile measures and libraries and print every diagnostic.",
        discussion: "Exits 0 when every file is clean, 1 when any has errors, 2 on usage errors."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: ArgumentHelp("Measure files or folders (searched for *.measure).", valueName: "PATH"))
    var paths: [String]

    @Option(help: "Output format: text or json (for editors).")
    var format: Format = .text

    @OptionGroup var options: MeasureOptions

    func run(registry: PluginRegistry) throws {
        let (files, missing) = MeasureWorkspace.measureFiles(paths)
        if let m = missing.first { throw usageError("no such file or folder: \(m)") }
        if files.isEmpty { throw usageError("no .measure files found in " + paths.joined(separator: ", ")) }
        let (workspace, valueSetErrors) = try options.workspace(registry)
        var diagnostics: [Diagnostic] = []
        var seen = Set<Diagnostic>()
        var sources: [String: SourceFile] = [:]
        for path in files {
            guard let source = MeasureWorkspace.readSource(path) else { throw usageError("cannot read \(path)") }
            let result = workspace.compile(source)
            for s in result.sources { sources[s.path] = s }
            for d in result.diagnostics where seen.insert(d).inserted { diagnostics.append(d) }
        }
        let errors = diagnostics.filter { $0.severity == .error }.count + valueSetErrors.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        switch format {
        case .text:
            for e in valueSetErrors { writeOut("\(e.file)\(e.line.map { ":\($0)" } ?? ""): error: \(e.reason)\n") }
            writeOut(DiagnosticRenderer(sources: Array(sources.values)).render(diagnostics))
            writeOut("\(files.count) file\(files.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n")
        case .json:
            writeOut(DiagnosticJSON.render(diagnostics, valueSetErrors: valueSetErrors, files: files.count))
        }
        if errors > 0 { throw ExitCode(ExitStatus.measureErrors) }
    }
}

/// Diagnostics as JSON for editors: 1-based lines, columns in UTF-8 bytes, end exclusive.
enum DiagnosticJSON {
    struct Entry: Encodable {
        var file: String
        var line: Int
        var column: Int
        var endLine: Int
        var endColumn: Int
        var severity: String
        var code: String
        var message: String
        var hint: String?
    }

    struct Report: Encodable {
        var files: Int
        var errors: Int
        var warnings: Int
        var diagnostics: [Entry]
    }

    static func render(_ ds: [Diagnostic], valueSetErrors: [ValueSetError], files: Int) -> String {
        var entries = valueSetErrors.map {
            Entry(file: $0.file, line: $0.line ?? 1, column: 1, endLine: $0.line ?? 1, endColumn: 1, severity: "error",
                  code: "valueset-file", message: $0.reason, hint: nil)
        }
        entries += ds.map {
            Entry(file: $0.file, line: $0.range.lowerBound.line, column: $0.range.lowerBound.column,
                  endLine: $0.range.upperBound.line, endColumn: $0.range.upperBound.column,
                  severity: $0.severity.rawValue, code: $0.code, message: $0.message, hint: $0.hint)
        }
        let report = Report(files: files, errors: entries.filter { $0.severity == "error" }.count,
                            warnings: entries.filter { $0.severity == "warning" }.count, diagnostics: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
