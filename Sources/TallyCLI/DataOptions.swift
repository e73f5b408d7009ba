import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

/// Options of every command that reads a panel.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("input-format"), help: ArgumentHelp("The panel's format (claims-csv, fhir, ...); detected when omitted.", valueName: "FORMAT"))
    var inputFormat: String?

    @Flag(help: "Stop at the first rejected row or resource (exit code 3) instead of skipping and counting it.")
    var strict = false

    @Option(name: .customLong("part-size"), help: ArgumentHelp("Load large panels in parts of about this many megabytes of input (less memory at once; default 32).", valueName: "MB"))
    var partSize: Int?

    var loadOptions: LoadOptions { LoadOptions(strict: strict, partSize: partSize.map { max(1, $0) << 20 }) }

    /// Loads a panel with the registry's loaders; rejections under `--strict` exit with code 3.
    func load(_ path: String, _ registry: PluginRegistry) throws -> Panel {
        let loader = try self.loader(path, registry)
        return try reportingRejections { try loader.load(path: path, options: loadOptions) }
    }

    /// Loads a panel part by part (see `PanelLoader.loadParts`); returns the whole load's report.
    /// `memberFields` names the member fields the run reads (nil: all); the loader may skip
    /// input that fills none of them, and leave out the records `recordTests` fail.
    func loadParts(_ path: String, _ registry: PluginRegistry, jobs: Int, memberFields: Set<String>? = nil,
                   recordTests: [String: RecordTest] = [:],
                   body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let loader = try self.loader(path, registry)
        var options = loadOptions
        options.memberFields = memberFields
        options.recordTests = recordTests
        return try reportingRejections { [options] in try loader.loadParts(path: path, options: options, jobs: jobs, body: body) }
    }

    /// The loader for a path: the one `--input-format` names, else the first that recognises it.
    func loader(_ path: String, _ registry: PluginRegistry) throws -> any PanelLoader {
        guard FileManager.default.fileExists(atPath: path) else { throw usageError("no such file or folder: \(path)") }
        guard let loader = registry.loader(format: inputFormat, path: path) else {
            let formats = registry.loaders.map(\.loader.format).joined(separator: ", ")
            if let f = inputFormat { throw usageError("unknown --input-format '\(f)' (known: \(formats))") }
            throw usageError("cannot tell the format of \(path); give --input-format (one of: \(formats))")
        }
        return loader
    }

    func validate() throws {
        if let p = partSize, p < 1 { throw ValidationError("--part-size must be at least 1 (megabytes)") }
    }
}

/// Prints a rejection thrown under `--strict` (or a data error such as a stale cache) and exits with code 3.
private func reportingRejections<T>(_ load: () throws -> T) throws -> T {
    do {
        return try load()
    } catch let r as Rejection {
        writeErr("error: \(r)\n")
        throw ExitCode(ExitStatus.dataErrors)
    }
}

/// The load summary people read: members, records by kind, rejections by reason with the
/// first few places.
func renderLoadSummary(_ r: LoadReport, members: Int, path: String, shown: Int = 20) -> String {
    var out = "\(path): \(members) member\(members == 1 ? "" : "s")\n"
    for (kind, count) in r.records.sorted(by: { $0.key < $1.key }) where kind != "Member" {
        out += "  \(kind.padding(toLength: 28, withPad: " ", startingAt: 0)) \(count)\n"
    }
    if r.rejections.isEmpty {
        out += "rejected: 0\n"
    } else {
        out += "rejected: \(r.rejections.count)\n"
        for (reason, count) in r.rejectedByReason {
            out += "  \(reason.padding(toLength: 28, withPad: " ", startingAt: 0)) \(count)\n"
        }
        for rejection in r.rejections.prefix(shown) { out += "  \(rejection)\n" }
        if r.rejections.count > shown { out += "  ... and \(r.rejections.count - shown) more\n" }
    }
    return out
}
