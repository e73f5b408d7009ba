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

    func run(registry: PluginRegistry) throws {
        let panel = try data.load(path, registry)
        writeOut(renderLoadSummary(panel, path: path))
    }
}
