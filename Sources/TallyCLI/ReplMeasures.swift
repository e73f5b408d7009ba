import Foundation
import TallyEngine
import TallyLanguage

/// `.run`, `.gaps` and `.explain`: loaded measures over the panel or one member.
struct ReplMeasureCommands {
    let session: ReplSession

    // MARK: .run

    /// Population counts per measure, in the text reporter's table (or the JSON reporter's
    /// document in json mode).
    func run(_ evaluators: [MeasureEvaluator]) throws -> String {
        guard let panel = session.panel else {
            throw ReplError("no panel is loaded", hint: "load one with .data DIR (or start with --data DIR)")
        }
        let members = session.member.map { [$0] } ?? panel.members
        let partials = try ReplQueryRunner.parallel(count: members.count) { range -> [MeasureSummary] in
            var s = evaluators.map(MeasureSummary.init)
            for i in range {
                if ReplInterrupt.isSet { break }
                for (k, e) in evaluators.enumerated() { s[k].add(e.evaluate(members[i])) }
            }
            return s
        }
        var summaries = evaluators.map(MeasureSummary.init)
        for p in partials { for k in summaries.indices { summaries[k].merge(p[k]) } }
        var load = panel.report
        if session.member != nil { load.records = ["Member": 1] }
        let period = try session.options.periodValue().map { $0.plainText }
        let result = RunResult(summaries: summaries, load: load, period: period)
        let format = session.mode == .json ? "json" : "text"
        if let reporter = session.registry.reporters.first(where: { $0.reporter.format == format })?.reporter {
            return reporter.render(result).map(\.contents).joined()
        }
        // Without a reporter plugin: a plain table.
        var t = ReplTable(columns: ["measure", "initial", "denominator", "numerator", "rate"],
                          formats: [.plain, .plain, .plain, .plain, .percent])
        for s in summaries {
            t.rows.append([.string(s.measure), .integer(s.count(.initial)), .integer(s.count(.denominator)),
                           .integer(s.count(.numerator)), s.rate.map { .decimal($0) } ?? .null])
        }
        return session.renderer.render(t)
    }

    // MARK: .gaps

    /// Care gaps, as `tally run` lists them (`CareGapList`): members in the denominator, not
    /// excluded and without an exception, who are not in the numerator (in it, for measures
    /// where lower is better), with the provider and practice they are attributed to.
    func gaps(_ m: ReplMeasure, provider: String?) throws -> ReplTable {
        guard m.evaluator.scoring == "proportion" || m.evaluator.scoring == "ratio" else {
            throw ReplError("\(m.name) is a \(m.evaluator.scoring) measure: care gaps need a proportion or ratio measure")
        }
        guard let panel = session.panel else {
            throw ReplError("no panel is loaded", hint: "load one with .data DIR (or start with --data DIR)")
        }
        let members = session.member.map { [$0] } ?? panel.members
        let evaluator = m.evaluator
        let partials = try ReplQueryRunner.parallel(count: members.count) { range -> (MeasureSummary, [MemberEvaluation]) in
            var summary = MeasureSummary(evaluator)
            var evaluations: [MemberEvaluation] = []
            for i in range {
                if ReplInterrupt.isSet { break }
                let e = evaluator.evaluate(members[i])
                summary.add(e)
                evaluations.append(e)
            }
            return (summary, evaluations)
        }
        var summary = MeasureSummary(evaluator)
        for p in partials { summary.merge(p.0) }
        let list = CareGapList(evaluator: evaluator, summary: summary, evaluations: partials.flatMap(\.1), members: members)
        let gaps = list.gaps.filter { g in provider == nil || g.provider == provider || g.practice == provider }
        let episodes = evaluator.isEpisodeBasis
        var t = ReplTable(columns: ["member"] + (episodes ? ["episode"] : []) + ["provider", "practice"])
        for g in gaps {
            t.rows.append([.string(g.member)] + (episodes ? [g.episode.map { .string($0) } ?? .null] : [])
                          + [g.provider.map { .string($0) } ?? .null, g.practice.map { .string($0) } ?? .null])
        }
        if session.mode == .table || session.mode == .line {
            let inverse = m.program.info.improvement == "decrease"
            let eligible = summary.count(.denominator) - summary.count(.denominatorExclusion) - summary.count(.denominatorException)
            var note = "\(gaps.count) gap\(gaps.count == 1 ? "" : "s")" + (provider.map { " for \($0)" } ?? "")
                + " (\(inverse ? "in the numerator; lower is better" : "not in the numerator")) of \(eligible) in the denominator, not excluded"
            if provider == nil, let toTarget = list.membersToTarget, let target = summary.target {
                note += "; \(toTarget == 0 ? "target \(ReplRenderer.percent(target)) met" : "close \(toTarget) to reach the target \(ReplRenderer.percent(target))")"
            }
            t.notes.append(note)
        }
        return t
    }

    // MARK: .explain

    /// Why a member is in or out of each population: the engine's explanation tree (as
    /// `tally explain` prints it).
    func explain(_ m: ReplMeasure, member: Record) -> String {
        Explanation(evaluator: m.evaluator, member: member).text
    }
}
