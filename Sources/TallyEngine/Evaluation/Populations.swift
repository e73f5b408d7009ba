import TallyLanguage

/// The populations of the Quality Measure IG, in report order.
public enum PopulationKind: String, CaseIterable, Sendable, Codable {
    case initial, denominator, denominatorExclusion = "denominator_exclusion", denominatorException = "denominator_exception"
    case numerator, numeratorExclusion = "numerator_exclusion", measurePopulation = "measure_population"
    case measurePopulationExclusion = "measure_population_exclusion"

    /// The position in report order. Hashing and equality use it rather than the raw string:
    /// population flags are looked up several times per member and measure.
    @inline(__always)
    public var ordinal: Int {
        switch self {
        case .initial: return 0
        case .denominator: return 1
        case .denominatorExclusion: return 2
        case .denominatorException: return 3
        case .numerator: return 4
        case .numeratorExclusion: return 5
        case .measurePopulation: return 6
        case .measurePopulationExclusion: return 7
        }
    }

    public static func == (a: PopulationKind, b: PopulationKind) -> Bool { a.ordinal == b.ordinal }
    /// The kind's bit in a `PopulationMembership`.
    @inline(__always)
    var bit: UInt8 { 1 << UInt8(ordinal) }
    public func hash(into h: inout Hasher) { h.combine(ordinal) }

    /// The FHIR measure-population code.
    public var fhirCode: String {
        switch self {
        case .initial: return "initial-population"
        case .denominator: return "denominator"
        case .denominatorExclusion: return "denominator-exclusion"
        case .denominatorException: return "denominator-exception"
        case .numerator: return "numerator"
        case .numeratorExclusion: return "numerator-exclusion"
        case .measurePopulation: return "measure-population"
        case .measurePopulationExclusion: return "measure-population-exclusion"
        }
    }
}

/// A measure's scoring as the cascade reads it.
enum ScoringKind: Sendable {
    case proportion, ratio, continuousVariable, other

    init(_ scoring: String) {
        switch scoring {
        case "proportion": self = .proportion
        case "ratio": self = .ratio
        case "continuous-variable": self = .continuousVariable
        default: self = .other
        }
    }
}

/// Membership of one subject (a member, or one episode) in each population after the
/// Quality Measure IG's cascade.
public struct PopulationMembership: Sendable, Equatable {
    /// Bits by `PopulationKind.ordinal`: which populations the cascade decided, and which of
    /// those the subject is in. Bits rather than a dictionary: one is made per subject.
    private(set) var decided: UInt8 = 0
    private(set) var met: UInt8 = 0

    public init() {}

    /// Every decided population and whether the subject is in it.
    public var flags: [PopulationKind: Bool] {
        get {
            var d: [PopulationKind: Bool] = [:]
            for k in PopulationKind.allCases where decided & k.bit != 0 { d[k] = met & k.bit != 0 }
            return d
        }
        set {
            decided = 0
            met = 0
            for (k, v) in newValue { self[k] = v }
        }
    }

    public subscript(_ k: PopulationKind) -> Bool {
        get { met & k.bit != 0 }
        set {
            decided |= k.bit
            if newValue { met |= k.bit } else { met &= ~k.bit }
        }
    }

    /// Applies the cascade to the raw criteria (each `true` only when its expression is true).
    ///
    /// Proportion: the denominator needs the initial population; exclusions need the
    /// denominator; the numerator needs the denominator and no exclusion; exceptions apply only
    /// to denominator members not excluded and not in the numerator; numerator exclusions need
    /// the numerator. Ratio: the numerator needs only the initial population. Continuous
    /// variable: the measure population needs the initial population, its exclusion needs it.
    public static func cascade(scoring: String, raw: (PopulationKind) -> Bool?) -> PopulationMembership {
        cascade(scoring: ScoringKind(scoring), raw: raw)
    }

    /// `cascade(scoring:raw:)` with the scoring read once per measure rather than compared as a
    /// string per subject (an episode basis of member months has 24 subjects per member).
    @inline(__always)
    static func cascade(scoring: ScoringKind, raw: (PopulationKind) -> Bool?) -> PopulationMembership {
        var m = PopulationMembership()
        func criterion(_ k: PopulationKind, defaultValue: Bool) -> Bool { raw(k) ?? defaultValue }
        let ip = criterion(.initial, defaultValue: false)
        m[.initial] = ip
        switch scoring {
        case .proportion, .ratio:
            let denom = ip && criterion(.denominator, defaultValue: true)
            let denex = denom && criterion(.denominatorExclusion, defaultValue: false)
            m[.denominator] = denom
            m[.denominatorExclusion] = denex
            let numer: Bool
            if scoring == .ratio {
                numer = ip && criterion(.numerator, defaultValue: false)
            } else {
                numer = denom && !denex && criterion(.numerator, defaultValue: false)
            }
            m[.numerator] = numer
            m[.numeratorExclusion] = numer && criterion(.numeratorExclusion, defaultValue: false)
            if scoring == .proportion {
                m[.denominatorException] = denom && !denex && !numer && criterion(.denominatorException, defaultValue: false)
            }
        case .continuousVariable:
            let mp = ip && criterion(.measurePopulation, defaultValue: true)
            m[.measurePopulation] = mp
            m[.measurePopulationExclusion] = mp && criterion(.measurePopulationExclusion, defaultValue: false)
        default:
            break
        }
        return m
    }
}
