import TallyEngine
import TallyLanguage

/// The canonical kinds and field slots the loader fills, resolved once by name (a misspelt
/// field stops the process at first use, and the mapping tests catch it).
private func slot(_ kind: String, _ field: String) -> Int { CanonicalSchema.slot(kind, field) }

/// A kind: its index and field count, to make records without name lookups.
struct KindInfo {
    let kind: Int
    let count: Int
    init(_ name: String) {
        kind = CanonicalSchema.kindIndex(name)
        count = CanonicalSchema.schema.kinds[kind].fields.count
    }
    /// A new field array, every field null (written directly: the generic repeating initialiser
    /// copies element by element).
    @inline(__always)
    func fields() -> [Value] {
        [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress!
            for i in 0..<count { (base + i).initialize(to: .null) }
            initialized = count
        }
    }
}

enum MemberSlot {
    static let birthDate = slot("Member", "birth_date"), deathDate = slot("Member", "death_date"), sex = slot("Member", "sex")
    static let race = slot("Member", "race"), ethnicity = slot("Member", "ethnicity")
    static let enrollments = slot("Member", "enrollments"), attributions = slot("Member", "attributions")
    static let encounters = slot("Member", "encounters"), conditions = slot("Member", "conditions")
    static let procedures = slot("Member", "procedures"), observations = slot("Member", "observations")
    static let medicationRequests = slot("Member", "medication_requests"), medicationDispenses = slot("Member", "medication_dispenses")
    static let immunizations = slot("Member", "immunizations"), coverages = slot("Member", "coverages")
    static let claims = slot("Member", "claims")
}

enum EnrollmentSlot {
    static let info = KindInfo("Enrollment")
    static let period = slot("Enrollment", "period"), payer = slot("Enrollment", "payer"), payerType = slot("Enrollment", "payer_type")
    static let plan = slot("Enrollment", "plan"), productLine = slot("Enrollment", "product_line"), hospice = slot("Enrollment", "hospice")
    static let institutional = slot("Enrollment", "institutional"), longTermInstitutional = slot("Enrollment", "long_term_institutional")
    static let dualStatus = slot("Enrollment", "dual_status")
}

enum CoverageSlot {
    static let info = KindInfo("Coverage")
    static let id = slot("Coverage", "id"), type = slot("Coverage", "type"), status = slot("Coverage", "status")
    static let period = slot("Coverage", "period"), payer = slot("Coverage", "payer")
}

enum AttributionSlot {
    static let info = KindInfo("Attribution")
    static let period = slot("Attribution", "period"), provider = slot("Attribution", "provider"), practice = slot("Attribution", "practice")
    static let organization = slot("Attribution", "organization"), program = slot("Attribution", "program")
    static let payer = slot("Attribution", "payer"), plan = slot("Attribution", "plan")
}

/// The claim-finance fields every claims-derived kind shares.
struct MoneySlots {
    let paid: Int, allowed: Int, inNetwork: Int, claimID: Int
    init(_ kind: String) {
        paid = slot(kind, "paid"); allowed = slot(kind, "allowed"); inNetwork = slot(kind, "in_network"); claimID = slot(kind, "claim_id")
    }
}

enum EncounterSlot {
    static let info = KindInfo("Encounter")
    static let id = slot("Encounter", "id"), status = slot("Encounter", "status"), klass = slot("Encounter", "class")
    static let type = slot("Encounter", "type"), period = slot("Encounter", "period")
    static let dischargeDisposition = slot("Encounter", "discharge_disposition"), setting = slot("Encounter", "setting")
    static let diagnoses = slot("Encounter", "diagnoses"), drg = slot("Encounter", "drg"), provider = slot("Encounter", "provider")
    static let facility = slot("Encounter", "facility")
    static let money = MoneySlots("Encounter")
}

