/// A loader that can also write its format from any other loader's panel (`tally import`): the
/// panel is read once, written in this format, and later commands load the written file instead.
///
/// A writer is found among the registry's loaders (`PluginRegistry.panelWriters`), so a plugin
/// registers it once, with `add(loader:from:)`, and it both reads and writes its format.
public protocol PanelWriter: PanelLoader {
    /// Reads `source` with `loader` (part by part through `loadParts`, on up to `jobs` threads,
    /// without holding the whole panel in memory) and writes it to `output`, replacing any file
    /// there only once the new one is complete. Under `options.strict` the source's first
    /// rejection is thrown and nothing is written.
    func write(source: String, loader: any PanelLoader, options: LoadOptions, jobs: Int,
               to output: String) throws -> PanelWriteSummary
}

/// What `PanelWriter.write` wrote.
public struct PanelWriteSummary: Sendable, Equatable {
    public var members: Int
    /// Records in the members' lists (encounters, conditions, claims, ...), as a load counts them.
    public var records: Int
    public var rejected: Int
    /// The size of the written file.
    public var bytes: Int

    public init(members: Int, records: Int, rejected: Int, bytes: Int) {
        self.members = members
        self.records = records
        self.rejected = rejected
        self.bytes = bytes
    }
}

extension PluginRegistry {
    /// The loaders that can also write their format, in registration order.
    public var panelWriters: [(plugin: String, writer: any PanelWriter)] {
        loaders.compactMap { entry in (entry.loader as? any PanelWriter).map { (entry.plugin, $0) } }
    }
}
