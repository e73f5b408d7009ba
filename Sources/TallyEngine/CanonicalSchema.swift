import TallyLanguage

/// The canonical member-record model: one schema, modelled on a subset of QI-Core (FHIR R4)
/// plus claim finance, so a measure written once runs on EHR data and on claims.
///
/// Loaders fill records in this shape; the checker resolves every field a measure reads
/// against it. `docs/data-model.md` documents each kind and how sources map into it.
public enum CanonicalSchema {
    public static let timing: TypeRef = .choice([.dateTime, .interval(.dateTime)])
    static let concepts: TypeRef = .list(.concept)
    static let money: [FieldDef] = [
        FieldDef("paid", .decimal, "paid amount in dollars (claims)"),
        FieldDef("allowed", .decimal, "allowed amount in dollars (claims)"),
        FieldDef("in_network", .boolean, "whether the claim was in network (claims)"),
        FieldDef("claim_id", .string, "the claim a claims-derived record came from"),
    ]

    public static let kinds: [RecordKind] = [
        RecordKind(name: "Member", fields: [
            FieldDef("id", .string, "member identifier (Patient.id, person_id)"),
            FieldDef("birth_date", .date),
            FieldDef("death_date", .date),
            FieldDef("sex", .string, "administrative gender as a FHIR code: female, male, other, unknown"),
            FieldDef("race", .list(.code), "race codes (OMB categories and detailed)"),
            FieldDef("ethnicity", .list(.code), "ethnicity codes"),
            FieldDef("enrollments", .list(.record("Enrollment"))),
            FieldDef("attributions", .list(.record("Attribution"))),
            FieldDef("encounters", .list(.record("Encounter"))),
            FieldDef("conditions", .list(.record("Condition"))),
            FieldDef("procedures", .list(.record("Procedure"))),
            FieldDef("observations", .list(.record("Observation")), "vitals, labs, surveys, assessments"),
            FieldDef("medication_requests", .list(.record("MedicationRequest"))),
            FieldDef("medication_dispenses", .list(.record("MedicationDispense")), "pharmacy fills"),
            FieldDef("immunizations", .list(.record("Immunization"))),
            FieldDef("device_requests", .list(.record("DeviceRequest"))),
            FieldDef("service_requests", .list(.record("ServiceRequest"))),
            FieldDef("coverages", .list(.record("Coverage"))),
            FieldDef("allergies", .list(.record("AllergyIntolerance"))),
            FieldDef("claims", .list(.record("Claim")), "claim headers with their lines"),
        ], doc: "One member (patient) and every record of theirs."),
        RecordKind(name: "Enrollment", fields: [
            FieldDef("period", .interval(.date), "enrollment span, both ends inclusive"),
            FieldDef("payer", .string), FieldDef("payer_type", .string, "commercial, medicare, medicaid, ..."),
            FieldDef("plan", .string), FieldDef("product_line", .string),
            FieldDef("hospice", .boolean), FieldDef("institutional", .boolean), FieldDef("long_term_institutional", .boolean),
            FieldDef("dual_status", .string),
        ], doc: "An enrollment span."),
        RecordKind(name: "Attribution", fields: [
            FieldDef("period", .interval(.date), "the month (or span) of attribution"),
            FieldDef("provider", .string, "attributed provider NPI"), FieldDef("practice", .string), FieldDef("organization", .string),
            FieldDef("program", .string, "payer or a custom method"), FieldDef("payer", .string), FieldDef("plan", .string),
        ], doc: "Attribution of the member to a provider."),
        RecordKind(name: "Encounter", fields: [
            FieldDef("id", .string), FieldDef("status", .string, "FHIR status code: finished, in-progress, ..."),
            FieldDef("class", .string, "encounter class code: AMB, EMER, IMP, ..."),
            FieldDef("type", concepts, "encounter types (value sets filter on these)"),
            FieldDef("period", .interval(.dateTime)),
            FieldDef("discharge_disposition", .concept),
            FieldDef("setting", .string, "claims-derived setting: inpatient, emergency, office, outpatient, snf, home_health, ..."),
            FieldDef("diagnoses", .list(.code), "diagnosis codes on the encounter (claims)"),
            FieldDef("drg", .code), FieldDef("provider", .string, "rendering or attending provider NPI"),
            FieldDef("facility", .string), FieldDef("specialty", .string),
        ] + money, primaryCode: "type", doc: "A visit, stay or contact."),
        RecordKind(name: "Condition", fields: [
            FieldDef("id", .string), FieldDef("code", .concept),
            FieldDef("clinical_status", .string, "active, recurrence, relapse, inactive, remission, resolved"),
            FieldDef("verification_status", .string), FieldDef("category", concepts), FieldDef("body_site", concepts),
            FieldDef("onset", timing, "date-time or interval"), FieldDef("abatement", timing, "date-time or interval"),
            FieldDef("recorded", .dateTime), FieldDef("encounter", .record("Encounter")),
            FieldDef("source", .string, "problem-list, encounter-diagnosis, claim"),
        ] + money, primaryCode: "code", doc: "A diagnosis or problem."),
        RecordKind(name: "Procedure", fields: [
            FieldDef("id", .string), FieldDef("code", .concept), FieldDef("status", .string),
            FieldDef("performed", timing), FieldDef("body_site", concepts), FieldDef("encounter", .record("Encounter")),
        ] + money, primaryCode: "code", doc: "A procedure performed."),
        RecordKind(name: "Component", fields: [
            FieldDef("code", .concept), FieldDef("value", .choice([.quantity, .concept, .string, .boolean, .integer])),
            FieldDef("value_comparator", .string, "a comparator (<, >, ...) on a quantity value"),
        ], primaryCode: "code", doc: "One component of an observation (systolic of a blood pressure)."),
        RecordKind(name: "Observation", fields: [
            FieldDef("id", .string), FieldDef("code", .concept), FieldDef("status", .string), FieldDef("category", concepts),
            FieldDef("effective", timing), FieldDef("issued", .dateTime),
            FieldDef("value", .choice([.quantity, .concept, .string, .boolean, .integer, .dateTime]), "the result"),
            FieldDef("value_comparator", .string, "a comparator (<, >, ...) on a quantity result"),
            FieldDef("components", .list(.record("Component"))),
            FieldDef("encounter", .record("Encounter")), FieldDef("profiles", .list(.string)),
        ], primaryCode: "code", doc: "Vitals, lab results, surveys and assessments."),
        RecordKind(name: "MedicationRequest", fields: [
            FieldDef("id", .string), FieldDef("medication", .concept), FieldDef("status", .string), FieldDef("intent", .string),
            FieldDef("authored_on", .dateTime), FieldDef("do_not_perform", .boolean),
            FieldDef("dosage_count", .integer, "number of dosage instructions"),
            FieldDef("frequency", .decimal), FieldDef("timing_period", .quantity, "timing.repeat period with its unit"),
            FieldDef("times_of_day", .integer), FieldDef("bounds", .interval(.dateTime)),
            FieldDef("dose", .quantity), FieldDef("dose_count", .integer, "number of doseAndRate entries"),
            FieldDef("expected_supply", .quantity), FieldDef("dispense_quantity", .quantity),
            FieldDef("refills", .integer), FieldDef("validity", .interval(.dateTime)),
        ], primaryCode: "medication", doc: "A prescription or medication order."),
        RecordKind(name: "MedicationDispense", fields: [
            FieldDef("id", .string), FieldDef("medication", .concept), FieldDef("status", .string),
            FieldDef("dispensed", .dateTime), FieldDef("days_supply", .integer), FieldDef("quantity", .decimal),
            FieldDef("prescriber", .string),
        ] + money, primaryCode: "medication", doc: "A fill of a medication (pharmacy claims)."),
        RecordKind(name: "Immunization", fields: [
            FieldDef("id", .string), FieldDef("vaccine", .concept), FieldDef("status", .string), FieldDef("occurrence", timing),
        ], primaryCode: "vaccine", doc: "A vaccine given."),
        RecordKind(name: "DeviceRequest", fields: [
            FieldDef("id", .string), FieldDef("code", .concept), FieldDef("status", .string), FieldDef("intent", .string),
            FieldDef("authored_on", .dateTime), FieldDef("do_not_perform", .boolean),
        ], primaryCode: "code", doc: "An order for a device."),
        RecordKind(name: "ServiceRequest", fields: [
            FieldDef("id", .string), FieldDef("code", .concept), FieldDef("status", .string), FieldDef("intent", .string),
            FieldDef("authored_on", .dateTime), FieldDef("do_not_perform", .boolean),
        ], primaryCode: "code", doc: "An order for a service."),
        RecordKind(name: "Coverage", fields: [
            FieldDef("id", .string), FieldDef("type", .concept), FieldDef("status", .string), FieldDef("period", .interval(.dateTime)),
            FieldDef("payer", .string),
        ], primaryCode: "type", doc: "Insurance coverage."),
        RecordKind(name: "AllergyIntolerance", fields: [
            FieldDef("id", .string), FieldDef("code", .concept), FieldDef("clinical_status", .string),
            FieldDef("verification_status", .string), FieldDef("onset", timing), FieldDef("recorded", .dateTime),
        ], primaryCode: "code", doc: "An allergy or intolerance."),
        RecordKind(name: "Claim", fields: [
            FieldDef("id", .string), FieldDef("type", .string, "institutional, professional, pharmacy"),
            FieldDef("period", .interval(.date), "claim start to end date"),
            FieldDef("admission", .date), FieldDef("discharge", .date), FieldDef("discharge_disposition", .string),
            FieldDef("bill_type", .string), FieldDef("place_of_service", .string), FieldDef("drg", .string),
            FieldDef("setting", .string), FieldDef("diagnoses", .list(.code)), FieldDef("procedures", .list(.code)),
            FieldDef("rendering_npi", .string), FieldDef("billing_npi", .string), FieldDef("facility_npi", .string),
            FieldDef("lines", .list(.record("ClaimLine"))),
        ] + money, doc: "A claim header (all its lines summed)."),
        RecordKind(name: "ClaimLine", fields: [
            FieldDef("number", .integer), FieldDef("revenue_code", .string), FieldDef("hcpcs", .string),
            FieldDef("modifiers", .list(.string)), FieldDef("period", .interval(.date)), FieldDef("units", .decimal),
            FieldDef("place_of_service", .string), FieldDef("paid", .decimal), FieldDef("allowed", .decimal),
        ], doc: "One line of a claim."),
    ]

    public static let schema = RecordSchema(kinds: kinds, rootKind: "Member")
}
