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
    static let birthDate = info.slot("birth_date"), deathDate = info.slot("death_date"), sex = info.slot("sex")
    static let race = info.slot("race"), ethnicity = info.slot("ethnicity")
    static let enrollments = info.slot("enrollments"), attributions = info.slot("attributions")
    static let encounters = info.slot("encounters"), conditions = info.slot("conditions")
    static let procedures = info.slot("procedures"), observations = info.slot("observations")
    static let medicationRequests = info.slot("medication_requests"), medicationDispenses = info.slot("medication_dispenses")
    static let immunizations = info.slot("immunizations"), coverages = info.slot("coverages")
    static let claims = info.slot("claims")
}

enum EnrollmentSlot {
    static let info = KindInfo("Enrollment")
    static let period = info.slot("period"), payer = info.slot("payer"), payerType = info.slot("payer_type")
    static let plan = info.slot("plan"), productLine = info.slot("product_line"), hospice = info.slot("hospice")
    static let institutional = info.slot("institutional"), longTermInstitutional = info.slot("long_term_institutional")
    static let dualStatus = info.slot("dual_status")
}

enum CoverageSlot {
    static let info = KindInfo("Coverage")
    static let id = info.slot("id"), type = info.slot("type"), status = info.slot("status")
    static let period = info.slot("period"), payer = info.slot("payer")
}

enum AttributionSlot {
    static let info = KindInfo("Attribution")
    static let period = info.slot("period"), provider = info.slot("provider"), practice = info.slot("practice")
    static let organization = info.slot("organization"), program = info.slot("program")
    static let payer = info.slot("payer"), plan = info.slot("plan")
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
    static let id = info.slot("id"), status = info.slot("status"), klass = info.slot("class")
    static let type = info.slot("type"), period = info.slot("period")
    static let dischargeDisposition = info.slot("discharge_disposition"), setting = info.slot("setting")
    static let diagnoses = info.slot("diagnoses"), drg = info.slot("drg"), provider = info.slot("provider")
    static let facility = info.slot("facility")
    static let money = MoneySlots(info)
}

enum ConditionSlot {
    static let info = KindInfo("Condition")
    static let id = info.slot("id"), code = info.slot("code"), clinicalStatus = info.slot("clinical_status")
    static let category = info.slot("category"), onset = info.slot("onset"), abatement = info.slot("abatement")
    static let recorded = info.slot("recorded"), encounter = info.slot("encounter"), source = info.slot("source")
    static let money = MoneySlots(info)
}

enum ProcedureSlot {
    static let info = KindInfo("Procedure")
    static let id = info.slot("id"), code = info.slot("code"), status = info.slot("status")
    static let performed = info.slot("performed"), encounter = info.slot("encounter")
    static let money = MoneySlots(info)
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
    static let id = info.slot("id"), medication = info.slot("medication")
    static let status = info.slot("status"), dispensed = info.slot("dispensed")
    static let daysSupply = info.slot("days_supply"), quantity = info.slot("quantity")
    static let prescriber = info.slot("prescriber")
    static let money = MoneySlots(info)
}

enum ImmunizationSlot {
    static let info = KindInfo("Immunization")
    static let id = info.slot("id"), vaccine = info.slot("vaccine"), status = info.slot("status")
    static let occurrence = info.slot("occurrence")
}

enum ClaimSlot {
    static let info = KindInfo("Claim")
    static let id = info.slot("id"), type = info.slot("type"), period = info.slot("period")
    static let admission = info.slot("admission"), discharge = info.slot("discharge")
    static let dischargeDisposition = info.slot("discharge_disposition"), billType = info.slot("bill_type")
    static let placeOfService = info.slot("place_of_service"), drg = info.slot("drg"), setting = info.slot("setting")
    static let diagnoses = info.slot("diagnoses"), procedures = info.slot("procedures")
    static let renderingNPI = info.slot("rendering_npi"), billingNPI = info.slot("billing_npi"), facilityNPI = info.slot("facility_npi")
    static let lines = info.slot("lines")
    static let money = MoneySlots(info)
}

enum ClaimLineSlot {
    static let info = KindInfo("ClaimLine")
    static let number = info.slot("number"), revenueCode = info.slot("revenue_code"), hcpcs = info.slot("hcpcs")
    static let modifiers = info.slot("modifiers"), period = info.slot("period"), units = info.slot("units")
    static let placeOfService = info.slot("place_of_service"), paid = info.slot("paid"), allowed = info.slot("allowed")
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
