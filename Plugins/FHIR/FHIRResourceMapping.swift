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

    func mapped(list: String) -> MappedRecord {
        MappedRecord(record: record, listSlot: CanonicalSchema.slot("Member", list), encounter: encounter, ages: ages)
    }
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

    /// The mapped resource types with the element naming their patient.
    static let subjectElement: [String: String] = [
        "Encounter": "subject", "Condition": "subject", "Procedure": "subject", "Observation": "subject",
        "MedicationRequest": "subject", "MedicationDispense": "subject", "Immunization": "patient",
        "DeviceRequest": "subject", "ServiceRequest": "subject", "Coverage": "beneficiary", "AllergyIntolerance": "patient",
    ]

    static func map(_ type: String, _ r: FHIRElement) throws -> MappedRecord {
        switch type {
        case "Encounter": return try encounter(r)
        case "Condition": return try condition(r)
        case "Procedure": return try procedure(r)
        case "Observation": return try observation(r)
        case "MedicationRequest": return try medicationRequest(r)
        case "MedicationDispense": return try medicationDispense(r)
        case "Immunization": return try immunization(r)
        case "DeviceRequest": return try deviceRequest(r)
        case "ServiceRequest": return try serviceRequest(r)
        case "Coverage": return try coverage(r)
        case "AllergyIntolerance": return try allergy(r)
        default: fatalError("no mapping for \(type)")
        }
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

    // MARK: - Clinical resources

    static func encounter(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Encounter")
        w.set("id", try r.stringValue("id"))
        w.set("status", try r.stringValue("status"))
        // R4 `class` is one Coding; tolerate an R5-style list of CodeableConcepts.
        if let c = try? r.element("class") {
            w.set("class", try c.stringValue("code"))
        } else if let first = try r.elements("class").first {
            w.set("class", try first.elements("coding").first?.stringValue("code") ?? .null)
        }
        w.set("type", try r.conceptsValue("type"))
        w.set("period", try r.period("period"))
        w.set("discharge_disposition", try r.element("hospitalization")?.conceptValue("dischargeDisposition") ?? .null)
        return w.mapped(list: "encounters")
    }

    static func condition(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Condition")
        w.set("id", try r.stringValue("id"))
        w.set("code", try r.conceptValue("code"))
        w.set("clinical_status", try r.statusCode("clinicalStatus", system: conditionClinical))
        w.set("verification_status", try r.statusCode("verificationStatus", system: conditionVerification))
        let categories = try r.concepts("category")
        w.set("category", try r.conceptsValue("category"))
        w.set("body_site", try r.conceptsValue("bodySite"))
        w.set("onset", timing: try FHIRTiming.read(r, "onset", allowed: [.dateTime, .age, .period, .range, .string]))
        w.set("abatement", timing: try FHIRTiming.read(r, "abatement", allowed: [.dateTime, .age, .period, .range, .string, .boolean]))
        w.set("recorded", try r.dateTimeValue("recordedDate"))
        try w.setEncounter(r)
        let source = categories.lazy.flatMap(\.codes).first { $0.system == conditionCategory }.map { c in
            c.code == "problem-list-item" ? "problem-list" : c.code
        }
        w.set("source", source.map { .string($0) } ?? .null)
        return w.mapped(list: "conditions")
    }

    static func procedure(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Procedure")
        w.set("id", try r.stringValue("id"))
        w.set("code", try r.conceptValue("code"))
        w.set("status", try r.stringValue("status"))
        w.set("performed", timing: try FHIRTiming.read(r, "performed", allowed: [.dateTime, .period, .string, .age, .range]))
        w.set("body_site", try r.conceptsValue("bodySite"))
        try w.setEncounter(r)
        return w.mapped(list: "procedures")
    }

    static func observation(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Observation")
        w.set("id", try r.stringValue("id"))
        w.set("code", try r.conceptValue("code"))
        w.set("status", try r.stringValue("status"))
        w.set("category", try r.conceptsValue("category"))
        w.set("effective", timing: try FHIRTiming.read(r, "effective", allowed: [.dateTime, .period, .timing, .instant]))
        w.set("issued", try r.dateTimeValue("issued"))
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
        return w.mapped(list: "observations")
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

    static func medicationRequest(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("MedicationRequest")
        w.set("id", try r.stringValue("id"))
        // Only medicationCodeableConcept: a medicationReference is not resolved (libraries.md §15.1).
        w.set("medication", try r.conceptValue("medicationCodeableConcept"))
        w.set("status", try r.stringValue("status"))
        w.set("intent", try r.stringValue("intent"))
        w.set("authored_on", try r.dateTimeValue("authoredOn"))
        w.set("do_not_perform", try doNotPerform(r, element: true))
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
        return w.mapped(list: "medication_requests")
    }

    static func medicationDispense(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("MedicationDispense")
        w.set("id", try r.stringValue("id"))
        w.set("medication", try r.conceptValue("medicationCodeableConcept"))
        w.set("status", try r.stringValue("status"))
        let handedOver = try r.dateTimeValue("whenHandedOver")
        w.set("dispensed", handedOver.isNull ? try r.dateTimeValue("whenPrepared") : handedOver)
        if let days = try r.element("daysSupply")?.decimal("value") { w.set("days_supply", .integer(Int(days.rounded()))) }
        if let quantity = try r.element("quantity")?.decimal("value") { w.set("quantity", .decimal(quantity)) }
        return w.mapped(list: "medication_dispenses")
    }

    static func immunization(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Immunization")
        w.set("id", try r.stringValue("id"))
        w.set("vaccine", try r.conceptValue("vaccineCode"))
        w.set("status", try r.stringValue("status"))
        w.set("occurrence", timing: try FHIRTiming.read(r, "occurrence", allowed: [.dateTime, .string]))
        return w.mapped(list: "immunizations")
    }

    static func deviceRequest(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("DeviceRequest")
        w.set("id", try r.stringValue("id"))
        // codeReference (a Device) is not resolved.
        w.set("code", try r.conceptValue("codeCodeableConcept"))
        w.set("status", try r.stringValue("status"))
        w.set("intent", try r.stringValue("intent"))
        w.set("authored_on", try r.dateTimeValue("authoredOn"))
        w.set("do_not_perform", try doNotPerform(r, element: false))
        return w.mapped(list: "device_requests")
    }

    static func serviceRequest(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("ServiceRequest")
        w.set("id", try r.stringValue("id"))
        w.set("code", try r.conceptValue("code"))
        w.set("status", try r.stringValue("status"))
        w.set("intent", try r.stringValue("intent"))
        w.set("authored_on", try r.dateTimeValue("authoredOn"))
        w.set("do_not_perform", try doNotPerform(r, element: true))
        return w.mapped(list: "service_requests")
    }

    static func coverage(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("Coverage")
        w.set("id", try r.stringValue("id"))
        w.set("type", try r.conceptValue("type"))
        w.set("status", try r.stringValue("status"))
        w.set("period", try r.period("period"))
        if let payor = try r.elements("payor").first {
            w.set("payer", try payor.string("display").map { .string($0) } ?? payor.stringValue("reference"))
        }
        return w.mapped(list: "coverages")
    }

    static func allergy(_ r: FHIRElement) throws -> MappedRecord {
        let w = RecordWriter("AllergyIntolerance")
        w.set("id", try r.stringValue("id"))
        w.set("code", try r.conceptValue("code"))
        w.set("clinical_status", try r.statusCode("clinicalStatus", system: allergyClinical))
        w.set("verification_status", try r.statusCode("verificationStatus", system: allergyVerification))
        w.set("onset", timing: try FHIRTiming.read(r, "onset", allowed: [.dateTime, .age, .period, .range, .string]))
        w.set("recorded", try r.dateTimeValue("recordedDate"))
        return w.mapped(list: "allergies")
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
