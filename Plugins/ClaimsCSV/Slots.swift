import TallyEngine
import TallyLanguage

/// The canonical kinds and field slots the loader fills, resolved once by name (a misspelt
/// field stops the process at first use, and the mapping tests catch it).

/// A kind: its index and field count, to make records without name lookups.
struct KindInfo {
    let name: String
    let kind: Int
    let count: Int
    init(_ name: String) {
        self.name = name
        kind = CanonicalSchema.kindIndex(name)
        count = CanonicalSchema.schema.kinds[kind].fields.count
    }

    /// The slot of one of the kind's fields, so that each slot enum names its kind once.
    func slot(_ field: String) -> Int { CanonicalSchema.slot(name, field) }

    /// A new record of the kind, every field null.
    @inline(__always)
    func record() -> Record { Record.make(kind: kind, count: count) }
}

enum MemberSlot {
    static let info = KindInfo("Member")
    /// The kind's slots, resolved once. Where records are built, `MemberSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let birthDate = MemberSlot.info.slot("birth_date")
        let deathDate = MemberSlot.info.slot("death_date")
        let sex = MemberSlot.info.slot("sex")
        let race = MemberSlot.info.slot("race")
        let ethnicity = MemberSlot.info.slot("ethnicity")
        let enrollments = MemberSlot.info.slot("enrollments")
        let attributions = MemberSlot.info.slot("attributions")
        let encounters = MemberSlot.info.slot("encounters")
        let conditions = MemberSlot.info.slot("conditions")
        let procedures = MemberSlot.info.slot("procedures")
        let observations = MemberSlot.info.slot("observations")
        let medicationRequests = MemberSlot.info.slot("medication_requests")
        let medicationDispenses = MemberSlot.info.slot("medication_dispenses")
        let immunizations = MemberSlot.info.slot("immunizations")
        let coverages = MemberSlot.info.slot("coverages")
        let claims = MemberSlot.info.slot("claims")
    }
    static let all = All()
}

enum EnrollmentSlot {
    static let info = KindInfo("Enrollment")
    /// The kind's slots, resolved once. Where records are built, `EnrollmentSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = EnrollmentSlot.info
        let period = EnrollmentSlot.info.slot("period")
        let payer = EnrollmentSlot.info.slot("payer")
        let payerType = EnrollmentSlot.info.slot("payer_type")
        let plan = EnrollmentSlot.info.slot("plan")
        let productLine = EnrollmentSlot.info.slot("product_line")
        let hospice = EnrollmentSlot.info.slot("hospice")
        let institutional = EnrollmentSlot.info.slot("institutional")
        let longTermInstitutional = EnrollmentSlot.info.slot("long_term_institutional")
        let dualStatus = EnrollmentSlot.info.slot("dual_status")
    }
    static let all = All()
}

enum CoverageSlot {
    static let info = KindInfo("Coverage")
    /// The kind's slots, resolved once. Where records are built, `CoverageSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = CoverageSlot.info
        let id = CoverageSlot.info.slot("id")
        let type = CoverageSlot.info.slot("type")
        let status = CoverageSlot.info.slot("status")
        let period = CoverageSlot.info.slot("period")
        let payer = CoverageSlot.info.slot("payer")
    }
    static let all = All()
}

enum AttributionSlot {
    static let info = KindInfo("Attribution")
    /// The kind's slots, resolved once. Where records are built, `AttributionSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = AttributionSlot.info
        let period = AttributionSlot.info.slot("period")
        let provider = AttributionSlot.info.slot("provider")
        let practice = AttributionSlot.info.slot("practice")
        let organization = AttributionSlot.info.slot("organization")
        let program = AttributionSlot.info.slot("program")
        let payer = AttributionSlot.info.slot("payer")
        let plan = AttributionSlot.info.slot("plan")
    }
    static let all = All()
}

/// The claim-finance fields every claims-derived kind shares.
struct MoneySlots {
    let paid: Int, allowed: Int, inNetwork: Int, claimID: Int
    init(_ kind: KindInfo) {
        paid = kind.slot("paid"); allowed = kind.slot("allowed"); inNetwork = kind.slot("in_network"); claimID = kind.slot("claim_id")
    }
}

enum EncounterSlot {
    static let info = KindInfo("Encounter")
    /// The kind's slots, resolved once. Where records are built, `EncounterSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = EncounterSlot.info
        let id = EncounterSlot.info.slot("id")
        let status = EncounterSlot.info.slot("status")
        let klass = EncounterSlot.info.slot("class")
        let type = EncounterSlot.info.slot("type")
        let period = EncounterSlot.info.slot("period")
        let dischargeDisposition = EncounterSlot.info.slot("discharge_disposition")
        let setting = EncounterSlot.info.slot("setting")
        let diagnoses = EncounterSlot.info.slot("diagnoses")
        let drg = EncounterSlot.info.slot("drg")
        let provider = EncounterSlot.info.slot("provider")
        let facility = EncounterSlot.info.slot("facility")
        let money = MoneySlots(EncounterSlot.info)
    }
    static let all = All()
}

enum ConditionSlot {
    static let info = KindInfo("Condition")
    /// The kind's slots, resolved once. Where records are built, `ConditionSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = ConditionSlot.info
        let id = ConditionSlot.info.slot("id")
        let code = ConditionSlot.info.slot("code")
        let clinicalStatus = ConditionSlot.info.slot("clinical_status")
        let category = ConditionSlot.info.slot("category")
        let onset = ConditionSlot.info.slot("onset")
        let abatement = ConditionSlot.info.slot("abatement")
        let recorded = ConditionSlot.info.slot("recorded")
        let encounter = ConditionSlot.info.slot("encounter")
        let source = ConditionSlot.info.slot("source")
        let money = MoneySlots(ConditionSlot.info)
    }
    static let all = All()
}

