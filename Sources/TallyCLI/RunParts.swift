#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TallyEngine
import TallyLanguage

/// The results of a panel's parts as they are evaluated (from several threads), merged in part
/// order at the end.
final class PartResults: @unchecked Sendable {
    private struct Part {
        var summaries: [MeasureSummary]
        var evaluations: [[MemberEvaluation]]
        var members: [Record]
    }

    private var parts: [Int: Part] = [:]
    private let lock = NSLock()
    private var done = 0
    private var seconds = 0.0

    private var arrived = 0
    private var arrivedMembers = 0
    /// The load's attempt the parts gathered so far belong to (`PanelPart.attempt`).
    private var attempt = 0

    /// Notes a part's members as it arrives; returns the members the run is expected to evaluate
    /// (exact once every part has arrived). A part of a later attempt drops the earlier parts.
    func expected(adding members: Int, of parts: Int, attempt: Int) -> Int {
        lock.withLock {
            startAttempt(attempt)
            arrived += 1
            arrivedMembers += members
            return arrivedMembers * parts / arrived
        }
    }

    /// Members evaluated so far.
    var membersDone: Int { lock.withLock { done } }
    /// Time spent evaluating, summed over the threads that did it.
    var evaluateSeconds: Double { lock.withLock { seconds } }

    func add(_ index: Int, attempt: Int, summaries: [MeasureSummary], evaluations: [[MemberEvaluation]], members: [Record], count: Int, seconds: Double) {
        lock.withLock {
            startAttempt(attempt)
            parts[index] = Part(summaries: summaries, evaluations: evaluations, members: members)
            done += count
            self.seconds += seconds
        }
    }

    /// Drops the parts of earlier attempts (their evaluation time stays counted: it was spent).
    private func startAttempt(_ a: Int) {
        guard a > attempt else { return }
        attempt = a
        parts = [:]
        done = 0
        arrived = 0
        arrivedMembers = 0
    }

    /// Summaries merged in part order; member evaluations and members (kept only for member-level
    /// reports) in member id order, as a panel loaded whole has them.
    func merged(_ evaluators: [MeasureEvaluator]) -> (summaries: [MeasureSummary], evaluations: [[MemberEvaluation]], members: [Record]) {
        var summaries = evaluators.map(MeasureSummary.init)
        var evaluations: [[MemberEvaluation]] = evaluators.map { _ in [] }
        var members: [Record] = []
        for index in parts.keys.sorted() {
            let part = parts[index]!
            for i in summaries.indices { summaries[i].merge(part.summaries[i]) }
            for i in evaluations.indices { evaluations[i] += part.evaluations[i] }
            members += part.members
        }
        for i in summaries.indices { summaries[i].sortObservations() }
        if let order = Panel.idOrder(members) {
            members = order.map { members[$0] }
            evaluations = evaluations.map { e in e.isEmpty ? e : order.map { e[$0] } }
        }
        return (summaries, evaluations, members)
    }
}

/// Wall and CPU time of a run, for `--timings`.
struct RunClock {
    private let wallStart = Date()
    private let cpuStart = RunClock.processSeconds()

    /// CPU time of the whole process (user and system, every thread).
    static func processSeconds() -> Double { cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) }

    /// CPU time of the calling thread.
    static func threadSeconds() -> Double { cpuSeconds(CLOCK_THREAD_CPUTIME_ID) }

    private static func cpuSeconds(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// One line: load and evaluation thread-seconds (load is the rest of the CPU time: reading,
    /// parsing, building records), wall seconds, and evaluation time per member-measure.
    func report(evaluateSeconds: Double, members: Int, measures: Int) -> String {
        let cpu = RunClock.processSeconds() - cpuStart
        let wall = Date().timeIntervalSince(wallStart)
        let perMemberMeasure = members * measures > 0 ? evaluateSeconds / Double(members * measures) * 1e6 : 0
        return String(format: "timings: load %.3f s, evaluate %.3f s, wall %.3f s, members %d, measures %d, per member-measure %.3f us\n",
                      max(0, cpu - evaluateSeconds), evaluateSeconds, wall, members, measures, perMemberMeasure)
    }
}
