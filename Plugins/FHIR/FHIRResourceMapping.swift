import TallyEngine
import TallyLanguage

/// A clinical resource mapped into one canonical record, with what the loader finishes later:
/// the encounter reference (resolved by id among the member's encounters) and ages that need the
/// birth date.
struct MappedRecord {
    var record: Record
    /// The member list it goes in (`encounters`, `conditions`, ...).
    var listSlot: Int
    /// The slot of an `encounter` field and the reference text (`Encounter/E1`, `urn:uuid:...`).
    var encounter: (slot: Int, reference: String)?
    var ages: [(slot: Int, low: Quantity?, high: Quantity?)] = []
}

/// Fills one record of a canonical kind by field name.
final class RecordWriter {
    let record: Record
    let kind: RecordKind
    var encounter: (slot: Int, reference: String)?
    var ages: [(slot: Int, low: Quantity?, high: Quantity?)] = []

    init(_ kindName: String) {
        record = CanonicalSchema.newRecord(kindName)
        kind = CanonicalSchema.schema.kinds[record.kind]
    }

    func slot(_ field: String) -> Int {
        guard let s = kind.slot(of: field) else { fatalError("no field \(kind.name).\(field)") }
        return s
    }

    func set(_ field: String, _ value: Value) { record.fields[slot(field)] = value }

    func set(_ field: String, timing: FHIRTiming) {
        switch timing {
        case .value(let v): set(field, v)
        case .age(let low, let high): ages.append((slot(field), low, high))
        }
    }

    /// Keeps `Reference.reference` of an encounter element for the loader to resolve.
    func setEncounter(_ r: FHIRElement) throws {
        if let ref = try r.element("encounter")?.string("reference") { encounter = (slot("encounter"), ref) }
    }

    /// Sets `field` from the element of `r` that `source` names.
    func read(_ field: String, _ source: FieldSource, of r: FHIRElement) throws {
        switch source {
        case .string(let key): set(field, try r.stringValue(key))
        case .dateTime(let key): set(field, try r.dateTimeValue(key))
        case .concept(let key): set(field, try r.conceptValue(key))
        case .concepts(let key): set(field, try r.conceptsValue(key))
        case .period(let key): set(field, try r.period(key))
        case .status(let key, let system): set(field, try r.statusCode(key, system: system))
        case .timing(let prefix, let allowed): set(field, timing: try FHIRTiming.read(r, prefix, allowed: allowed))
        case .doNotPerform(let element): set(field, try FHIRMapping.doNotPerform(r, element: element))
        case .encounter: try setEncounter(r)
        case .other(let read): set(field, try read(r))
        }
    }

    func mapped(list: String) -> MappedRecord {
        MappedRecord(record: record, listSlot: CanonicalSchema.slot("Member", list), encounter: encounter, ages: ages)
    }
}

/// Where one canonical field comes from in a resource: the element, and the FHIR type it is read as.
enum FieldSource {
    /// A primitive as text (`status`, `intent`).
    case string(String)
    case dateTime(String)
    case concept(String)
    /// A list of CodeableConcepts; null when the element is absent.
    case concepts(String)
    /// A Period as an interval.
    case period(String)
    /// The code of a status CodeableConcept, the coding in `system` first.
    case status(String, system: String)
    /// A timing `prefix[x]` of the `allowed` R4 types (an age waits for the birth date).
    case timing(String, allowed: [FHIRTiming.Kind])
    /// The R4 doNotPerform element where the resource has one (`element`), else the QI-Core extension.
    case doNotPerform(element: Bool)
    /// The `encounter` reference (into the field of that name), which the loader resolves among
    /// the member's encounters.
    case encounter
    /// What takes more than one element or a rule of its own.
    case other((FHIRElement) throws -> Value)
}

/// How one clinical resource type maps: the element naming its patient, the member list its
/// records go in, and its fields in the order they are read (when two elements are bad, the first
/// one read is the one reported).
struct ResourceMapping {
    var subject = "subject"
    var list: String
    var fields: KeyValuePairs<String, FieldSource>
    /// Fields set together from one element (an observation's value and comparator) or from
    /// nested lists, read after `fields`.
    var rest: ((FHIRElement, RecordWriter) throws -> Void)?
}

