import TallyLanguage

/// A compiled measure ready to evaluate: the program plus where each population, stratifier,
/// supplemental and observation lives in it.
public struct MeasureEvaluator: Sendable {
    public let program: Program
    public let scoring: String
    /// `scoring` as the cascade reads it.
    let scoringKind: ScoringKind
    public let populations: [(kind: PopulationKind, define: Int)]
    public let stratifiers: [(name: String, define: Int)]
    public let supplementals: [(name: String, define: Int)]
    public let observations: [(name: String, define: Int, aggregate: PopulationAggregate)]
    /// The define of each population kind by ordinal, -1 where the measure has none.
    let populationDefines: [Int]
    /// Every stratifier and observation with a null value: what a subject outside gets.
    let nullStrata: [(name: String, value: Value)]
    let nullObservations: [(name: String, value: Value)]

    public init(program: Program) {
        self.program = program
        self.scoring = program.info.scoring ?? "cohort"
        self.scoringKind = ScoringKind(scoring)
        var pops: [(PopulationKind, Int)] = []
        var strata: [(String, Int)] = []
        var sdes: [(String, Int)] = []
        var obs: [(String, Int, PopulationAggregate)] = []
        for (i, d) in program.defines.enumerated() where d.isRoot {
            switch d.role {
            case .population(let name): if let k = PopulationKind(rawValue: name) { pops.append((k, i)) }
            case .stratifier: strata.append((d.name, i))
            case .supplemental: sdes.append((d.name, i))
            case .observation(let agg): obs.append((d.name, i, agg))
            default: break
            }
        }
        populations = pops.sorted { PopulationKind.allCases.firstIndex(of: $0.0)! < PopulationKind.allCases.firstIndex(of: $1.0)! }
            .map { (kind: $0.0, define: $0.1) }
        var byOrdinal = [Int](repeating: -1, count: PopulationKind.allCases.count)
        for p in populations { byOrdinal[p.kind.ordinal] = p.define }
        populationDefines = byOrdinal
        stratifiers = strata.map { (name: $0.0, define: $0.1) }
        supplementals = sdes.map { (name: $0.0, define: $0.1) }
        observations = obs.map { (name: $0.0, define: $0.1, aggregate: $0.2) }
        nullStrata = strata.map { (name: $0.0, value: Value.null) }
        nullObservations = obs.map { (name: $0.0, value: Value.null) }
    }

    public var name: String { program.info.name }
    public var isEpisodeBasis: Bool { program.info.episodesDefine != nil }

    /// Evaluates one member: one subject for member basis, one per episode for episode basis.
    public func evaluate(_ member: Record) -> MemberEvaluation {
        evaluate(member, in: program.evaluation(member: member))
    }

    /// Evaluates one member, sharing define values with the other measures of a run through the
    /// worker's `store` (cleared by the caller before each member).
    public func evaluate(_ member: Record, sharing slots: SharedDefineSlots, store: SharedDefineValues) -> MemberEvaluation {
        evaluate(member, in: program.evaluation(member: member, sharing: slots, store: store))
    }

    /// A context for `evaluate(_:reusing:)`: one per worker and measure, reused member after
    /// member; `sharing` (with the worker's store) takes shared defines from the other measures.
    public func context(sharing: (slots: SharedDefineSlots, store: SharedDefineValues)? = nil) -> EvaluationContext {
        guard let sharing else { return program.evaluation(member: nil) }
        return program.evaluation(member: nil, sharing: sharing.slots, store: sharing.store)
    }

    /// Evaluates one member in a context made by `context(sharing:)`, reset to this member first.
    /// Supplemental data is only read by member-level reports: `supplemental: false` leaves it
    /// out (and whatever runtime errors its defines alone would raise).
    public func evaluate(_ member: Record, reusing ctx: EvaluationContext, supplemental: Bool = true) -> MemberEvaluation {
        ctx.reset(member: member)
        return evaluate(member, in: ctx, supplemental: supplemental)
    }

    private func evaluate(_ member: Record, in ctx: EvaluationContext, supplemental: Bool = true) -> MemberEvaluation {
        let id = Panel.id(of: member)
        var subjects: [SubjectResult] = []
        if let episodesDefine = program.info.episodesDefine {
            let episodes = ctx.value(ofDefine: episodesDefine).asList
            subjects.reserveCapacity(episodes.count)
            for (i, e) in episodes.enumerated() {
                ctx.setEpisode(e)
                subjects.append(subject(ctx, memberID: id, episode: i, episodeID: episodeID(e)))
            }
        } else {
            subjects.append(subject(ctx, memberID: id, episode: nil, episodeID: nil))
        }
        let errors = ctx.errors
        guard supplemental, !supplementals.isEmpty else {
            return MemberEvaluation(memberID: id, subjects: subjects, supplemental: [], errors: errors)
        }
        let sde = supplementals.map { (name: $0.name, value: ctx.value(ofDefine: $0.define)) }
        return MemberEvaluation(memberID: id, subjects: subjects, supplemental: sde, errors: errors,
                                supplementalErrors: Array(ctx.errors.dropFirst(errors.count)))
    }

