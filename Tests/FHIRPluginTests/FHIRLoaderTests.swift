import Foundation
import TallyTestSupport
import XCTest
import TallyEngine
import TallyLanguage
@testable import FHIRPlugin

/// The FHIR R4 loader: each resource mapping, each timing form, bundles, folders, NDJSON, and
/// every kind of bad input, strict and lenient; and the shared eCQM test cases.
final class FHIRLoaderTests: TemporaryFolderTestCase {
    let loader = FHIRLoader()

    // MARK: - Helpers

    func load(_ path: String? = nil, strict: Bool = false) throws -> Panel {
        try loader.load(path: path ?? dir, options: LoadOptions(strict: strict))
    }

    static func patient(_ id: String = "p1", birthDate: String = "1950-06-15", extra: String = "") -> String {
        #"{"resourceType": "Patient", "id": "\#(id)", "birthDate": "\#(birthDate)", "gender": "female"\#(extra)}"#
    }

    func field(_ r: Record, _ name: String) -> Value {
        r.fields[CanonicalSchema.slot(CanonicalSchema.schema.kinds[r.kind].name, name)]
    }

    func member(_ panel: Panel, _ id: String = "p1", file: StaticString = #filePath, line: UInt = #line) throws -> Record {
        try XCTUnwrap(panel.members.first { Panel.id(of: $0) == id }, "no member \(id)", file: file, line: line)
    }

    func records(_ m: Record, _ list: String) -> [Record] { field(m, list).asList.compactMap(\.asRecord) }

    /// The one record of a list of the only member.
    func only(_ panel: Panel, _ list: String, file: StaticString = #filePath, line: UInt = #line) throws -> Record {
        let all = records(try member(panel, file: file, line: line), list)
        XCTAssertEqual(all.count, 1, "\(list)", file: file, line: line)
        return try XCTUnwrap(all.first, file: file, line: line)
    }

    /// Loads one patient plus one resource (as a folder of two files).
    func loadOne(_ resource: String, birthDate: String = "1950-06-15", strict: Bool = false) throws -> Panel {
        try write("Patient-p1.json", Self.patient(birthDate: birthDate))
        try write("Resource.json", resource)
        return try load(strict: strict)
    }

    func t(_ s: String) -> Temporal {
        guard case .success(let v) = Temporal.parse(s) else { fatalError("bad test date \(s)") }
        return v
    }

    func assertTemporal(_ v: Value, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .temporal(let x) = v else { return XCTFail("expected \(expected), found \(v)", file: file, line: line) }
        XCTAssertEqual(x.description, expected, file: file, line: line)
    }

    func interval(_ v: Value, file: StaticString = #filePath, line: UInt = #line) -> IntervalValue? {
        guard case .interval(let i) = v else { XCTFail("expected an interval, found \(v)", file: file, line: line); return nil }
        return i
    }

    func codes(_ v: Value) -> [String] {
        switch v {
        case .concept(let c): return c.codes.map { "\($0.system)|\($0.code)" }
        case .code(let c): return ["\(c.system)|\(c.code)"]
        case .list(let xs): return xs.flatMap(codes)
        default: return []
        }
    }

    func quantity(_ v: Value) -> Quantity? { if case .quantity(let q) = v { return q } else { return nil } }

    func rejectionCodes(_ p: Panel) -> [String] { p.report.rejections.map(\.code) }

    // MARK: - Plugin

    func testPluginRegistersTheFHIRLoader() {
        let registry = PluginRegistry(plugins: [FHIRPlugin()])
        XCTAssertEqual(registry.loaders.map(\.loader.format), ["fhir"])
        XCTAssertEqual(registry.loaders.first?.plugin, "fhir")
    }