/// How each clinical R4 resource maps into the canonical model (docs/data-model.md, "FHIR R4").
enum FHIRMapping {
    static let qicoreDoNotPerform = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-doNotPerform"
    static let usCoreRace = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
    static let usCoreEthnicity = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"
    static let conditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    static let conditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    static let conditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category"
    static let allergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
    static let allergyVerification = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"

    /// The mapped resource types, each into a record of the kind of the same name.
    static let resources: [String: ResourceMapping] = [
        "Encounter": ResourceMapping(list: "encounters", fields: [
            "id": .string("id"), "status": .string("status"), "class": .other(encounterClass), "type": .concepts("type"),
            "period": .period("period"), "discharge_disposition": .other(dischargeDisposition),
        ]),
        "Condition": ResourceMapping(list: "conditions", fields: [
            "id": .string("id"), "code": .concept("code"),
            "clinical_status": .status("clinicalStatus", system: conditionClinical),
            "verification_status": .status("verificationStatus", system: conditionVerification),
            "category": .concepts("category"), "body_site": .concepts("bodySite"),
            "onset": .timing("onset", allowed: [.dateTime, .age, .period, .range, .string]),
            "abatement": .timing("abatement", allowed: [.dateTime, .age, .period, .range, .string, .boolean]),
            "recorded": .dateTime("recordedDate"), "encounter": .encounter, "source": .other(conditionSource),
        ]),
        "Procedure": ResourceMapping(list: "procedures", fields: [
            "id": .string("id"), "code": .concept("code"), "status": .string("status"),
            "performed": .timing("performed", allowed: [.dateTime, .period, .string, .age, .range]),
            "body_site": .concepts("bodySite"), "encounter": .encounter,
        ]),
        "Observation": ResourceMapping(list: "observations", fields: [
            "id": .string("id"), "code": .concept("code"), "status": .string("status"), "category": .concepts("category"),
            "effective": .timing("effective", allowed: [.dateTime, .period, .timing, .instant]), "issued": .dateTime("issued"),
        ], rest: observationResults),
        "MedicationRequest": ResourceMapping(list: "medication_requests", fields: [
            "id": .string("id"),
            // Only medicationCodeableConcept: a medicationReference is not resolved (libraries.md §15.1).
            "medication": .concept("medicationCodeableConcept"), "status": .string("status"),
            "intent": .string("intent"), "authored_on": .dateTime("authoredOn"), "do_not_perform": .doNotPerform(element: true),
        ], rest: dosageAndDispense),
        "MedicationDispense": ResourceMapping(list: "medication_dispenses", fields: [
            "id": .string("id"), "medication": .concept("medicationCodeableConcept"), "status": .string("status"),
            "dispensed": .other(dispensed), "days_supply": .other(daysSupply), "quantity": .other(dispensedQuantity),
        ]),
        "Immunization": ResourceMapping(subject: "patient", list: "immunizations", fields: [
            "id": .string("id"), "vaccine": .concept("vaccineCode"), "status": .string("status"),
            "occurrence": .timing("occurrence", allowed: [.dateTime, .string]),
        ]),
        "DeviceRequest": ResourceMapping(list: "device_requests", fields: [
            "id": .string("id"),
            // codeReference (a Device) is not resolved.
            "code": .concept("codeCodeableConcept"), "status": .string("status"),
            "intent": .string("intent"), "authored_on": .dateTime("authoredOn"), "do_not_perform": .doNotPerform(element: false),
        ]),
        "ServiceRequest": ResourceMapping(list: "service_requests", fields: [
            "id": .string("id"), "code": .concept("code"), "status": .string("status"),
            "intent": .string("intent"), "authored_on": .dateTime("authoredOn"), "do_not_perform": .doNotPerform(element: true),
        ]),
        "Coverage": ResourceMapping(subject: "beneficiary", list: "coverages", fields: [
            "id": .string("id"), "type": .concept("type"), "status": .string("status"), "period": .period("period"),
            "payer": .other(payer),
        ]),
        "AllergyIntolerance": ResourceMapping(subject: "patient", list: "allergies", fields: [
            "id": .string("id"), "code": .concept("code"),
            "clinical_status": .status("clinicalStatus", system: allergyClinical),
            "verification_status": .status("verificationStatus", system: allergyVerification),
            "onset": .timing("onset", allowed: [.dateTime, .age, .period, .range, .string]), "recorded": .dateTime("recordedDate"),
        ]),
    ]

