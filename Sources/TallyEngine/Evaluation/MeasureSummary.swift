import TallyLanguage

/// Population counts of one measure over a panel (or a shard of it). Summaries merge: a panel
/// split into shards and merged gives the same summary as the whole.
public struct MeasureSummary: Sendable, Codable, Equatable {
    public var measure: String
    public var title: String?
    public var scoring: String
    public var improvement: String?
    public var target: Double?
    public var episodeBasis: Bool
    public var members = 0
    /// Subjects evaluated: members, or episodes on episode basis.
    public var subjects = 0
    /// Population name → count of subjects in it.
    public var counts: [String: Int] = [:]
    /// Stratifier → stratum value (as text) → population → count.
    public var strata: [String: [String: [String: Int]]] = [:]
    /// Observation name → what was observed, as its aggregate needs it.
    public var observations: [String: ObservedValues] = [:]
    public var aggregates: [String: String] = [:]
    /// Members with runtime errors, and up to five distinct messages.
    public var membersWithErrors = 0
    public var errorSamples: [String] = []

    public init(_ e: MeasureEvaluator) {
        measure = e.name
        title = e.program.info.title
        scoring = e.scoring
        improvement = e.program.info.improvement
        target = e.program.info.target
        episodeBasis = e.isEpisodeBasis
        for p in e.populations { counts[p.kind.rawValue] = 0 }
        if e.scoring == "proportion" {
            for k in [PopulationKind.denominatorExclusion, .denominatorException, .numeratorExclusion] { counts[k.rawValue] = counts[k.rawValue] ?? 0 }
        }
        for o in e.observations {
            observations[o.name] = ObservedValues(keepingValues: o.aggregate.rawValue == "median")
            aggregates[o.name] = o.aggregate.rawValue
        }
    }

    public mutating func add(_ m: MemberEvaluation) {
        members += 1
        subjects += m.subjects.count
        // Counted by ordinal first, then added to `counts` once per member: an episode-basis
        // member has a subject per episode.
        var tally = [Int](repeating: 0, count: PopulationKind.allCases.count)
        for s in m.subjects {
            let met = s.populations.met
            for k in PopulationKind.allCases where met & k.bit != 0 { tally[k.ordinal] += 1 }
            if s.populations[.initial] {
                for (name, value) in s.strata {
                    let key = MeasureSummary.stratum(value)
                    // Updated in place: copying a stratifier's table out and back per subject
                    // costs a copy of it each time.
                    for k in PopulationKind.allCases where met & k.bit != 0 { strata[name, default: [:]][key, default: [:]][k.rawValue, default: 0] += 1 }
                }
            }
            for (name, value) in s.observations {
                if let d = MeasureSummary.observed(value) {
                    observations[name, default: ObservedValues(keepingValues: false)].add(d)
                }
            }
        }
        for k in PopulationKind.allCases where tally[k.ordinal] > 0 { counts[k.rawValue, default: 0] += tally[k.ordinal] }
        addErrors(m)
    }

    mutating func addErrors(_ m: MemberEvaluation) {
        if !m.errors.isEmpty {
            membersWithErrors += 1
            // Keep the five smallest samples, so the choice does not depend on how members were split.
            // Messages only: summaries carry no member ids (those are PHI, for member-level reports).
            errorSamples = Array(Set(errorSamples + [m.errors[0]]).sorted().prefix(5))
        }
    }

    /// A stratifier's value as the stratum's key.
    static func stratum(_ value: Value) -> String {
        let text = value.plainText
        return text.isEmpty ? "(none)" : text
    }

    /// The number an observation contributes, if any.
    static func observed(_ value: Value) -> Double? {
        value.asDouble ?? { if case .quantity(let q) = value { return q.value } else { return nil } }()
    }

    public mutating func merge(_ o: MeasureSummary) {
        members += o.members
        subjects += o.subjects
        for (k, v) in o.counts { counts[k, default: 0] += v }
        for (name, byValue) in o.strata {
            for (value, c) in byValue {
                for (k, v) in c { strata[name, default: [:]][value, default: [:]][k, default: 0] += v }
            }
        }
        for (k, v) in o.observations { observations[k, default: v.emptied].merge(v) }
        membersWithErrors += o.membersWithErrors
        errorSamples = Array(Set(errorSamples + o.errorSamples).sorted().prefix(5))
    }

    /// Sorts the kept observed values, once all merges are done, so the summary (and its JSON)
    /// does not depend on how members were split.
    public mutating func sortObservations() {
        for k in observations.keys { observations[k]!.sortValues() }
    }

    /// The same measure with nothing counted yet (to tally a member alone, or to merge shards into).
    public var emptied: MeasureSummary {
        var e = self
        e.members = 0
        e.subjects = 0
        e.counts = counts.mapValues { _ in 0 }
        e.strata = [:]
        e.observations = observations.mapValues(\.emptied)
        e.membersWithErrors = 0
        e.errorSamples = []
        return e
    }

    public func count(_ k: PopulationKind) -> Int { counts[k.rawValue] ?? 0 }

    /// The performance rate: proportion (numerator − numerator exclusions) / (denominator −
    /// exclusions − exceptions); ratio (numerator − numerator exclusions) / (denominator −
    /// exclusions); nil for cohort and continuous-variable measures or an empty denominator.
    public var rate: Double? { rate(counts) }

    public func rate(_ c: [String: Int]) -> Double? {
        func n(_ k: PopulationKind) -> Int { c[k.rawValue] ?? 0 }
        switch scoring {
        case "proportion":
            let d = n(.denominator) - n(.denominatorExclusion) - n(.denominatorException)
            return d > 0 ? Double(n(.numerator) - n(.numeratorExclusion)) / Double(d) : nil
        case "ratio":
            let d = n(.denominator) - n(.denominatorExclusion)
            return d > 0 ? Double(n(.numerator) - n(.numeratorExclusion)) / Double(d) : nil
        default:
            return nil
        }
    }

