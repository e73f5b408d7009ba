import ArgumentParser
import Foundation
import TallyEngine

struct Import: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a panel once and write it to a binary panel cache that loads much faster.",
        discussion: """
            Every command that reads a panel (run, test, load, explain, repl) takes the cache file as DATA. \
            The cache records the size and modification time of each source file and is refused once one \
            changes: re-run `tally import` then. It holds PHI and is written with mode 0600. \
            Exit codes: 0 success, 2 usage errors, 3 data errors (a rejection under --strict, a source that changed while read).
            """
    )

    @Argument(help: ArgumentHelp("The panel folder or file to read (claims CSV folder, FHIR bundle, folder or NDJSON).", valueName: "DATA"))
    var path: String

    @Option(help: ArgumentHelp("The cache file to write; replaced only once the new one is complete.", valueName: "FILE"))
    var out: String

    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var data: DataOptions

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run(registry: PluginRegistry) throws {
        guard let writer = registry.panelWriters.first?.writer else {
            throw usageError("none of the plugins writes panel caches")
        }
        var isDir: ObjCBool = false
        let folder = (out as NSString).deletingLastPathComponent
        if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) && isDir.boolValue) {
            throw usageError("--out: no such folder: \(folder)")
        }
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), isDir.boolValue {
            throw usageError("--out: \(out) is a folder; give the cache file's name")
        }
        let loader = try data.loader(path, registry)
        let start = Date()
        let summary: PanelWriteSummary
        do {
            summary = try writer.write(source: path, loader: loader, options: data.loadOptions, jobs: jobs, to: out)
        } catch let r as Rejection {
            writeErr("error: \(r)\n")
            throw ExitCode(ExitStatus.dataErrors)
        }
        let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
        writeOut("imported \(path) into \(out): \(summary.members) members, \(summary.records) records, "
                 + "\(summary.rejected) rejected, \(summary.bytes) bytes, \(seconds) s\n")
    }
}
