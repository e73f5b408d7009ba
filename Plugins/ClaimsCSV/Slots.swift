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
    /// Every slot, read with one access (see `ClaimSlot.All`).
    struct All {
        let birthDate = MemberSlot.birthDate
        let deathDate = MemberSlot.deathDate
        let sex = MemberSlot.sex
        let race = MemberSlot.race
        let ethnicity = MemberSlot.ethnicity
        let enrollments = MemberSlot.enrollments
        let attributions = MemberSlot.attributions
        let encounters = MemberSlot.encounters
        let conditions = MemberSlot.conditions
        let procedures = MemberSlot.procedures
        let observations = MemberSlot.observations
        let medicationRequests = MemberSlot.medicationRequests
        let medicationDispenses = MemberSlot.medicationDispenses
        let immunizations = MemberSlot.immunizations
        let coverages = MemberSlot.coverages
        let claims = MemberSlot.claims
    }
    static let all = All()
}

enum EnrollmentSlot {
    static let info = KindInfo("Enrollment")
    static let period = info.slot("period"), payer = info.slot("payer"), payerType = info.slot("payer_type")
    static let plan = info.slot("plan"), productLine = info.slot("product_line"), hospice = info.slot("hospice")
    static let institutional = info.slot("institutional"), longTermInstitutional = info.slot("long_term_institutional")
    static let dualStatus = info.slot("dual_status")
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = EnrollmentSlot.info
        let period = EnrollmentSlot.period
        let payer = EnrollmentSlot.payer
        let payerType = EnrollmentSlot.payerType
        let plan = EnrollmentSlot.plan
        let productLine = EnrollmentSlot.productLine
        let hospice = EnrollmentSlot.hospice
        let institutional = EnrollmentSlot.institutional
        let longTermInstitutional = EnrollmentSlot.longTermInstitutional
        let dualStatus = EnrollmentSlot.dualStatus
    }
    static let all = All()
}

enum CoverageSlot {
    static let info = KindInfo("Coverage")
    static let id = info.slot("id"), type = info.slot("type"), status = info.slot("status")
    static let period = info.slot("period"), payer = info.slot("payer")
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = CoverageSlot.info
        let id = CoverageSlot.id
        let type = CoverageSlot.type
        let status = CoverageSlot.status
        let period = CoverageSlot.period
        let payer = CoverageSlot.payer
    }
    static let all = All()
}

enum AttributionSlot {
    static let info = KindInfo("Attribution")
    static let period = info.slot("period"), provider = info.slot("provider"), practice = info.slot("practice")
    static let organization = info.slot("organization"), program = info.slot("program")
    static let payer = info.slot("payer"), plan = info.slot("plan")
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = AttributionSlot.info
        let period = AttributionSlot.period
        let provider = AttributionSlot.provider
        let practice = AttributionSlot.practice
        let organization = AttributionSlot.organization
        let program = AttributionSlot.program
        let payer = AttributionSlot.payer
        let plan = AttributionSlot.plan
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
    static let id = info.slot("id"), status = info.slot("status"), klass = info.slot("class")
    static let type = info.slot("type"), period = info.slot("period")
    static let dischargeDisposition = info.slot("discharge_disposition"), setting = info.slot("setting")
    static let diagnoses = info.slot("diagnoses"), drg = info.slot("drg"), provider = info.slot("provider")
    static let facility = info.slot("facility")
    static let money = MoneySlots(info)
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = EncounterSlot.info
        let id = EncounterSlot.id
        let status = EncounterSlot.status
        let klass = EncounterSlot.klass
        let type = EncounterSlot.type
        let period = EncounterSlot.period
        let dischargeDisposition = EncounterSlot.dischargeDisposition
        let setting = EncounterSlot.setting
        let diagnoses = EncounterSlot.diagnoses
        let drg = EncounterSlot.drg
        let provider = EncounterSlot.provider
        let facility = EncounterSlot.facility
        let money = EncounterSlot.money
    }
    static let all = All()
}