    /// The mapped resource types with the element naming their patient.
    static let subjectElement: [String: String] = resources.mapValues(\.subject)

    static func map(_ type: String, _ r: FHIRElement) throws -> MappedRecord {
        guard let resource = resources[type] else { fatalError("no mapping for \(type)") }
        let w = RecordWriter(type)
        for (field, source) in resource.fields { try w.read(field, source, of: r) }
        try resource.rest?(r, w)
        return w.mapped(list: resource.list)
    }

    // MARK: - Patient

    struct PatientFields {
        var birthDate: Temporal?
        var deathDate: Temporal?
        var sex: String?
        var race: [Code]?
        var ethnicity: [Code]?
    }

    static func patient(_ r: FHIRElement) throws -> PatientFields {
        var p = PatientFields()
        p.birthDate = try r.date("birthDate")
        if try r.choice("deceased") == "DateTime" {
            p.deathDate = try r.dateTime("deceasedDateTime")?.truncated(to: .day)
        } else {
            _ = try r.bool("deceasedBoolean")  // alive or dead without a date: no death date
        }
        p.sex = try r.string("gender")
        for ext in try r.elements("extension") {
            let url = try ext.string("url")
            guard url == usCoreRace || url == usCoreEthnicity else { continue }
            var codes: [Code] = []
            for part in try ext.elements("extension") {
                let name = try part.string("url")
                guard name == "ombCategory" || name == "detailed" else { continue }
                if let code = try part.element("valueCoding")?.coding() { codes.append(code) }
            }
            if url == usCoreRace { p.race = (p.race ?? []) + codes } else { p.ethnicity = (p.ethnicity ?? []) + codes }
        }
        return p
    }

    // MARK: - Clinical resources: what the table cannot say

    /// R4 `class` is one Coding; tolerate an R5-style list of CodeableConcepts.
    static func encounterClass(_ r: FHIRElement) throws -> Value {
        if let c = try? r.element("class") { return try c.stringValue("code") }
        return try r.elements("class").first?.elements("coding").first?.stringValue("code") ?? .null
    }

    static func dischargeDisposition(_ r: FHIRElement) throws -> Value {
        try r.element("hospitalization")?.conceptValue("dischargeDisposition") ?? .null
    }

    /// Where a condition was recorded, from its condition-category coding (`problem-list-item`
    /// read as `problem-list`).
    static func conditionSource(_ r: FHIRElement) throws -> Value {
        let source = try r.concepts("category").lazy.flatMap(\.codes).first { $0.system == conditionCategory }.map { c in
            c.code == "problem-list-item" ? "problem-list" : c.code
        }
        return source.map { .string($0) } ?? .null
    }

    /// An observation's value and comparator, its components, encounter and profiles.
    static func observationResults(_ r: FHIRElement, _ w: RecordWriter) throws {
        let (value, comparator) = try observationValue(r, allowed: observationValueTypes)
        w.set("value", value)
        w.set("value_comparator", comparator)
        var components: [Value] = []
        for c in try r.elements("component") {
            let cw = RecordWriter("Component")
            cw.set("code", try c.conceptValue("code"))
            let (v, cmp) = try observationValue(c, allowed: componentValueTypes)
            cw.set("value", v)
            cw.set("value_comparator", cmp)
            components.append(.record(cw.record))
        }
        w.set("components", r.has("component") ? .list(components) : .null)
        try w.setEncounter(r)
        if let meta = try r.element("meta"), meta.has("profile") {
            w.set("profiles", .list(try meta.strings("profile").map { .string($0) }))
        }
    }

    static let observationValueTypes: Set<String> = ["Quantity", "CodeableConcept", "String", "Boolean", "Integer", "Range",
                                                     "Ratio", "SampledData", "Time", "DateTime", "Period"]
    static let componentValueTypes = observationValueTypes

