import TallyLanguage

/// One open care gap: a member who counts against a proportion measure and could be closed.
public struct CareGap: Sendable, Codable, Equatable {
    public var measure: String
    public var member: String
    public var episode: String?
    public var provider: String?
    public var practice: String?
    /// What would close the gap (the measure's `gap` metadata).
    public var action: String?
    /// The date by which it must close: the end of the measurement period.
    public var due: String?
}

/// The worklist of a proportion measure, and how many gaps must close to reach its target.
public struct CareGapList: Sendable, Codable, Equatable {
    public var measure: String
    public var gaps: [CareGap]
    /// Gaps to close to reach the target (nil without a target); 0 when the target is met.
    public var membersToTarget: Int?

    /// Members in the denominator, not excluded, without an exception and not in the numerator
    /// (for an inverse measure, `improvement decrease`, those *in* the numerator), with the
    /// provider and practice they are attributed to under `program` (the latest attribution).
    public init(evaluator: MeasureEvaluator, summary: MeasureSummary, evaluations: [MemberEvaluation], members: [Record],
                program: String? = nil) {
        measure = evaluator.name
        let inverse = evaluator.program.info.improvement == "decrease"
        let due = evaluator.program.parameters.first { $0.name == "period" }.flatMap { p -> String? in
            if case .interval(let i) = p.value, let end = i.high.asTemporal { return end.truncated(to: .day).description }
            return nil
        }
        var gaps: [CareGap] = []
        for (evaluation, member) in zip(evaluations, members) {
            let open = evaluation.subjects.filter { s in
                let p = s.populations
                guard p[.denominator], !p[.denominatorExclusion], !p[.denominatorException] else { return false }
                return inverse ? p[.numerator] && !p[.numeratorExclusion] : !p[.numerator]
            }
            guard !open.isEmpty else { continue }
            let (provider, practice) = CareGapList.attribution(of: member, program: program)
            for s in open {
                gaps.append(CareGap(measure: measure, member: evaluation.memberID, episode: s.episodeID, provider: provider,
                                    practice: practice, action: evaluator.program.info.gapAction, due: due))
            }
        }
        self.gaps = gaps
        membersToTarget = CareGapList.toTarget(summary, inverse: inverse)
    }

    static func toTarget(_ s: MeasureSummary, inverse: Bool) -> Int? {
        guard s.scoring == "proportion", let target = s.target else { return nil }
        let eligible = s.count(.denominator) - s.count(.denominatorExclusion) - s.count(.denominatorException)
        let met = s.count(.numerator) - s.count(.numeratorExclusion)
        guard eligible > 0 else { return 0 }
        if inverse {
            let allowed = Int((target * Double(eligible) + 1e-9).rounded(.down))
            return max(0, met - allowed)
        }
        let needed = Int((target * Double(eligible) - 1e-9).rounded(.up))
        return max(0, needed - met)
    }

    /// The provider and practice of the member's latest attribution (by start), within a program.
    static func attribution(of member: Record, program: String?) -> (String?, String?) {
        let schema = CanonicalSchema.self
        let list = member.fields[schema.slot("Member", "attributions")].asList.compactMap(\.asRecord).filter { a in
            program == nil || a.fields[schema.slot("Attribution", "program")].asString == program
        }
        let latest = list.max { a, b in
            let x = startOf(a.fields[schema.slot("Attribution", "period")]), y = startOf(b.fields[schema.slot("Attribution", "period")])
            return x < y
        }
        guard let a = latest else { return (nil, nil) }
        return (a.fields[schema.slot("Attribution", "provider")].asString, a.fields[schema.slot("Attribution", "practice")].asString)
    }

    static func startOf(_ v: Value) -> Int64 {
        if case .interval(let i) = v, let t = i.low.asTemporal { return t.millis }
        return .min
    }
}
