import ArgumentParser
import Foundation
import TallyEngine

/// The `tally` command as a library: build your own `tally` with extra plugins in a few lines.
///
///     import TallyCLI
///     TallyCommandLine.main(plugins: [ValueSetsPlugin(), MyPlugin()])
public enum TallyCommandLine {
    /// Parses the arguments, runs the command with a registry filled from `plugins`, and exits
    /// with Tally's exit codes: 0 success, 1 measure errors, 2 usage errors, 3 data errors.
    public static func main(plugins: [any TallyPlugin], arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Never {
        let registry = PluginRegistry(plugins: plugins)
        do {
            var command = try Tally.parseAsRoot(arguments)
            if let c = command as? RegistryCommand {
                try c.run(registry: registry)
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = Tally.exitCode(for: error)
            let message = Tally.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            // ArgumentParser reports usage problems as EX_USAGE (64); Tally's usage code is 2.
            exit(code.rawValue == ExitCode.validationFailure.rawValue ? ExitStatus.usage : code.rawValue)
        }
    }
}

/// Tally's exit codes.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let measureErrors: Int32 = 1
    public static let usage: Int32 = 2
    public static let dataErrors: Int32 = 3
}

/// A command that needs the plugins.
protocol RegistryCommand: ParsableCommand {
    func run(registry: PluginRegistry) throws
}

extension RegistryCommand {
    func run() throws {
        throw ValidationError("this command needs the plugin registry; run it through TallyCommandLine.main")
    }
}

struct Tally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Tally: a measure engine for value-based care.",
        discussion: "Write quality and cost measures as text, check them, and evaluate them over member records.",
        version: "0.1.0",
        subcommands: [Check.self, Run.self, Merge.self, TestCommand.self, ExplainCommand.self, Load.self, Import.self, Synth.self, ListPlugins.self, Repl.self],
        defaultSubcommand: Repl.self
    )
}

/// Writes text to standard output without buffering surprises between stdout and stderr.
func writeOut(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}

func writeErr(_ s: String) {
    FileHandle.standardError.write(Data(s.utf8))
}

/// Reports a usage problem found while running (a path that does not exist, say) and gives
/// the exit code to throw: the message points at the offending argument.
func usageError(_ message: String) -> ExitCode {
    writeErr("Error: \(message)\n")
    return ExitCode(ExitStatus.usage)
}