    /// Evaluates one member in a context made by `context(sharing:)` and counts it into `tally`
    /// as `tally.add(evaluate(member, reusing: ctx, supplemental: false))` does, without
    /// building the member's subject results (a summary run keeps none): the same defines in
    /// the same order, each value counted as it comes.
    func tally(_ member: Record, reusing ctx: EvaluationContext, into tally: inout SummaryTally) {
        guard tally.byPosition else { return tally.add(evaluate(member, reusing: ctx, supplemental: false)) }
        ctx.reset(member: member)
        tally.addMember()
        if let episodesDefine = program.info.episodesDefine {
            let episodes = ctx.value(ofDefine: episodesDefine).asList
            for e in episodes {
                ctx.setEpisode(e)
                tallySubject(ctx, &tally)
            }
        } else {
            tallySubject(ctx, &tally)
        }
        tally.addErrors(ctx.errors)
    }

    /// `subject`, counted into `tally` instead of returned.
    private func tallySubject(_ ctx: EvaluationContext, _ tally: inout SummaryTally) {
        let membership = cascade(ctx)
        let met = membership.met
        tally.addSubject(met)
        if membership[.initial] {
            for i in stratifiers.indices { tally.addStratum(i, name: stratifiers[i].name, ctx.value(ofDefine: stratifiers[i].define), met) }
        }
        if isObserved(membership) {
            for i in observations.indices { tally.addObservation(i, ctx.value(ofDefine: observations[i].define)) }
        }
    }

    func subject(_ ctx: EvaluationContext, memberID: String, episode: Int?, episodeID: String?) -> SubjectResult {
        let membership = cascade(ctx)
        // Stratifiers and observations are evaluated for members of the initial population only.
        // Subjects outside share one list of nulls each (most episodes of a monthly basis are).
        let strata = membership[.initial] ? stratifiers.map { (name: $0.name, value: ctx.value(ofDefine: $0.define)) } : nullStrata
        let observedValues = isObserved(membership) ? observations.map { (name: $0.name, value: ctx.value(ofDefine: $0.define)) } : nullObservations
        return SubjectResult(memberID: memberID, episode: episode, episodeID: episodeID, populations: membership,
                             strata: strata, observations: observedValues)
    }

    /// The subject's populations. Criteria are evaluated as the cascade asks for them: a member
    /// outside the initial population costs one define, not every population's (nor their runtime
    /// errors). Clause coverage counts every population's clauses for every case, as test authors
    /// read it, so a program compiled to count coverage evaluates them all first.
    private func cascade(_ ctx: EvaluationContext) -> PopulationMembership {
        if ctx.program.recordsCoverage {
            for p in populations { _ = ctx.value(ofDefine: p.define) }
        }
        // The closure captures the defines' array, not `self` (a copy of the evaluator per
        // subject otherwise).
        let defines = populationDefines
        return PopulationMembership.cascade(scoring: scoringKind) { k in
            let d = defines[k.ordinal]
            return d < 0 ? nil : ctx.value(ofDefine: d).isTrue
        }
    }

    /// Whether the subject's observations are evaluated: members of the measure population not
    /// excluded from it (continuous variable), else members of the initial population.
    private func isObserved(_ membership: PopulationMembership) -> Bool {
        scoringKind == .continuousVariable
            ? membership[.measurePopulation] && !membership[.measurePopulationExclusion] : membership[.initial]
    }

    /// How reports name an episode: a record by its id, a date by its text and an interval of
    /// dates by its bounds (`2025-03-01..2025-03-31`, a member month); nil for anything else,
    /// which reports number from 1.
    func episodeID(_ e: Value) -> String? {
        switch e {
        case .record(let r):
            guard let slot = program.schema.kinds[r.kind].slot(of: "id") else { return nil }
            return r.fields[slot].asString
        case .temporal(let t):
            return t.description
        case .interval(let i):
            guard case .temporal(let low) = i.low, case .temporal(let high) = i.high else { return nil }
            return low.description + ".." + high.description
        default:
            return nil
        }
    }
}

/// One subject's results: a member on member basis, or one episode.
public struct SubjectResult: Sendable {
    public var memberID: String
    public var episode: Int?
    public var episodeID: String?
    public var populations: PopulationMembership
    public var strata: [(name: String, value: Value)]
    public var observations: [(name: String, value: Value)]
}

public struct MemberEvaluation: Sendable {
    public var memberID: String
    public var subjects: [SubjectResult]
    public var supplemental: [(name: String, value: Value)]
    /// Runtime errors raised while evaluating this member's populations, strata and observations
    /// (what summaries count).
    public var errors: [String]
    /// Runtime errors raised only by its supplemental data, which is evaluated for member-level
    /// reports alone: summaries do not count them, so they are the same with or without.
    public var supplementalErrors: [String] = []
}
