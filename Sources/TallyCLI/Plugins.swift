import ArgumentParser
import Foundation
import TallyEngine

struct ListPlugins: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the plugins and what each provides."
    )

    func run(registry: PluginRegistry) throws {
        var out = ""
        for p in registry.plugins {
            out += "\(p.name): \(p.summary)\n"
            for l in registry.loaders where l.plugin == p.name { out += "  loader      \(l.loader.format)\n" }
            for v in registry.valueSetSources where v.plugin == p.name { out += "  value sets  \(v.source.format)\n" }
            for g in registry.generators where g.plugin == p.name { out += "  generator   \(g.generator.formats.joined(separator: ", "))\n" }
            for r in registry.reporters where r.plugin == p.name { out += "  reporter    \(r.reporter.format)\n" }
            for t in registry.testCaseSources where t.plugin == p.name { out += "  test cases  \(t.source.format)\n" }
            for t in registry.testFileReaders where t.plugin == p.name { out += "  test files  \(t.reader.format)\n" }
            for f in registry.functions where f.plugin == p.name { out += "  function    \(f.definition.signature)\n" }
        }
        writeOut(out)
    }
}
