import Foundation
import TallyEngine
import TallyLanguage

/// The binary panel cache: `tally import DATA --out FILE` writes a loaded panel to one compact
/// file, and every command that reads a panel takes that file as DATA, loading it many times
/// faster than the source. See docs/panel-cache.md for the format and its checks.
public struct PanelCachePlugin: TallyPlugin {
    public init() {}
    public var name: String { "panel-cache" }
    public var summary: String { "binary panel cache files (tally import): memory-mapped, checksummed, refused when stale" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(loader: PanelCacheLoader(), from: name)
    }
}

/// Reads (and, through `PanelWriter`, writes) panel cache files.
///
/// A cache is refused, with a `Rejection`, when a source file it was written from has changed or
/// gone, or when the file is not a cache, of another format version, truncated or corrupt; it is
/// never silently used.
public struct PanelCacheLoader: PanelWriter {
    /// Members per block written (tests use small blocks to get many).
    let membersPerBlock: Int

    public init() { membersPerBlock = CacheFormat.membersPerBlock }

    init(membersPerBlock: Int) { self.membersPerBlock = max(1, membersPerBlock) }

    public var format: String { "tally-panel" }

    /// A regular file that starts with the cache magic.
    public func canLoad(path: String) -> Bool { CacheFile.hasMagic(path) }

    /// Decodes every block (on every core) into one panel, members sorted by id as loaders give them.
    /// Lists of records in member fields outside `options.memberFields` are left out (null).
    public func load(path: String, options: LoadOptions) throws -> Panel {
        let cache = try open(path, options)
        let slots = Slots<(members: [Record], leftOut: [String: Int])>(count: cache.blocks.count)
        try Parallel.forEach(cache.blocks.count, threads: ProcessInfo.processInfo.activeProcessorCount) { i in
            let members = try cache.members(ofBlock: i, reading: options.memberFields)
            slots.set(i, (members, options.leaveOut(of: members)))
        }
        var members: [Record] = []
        members.reserveCapacity(Int(cache.header.memberCount))
        var report = cache.meta.report
        for block in slots.take() {
            members += block?.members ?? []
            report.moveToLeftOut(block?.leftOut ?? [:])
        }
        return Panel(members: Panel.idOrder(members).map { $0.map { members[$0] } } ?? members, report: report)
    }

    /// One part per block, in block (member) order, decoded on up to `jobs` threads; each thread
    /// holds one decoded block at a time. Returns the load report stored in the cache.
    public func loadParts(path: String, options: LoadOptions, jobs: Int,
                          body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let cache = try open(path, options)
        let count = cache.blocks.count
        if count == 0 {
            try body(PanelPart(index: 0, of: 1, members: [], concurrent: false))
            return cache.meta.report
        }
        let threads = max(1, min(jobs, count))
        let leftOut = Slots<[String: Int]>(count: count)
        try Parallel.forEach(count, threads: threads) { i in
            let members = try cache.members(ofBlock: i, reading: options.memberFields)
            leftOut.set(i, options.leaveOut(of: members))
            try body(PanelPart(index: i, of: count, members: members, concurrent: threads > 1))
        }
        var report = cache.meta.report
        for counts in leftOut.take() { report.moveToLeftOut(counts ?? [:]) }
        return report
    }

    /// Opens and checks a cache. Under `strict`, a cache written from a lenient load that
    /// rejected input throws the first rejection, as loading the source strictly would.
    private func open(_ path: String, _ options: LoadOptions) throws -> CacheFile {
        let cache = try CacheFile(path: path)
        try cache.checkSources()
        if options.strict, let first = cache.meta.report.rejections.first { throw first }
        return cache
    }

    public func write(source: String, loader: any PanelLoader, options: LoadOptions, jobs: Int,
                      to output: String) throws -> PanelWriteSummary {
        try PanelImport(loader: loader, membersPerBlock: membersPerBlock).run(source: source, options: options, jobs: jobs, output: output)
    }
}
