import Dispatch
import TallyLanguage

/// Evaluates measures over a panel, member-parallel. Members are split into fixed chunks and the
/// chunks' summaries merged in order, so results do not depend on the number of threads.
public struct PanelRunner: Sendable {
    public var jobs: Int

    public init(jobs: Int) { self.jobs = max(1, jobs) }

    /// Summaries per measure, and (when `keepMembers`) every member's evaluation per measure.
    /// `progress` is called (from worker threads) with the number of members done so far.
    public func run(_ measures: [MeasureEvaluator], on members: [Record], keepMembers: Bool = false,
                    progress: (@Sendable (Int) -> Void)? = nil)
        -> (summaries: [MeasureSummary], members: [[MemberEvaluation]]) {
        let chunkSize = 512
        let chunks = (members.count + chunkSize - 1) / chunkSize
        let partials = Partials(count: chunks)
        // Defines with the same meaning in several measures (their copies of the libraries) are
        // evaluated once per member: each chunk's worker keeps its own store of their values.
        let shared = SharedDefines(measures.map(\.program))
        let slots = measures.indices.map { shared.slots(ofProgram: $0) }
        let work = { (c: Int) in
            var tallies = measures.map(SummaryTally.init)
            var kept: [[MemberEvaluation]] = measures.map { _ in [] }
            let store = SharedDefineValues(shared)
            // One context per measure for the chunk, reset per member (no allocation per member).
            let contexts = measures.indices.map { measures[$0].context(sharing: (slots[$0], store)) }
            for m in members[(c * chunkSize)..<min(members.count, (c + 1) * chunkSize)] {
                store.clear()
                for (i, e) in measures.enumerated() {
                    guard keepMembers else {
                        // Counted as evaluated: no subject results built for a summary.
                        e.tally(m, reusing: contexts[i], into: &tallies[i])
                        continue
                    }
                    let r = e.evaluate(m, reusing: contexts[i], supplemental: true)
                    tallies[i].add(r)
                    kept[i].append(r)
                }
            }
            let done = partials.set(c, (tallies.map { $0.finished() }, kept), members: min(members.count, (c + 1) * chunkSize) - c * chunkSize)
            progress?(done)
        }
        if jobs == 1 || chunks <= 1 {
            for c in 0..<chunks { work(c) }
        } else {
            let queue = DispatchQueue(label: "tally.run", attributes: .concurrent)
            let group = DispatchGroup()
            let semaphore = DispatchSemaphore(value: jobs)
            for c in 0..<chunks {
                semaphore.wait()
                queue.async(group: group) {
                    work(c)
                    semaphore.signal()
                }
            }
            group.wait()
        }
        var summaries = measures.map(MeasureSummary.init)
        var kept: [[MemberEvaluation]] = measures.map { _ in [] }
        for c in 0..<chunks {
            let (s, k) = partials.get(c)
            for i in measures.indices {
                summaries[i].merge(s[i])
                kept[i] += k[i]
            }
        }
        for i in summaries.indices { summaries[i].sortObservations() }
        return (summaries, kept)
    }
}

/// Per-chunk results written by worker threads, each slot by one chunk only.
final class Partials: @unchecked Sendable {
    private var slots: [([MeasureSummary], [[MemberEvaluation]])?]
    private var membersDone = 0
    private let lock = DispatchSemaphore(value: 1)
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    /// Stores a chunk's results; returns the members done so far.
    func set(_ i: Int, _ v: ([MeasureSummary], [[MemberEvaluation]]), members: Int) -> Int {
        lock.wait()
        slots[i] = v
        membersDone += members
        let done = membersDone
        lock.signal()
        return done
    }
    func get(_ i: Int) -> ([MeasureSummary], [[MemberEvaluation]]) { slots[i]! }
}
