import TallyEngine
import TallyLanguage

// Helpers the reporters share: which populations a measure reports, member-level tallies, and
// how values are written as text.

extension RunResult {
    /// Member-level data is present only with `--member-level`; every file built from it holds PHI.
    var isMemberLevel: Bool { members != nil }

    /// Each measure with its members' evaluations (member-level runs only).
    var measuresWithMembers: [(summary: MeasureSummary, members: [MemberEvaluation])] {
        guard let members else { return [] }
        return zip(summaries, members).map { (summary: $0, members: $1) }
    }

    /// The care-gap worklist of a measure (member-level runs only).
    func gapList(_ measure: String) -> CareGapList? {
        guard isMemberLevel else { return nil }
        return gaps?.first { $0.measure == measure }
    }
}

extension MeasureSummary {
    /// The populations the measure reports, in the Quality Measure IG's order.
    var populationKinds: [PopulationKind] { PopulationKind.allCases.filter { counts[$0.rawValue] != nil } }

    /// Whether the measure has a performance rate (proportion and ratio scoring).
    var hasRate: Bool { scoring == "proportion" || scoring == "ratio" }

    var isInverse: Bool { improvement == "decrease" }

    /// How far the rate is from the target in the direction of improvement; 0 when met.
    func gapToTarget(_ rate: Double?) -> Double? {
        guard let t = target, let rate else { return nil }
        return max(0, isInverse ? rate - t : t - rate)
    }

    /// Strata sorted by stratifier, then by value.
    var sortedStrata: [(stratifier: String, values: [(value: String, counts: [String: Int])])] {
        strata.keys.sorted().map { name in
            (stratifier: name, values: strata[name]!.keys.sorted().map { (value: $0, counts: strata[name]![$0]!) })
        }
    }

    /// The counts, strata and observations of one member alone, by the same rules as the panel's.
    func tally(_ m: MemberEvaluation) -> MeasureSummary {
        var t = emptied
        t.add(m)
        return t
    }
}

/// The stratum a subject falls in, as the summaries name it; nil outside the initial population.
func stratumText(_ v: Value, _ s: SubjectResult) -> String? {
    guard s.populations[.initial] else { return nil }
    return v.plainText.isEmpty ? "(none)" : v.plainText
}

/// A value as table text: codes by their code, lists joined by `;`, quantities with their unit,
/// records by their primary code (or id).
func cellText(_ v: Value) -> String {
    switch v {
    case .null: return ""
    case .decimal(let d): return JSON.number(d)
    case .quantity(let q): return JSON.number(q.value) + " " + q.unit
    case .list(let xs): return xs.map(cellText).filter { !$0.isEmpty }.joined(separator: ";")
    case .concept(let c): return c.codes.map(\.code).joined(separator: ";")
    case .interval(let i): return cellText(i.low) + ".." + cellText(i.high)
    case .record(let r): return recordText(r)
    default: return v.plainText
    }
}

/// A number rounded to six decimal places, without trailing zeros (CSV rates and gaps).
func decimal6(_ x: Double) -> String {
    let r = (x * 1_000_000).rounded() / 1_000_000
    return JSON.number(r)
}

/// A record as table text: its primary code (a Coverage's type, a Condition's code), else its id,
/// else its kind.
func recordText(_ r: Record) -> String {
    let kinds = CanonicalSchema.schema.kinds
    guard kinds.indices.contains(r.kind) else { return "record" }
    let kind = kinds[r.kind]
    for name in [kind.primaryCode, "id"].compactMap({ $0 }) {
        if let slot = kind.slot(of: name), r.fields.indices.contains(slot) {
            let text = cellText(r.fields[slot])
            if !text.isEmpty { return text }
        }
    }
    return kind.name
}

/// The records a load left out because no measure of the run can count them, by kind
/// (`Condition 2650086, Observation 1900000`); nil when none were.
func leftOutText(_ load: LoadReport) -> String? {
    load.leftOut.isEmpty ? nil : load.leftOut.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
}