enum ConditionSlot {
    static let info = KindInfo("Condition")
    static let id = info.slot("id"), code = info.slot("code"), clinicalStatus = info.slot("clinical_status")
    static let category = info.slot("category"), onset = info.slot("onset"), abatement = info.slot("abatement")
    static let recorded = info.slot("recorded"), encounter = info.slot("encounter"), source = info.slot("source")
    static let money = MoneySlots(info)
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = ConditionSlot.info
        let id = ConditionSlot.id
        let code = ConditionSlot.code
        let clinicalStatus = ConditionSlot.clinicalStatus
        let category = ConditionSlot.category
        let onset = ConditionSlot.onset
        let abatement = ConditionSlot.abatement
        let recorded = ConditionSlot.recorded
        let encounter = ConditionSlot.encounter
        let source = ConditionSlot.source
        let money = ConditionSlot.money
    }
    static let all = All()
}

enum ProcedureSlot {
    static let info = KindInfo("Procedure")
    static let id = info.slot("id"), code = info.slot("code"), status = info.slot("status")
    static let performed = info.slot("performed"), encounter = info.slot("encounter")
    static let money = MoneySlots(info)
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = ProcedureSlot.info
        let id = ProcedureSlot.id
        let code = ProcedureSlot.code
        let status = ProcedureSlot.status
        let performed = ProcedureSlot.performed
        let encounter = ProcedureSlot.encounter
        let money = ProcedureSlot.money
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
    static let id = info.slot("id"), medication = info.slot("medication")
    static let status = info.slot("status"), dispensed = info.slot("dispensed")
    static let daysSupply = info.slot("days_supply"), quantity = info.slot("quantity")
    static let prescriber = info.slot("prescriber")
    static let money = MoneySlots(info)
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = MedicationDispenseSlot.info
        let id = MedicationDispenseSlot.id
        let medication = MedicationDispenseSlot.medication
        let status = MedicationDispenseSlot.status
        let dispensed = MedicationDispenseSlot.dispensed
        let daysSupply = MedicationDispenseSlot.daysSupply
        let quantity = MedicationDispenseSlot.quantity
        let prescriber = MedicationDispenseSlot.prescriber
        let money = MedicationDispenseSlot.money
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
    static let id = info.slot("id"), type = info.slot("type"), period = info.slot("period")
    static let admission = info.slot("admission"), discharge = info.slot("discharge")
    static let dischargeDisposition = info.slot("discharge_disposition"), billType = info.slot("bill_type")
    static let placeOfService = info.slot("place_of_service"), drg = info.slot("drg"), setting = info.slot("setting")
    static let diagnoses = info.slot("diagnoses"), procedures = info.slot("procedures")
    static let renderingNPI = info.slot("rendering_npi"), billingNPI = info.slot("billing_npi"), facilityNPI = info.slot("facility_npi")
    static let lines = info.slot("lines")
    static let money = MoneySlots(info)
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = ClaimSlot.info
        let id = ClaimSlot.id
        let type = ClaimSlot.type
        let period = ClaimSlot.period
        let admission = ClaimSlot.admission
        let discharge = ClaimSlot.discharge
        let dischargeDisposition = ClaimSlot.dischargeDisposition
        let billType = ClaimSlot.billType
        let placeOfService = ClaimSlot.placeOfService
        let drg = ClaimSlot.drg
        let setting = ClaimSlot.setting
        let diagnoses = ClaimSlot.diagnoses
        let procedures = ClaimSlot.procedures
        let renderingNPI = ClaimSlot.renderingNPI
        let billingNPI = ClaimSlot.billingNPI
        let facilityNPI = ClaimSlot.facilityNPI
        let lines = ClaimSlot.lines
        let money = ClaimSlot.money
    }
    static let all = All()
}

enum ClaimLineSlot {
    static let info = KindInfo("ClaimLine")
    static let number = info.slot("number"), revenueCode = info.slot("revenue_code"), hcpcs = info.slot("hcpcs")
    static let modifiers = info.slot("modifiers"), period = info.slot("period"), units = info.slot("units")
    static let placeOfService = info.slot("place_of_service"), paid = info.slot("paid"), allowed = info.slot("allowed")
    /// Every slot, read with one access: each `static let` read is a `swift_once` call on Linux,
    /// and a record built field by field would pay one per field.
    struct All {
        let info = ClaimLineSlot.info
        let number = ClaimLineSlot.number
        let revenueCode = ClaimLineSlot.revenueCode
        let hcpcs = ClaimLineSlot.hcpcs
        let modifiers = ClaimLineSlot.modifiers
        let period = ClaimLineSlot.period
        let units = ClaimLineSlot.units
        let placeOfService = ClaimLineSlot.placeOfService
        let paid = ClaimLineSlot.paid
        let allowed = ClaimLineSlot.allowed
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
