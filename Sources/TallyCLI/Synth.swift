import ArgumentParser
import Foundation
import TallyEngine

struct Synth: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a realistic synthetic panel (the same seed gives the same bytes)."
    )

    @Option(help: "Number of members.")
    var members: Int

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Output folder (created when missing).", valueName: "DIR"))
    var out: String

    @Option(help: "Output format: csv (claims CSV, Tuva input layer) or fhir (bulk NDJSON).")
    var format: String = "csv"

    func validate() throws {
        guard members > 0 else { throw ValidationError("--members must be at least 1") }
    }

    func run(registry: PluginRegistry) throws {
        guard let generator = registry.generators.first(where: { $0.generator.formats.contains(format) })?.generator else {
            let known = registry.generators.flatMap(\.generator.formats)
            throw usageError("no generator writes '\(format)' (known: \(known.joined(separator: ", ")))")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let result = try generator.generate(members: members, seed: seed, format: format, directory: out)
        writeOut("wrote \(result.members) members to \(out): \(result.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))\n")
    }
}
