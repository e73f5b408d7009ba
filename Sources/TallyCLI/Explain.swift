import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

struct ExplainCommand: RegistryCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a member is in or out of each population, definition by definition."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: ArgumentHelp("The measure file.", valueName: "MEASURE"))
    var measure: String

    @Argument(help: ArgumentHelp("The member id.", valueName: "MEMBER"))
    var member: String

    @Option(help: ArgumentHelp("The panel holding the member.", valueName: "DIR"))
    var data: String

    @Option(help: "Output format: text (a tree) or json.")
    var format: Format = .text

    @OptionGroup var options: MeasureOptions
    @OptionGroup var dataOptions: DataOptions

    func run(registry: PluginRegistry) throws {
        guard let file = MeasureWorkspace.readSource(measure) else { throw usageError("cannot read \(measure)") }
        let (workspace, _) = try options.workspace(registry)
        let result = workspace.compile(file)
        guard let program = result.program else {
            writeErr(DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
            throw ExitCode(ExitStatus.measureErrors)
        }
        let panel = try dataOptions.load(data, registry)
        guard let record = panel.members.first(where: { Panel.id(of: $0) == member }) else {
            let ids = panel.members.prefix(2000).map(Panel.id(of:))
            throw usageError("no member '\(member)' in \(data)" + (closestName(to: member, in: ids).map { "; did you mean '\($0)'?" } ?? ""))
        }
        let explanation = Explanation(evaluator: MeasureEvaluator(program: program), member: record)
        switch format {
        case .text: writeOut(explanation.text)
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            writeOut(String(decoding: try encoder.encode(explanation), as: UTF8.self) + "\n")
        }
    }
}