enum ProcedureSlot {
    static let info = KindInfo("Procedure")
    /// The kind's slots, resolved once. Where records are built, `ProcedureSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = ProcedureSlot.info
        let id = ProcedureSlot.info.slot("id")
        let code = ProcedureSlot.info.slot("code")
        let status = ProcedureSlot.info.slot("status")
        let performed = ProcedureSlot.info.slot("performed")
        let encounter = ProcedureSlot.info.slot("encounter")
        let money = MoneySlots(ProcedureSlot.info)
    }
    static let all = All()
}

enum ObservationSlot {
    static let info = KindInfo("Observation")
    static let id = info.slot("id"), code = info.slot("code"), status = info.slot("status")
    static let category = info.slot("category"), effective = info.slot("effective"), issued = info.slot("issued")
    static let value = info.slot("value"), comparator = info.slot("value_comparator")
    static let encounter = info.slot("encounter"), components = info.slot("components")
    static let profiles = info.slot("profiles")
}

enum ComponentSlot {
    static let info = KindInfo("Component")
    static let code = info.slot("code"), value = info.slot("value"), comparator = info.slot("value_comparator")
}

enum MedicationRequestSlot {
    static let info = KindInfo("MedicationRequest")
    static let id = info.slot("id"), medication = info.slot("medication")
    static let status = info.slot("status"), intent = info.slot("intent")
    static let authoredOn = info.slot("authored_on"), expectedSupply = info.slot("expected_supply")
    static let dispenseQuantity = info.slot("dispense_quantity")
}

enum MedicationDispenseSlot {
    static let info = KindInfo("MedicationDispense")
    /// The kind's slots, resolved once. Where records are built, `MedicationDispenseSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = MedicationDispenseSlot.info
        let id = MedicationDispenseSlot.info.slot("id")
        let medication = MedicationDispenseSlot.info.slot("medication")
        let status = MedicationDispenseSlot.info.slot("status")
        let dispensed = MedicationDispenseSlot.info.slot("dispensed")
        let daysSupply = MedicationDispenseSlot.info.slot("days_supply")
        let quantity = MedicationDispenseSlot.info.slot("quantity")
        let prescriber = MedicationDispenseSlot.info.slot("prescriber")
        let money = MoneySlots(MedicationDispenseSlot.info)
    }
    static let all = All()
}

enum ImmunizationSlot {
    static let info = KindInfo("Immunization")
    static let id = info.slot("id"), vaccine = info.slot("vaccine"), status = info.slot("status")
    static let occurrence = info.slot("occurrence")
}

enum ClaimSlot {
    static let info = KindInfo("Claim")
    /// The kind's slots, resolved once. Where records are built, `ClaimSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = ClaimSlot.info
        let id = ClaimSlot.info.slot("id")
        let type = ClaimSlot.info.slot("type")
        let period = ClaimSlot.info.slot("period")
        let admission = ClaimSlot.info.slot("admission")
        let discharge = ClaimSlot.info.slot("discharge")
        let dischargeDisposition = ClaimSlot.info.slot("discharge_disposition")
        let billType = ClaimSlot.info.slot("bill_type")
        let placeOfService = ClaimSlot.info.slot("place_of_service")
        let drg = ClaimSlot.info.slot("drg")
        let setting = ClaimSlot.info.slot("setting")
        let diagnoses = ClaimSlot.info.slot("diagnoses")
        let procedures = ClaimSlot.info.slot("procedures")
        let renderingNPI = ClaimSlot.info.slot("rendering_npi")
        let billingNPI = ClaimSlot.info.slot("billing_npi")
        let facilityNPI = ClaimSlot.info.slot("facility_npi")
        let lines = ClaimSlot.info.slot("lines")
        let money = MoneySlots(ClaimSlot.info)
    }
    static let all = All()
}

enum ClaimLineSlot {
    static let info = KindInfo("ClaimLine")
    /// The kind's slots, resolved once. Where records are built, `ClaimLineSlot.all` is read once: each
    /// `static let` read is a `swift_once` call on Linux, and a record built field by field would
    /// pay one per field.
    struct All {
        let info = ClaimLineSlot.info
        let number = ClaimLineSlot.info.slot("number")
        let revenueCode = ClaimLineSlot.info.slot("revenue_code")
        let hcpcs = ClaimLineSlot.info.slot("hcpcs")
        let modifiers = ClaimLineSlot.info.slot("modifiers")
        let period = ClaimLineSlot.info.slot("period")
        let units = ClaimLineSlot.info.slot("units")
        let placeOfService = ClaimLineSlot.info.slot("place_of_service")
        let paid = ClaimLineSlot.info.slot("paid")
        let allowed = ClaimLineSlot.info.slot("allowed")
    }
    static let all = All()
}

// MARK: - Values

extension Value {
    /// A day-precision DateTime from a date (DateTime-typed fields never hold `isDate` values).
    static func dayDateTime(_ t: Temporal) -> Value {
        .temporal(Temporal(millis: t.millis, precision: t.isDate ? .day : t.precision, isDate: false))
    }

    /// A closed interval; a missing end is a closed null (ongoing: the end of time), a missing
    /// start an open null (unknown).
    static func period(_ low: Value, _ high: Value) -> Value {
        .interval(IntervalValue(low: low, lowClosed: !low.isNull, high: high, highClosed: true))
    }

    static func optionalString(_ s: String?) -> Value { s.map { .string($0) } ?? .null }
}