    /// An observation's aggregate (median, mean, sum, min, max, count) over the observed values.
    public func aggregate(_ name: String) -> Double? {
        guard let o = observations[name], let agg = aggregates[name] else { return nil }
        switch agg {
        case "count": return Double(o.count)
        case "median": return o.median
        case "mean": return o.mean
        case "sum": return o.count > 0 ? o.sum : nil
        case "min": return o.min
        default: return o.max
        }
    }
}

/// What `MeasureSummary.add` counts, kept by position instead of by name while a worker goes
/// through its members (no string hashing per subject), and written into the summary once at
/// the end. The summary it ends in equals the one `add` per member gives: the same counts, and
/// each observation's values added in the same order to a copy of the summary's own.
struct SummaryTally {
    private var summary: MeasureSummary
    private var counts = [Int](repeating: 0, count: PopulationKind.allCases.count)
    /// Per stratifier position: the stratum keys in the order first seen, where each key is in
    /// that list, and the counts per key and population ordinal (`key * 8 + ordinal`). A
    /// stratifier has a few keys: a short list is searched with `==` (no hashing per subject).
    private var strataKeys: [[String]] = []
    private var strataIndex: [[String: Int]] = []
    private var strataCounts: [[Int]] = []
    private var strataNames: [String] = []
    private var observations: [ObservedValues] = []
    private var observationNames: [String] = []
    /// Positions are kept only when the names are distinct (otherwise `add` per member).
    let byPosition: Bool

    init(_ e: MeasureEvaluator) {
        let summary = MeasureSummary(e)
        let names = e.observations.map(\.name)
        byPosition = Set(names).count == names.count && names.allSatisfy { summary.observations[$0] != nil }
        if byPosition {
            observationNames = names
            observations = names.map { summary.observations[$0]! }
        }
        self.summary = summary
    }

    mutating func add(_ m: MemberEvaluation) {
        guard byPosition else { return summary.add(m) }
        summary.members += 1
        summary.subjects += m.subjects.count
        for s in m.subjects {
            let met = s.populations.met
            // A population's bit is 1 << its ordinal.
            var bits = met
            while bits != 0 {
                counts[bits.trailingZeroBitCount] += 1
                bits &= bits - 1
            }
            if met & PopulationKind.initial.bit != 0 { addStrata(s, met) }
            // A subject's observations are the measure's, in its order (or none).
            for (i, o) in s.observations.enumerated() {
                if let d = MeasureSummary.observed(o.value) { observations[i].add(d) }
            }
        }
        summary.addErrors(m)
    }

    private mutating func addStrata(_ s: SubjectResult, _ met: UInt8) {
        for i in s.strata.indices { addStratum(i, name: s.strata[i].name, s.strata[i].value, met) }
    }

    // What `add` does, a subject at a time (`MeasureEvaluator.tally`, which builds no
    // `MemberEvaluation`): only when counting by position.

    mutating func addMember() { summary.members += 1 }

    /// A subject in the populations of `met` (its strata and observations come after).
    mutating func addSubject(_ met: UInt8) {
        summary.subjects += 1
        var bits = met
        while bits != 0 {
            counts[bits.trailingZeroBitCount] += 1
            bits &= bits - 1
        }
    }

    /// Stratifier `i`'s value for a subject of the initial population in the populations of `met`.
    mutating func addStratum(_ i: Int, name: String, _ value: Value, _ met: UInt8) {
        if i == strataKeys.count {
            strataKeys.append([])
            strataIndex.append([:])
            strataCounts.append([])
            strataNames.append(name)
        }
        let k = keyIndex(i, MeasureSummary.stratum(value))
        var bits = met
        while bits != 0 {
            strataCounts[i][k * 8 + bits.trailingZeroBitCount] += 1
            bits &= bits - 1
        }
    }

    /// Observation `i`'s value for a counted subject.
    mutating func addObservation(_ i: Int, _ value: Value) {
        if let d = MeasureSummary.observed(value) { observations[i].add(d) }
    }

    /// The member's runtime errors (after all its subjects).
    mutating func addErrors(_ errors: [String]) {
        summary.addErrors(MemberEvaluation(memberID: "", subjects: [], supplemental: [], errors: errors))
    }

    /// The position of stratifier `i`'s key, added when new.
    private mutating func keyIndex(_ i: Int, _ key: String) -> Int {
        if strataKeys[i].count <= 8 {
            if let k = strataKeys[i].firstIndex(of: key) { return k }
        } else if let k = strataIndex[i][key] {
            return k
        }
        let k = strataKeys[i].count
        strataKeys[i].append(key)
        strataIndex[i][key] = k
        strataCounts[i].append(contentsOf: repeatElement(0, count: 8))
        return k
    }

    /// The summary with everything counted written in.
    func finished() -> MeasureSummary {
        var result = summary
        guard byPosition else { return result }
        for k in PopulationKind.allCases where counts[k.ordinal] > 0 { result.counts[k.rawValue, default: 0] += counts[k.ordinal] }
        for (i, keys) in strataKeys.enumerated() {
            for (n, key) in keys.enumerated() {
                for k in PopulationKind.allCases where strataCounts[i][n * 8 + k.ordinal] > 0 {
                    result.strata[strataNames[i], default: [:]][key, default: [:]][k.rawValue, default: 0] += strataCounts[i][n * 8 + k.ordinal]
                }
            }
        }
        for (i, name) in observationNames.enumerated() { result.observations[name] = observations[i] }
        return result
    }
}
