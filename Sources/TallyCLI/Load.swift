import ArgumentParser
import Foundation
import TallyEngine

struct Load: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a panel and print what was read and what was rejected.",
        discussion: "Exits 0 after a lenient load (rejections are counted and listed), 3 at the first rejection under --strict."
    )

    @Argument(help: ArgumentHelp("A panel folder or file (claims CSV folder, FHIR bundle, folder or NDJSON).", valueName: "DATA"))
    var path: String

    @OptionGroup var data: DataOptions

    @Option(help: "Worker threads for panels loaded in parts (default: all cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func run(registry: PluginRegistry) throws {
        // Counted part by part, so a panel larger than memory can be checked too.
        let members = MemberCount()
        let report = try data.loadParts(path, registry, jobs: max(1, jobs)) { part in members.add(part.members.count, attempt: part.attempt) }
        writeOut(renderLoadSummary(report, members: members.total, path: path))
    }
}

/// Members counted over the parts of the load's last attempt (`PanelPart.attempt`).
private final class MemberCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var attempt = 0
    func add(_ n: Int, attempt a: Int) {
        lock.withLock {
            if a > attempt { (attempt, count) = (a, 0) }
            count += n
        }
    }
    var total: Int { lock.withLock { count } }
}