enum ConditionSlot {
    static let info = KindInfo("Condition")
    static let id = slot("Condition", "id"), code = slot("Condition", "code"), clinicalStatus = slot("Condition", "clinical_status")
    static let category = slot("Condition", "category"), onset = slot("Condition", "onset"), abatement = slot("Condition", "abatement")
    static let recorded = slot("Condition", "recorded"), encounter = slot("Condition", "encounter"), source = slot("Condition", "source")
    static let money = MoneySlots("Condition")
}

enum ProcedureSlot {
    static let info = KindInfo("Procedure")
    static let id = slot("Procedure", "id"), code = slot("Procedure", "code"), status = slot("Procedure", "status")
    static let performed = slot("Procedure", "performed"), encounter = slot("Procedure", "encounter")
    static let money = MoneySlots("Procedure")
}

enum ObservationSlot {
    static let info = KindInfo("Observation")
    static let id = slot("Observation", "id"), code = slot("Observation", "code"), status = slot("Observation", "status")
    static let category = slot("Observation", "category"), effective = slot("Observation", "effective"), issued = slot("Observation", "issued")
    static let value = slot("Observation", "value"), comparator = slot("Observation", "value_comparator")
    static let encounter = slot("Observation", "encounter"), components = slot("Observation", "components")
    static let profiles = slot("Observation", "profiles")
}

enum ComponentSlot {
    static let code = slot("Component", "code"), value = slot("Component", "value"), comparator = slot("Component", "value_comparator")
}

enum MedicationRequestSlot {
    static let info = KindInfo("MedicationRequest")
    static let id = slot("MedicationRequest", "id"), medication = slot("MedicationRequest", "medication")
    static let status = slot("MedicationRequest", "status"), intent = slot("MedicationRequest", "intent")
    static let authoredOn = slot("MedicationRequest", "authored_on"), expectedSupply = slot("MedicationRequest", "expected_supply")
    static let dispenseQuantity = slot("MedicationRequest", "dispense_quantity")
}

enum MedicationDispenseSlot {
    static let info = KindInfo("MedicationDispense")
    static let id = slot("MedicationDispense", "id"), medication = slot("MedicationDispense", "medication")
    static let status = slot("MedicationDispense", "status"), dispensed = slot("MedicationDispense", "dispensed")
    static let daysSupply = slot("MedicationDispense", "days_supply"), quantity = slot("MedicationDispense", "quantity")
    static let prescriber = slot("MedicationDispense", "prescriber")
    static let money = MoneySlots("MedicationDispense")
}

enum ImmunizationSlot {
    static let info = KindInfo("Immunization")
    static let id = slot("Immunization", "id"), vaccine = slot("Immunization", "vaccine"), status = slot("Immunization", "status")
    static let occurrence = slot("Immunization", "occurrence")
}

enum ClaimSlot {
    static let info = KindInfo("Claim")
    static let id = slot("Claim", "id"), type = slot("Claim", "type"), period = slot("Claim", "period")
    static let admission = slot("Claim", "admission"), discharge = slot("Claim", "discharge")
    static let dischargeDisposition = slot("Claim", "discharge_disposition"), billType = slot("Claim", "bill_type")
    static let placeOfService = slot("Claim", "place_of_service"), drg = slot("Claim", "drg"), setting = slot("Claim", "setting")
    static let diagnoses = slot("Claim", "diagnoses"), procedures = slot("Claim", "procedures")
    static let renderingNPI = slot("Claim", "rendering_npi"), billingNPI = slot("Claim", "billing_npi"), facilityNPI = slot("Claim", "facility_npi")
    static let lines = slot("Claim", "lines")
    static let money = MoneySlots("Claim")
}

enum ClaimLineSlot {
    static let info = KindInfo("ClaimLine")
    static let number = slot("ClaimLine", "number"), revenueCode = slot("ClaimLine", "revenue_code"), hcpcs = slot("ClaimLine", "hcpcs")
    static let modifiers = slot("ClaimLine", "modifiers"), period = slot("ClaimLine", "period"), units = slot("ClaimLine", "units")
    static let placeOfService = slot("ClaimLine", "place_of_service"), paid = slot("ClaimLine", "paid"), allowed = slot("ClaimLine", "allowed")
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
