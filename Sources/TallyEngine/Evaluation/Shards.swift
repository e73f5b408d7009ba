import TallyLanguage

/// Splitting a panel across machines: a member belongs to shard `i` of `n` when the FNV-1a hash
/// of its id, modulo `n`, is `i - 1`. The hash is fixed, so every machine agrees.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// Parses `i/n` with 1 ≤ i ≤ n.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i
        count = n
    }

    public func contains(_ memberID: String) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in memberID.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return Int(h % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}

/// What a shard writes for `tally merge`: its summaries and the load report. Every shard reads
/// the whole panel, so their load reports agree and the merge keeps one.
public struct PartialResult: Sendable, Codable, Equatable {
    public static let fileName = "partial.json"
    public var format = 1
    public var shard: String
    public var period: String?
    public var summaries: [MeasureSummary]
    public var load: LoadReport

    public init(shard: Shard, period: String?, summaries: [MeasureSummary], load: LoadReport) {
        self.shard = shard.description
        self.period = period
        self.summaries = summaries
        self.load = load
    }

    /// Merges the partials of every shard of one run; nil with a reason when they do not fit.
    public static func merge(_ parts: [PartialResult]) -> Result<RunResult, MergeError> {
        guard let first = parts.first else { return .failure(MergeError(message: "no partial results")) }
        let shards = parts.map(\.shard)
        let count = Int(first.shard.split(separator: "/").last ?? "") ?? 0
        let expected = (1...max(1, count)).map { "\($0)/\(count)" }
        guard Set(shards) == Set(expected), shards.count == expected.count else {
            let missing = Set(expected).subtracting(shards).sorted()
            return .failure(MergeError(message: "partials do not cover every shard once: have \(shards.sorted().joined(separator: ", "))"
                                        + (missing.isEmpty ? "" : "; missing \(missing.joined(separator: ", "))")))
        }
        for p in parts where p.period != first.period || p.summaries.map(\.measure) != first.summaries.map(\.measure) {
            return .failure(MergeError(message: "shard \(p.shard) ran different measures or a different period"))
        }
        for p in parts where p.load != first.load {
            return .failure(MergeError(message: "shard \(p.shard) read different data (its load report differs)"))
        }
        var summaries = first.summaries.map(\.emptied)
        for p in parts.sorted(by: { $0.shard < $1.shard }) {
            for i in summaries.indices { summaries[i].merge(p.summaries[i]) }
        }
        for i in summaries.indices { summaries[i].sortObservations() }
        return .success(RunResult(summaries: summaries, load: first.load, period: first.period))
    }
}

public struct MergeError: Error, Sendable {
    public var message: String
}