    /// `value[x]` of an observation or component, and the comparator of a valueQuantity. A
    /// valueQuantity without a number is null (no result). Value types the model has no type
    /// for (Range, Ratio, SampledData, Period, time) keep their presence as text.
    static func observationValue(_ r: FHIRElement, allowed: Set<String>) throws -> (Value, Value) {
        guard let suffix = try r.choice("value") else { return (.null, .null) }
        let key = "value" + suffix
        guard allowed.contains(suffix) else {
            throw FHIRMappingError("bad-field", "\(r.at(key)): value[x] cannot be a \(suffix)")
        }
        switch suffix {
        case "Quantity":
            guard let parts = try r.element(key)?.quantityParts(), let q = parts.quantity else { return (.null, .null) }
            return (.quantity(q), parts.comparator.map { .string($0) } ?? .null)
        case "CodeableConcept": return (try r.conceptValue(key), .null)
        case "String": return (try r.stringValue(key), .null)
        case "Boolean": return (try r.boolValue(key), .null)
        case "Integer": return (try r.integerValue(key), .null)
        case "DateTime": return (try r.dateTimeValue(key), .null)
        case "Time": return (try r.stringValue(key), .null)
        default:
            _ = try r.element(key)
            return (.string(r.jsonText(key)), .null)
        }
    }

    /// A medication request's first dosage instruction (frequency, period, bounds, times of day,
    /// dose) and its dispense request.
    static func dosageAndDispense(_ r: FHIRElement, _ w: RecordWriter) throws {
        let dosages = try r.elements("dosageInstruction")
        w.set("dosage_count", .integer(dosages.count))
        if let dosage = dosages.first {
            let repeatElement = try dosage.element("timing")?.element("repeat")
            if let rep = repeatElement {
                let frequency = try rep.integer("frequencyMax") ?? rep.integer("frequency")
                w.set("frequency", frequency.map { .decimal(Double($0)) } ?? .null)
                if let period = try rep.decimal("period") {
                    w.set("timing_period", .quantity(Quantity(period, try rep.string("periodUnit") ?? "1")))
                }
                w.set("bounds", try rep.choice("bounds") == "Period" ? try rep.period("boundsPeriod") : .null)
            }
            w.set("times_of_day", .integer(try repeatElement?.count("timeOfDay") ?? 0))
            let doses = try dosage.elements("doseAndRate")
            w.set("dose_count", .integer(doses.count))
            if let dose = doses.first {
                switch try dose.choice("dose") {
                case "Range": w.set("dose", try dose.element("doseRange")?.quantity("high") ?? .null)
                case "Quantity": w.set("dose", try dose.quantity("doseQuantity"))
                case nil: break
                case let other?: throw FHIRMappingError("bad-field", "\(dose.path).dose\(other): dose[x] cannot be a \(other)")
                }
            }
        }
        if let dispense = try r.element("dispenseRequest") {
            w.set("expected_supply", try dispense.quantity("expectedSupplyDuration"))
            w.set("dispense_quantity", try dispense.quantity("quantity"))
            w.set("refills", try dispense.integerValue("numberOfRepeatsAllowed"))
            w.set("validity", try dispense.period("validityPeriod"))
        }
    }

    /// When the medication was handed over, else when it was prepared.
    static func dispensed(_ r: FHIRElement) throws -> Value {
        let handedOver = try r.dateTimeValue("whenHandedOver")
        return handedOver.isNull ? try r.dateTimeValue("whenPrepared") : handedOver
    }

    static func daysSupply(_ r: FHIRElement) throws -> Value {
        try r.element("daysSupply")?.decimal("value").map { .integer(Int($0.rounded())) } ?? .null
    }

    static func dispensedQuantity(_ r: FHIRElement) throws -> Value {
        try r.element("quantity")?.decimal("value").map { .decimal($0) } ?? .null
    }

    /// The first payor by its display, else by its reference.
    static func payer(_ r: FHIRElement) throws -> Value {
        guard let payor = try r.elements("payor").first else { return .null }
        return try payor.string("display").map { .string($0) } ?? payor.stringValue("reference")
    }

    /// doNotPerform: the R4 element where the resource has one (MedicationRequest,
    /// ServiceRequest), else the modifierExtension with exactly the QI-Core url
    /// (libraries.md §5.2; a misspelt url does not count). Two such extensions are an error.
    static func doNotPerform(_ r: FHIRElement, element: Bool) throws -> Value {
        if element, let b = try r.bool("doNotPerform") { return .boolean(b) }
        var found: [FHIRElement] = []
        for ext in try r.elements("modifierExtension") where try ext.string("url") == qicoreDoNotPerform { found.append(ext) }
        guard found.count <= 1 else {
            throw FHIRMappingError("bad-extension", "\(r.path): \(found.count) qicore-doNotPerform extensions (at most one is allowed)")
        }
        return try found.first?.boolValue("valueBoolean") ?? .null
    }
}
