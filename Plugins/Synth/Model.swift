/// The generator's own record of one member: what the CSV and FHIR writers serialize. It is
/// built, written and dropped one member at a time, so a run never holds the panel in memory.

enum Sex: UInt8 {
    case female, male, unknown
    var code: String { self == .female ? "female" : self == .male ? "male" : "unknown" }
}

enum PayerType: UInt8 {
    case commercial, medicare, medicaid
    var name: String { self == .commercial ? "commercial" : self == .medicare ? "medicare" : "medicaid" }
}

/// One enrollment span (month-aligned; both ends inclusive).
struct Span {
    var start: Int
    var end: Int
    var plan: Int
    var dual: Bool = false
    var hospice: Bool = false
    var longTermInstitutional: Bool = false
    var institutionalSNP: Bool = false
    var disabled: Bool = false
    var esrd: Bool = false
}

/// A run of months attributed to one provider.
struct AttributionRun {
    var firstMonth: Int
    var lastMonth: Int
    var provider: Int      // PCP index
    var custom: Int        // PCP index, or -1 for none
}

/// A chronic or historical condition on the problem list.
struct ProblemCondition {
    var dx: DX
    var onset: Int
    var abated: Int = -1   // day, or -1 when still active
    var bodySite: UInt8 = 0 // 0 none, 1 left, 2 right
}

/// What a claim line or a pharmacy fill is allowed and what of it the member pays (cents).
protocol MemberShare {
    var allowed: Int { get }
    var copay: Int { get }
    var coinsurance: Int { get }
    var deductible: Int { get }
}

extension MemberShare {
    /// What the plan pays: the allowed amount less the member's share, never below zero.
    var paid: Int { max(0, allowed - copay - coinsurance - deductible) }
}

/// One claim line.
struct Line: MemberShare {
    var svc: Svc? = nil
    var revenue: String = ""
    var modifier: String = ""
    var units: Int = 1
    var start: Int
    var end: Int
    var allowed: Int
    var copay: Int = 0
    var coinsurance: Int = 0
    var deductible: Int = 0
    var charge: Int = 0
}

/// One claim (header fields; the lines carry the money).
struct ClaimSpec {
    var institutional: Bool
    var billType: String = ""
    var pos: String = ""
    var rendering: Int      // provider index in the directory (-1 none)
    var billing: Int        // provider or facility index, see `billingIsFacility`
    var billingIsFacility: Bool = false
    var facility: Int = -1  // facility index
    var inNetwork: Bool = true
    var lines: [Line] = []
    var drg: Int = -1        // Admission raw value for institutional inpatient claims
    var procedure: ProcKind? = nil
    var procedureDay: Int = 0
    var paidDay: Int = 0
}

enum EncKind: UInt8 {
    case office, preventive, wellness, telehealth, home, specialist, behavioral
    case emergency, inpatient, snf, homeHealth, hospice, palliative, dialysis
    case lab, imaging, ambulatorySurgery, infusion, dme, therapy

    var tuvaType: String {
        switch self {
        case .office, .preventive, .wellness, .specialist, .palliative: return "office visit"
        case .telehealth: return "telehealth"
        case .home: return "home visit"
        case .behavioral: return "outpatient psychiatry"
        case .emergency: return "emergency department"
        case .inpatient: return "acute inpatient"
        case .snf: return "inpatient skilled nursing"
        case .homeHealth: return "home health"
        case .hospice: return "outpatient hospice"
        case .dialysis: return "dialysis"
        case .lab: return "lab - orphaned"
        case .imaging: return "outpatient radiology"
        case .ambulatorySurgery: return "ambulatory surgery center"
        case .infusion: return "outpatient infusion"
        case .dme: return "dme - orphaned"
        case .therapy: return "outpatient rehabilitation"
        }
    }

    /// FHIR Encounter.class (v3 ActCode).
    var fhirClass: (String, String) {
        switch self {
        case .emergency: return ("EMER", "emergency")
        case .inpatient: return ("IMP", "inpatient encounter")
        case .snf: return ("NONAC", "inpatient non-acute")
        case .telehealth: return ("VR", "virtual")
        case .home, .homeHealth, .hospice: return ("HH", "home health")
        default: return ("AMB", "ambulatory")
        }
    }
}

/// An encounter: a visit, stay or service, with the claims it produced.
struct Encounter {
    var kind: EncKind
    var start: Int
    var startMinute: Int
    var end: Int
    var endMinute: Int
    var svc: Svc?              // the code that types the encounter
    var modifier: String = ""
    var dx: [DX]
    var provider: Int          // attending / rendering provider index
    var facility: Int = -1
    var disposition: Disposition = .home
    var admission: Admission? = nil
    var admitSource: String = ""
    var admitType: String = ""
    var status: String = "finished"   // FHIR status; cancelled visits produce no claim
    var ehr: Bool = true             // an EHR encounter (encounter.csv, FHIR Encounter)
    var claims: [ClaimSpec] = []
    /// SNOMED type coding added for the eCQM hospice, palliative and inpatient logic.
    var snomedType: (String, String)? = nil
    var seq: Int = 0
}

enum ObsKind: UInt8 {
    case bloodPressure, hba1c, hba1cNoResult, ldl, creatinine, fit, sdna, mammogram, ctColonography
    case housingStatus, frailtySymptom, equipment
}

/// An observation: vitals, labs, imaging studies and assessments.
struct Obs {
    var kind: ObsKind
    var day: Int
    var minute: Int
    var encounter: Int = -1   // index into the member's encounters, or -1
    var value1: Int = 0       // systolic; lab value in tenths; 1 = positive
    var value2: Int = 0       // diastolic
    var seq: Int = 0
}

/// A procedure recorded clinically (with or without a claim).
struct Proc {
    var kind: ProcKind
    var day: Int
    var endDay: Int
    var encounter: Int = -1
    var seq: Int = 0
}

/// A pharmacy fill.
struct Fill: MemberShare {
    var drug: Drug
    var day: Int
    var daysSupply: Int
    var quantity: Int
    var refills: Int
    var prescriber: Int
    var pharmacy: Int
    var inNetwork: Bool = true
    var allowed: Int
    var copay: Int = 0
    var coinsurance: Int = 0
    var deductible: Int = 0
}

/// One generated member.
struct Member {
    var index: Int
    var birth: Int
    var sex: Sex
    var race: Int
    var ethnicity: Int
    var first: Int
    var middle: Int
    var last: Int
    var street: Int
    var houseNumber: Int
    var apartment: Int       // 0 none
    var city: Int
    var phone: Int
    var death: Int = -1
    var spans: [Span] = []
    var attribution: [AttributionRun] = []
    var problems: [ProblemCondition] = []
    var encounters: [Encounter] = []
    var observations: [Obs] = []
    var procedures: [Proc] = []
    var fills: [Fill] = []
    /// Hospice periods (start, end) for FHIR and the eligibility hospice flag.
    var hospice: [(Int, Int)] = []

    func age(on day: Int) -> Int { Cal.age(birth: birth, on: day) }
}