    func testCanLoadRecognisesFHIRFilesAndFolders() throws {
        let json = try write("a/Patient.json", Self.patient())
        let nd = try write("b/Patient.ndjson", Self.patient())
        try write("c/members.csv", "person_id\n1\n")
        try write("d/notes.json", #"{"hello": 1}"#)
        XCTAssertTrue(loader.canLoad(path: json))
        XCTAssertTrue(loader.canLoad(path: nd))
        XCTAssertTrue(loader.canLoad(path: dir + "/a"))
        XCTAssertTrue(loader.canLoad(path: dir + "/b"))
        XCTAssertFalse(loader.canLoad(path: dir + "/c"))
        XCTAssertFalse(loader.canLoad(path: dir + "/d"))
        XCTAssertFalse(loader.canLoad(path: dir + "/missing"))
    }

    // MARK: - Resource mappings

    func testPatientMapsToMemberFields() throws {
        let race = #"""
            , "deceasedDateTime": "2025-03-04T10:00:00Z",
            "extension": [
              {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3", "display": "White"}},
                {"url": "detailed", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2108-9"}},
                {"url": "text", "valueString": "White"}]},
              {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity", "extension": [
                {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2186-5"}}]},
              {"url": "http://example.org/other", "valueString": "ignored"}]
            """#
        try write("Patient.json", Self.patient(extra: race))
        let panel = try load()
        let m = try member(panel)
        assertTemporal(field(m, "birth_date"), "1950-06-15")
        assertTemporal(field(m, "death_date"), "2025-03-04")
        XCTAssertEqual(field(m, "sex").asString, "female")
        XCTAssertEqual(codes(field(m, "race")), ["urn:oid:2.16.840.1.113883.6.238|2106-3", "urn:oid:2.16.840.1.113883.6.238|2108-9"])
        XCTAssertEqual(codes(field(m, "ethnicity")), ["urn:oid:2.16.840.1.113883.6.238|2186-5"])
        XCTAssertEqual(panel.report.records["Member"], 1)
        XCTAssertTrue(panel.report.rejections.isEmpty)
    }

    func testEncounterMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Encounter", "id": "e1", "status": "finished",
             "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
             "type": [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}]}],
             "subject": {"reference": "Patient/p1"},
             "period": {"start": "2025-02-01T08:00:00.000Z", "end": "2025-02-03T12:00:00.000Z"},
             "hospitalization": {"dischargeDisposition": {"coding": [{"system": "http://snomed.info/sct", "code": "428361000124107"}]}}}
            """#)
        let e = try only(panel, "encounters")
        XCTAssertEqual(field(e, "id").asString, "e1")
        XCTAssertEqual(field(e, "status").asString, "finished")
        XCTAssertEqual(field(e, "class").asString, "IMP")
        XCTAssertEqual(codes(field(e, "type")), ["http://www.ama-assn.org/go/cpt|99213"])
        let p = try XCTUnwrap(interval(field(e, "period")))
        assertTemporal(p.low, "2025-02-01T08:00:00.000Z")
        assertTemporal(p.high, "2025-02-03T12:00:00.000Z")
        XCTAssertTrue(p.lowClosed && p.highClosed)
        XCTAssertEqual(codes(field(e, "discharge_disposition")), ["http://snomed.info/sct|428361000124107"])
        XCTAssertEqual(panel.report.records["Encounter"], 1)
    }

    func testConditionMapping() throws {
        try write("Encounter.json", #"""
            {"resourceType": "Encounter", "id": "Encounter-7-1", "status": "finished", "subject": {"reference": "Patient/p1"}}
            """#)
        let panel = try loadOne(#"""
            {"resourceType": "Condition", "id": "c1",
             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
             "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "problem-list-item"}]}],
             "code": {"coding": [{"system": "http://snomed.info/sct", "code": "59621000", "display": "Essential hypertension"}], "text": "HTN"},
             "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "24028007"}]}],
             "subject": {"reference": "Patient/p1"},
             "encounter": {"reference": "Encounter/Encounter-7-1"},
             "onsetDateTime": "2024-05-01T00:00:00.000Z",
             "abatementDateTime": "2025-05-01T00:00:00.000Z",
             "recordedDate": "2024-05-02T00:00:00.000Z"}
            """#)
        let c = try only(panel, "conditions")
        XCTAssertEqual(field(c, "id").asString, "c1")
        XCTAssertEqual(codes(field(c, "code")), ["http://snomed.info/sct|59621000"])
        if case .concept(let concept) = field(c, "code") { XCTAssertEqual(concept.text, "HTN") } else { XCTFail() }
        XCTAssertEqual(field(c, "clinical_status").asString, "active")
        XCTAssertEqual(field(c, "verification_status").asString, "confirmed")
        XCTAssertEqual(codes(field(c, "category")), ["http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item"])
        XCTAssertEqual(field(c, "source").asString, "problem-list")
        XCTAssertEqual(codes(field(c, "body_site")), ["http://snomed.info/sct|24028007"])
        assertTemporal(field(c, "onset"), "2024-05-01T00:00:00.000Z")
        assertTemporal(field(c, "abatement"), "2025-05-01T00:00:00.000Z")
        assertTemporal(field(c, "recorded"), "2024-05-02T00:00:00.000Z")
        let encounter = try XCTUnwrap(field(c, "encounter").asRecord)
        XCTAssertEqual(field(encounter, "id").asString, "Encounter-7-1")
    }

    func testProcedureMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Procedure", "id": "pr1", "status": "completed",
             "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "77067"}]},
             "subject": {"reference": "Patient/p1"},
             "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "7771000"}]}],
             "performedPeriod": {"start": "2025-03-01T09:00:00.000Z", "end": "2025-03-01T10:00:00.000Z"}}
            """#)
        let p = try only(panel, "procedures")
        XCTAssertEqual(field(p, "status").asString, "completed")
        XCTAssertEqual(codes(field(p, "code")), ["http://www.ama-assn.org/go/cpt|77067"])
        XCTAssertEqual(codes(field(p, "body_site")), ["http://snomed.info/sct|7771000"])
        let i = try XCTUnwrap(interval(field(p, "performed")))
        assertTemporal(i.low, "2025-03-01T09:00:00.000Z")
        assertTemporal(i.high, "2025-03-01T10:00:00.000Z")
        XCTAssertTrue(field(p, "encounter").isNull)
    }

    func testObservationMappingWithComponentsProfilesAndEncounter() throws {
        try write("Encounter.json", #"""
            {"resourceType": "Encounter", "id": "Encounter-7-1", "class": {"code": "EMER"}, "subject": {"reference": "Patient/p1"}}
            """#)
        let panel = try loadOne(#"""
            {"resourceType": "Observation", "id": "o1", "meta": {"profile": ["http://hl7.org/fhir/StructureDefinition/bp"]},
             "status": "final",
             "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
             "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
             "subject": {"reference": "Patient/p1"},
             "encounter": {"reference": "Encounter/Encounter-7-1"},
             "effectiveDateTime": "2025-01-01T00:00:00.000Z",
             "issued": "2025-01-02T00:00:00.000Z",
             "component": [
               {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                "valueQuantity": {"value": 139, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
               {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
                "valueQuantity": {"value": 89, "unit": "mmHg", "comparator": "<"}}]}
            """#)
        let o = try only(panel, "observations")
        XCTAssertEqual(field(o, "profiles").asList.compactMap(\.asString), ["http://hl7.org/fhir/StructureDefinition/bp"])
        XCTAssertEqual(field(o, "status").asString, "final")
        XCTAssertEqual(codes(field(o, "category")), ["http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"])
        assertTemporal(field(o, "effective"), "2025-01-01T00:00:00.000Z")
        assertTemporal(field(o, "issued"), "2025-01-02T00:00:00.000Z")
        XCTAssertTrue(field(o, "value").isNull)
        let components = field(o, "components").asList.compactMap(\.asRecord)
        XCTAssertEqual(components.count, 2)
        XCTAssertEqual(codes(field(components[0], "code")), ["http://loinc.org|8480-6"])
        XCTAssertEqual(quantity(field(components[0], "value")), Quantity(139, "mm[Hg]"), "unit = code")
        XCTAssertEqual(quantity(field(components[1], "value")), Quantity(89, "mmHg"), "unit = unit without a code")
        XCTAssertEqual(field(components[1], "value_comparator").asString, "<")
        let encounter = try XCTUnwrap(field(o, "encounter").asRecord)
        XCTAssertEqual(field(encounter, "class").asString, "EMER")
    }

    func testObservationValueForms() throws {
        func obs(_ id: String, _ value: String) -> String {
            #"{"resourceType": "Observation", "id": "\#(id)", "status": "final", "subject": {"reference": "Patient/p1"}\#(value)}"#
        }
        try write("Patient.json", Self.patient())
        try write("o1.json", obs("o1", #", "valueQuantity": {"value": 9.5, "system": "http://unitsofmeasure.org", "code": "%"}"#))
        try write("o2.json", obs("o2", #", "valueQuantity": {"unit": "%", "code": "%"}"#))
        try write("o3.json", obs("o3", #", "valueQuantity": {"value": 7}"#))
        try write("o4.json", obs("o4", #", "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "373066001"}]}"#))
        try write("o5.json", obs("o5", #", "valueString": "8.2""#))
        try write("o6.json", obs("o6", #", "valueRange": {"low": {"value": 1}, "high": {"value": 2}}"#))
        try write("o7.json", obs("o7", #", "dataAbsentReason": {"text": "not done"}"#))
        try write("o8.json", obs("o8", #", "valueQuantity": {"value": 14, "comparator": ">", "code": "%"}"#))
        try write("o9.json", obs("o9", #", "valueBoolean": true"#))
        try write("o10.json", obs("o10", #", "valueInteger": 3"#))
        let panel = try load(strict: true)
        let byID = Dictionary(uniqueKeysWithValues: records(try member(panel), "observations").map { (field($0, "id").asString!, $0) })
        XCTAssertEqual(quantity(field(byID["o1"]!, "value")), Quantity(9.5, "%"))
        XCTAssertTrue(field(byID["o2"]!, "value").isNull, "a valueQuantity without a value is no result")
        XCTAssertEqual(quantity(field(byID["o3"]!, "value")), Quantity(7, "1"), "no code and no unit: '1'")
        XCTAssertEqual(codes(field(byID["o4"]!, "value")), ["http://snomed.info/sct|373066001"])
        XCTAssertEqual(field(byID["o5"]!, "value").asString, "8.2")
        XCTAssertNotNil(field(byID["o6"]!, "value").asString, "a Range value keeps its presence")
        XCTAssertTrue(field(byID["o7"]!, "value").isNull)
        XCTAssertEqual(quantity(field(byID["o8"]!, "value")), Quantity(14, "%"))
        XCTAssertEqual(field(byID["o8"]!, "value_comparator").asString, ">")
        XCTAssertTrue(field(byID["o1"]!, "value_comparator").isNull)
        XCTAssertEqual(field(byID["o9"]!, "value").asBool, true)
        if case .integer(3) = field(byID["o10"]!, "value") {} else { XCTFail("valueInteger") }
    }

    func testMedicationRequestMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order", "doNotPerform": false,
             "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "312836"}]},
             "subject": {"reference": "Patient/p1"},
             "authoredOn": "2025-12-30T00:00:00.000Z",
             "dosageInstruction": [{
               "timing": {"repeat": {"frequency": 1, "frequencyMax": 2, "period": 1, "periodUnit": "d",
                                     "timeOfDay": ["08:00:00", "20:00:00"],
                                     "boundsPeriod": {"start": "2025-12-01T00:00:00.000Z", "end": "2026-01-31T00:00:00.000Z"}}},
               "doseAndRate": [{"doseRange": {"low": {"value": 1, "code": "{tbl}"}, "high": {"value": 2, "code": "{tbl}"}}}]}],
             "dispenseRequest": {"expectedSupplyDuration": {"value": 90, "system": "http://unitsofmeasure.org", "code": "days"},
                                 "quantity": {"value": 60, "code": "{tbl}"}, "numberOfRepeatsAllowed": 2,
                                 "validityPeriod": {"start": "2025-12-30T00:00:00.000Z"}}}
            """#)
        let m = try only(panel, "medication_requests")
        XCTAssertEqual(codes(field(m, "medication")), ["http://www.nlm.nih.gov/research/umls/rxnorm|312836"])
        XCTAssertEqual(field(m, "status").asString, "active")
        XCTAssertEqual(field(m, "intent").asString, "order")
        assertTemporal(field(m, "authored_on"), "2025-12-30T00:00:00.000Z")
        XCTAssertEqual(field(m, "do_not_perform").asBool, false)
        if case .integer(1) = field(m, "dosage_count") {} else { XCTFail("dosage_count \(field(m, "dosage_count"))") }
        XCTAssertEqual(field(m, "frequency").asDouble, 2, "frequencyMax wins over frequency")
        XCTAssertEqual(quantity(field(m, "timing_period")), Quantity(1, "d"))
        if case .integer(2) = field(m, "times_of_day") {} else { XCTFail("times_of_day") }
        let bounds = try XCTUnwrap(interval(field(m, "bounds")))
        assertTemporal(bounds.low, "2025-12-01T00:00:00.000Z")
        assertTemporal(bounds.high, "2026-01-31T00:00:00.000Z")
        XCTAssertEqual(quantity(field(m, "dose")), Quantity(2, "{tbl}"), "dose = doseRange.high")
        if case .integer(1) = field(m, "dose_count") {} else { XCTFail("dose_count") }
        XCTAssertEqual(quantity(field(m, "expected_supply")), Quantity(90, "days"))
        XCTAssertEqual(quantity(field(m, "dispense_quantity")), Quantity(60, "{tbl}"))
        if case .integer(2) = field(m, "refills") {} else { XCTFail("refills") }
        let validity = try XCTUnwrap(interval(field(m, "validity")))
        assertTemporal(validity.low, "2025-12-30T00:00:00.000Z")
        XCTAssertTrue(validity.high.isNull && validity.highClosed, "no end: the end of time")
    }

    func testMedicationRequestDoseQuantityCountsAndReference() throws {
        let panel = try loadOne(#"""
            {"resourceType": "MedicationRequest", "id": "m2", "status": "active", "intent": "order",
             "medicationReference": {"reference": "Medication/Medication-1"},
             "subject": {"reference": "Patient/p1"},
             "dosageInstruction": [
               {"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"}},
                "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}, {"doseQuantity": {"value": 10, "unit": "mg"}}]},
               {"text": "second instruction"}]}
            """#)
        let m = try only(panel, "medication_requests")
        XCTAssertTrue(field(m, "medication").isNull, "a medicationReference is not resolved")
        if case .integer(2) = field(m, "dosage_count") {} else { XCTFail("dosage_count") }
        if case .integer(2) = field(m, "dose_count") {} else { XCTFail("dose_count") }
        if case .integer(0) = field(m, "times_of_day") {} else { XCTFail("times_of_day") }
        XCTAssertEqual(field(m, "frequency").asDouble, 3)
        XCTAssertEqual(quantity(field(m, "timing_period")), Quantity(1, "wk"))
        XCTAssertEqual(quantity(field(m, "dose")), Quantity(5, "mg"), "dose = the first doseQuantity")
        XCTAssertTrue(field(m, "do_not_perform").isNull)
        XCTAssertTrue(field(m, "expected_supply").isNull)
        XCTAssertTrue(field(m, "refills").isNull)
    }

    func testMedicationDispenseMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "MedicationDispense", "id": "d1", "status": "completed",
             "medicationCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "0002-8215-01"}]},
             "subject": {"reference": "Patient/p1"},
             "quantity": {"value": 30}, "daysSupply": {"value": 30, "code": "d"},
             "whenHandedOver": "2025-04-01T00:00:00Z"}
            """#)
        let d = try only(panel, "medication_dispenses")
        XCTAssertEqual(codes(field(d, "medication")), ["http://hl7.org/fhir/sid/ndc|0002-8215-01"])
        XCTAssertEqual(field(d, "status").asString, "completed")
        assertTemporal(field(d, "dispensed"), "2025-04-01T00:00:00Z")
        if case .integer(30) = field(d, "days_supply") {} else { XCTFail("days_supply") }
        XCTAssertEqual(field(d, "quantity").asDouble, 30)
    }

    func testImmunizationMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Immunization", "id": "i1", "status": "completed",
             "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "140"}]},
             "patient": {"reference": "Patient/p1"}, "occurrenceDateTime": "2025-10-01"}
            """#)
        let i = try only(panel, "immunizations")
        XCTAssertEqual(codes(field(i, "vaccine")), ["http://hl7.org/fhir/sid/cvx|140"])
        XCTAssertEqual(field(i, "status").asString, "completed")
        assertTemporal(field(i, "occurrence"), "2025-10-01")
    }

    func testDeviceRequestDoNotPerformOnlyFromTheExactExtensionURL() throws {
        func device(_ id: String, _ ext: String) -> String {
            #"""
            {"resourceType": "DeviceRequest", "id": "\#(id)", "status": "completed", "intent": "order", \#(ext)
             "codeCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "183240000"}]},
             "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-11-01T23:59:00.000Z"}
            """#
        }
        try write("Patient.json", Self.patient())
        try write("d1.json", device("d1", #""modifierExtension": [{"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-doNotPerform", "valueBoolean": true}],"#))
        try write("d2.json", device("d2", #""modifierExtension": [{"url": "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-doNotPeform", "valueBoolean": true}],"#))
        try write("d3.json", device("d3", ""))
        try write("d4.json", device("d4", #""doNotPerform": true,"#))
        let panel = try load(strict: true)
        let byID = Dictionary(uniqueKeysWithValues: records(try member(panel), "device_requests").map { (field($0, "id").asString!, $0) })
        XCTAssertEqual(field(byID["d1"]!, "do_not_perform").asBool, true)
        XCTAssertTrue(field(byID["d2"]!, "do_not_perform").isNull, "a misspelt url does not count")
        XCTAssertTrue(field(byID["d3"]!, "do_not_perform").isNull)
        XCTAssertTrue(field(byID["d4"]!, "do_not_perform").isNull, "DeviceRequest has no doNotPerform element in R4")
        XCTAssertEqual(codes(field(byID["d1"]!, "code")), ["http://snomed.info/sct|183240000"])
        XCTAssertEqual(field(byID["d1"]!, "intent").asString, "order")
        assertTemporal(field(byID["d1"]!, "authored_on"), "2025-11-01T23:59:00.000Z")
    }

    func testTwoDoNotPerformExtensionsAreRejected() throws {
        let url = "http://hl7.org/fhir/us/qicore/StructureDefinition/qicore-doNotPerform"
        let panel = try loadOne(#"""
            {"resourceType": "DeviceRequest", "id": "d1", "subject": {"reference": "Patient/p1"},
             "modifierExtension": [{"url": "\#(url)", "valueBoolean": true}, {"url": "\#(url)", "valueBoolean": false}]}
            """#)
        XCTAssertEqual(rejectionCodes(panel), ["bad-extension"])
        XCTAssertEqual(panel.report.rejections.first?.resource, "DeviceRequest/d1")
    }

    func testServiceRequestMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "ServiceRequest", "id": "s1", "status": "active", "intent": "order", "doNotPerform": true,
             "code": {"coding": [{"system": "http://snomed.info/sct", "code": "385763009"}]},
             "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-06-01T00:00:00.000Z"}
            """#)
        let s = try only(panel, "service_requests")
        XCTAssertEqual(codes(field(s, "code")), ["http://snomed.info/sct|385763009"])
        XCTAssertEqual(field(s, "status").asString, "active")
        XCTAssertEqual(field(s, "intent").asString, "order")
        XCTAssertEqual(field(s, "do_not_perform").asBool, true)
        assertTemporal(field(s, "authored_on"), "2025-06-01T00:00:00.000Z")
    }

    func testCoverageMappingUsesTheBeneficiary() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Coverage", "id": "cov1", "status": "active",
             "type": {"coding": [{"system": "https://nahdo.org/sopt", "code": "59"}]},
             "beneficiary": {"reference": "Patient/p1"}, "payor": [{"reference": "Organization/o1", "display": "Acme Health"}],
             "period": {"start": "2022-01-01T06:00:00.000Z", "end": "2022-01-01T11:06:01.000Z"}}
            """#)
        let c = try only(panel, "coverages")
        XCTAssertEqual(codes(field(c, "type")), ["https://nahdo.org/sopt|59"])
        XCTAssertEqual(field(c, "status").asString, "active")
        XCTAssertEqual(field(c, "payer").asString, "Acme Health")
        XCTAssertNotNil(interval(field(c, "period")))
    }

    func testAllergyIntoleranceMapping() throws {
        let panel = try loadOne(#"""
            {"resourceType": "AllergyIntolerance", "id": "a1",
             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}]},
             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": "confirmed"}]},
             "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7980"}]},
             "patient": {"reference": "Patient/p1"}, "onsetDateTime": "2010-01-01", "recordedDate": "2010-02-01"}
            """#)
        let a = try only(panel, "allergies")
        XCTAssertEqual(field(a, "clinical_status").asString, "active")
        XCTAssertEqual(field(a, "verification_status").asString, "confirmed")
        XCTAssertEqual(codes(field(a, "code")), ["http://www.nlm.nih.gov/research/umls/rxnorm|7980"])
        assertTemporal(field(a, "onset"), "2010-01-01")
        assertTemporal(field(a, "recorded"), "2010-02-01")
        XCTAssertEqual(panel.report.records["AllergyIntolerance"], 1)
    }

    // MARK: - Timing forms

    func condition(_ timing: String) -> String {
        #"{"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}, \#(timing)}"#
    }

    func testDateTimeIsAPoint() throws {
        let c = try only(try loadOne(condition(#""onsetDateTime": "2025-03-01T10:30:00+02:00""#)), "conditions")
        assertTemporal(field(c, "onset"), "2025-03-01T08:30:00Z")
    }

    func testPeriodWithBothEndsIsClosed() throws {
        let c = try only(try loadOne(condition(#""onsetPeriod": {"start": "2025-01-01", "end": "2025-02-01"}"#)), "conditions")
        let i = try XCTUnwrap(interval(field(c, "onset")))
        assertTemporal(i.low, "2025-01-01")
        assertTemporal(i.high, "2025-02-01")
        XCTAssertTrue(i.lowClosed && i.highClosed)
    }

    func testPeriodWithoutEndEndsAtTheEndOfTime() throws {
        let c = try only(try loadOne(condition(#""onsetPeriod": {"start": "2025-01-01T00:00:00.000Z"}"#)), "conditions")
        let i = try XCTUnwrap(interval(field(c, "onset")))
        assertTemporal(i.low, "2025-01-01T00:00:00.000Z")
        XCTAssertTrue(i.lowClosed)
        XCTAssertTrue(i.high.isNull)
        XCTAssertTrue(i.highClosed, "a closed null end is the end of time")
    }

    func testPeriodWithoutStartHasAnUnknownStart() throws {
        let c = try only(try loadOne(condition(#""abatementPeriod": {"end": "2025-06-30T00:00:00.000Z"}"#)), "conditions")
        let i = try XCTUnwrap(interval(field(c, "abatement")))
        XCTAssertTrue(i.low.isNull)
        XCTAssertFalse(i.lowClosed, "an open null start is unknown")
        assertTemporal(i.high, "2025-06-30T00:00:00.000Z")
        XCTAssertTrue(i.highClosed)
    }

    func testAgeIsAHalfOpenYearOfDatesFromTheBirthDate() throws {
        // The Condition is read before the Patient: the age waits for the birth date.
        try write("A-Condition.json", condition(#""onsetAge": {"value": 40, "unit": "yr", "system": "http://unitsofmeasure.org", "code": "a"}"#))
        try write("B-Patient.json", Self.patient(birthDate: "1950-06-15"))
        let c = try only(try load(strict: true), "conditions")
        let i = try XCTUnwrap(interval(field(c, "onset")))
        assertTemporal(i.low, "1990-06-15")
        assertTemporal(i.high, "1991-06-15")
        XCTAssertTrue(i.lowClosed)
        XCTAssertFalse(i.highClosed)
    }

    func testRangeOfAgesRunsFromTheLowAgeToAYearAfterTheHighAge() throws {
        let c = try only(try loadOne(condition(#"""
            "abatementRange": {"low": {"value": 60, "code": "a"}, "high": {"value": 62, "code": "a"}}
            """#)), "conditions")
        let i = try XCTUnwrap(interval(field(c, "abatement")))
        assertTemporal(i.low, "2010-06-15")
        assertTemporal(i.high, "2013-06-15")
        XCTAssertTrue(i.lowClosed)
        XCTAssertFalse(i.highClosed)
    }

    func testAgeWithoutABirthDateIsNull() throws {
        try write("Patient.json", #"{"resourceType": "Patient", "id": "p1"}"#)
        try write("Condition.json", condition(#""onsetAge": {"value": 40, "code": "a"}"#))
        let c = try only(try load(strict: true), "conditions")
        XCTAssertTrue(field(c, "onset").isNull)
    }

    func testAgeWithoutATimeUnitIsRejected() throws {
        let panel = try loadOne(condition(#""onsetAge": {"value": 40, "code": "kg"}"#))
        XCTAssertEqual(rejectionCodes(panel), ["bad-value"])
    }

    func testStringOnsetAndBooleanAbatementGiveNoInterval() throws {
        let c = try only(try loadOne(condition(#""onsetString": "childhood", "abatementBoolean": true"#)), "conditions")
        XCTAssertTrue(field(c, "onset").isNull)
        XCTAssertTrue(field(c, "abatement").isNull)
    }

    func testObservationEffectiveTimingIsRejected() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p1"},
             "effectiveTiming": {"event": ["2025-01-01"]}}
            """#)
        XCTAssertEqual(rejectionCodes(panel), ["unsupported-timing"])
    }

    // MARK: - Input forms

    func testBundleWithUUIDReferences() throws {
        try write("bundle.json", #"""
            {"resourceType": "Bundle", "type": "collection", "entry": [
              {"fullUrl": "urn:uuid:aaaa-1", "resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1960-01-01"}},
              {"fullUrl": "urn:uuid:bbbb-2", "resource": {"resourceType": "Encounter", "id": "e1", "class": {"code": "AMB"},
                 "subject": {"reference": "urn:uuid:aaaa-1"}}},
              {"fullUrl": "urn:uuid:cccc-3", "resource": {"resourceType": "Observation", "id": "o1",
                 "subject": {"reference": "urn:uuid:aaaa-1"}, "encounter": {"reference": "urn:uuid:bbbb-2"}}},
              {"resource": {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}}},
              {"resource": {"resourceType": "MeasureReport", "id": "mr1"}},
              {"resource": {"resourceType": "Practitioner", "id": "pr1"}}]}
            """#)
        let panel = try load(dir + "/bundle.json", strict: true)
        XCTAssertEqual(panel.members.count, 1)
        let m = try member(panel)
        XCTAssertEqual(records(m, "encounters").count, 1)
        XCTAssertEqual(records(m, "conditions").count, 1)
        let o = try only(panel, "observations")
        XCTAssertEqual(field(try XCTUnwrap(field(o, "encounter").asRecord), "class").asString, "AMB")
        XCTAssertEqual(panel.report.records["skipped:MeasureReport"], 1)
        XCTAssertEqual(panel.report.records["skipped:Practitioner"], 1)
        XCTAssertEqual(panel.report.files, [dir + "/bundle.json"])
    }

    func testBundlePatientWithoutIDTakesItsUUID() throws {
        try write("bundle.json", #"""
            {"resourceType": "Bundle", "type": "transaction", "entry": [
              {"fullUrl": "urn:uuid:1234", "resource": {"resourceType": "Patient", "birthDate": "1960-01-01"}},
              {"fullUrl": "urn:uuid:5678", "resource": {"resourceType": "Condition", "subject": {"reference": "urn:uuid:1234"}}}]}
            """#)
        let panel = try load(dir + "/bundle.json", strict: true)
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["1234"])
        XCTAssertEqual(records(try member(panel, "1234"), "conditions").count, 1)
    }

    func testFolderIsReadRecursively() throws {
        try write("case1/Patient-p1.json", Self.patient("p1"))
        try write("case1/deeper/Condition-1.json", #"{"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}}"#)
        try write("case2/Patient-p2.json", Self.patient("p2"))
        try write("case2/Encounter-1.json", #"{"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p2"}}"#)
        try write("case2/bundle.json", #"""
            {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Procedure", "id": "x", "subject": {"reference": "Patient/p2"}}}]}
            """#)
        try write(".hidden/Patient.json", Self.patient("hidden"))
        try write("cases.txt", "p1 = case one\n")
        let panel = try load(strict: true)
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p2"])
        XCTAssertEqual(panel.report.records["Condition"], 1)
        XCTAssertEqual(panel.report.records["Encounter"], 1)
        XCTAssertEqual(panel.report.records["Procedure"], 1)
        XCTAssertEqual(panel.report.records["skipped:other-file"], 1)
        XCTAssertEqual(panel.report.files.count, 5)
    }

    func testNDJSONBulkExport() throws {
        // Condition.ndjson sorts before Patient.ndjson: members and ages are finished at the end.
        try write("Condition.ndjson", """
            {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}, "onsetAge": {"value": 10, "code": "a"}}

            {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p2"}}\r
            """)
        try write("Patient.ndjson", Self.patient("p1") + "\n" + Self.patient("p2") + "\n")
        try write("Practitioner.ndjson", #"{"resourceType": "Practitioner", "id": "x"}"# + "\n")
        let panel = try load(strict: true)
        XCTAssertEqual(panel.members.count, 2)
        XCTAssertEqual(panel.report.records["Condition"], 2)
        XCTAssertEqual(panel.report.records["skipped:Practitioner"], 1)
        let c = records(try member(panel, "p1"), "conditions")[0]
        assertTemporal(try XCTUnwrap(interval(field(c, "onset"))).low, "1960-06-15")
    }

    func testSingleNDJSONFile() throws {
        let path = try write("export/Patient.ndjson", Self.patient("p1") + "\n" + Self.patient("p2"))
        XCTAssertEqual(try load(path).members.count, 2)
    }

    // MARK: - Bad input

    func testInvalidJSONFileIsRejectedWithItsFile() throws {
        try write("Patient.json", Self.patient())
        let bad = try write("Broken.json", #"{"resourceType": "Condition", "id": "#)
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["bad-json"])
        XCTAssertEqual(panel.report.rejections[0].file, bad)
        XCTAssertNil(panel.report.rejections[0].line)
        XCTAssertEqual(panel.members.count, 1)
    }

    func testEmptyFilesAreHandled() throws {
        try write("Patient.json", Self.patient())
        try write("Empty.json", "")
        try write("Empty.ndjson", "")
        try write("Blank.ndjson", "\n  \n")
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["bad-json"], "an empty JSON file is rejected; an empty NDJSON file has no resources")
        XCTAssertEqual(panel.report.rejections.first?.file, dir + "/Empty.json")
        XCTAssertEqual(panel.members.count, 1)
    }

    func testInvalidJSONLineInNDJSONIsRejectedWithItsLine() throws {
        let file = try write("Patient.ndjson", Self.patient("p1") + "\n{not json}\n" + Self.patient("p3") + "\n")
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["bad-json"])
        XCTAssertEqual(panel.report.rejections[0].file, file)
        XCTAssertEqual(panel.report.rejections[0].line, 2)
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p3"])
    }

    func testUnknownResourceTypeIsRejected() throws {
        try write("Patient.json", Self.patient())
        try write("Thing.json", #"{"resourceType": "Spaceship", "id": "s1"}"#)
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["unknown-resource"])
        XCTAssertEqual(panel.report.rejections[0].resource, "Spaceship/s1")
    }

    func testJSONThatIsNotAResourceIsRejected() throws {
        try write("a.json", #"{"id": "x"}"#)
        try write("b.json", #"[1, 2]"#)
        XCTAssertEqual(rejectionCodes(try load()), ["not-a-resource", "not-a-resource"])
    }

    func testResourceWithoutSubjectIsRejected() throws {
        try write("Patient.json", Self.patient())
        try write("c1.json", #"{"resourceType": "Condition", "id": "c1"}"#)
        try write("c2.json", #"{"resourceType": "Condition", "id": "c2", "subject": {"display": "Jane"}}"#)
        try write("c3.json", #"{"resourceType": "Condition", "id": "c3", "subject": {"reference": "Group/g1"}}"#)
        try write("c4.json", #"{"resourceType": "Immunization", "id": "i1", "subject": {"reference": "Patient/p1"}}"#)
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["no-subject", "no-subject", "bad-subject", "no-subject"])
        XCTAssertEqual(panel.report.rejections.map { $0.resource ?? "" }, ["Condition/c1", "Condition/c2", "Condition/c3", "Immunization/i1"])
    }

    func testBadDateIsRejectedNamingTheField() throws {
        let panel = try loadOne(#"""
            {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p1"},
             "period": {"start": "2025-02-30T00:00:00Z"}}
            """#)
        XCTAssertEqual(rejectionCodes(panel), ["bad-date"])
        XCTAssertTrue(panel.report.rejections[0].message.contains("Encounter.period.start"), panel.report.rejections[0].message)
        XCTAssertEqual(panel.report.records["Encounter"], nil)
    }

    func testBadBirthDateRejectsThePatientAndItsRecords() throws {
        try write("Patient.json", Self.patient(birthDate: "1950-13-01"))
        try write("Condition.json", condition(#""onsetDateTime": "2025-01-01""#))
        let panel = try load()
        // Listed by file (Condition.json is read before Patient.json), then line.
        XCTAssertEqual(rejectionCodes(panel), ["no-member", "bad-date"])
        XCTAssertTrue(panel.report.rejections[1].message.contains("Patient.birthDate"))
        XCTAssertTrue(panel.members.isEmpty)
    }

    func testPeriodStartAfterEndIsABadDate() throws {
        let panel = try loadOne(condition(#""onsetPeriod": {"start": "2025-02-01", "end": "2025-01-01"}"#))
        XCTAssertEqual(rejectionCodes(panel), ["bad-date"])
    }

    func testRecordsWithoutTheirPatientAreRejectedAsNoMember() throws {
        try write("Patient.json", Self.patient("p1"))
        let file = try write("Orphan.json", #"{"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/nobody"}}"#)
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["no-member"])
        XCTAssertEqual(panel.report.rejections[0].file, file)
        XCTAssertEqual(panel.report.rejections[0].resource, "Condition/c1")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1"])
        XCTAssertThrowsError(try load(strict: true)) { error in
            XCTAssertEqual((error as? Rejection)?.code, "no-member")
        }
    }

    func testPatientWithoutIDIsRejected() throws {
        try write("Patient.json", #"{"resourceType": "Patient", "birthDate": "1950-01-01"}"#)
        XCTAssertEqual(rejectionCodes(try load()), ["no-id"])
    }

    func testSecondCopyOfAResourceIsRejected() throws {
        try write("a/Patient.json", Self.patient())
        try write("b/Patient.json", Self.patient())
        try write("a/Condition.json", condition(#""onsetDateTime": "2025-01-01""#))
        try write("b/Condition.json", condition(#""onsetDateTime": "2025-01-01""#))
        let panel = try load()
        XCTAssertEqual(rejectionCodes(panel), ["duplicate-id", "duplicate-id"])
        XCTAssertEqual(panel.report.records["Condition"], 1)
        XCTAssertEqual(panel.report.records["Member"], 1)
    }

    func testElementOfTheWrongTypeIsRejected() throws {
        let panel = try loadOne(#"{"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p1"}, "status": 5}"#)
        XCTAssertEqual(rejectionCodes(panel), ["bad-field"])
        XCTAssertTrue(panel.report.rejections[0].message.contains("Encounter.status"))
    }

    func testTwoChoicesOfOneElementAreRejected() throws {
        let panel = try loadOne(condition(#""onsetDateTime": "2025-01-01", "onsetString": "spring""#))
        XCTAssertEqual(rejectionCodes(panel), ["bad-field"])
    }

    func testStrictModeThrowsTheFirstRejection() throws {
        try write("Patient.json", Self.patient())
        try write("a.json", #"{"resourceType": "Condition", "id": "c1"}"#)
        try write("b.json", #"{"resourceType": "Spaceship"}"#)
        XCTAssertThrowsError(try load(strict: true)) { error in
            let r = error as? Rejection
            XCTAssertEqual(r?.code, "no-subject")
            XCTAssertEqual(r?.file, self.dir + "/a.json")
        }
        let lenient = try load()
        XCTAssertEqual(rejectionCodes(lenient), ["no-subject", "unknown-resource"])
        XCTAssertEqual(lenient.members.count, 1)
    }

    func testNonClinicalResourcesAreCountedAsSkipped() throws {
        try write("Patient.json", Self.patient())
        for type in ["MeasureReport", "Medication", "Practitioner", "Organization", "Location", "Group", "Parameters"] {
            try write("\(type).json", #"{"resourceType": "\#(type)", "id": "x"}"#)
        }
        let panel = try load(strict: true)
        for type in ["MeasureReport", "Medication", "Practitioner", "Organization", "Location", "Group", "Parameters"] {
            XCTAssertEqual(panel.report.records["skipped:\(type)"], 1, type)
        }
    }

    func testEveryResourceIsAccountedFor() throws {
        try write("bundle.json", #"""
            {"resourceType": "Bundle", "entry": [
              {"resource": {"resourceType": "Patient", "id": "p1"}},
              {"resource": {"resourceType": "Encounter", "id": "e1", "subject": {"reference": "Patient/p1"}}},
              {"resource": {"resourceType": "Encounter", "id": "e2", "subject": {"reference": "Patient/p1"}, "period": {"start": "x"}}},
              {"resource": {"resourceType": "Organization", "id": "o1"}},
              {"resource": {"resourceType": "Widget", "id": "w1"}}]}
            """#)
        try write("more.ndjson", #"{"resourceType": "Observation", "id": "o1", "subject": {"reference": "Patient/p1"}}"# + "\n"
                  + #"{"resourceType": "Observation", "id": "o2"}"# + "\n")
        let panel = try load()
        let report = panel.report
        let kept = report.records.filter { !$0.key.hasPrefix("skipped:") }.values.reduce(0, +)
        let skipped = report.records.filter { $0.key.hasPrefix("skipped:") }.values.reduce(0, +)
        XCTAssertEqual(kept, 3)
        XCTAssertEqual(skipped, 1)
        XCTAssertEqual(report.rejections.count, 3)
        XCTAssertEqual(kept + skipped + report.rejections.count, 7)
        XCTAssertEqual(report.rejections.first { $0.code == "bad-date" }?.resource, "Encounter/e2")
        XCTAssertEqual(report.rejections.first { $0.code == "no-subject" }?.line, 2)
    }

    // MARK: - The shared eCQM test cases

    /// Loads every case folder of `../shared/ecqm/tests/*/` as its own panel: each has exactly
    /// one member, nothing is rejected, and every resource in its files is kept or skipped.
    func testSharedECQMCasesLoadCompletely() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let tests = root.deletingLastPathComponent().appendingPathComponent("shared/ecqm/tests").path
        let fm = FileManager.default
        guard fm.fileExists(atPath: tests) else { throw XCTSkip("no shared eCQM test cases at \(tests)") }
        var cases = 0, resources = 0, kept = 0, skipped = 0
        for measure in try fm.contentsOfDirectory(atPath: tests).sorted() {
            let measureDir = tests + "/" + measure
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: measureDir, isDirectory: &isDir), isDir.boolValue else { continue }
            for name in try fm.contentsOfDirectory(atPath: measureDir).sorted() {
                let caseDir = measureDir + "/" + name
                guard fm.fileExists(atPath: caseDir, isDirectory: &isDir), isDir.boolValue else { continue }
                cases += 1
                var inFiles = 0
                for file in try fm.contentsOfDirectory(atPath: caseDir) where file.hasSuffix(".json") {
                    let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: caseDir + "/" + file)))
                    let object = try XCTUnwrap(json as? [String: Any])
                    inFiles += object["resourceType"] as? String == "Bundle" ? (object["entry"] as? [Any])?.count ?? 0 : 1
                }
                let panel = try loader.load(path: caseDir, options: LoadOptions())
                let r = panel.report
                let k = r.records.filter { !$0.key.hasPrefix("skipped:") }.values.reduce(0, +)
                let s = r.records.filter { $0.key.hasPrefix("skipped:") && $0.key != "skipped:other-file" }.values.reduce(0, +)
                XCTAssertEqual(inFiles, k + s + r.rejections.count, "\(measure)/\(name): resources not accounted for")
                XCTAssertEqual(panel.members.count, 1, "\(measure)/\(name)")
                XCTAssertEqual(r.rejections.map(\.description), [], "\(measure)/\(name)")
                resources += inFiles
                kept += k
                skipped += s
            }
        }
        XCTAssertGreaterThan(cases, 0)
        print("shared eCQM cases: \(cases) folders, \(resources) resources, \(kept) kept, \(skipped) skipped")
    }
}
