import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// lab_result, observation, condition, procedure, encounter, immunization and medication.
final class ClinicalTableTests: ClaimsCSVTestCase {
    func testLabResults() throws {
        try patients("p1")
        try write("encounter.csv", "encounter_id,person_id,encounter_type,encounter_start_date,encounter_end_date\nenc1,p1,office visit,2024-03-01,2024-03-01\n")
        try write("lab_result.csv", """
            lab_result_id,person_id,patient_id,encounter_id,source_component_type,source_component_code,normalized_component_type,normalized_component_code,status,result,result_datetime,collection_datetime,source_units,normalized_units
            l1,p1,,enc1,local,X1,loinc,4548-4,Final,7.2,2024-03-02 09:15:00,2024-03-01,%,
            l2,p1,,,loinc,2345-7,,,,105,,2024-03-01T08:00:00Z,mg/dl,
            l3,p1,,,,,,17856-6,corrected,>9.0,2024-04-01,,,%
            l4,p1,,,,,LOINC,5778-6,,yellow,2024-04-01,,,
            l5,p1,,missing-encounter,,,loinc,8480-6,,,2024-04-01,,,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        let obs = records(p1, "observations")
        XCTAssertEqual(obs.map { field($0, "id").asString }, ["l1", "l2", "l3", "l4", "l5"])
        let lab = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
        XCTAssertTrue(obs.allSatisfy { field($0, "category").asCodeKeys == [lab] })
        // Normalized code wins; the source code is used when there is no normalized one.
        XCTAssertEqual(field(obs[0], "code").asCodeKeys, ["\(loinc)|4548-4"])
        XCTAssertEqual(field(obs[1], "code").asCodeKeys, ["\(loinc)|2345-7"])
        XCTAssertEqual(field(obs[2], "code").asCodeKeys, ["\(loinc)|17856-6"])  // empty normalized type: LOINC
        XCTAssertEqual(field(obs[0], "status").asString, "final")
        XCTAssertEqual(field(obs[1], "status").asString, "final")  // empty: final
        XCTAssertEqual(field(obs[2], "status").asString, "corrected")
        XCTAssertEqual(field(obs[0], "value").asQuantity, Quantity(7.2, "%"))
        XCTAssertEqual(field(obs[1], "value").asQuantity, Quantity(105, "mg/dL"))  // source units, mapped to UCUM
        XCTAssertEqual(field(obs[2], "value").asQuantity, Quantity(9, "%"))
        XCTAssertEqual(field(obs[2], "value_comparator").asString, ">")
        XCTAssertEqual(field(obs[3], "value").asString, "yellow")
        XCTAssertTrue(field(obs[4], "value").isNull)
        // Effective: result time, else collection time.
        XCTAssertEqual(field(obs[0], "effective").asTemporal?.description, "2024-03-02T09:15:00Z")
        XCTAssertEqual(field(obs[0], "issued").asTemporal?.description, "2024-03-02T09:15:00Z")
        XCTAssertEqual(field(obs[1], "effective").asTemporal?.description, "2024-03-01T08:00:00Z")
        XCTAssertTrue(field(obs[1], "issued").isNull)
        // The encounter reference resolves by id; an unknown id stays null.
        XCTAssertEqual(field(obs[0], "encounter").asRecord.map { field($0, "id").asString }, "enc1")
        XCTAssertTrue(field(obs[4], "encounter").isNull)
    }

    func testVitalSignObservations() throws {
        try patients("p1")
        try write("observation.csv", """
            observation_id,person_id,payer,patient_id,encounter_id,panel_id,observation_date,observation_type,source_code_type,source_code,source_description,normalized_code_type,normalized_code,normalized_description,result,source_units,normalized_units
            o1,p1,,,,bp1,2024-05-01,vital signs,loinc,8480-6,Systolic,,,,128,mmHg,
            o2,p1,,,,bp1,2024-05-01,,,,,loinc,8462-4,Diastolic,78,,mm[Hg]
            o3,p1,,,,,2024-05-01,Survey,loinc,44261-6,PHQ-9,,,,12,,
            o4,p1,,,,,2024-05-01,,snomed-ct,271649006,,,,,x,,
            o5,p1,,,,,2024-05-01,smoking status,loinc,72166-2,,,,,never,,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        // The panel bp1 also gives a blood-pressure reading (BloodPressurePanelTests); the rows stay.
        let all = records(try member(panel, "p1"), "observations")
        XCTAssertEqual(all.map { field($0, "id").asString }, ["bp1", "o1", "o2", "o3", "o4", "o5"])
        let obs = Array(all.dropFirst())
        let vital = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"
        XCTAssertEqual(field(obs[0], "category").asCodeKeys, [vital])
        XCTAssertEqual(field(obs[1], "category").asCodeKeys, [vital])  // by its LOINC code
        XCTAssertEqual(field(obs[2], "category").asCodeKeys, ["http://terminology.hl7.org/CodeSystem/observation-category|survey"])
        XCTAssertTrue(field(obs[3], "category").isNull)
        XCTAssertEqual(field(obs[3], "code").asCodeKeys, ["http://snomed.info/sct|271649006"])
        XCTAssertEqual(field(obs[0], "value").asQuantity, Quantity(128, "mm[Hg]"))
        XCTAssertEqual(field(obs[1], "value").asQuantity, Quantity(78, "mm[Hg]"))
        XCTAssertEqual(field(obs[0], "status").asString, "final")
        XCTAssertEqual(field(obs[0], "effective").asTemporal?.dayNumber, Temporal.date(2024, 5, 1).dayNumber)
        XCTAssertEqual(field(obs[0], "effective").asTemporal?.isDate, false)
        // A type that is not an observation category keeps its text.
        if case .concept(let c)? = field(obs[4], "category").asList.first {
            XCTAssertEqual(c.text, "smoking status")
            XCTAssertTrue(c.codes.isEmpty)
        } else {
            XCTFail("no category text")
        }
    }

    func testConditionsProceduresAndEncounters() throws {
        try patients("p1")
        try write("encounter.csv", """
            encounter_id,person_id,patient_id,encounter_type,encounter_start_date,encounter_end_date,discharge_disposition_code,attending_provider_id,facility_npi,primary_diagnosis_code_type,primary_diagnosis_code,drg_code_type,drg_code,paid_amount,allowed_amount
            e1,p1,,acute inpatient,2024-01-10,2024-01-12,01,9999999999,8888888888,icd-10-cm,I214,ms-drg,280,12000.00,13000
            e2,p1,,emergency department,2024-02-01,2024-02-01,,,,,,,,,
            e3,p1,,office visit,2024-02-05,,,,,,,,,,
            e4,p1,,inpatient skilled nursing,2024-01-12,2024-01-30,,,,,,,,,

            """)
        try write("condition.csv", """
            condition_id,payer,person_id,patient_id,encounter_id,claim_id,recorded_date,onset_date,resolved_date,status,condition_type,source_code_type,source_code,source_description,normalized_code_type,normalized_code,normalized_description
            d1,,p1,,e1,,2024-01-10,,,,discharge_diagnosis,icd-10-cm,I214,,,,
            d2,,p1,,,,2023-05-01,2020-01-01,2023-05-01,,problem,snomed-ct,44054006,,,,
            d3,,p1,,,,2024-02-01,,,Active,,,,,icd-10-cm,E11.9,

            """)
        try write("procedure.csv", """
            procedure_id,person_id,patient_id,encounter_id,claim_id,procedure_date,source_code_type,source_code,source_description,normalized_code_type,normalized_code,normalized_description,modifier_1
            x1,p1,,e1,,2024-01-11,icd-10-pcs,02703ZZ,,,,,
            x2,p1,,,,2024-02-05,hcpcs,99214,,,,,25

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        let enc = records(p1, "encounters")
        XCTAssertEqual(enc.map { field($0, "setting").asString }, ["inpatient", "emergency", "office", "snf"])
        XCTAssertEqual(enc.map { field($0, "class").asString }, ["IMP", "EMER", "AMB", "NONAC"])
        let e1 = enc[0]
        XCTAssertEqual(field(e1, "status").asString, "finished")
        if case .concept(let c)? = field(e1, "type").asList.first { XCTAssertEqual(c.text, "acute inpatient") } else { XCTFail("no type") }
        XCTAssertEqual(field(e1, "provider").asString, "9999999999")
        XCTAssertEqual(field(e1, "facility").asString, "8888888888")
        XCTAssertEqual(field(e1, "diagnoses").asCodeKeys, ["\(icd10cm)|I21.4"])
        XCTAssertEqual(field(e1, "paid").asDouble, 12000)
        XCTAssertEqual(field(e1, "allowed").asDouble, 13000)
        XCTAssertEqual(field(e1, "period").asInterval?.high.asTemporal?.dayNumber, Temporal.date(2024, 1, 12).dayNumber)
        XCTAssertTrue(field(enc[2], "period").asInterval!.high.isNull)

        let cond = records(p1, "conditions")
        XCTAssertEqual(cond.map { field($0, "id").asString }, ["d1", "d2", "d3"])
        XCTAssertEqual(field(cond[0], "code").asCodeKeys, ["\(icd10cm)|I21.4"])
        XCTAssertEqual(field(cond[0], "clinical_status").asString, "active")
        XCTAssertEqual(field(cond[0], "onset").asTemporal?.dayNumber, Temporal.date(2024, 1, 10).dayNumber)  // recorded date
        XCTAssertEqual(field(cond[0], "source").asString, "encounter-diagnosis")
        XCTAssertTrue(field(cond[0], "encounter").asRecord === e1)
        XCTAssertEqual(field(cond[1], "code").asCodeKeys, ["http://snomed.info/sct|44054006"])
        XCTAssertEqual(field(cond[1], "clinical_status").asString, "resolved")
        XCTAssertEqual(field(cond[1], "category").asCodeKeys, ["http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item"])
        XCTAssertEqual(field(cond[1], "source").asString, "problem-list")
        XCTAssertEqual(field(cond[1], "onset").asTemporal?.dayNumber, Temporal.date(2020, 1, 1).dayNumber)
        XCTAssertEqual(field(cond[1], "abatement").asTemporal?.dayNumber, Temporal.date(2023, 5, 1).dayNumber)
        XCTAssertEqual(field(cond[1], "recorded").asTemporal?.dayNumber, Temporal.date(2023, 5, 1).dayNumber)
        XCTAssertEqual(field(cond[2], "clinical_status").asString, "active")

        let proc = records(p1, "procedures")
        XCTAssertEqual(field(proc[0], "code").asCodeKeys, ["\(icd10pcs)|02703ZZ"])
        XCTAssertEqual(field(proc[0], "status").asString, "completed")
        XCTAssertTrue(field(proc[0], "encounter").asRecord === e1)
        XCTAssertEqual(field(proc[1], "code").asCodeKeys, ["\(cpt)|99214"])  // hcpcs type, CPT code
        XCTAssertEqual(field(proc[1], "performed").asTemporal?.dayNumber, Temporal.date(2024, 2, 5).dayNumber)
    }

    func testConditionLinksToTheClaimEncounter() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c7", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        try write("medical_claim.csv", m.text)
        try write("condition.csv", "condition_id,person_id,claim_id,recorded_date,normalized_code_type,normalized_code\nd1,p1,c7,2024-01-01,icd-10-cm,Z00.00\n")
        let p1 = try member(try load(), "p1")
        let d1 = try XCTUnwrap(records(p1, "conditions").first)
        XCTAssertEqual(field(d1, "source").asString, "claim")
        XCTAssertEqual(field(d1, "claim_id").asString, "c7")
        XCTAssertEqual(field(d1, "encounter").asRecord.map { field($0, "id").asString }, "c7")
    }

    func testImmunizations() throws {
        try patients("p1")
        try write("immunization.csv", """
            immunization_id,person_id,patient_id,encounter_id,source_code_type,source_code,source_description,normalized_code_type,normalized_code,normalized_description,status,status_reason,occurrence_date
            i1,p1,,,,,,cvx,140,Influenza,completed,,2024-10-01
            i2,p1,,,,,,,208,,,,2024-10-02
            i3,p1,,,cvx,141,,,,,not-done,,2024-10-03

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let im = records(try member(panel, "p1"), "immunizations")
        XCTAssertEqual(im.map { field($0, "vaccine").asCodeKeys }, [["http://hl7.org/fhir/sid/cvx|140"], ["http://hl7.org/fhir/sid/cvx|208"], ["http://hl7.org/fhir/sid/cvx|141"]])
        XCTAssertEqual(im.map { field($0, "status").asString }, ["completed", "completed", "not-done"])
        XCTAssertEqual(field(im[0], "occurrence").asTemporal?.dayNumber, Temporal.date(2024, 10, 1).dayNumber)
    }

    func testMedicationsAsRequestsOrDispenses() throws {
        try patients("p1")
        try write("medication.csv", """
            medication_id,person_id,payer,patient_id,encounter_id,dispensing_date,prescribing_date,source_code_type,source_code,source_description,ndc_code,ndc_description,rxnorm_code,rxnorm_description,atc_code,atc_description,route,strength,quantity,quantity_unit,days_supply,practitioner_id
            m1,p1,,,,,2024-01-05,,,,,,860975,metformin,,,,,60,tablet,30,7777777777
            m2,p1,,,,2024-01-07,,,,,00093721401,,,,,,,,30,,30,7777777777
            m3,p1,,,,2024-01-09,2024-01-05,,,,00093721401,,860975,,,,,,,,,
            m4,p1,,,,,,rxnorm,197361,,,,,,,,,,,,,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        let requests = records(p1, "medication_requests"), dispenses = records(p1, "medication_dispenses")
        XCTAssertEqual(requests.map { field($0, "id").asString }, ["m1", "m3", "m4"])
        XCTAssertEqual(dispenses.map { field($0, "id").asString }, ["m2"])
        let rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm", ndc = "http://hl7.org/fhir/sid/ndc"
        let m1 = requests[0]
        XCTAssertEqual(field(m1, "medication").asCodeKeys, ["\(rxnorm)|860975"])
        XCTAssertEqual(field(m1, "status").asString, "active")
        XCTAssertEqual(field(m1, "intent").asString, "order")
        XCTAssertEqual(field(m1, "authored_on").asTemporal?.dayNumber, Temporal.date(2024, 1, 5).dayNumber)
        XCTAssertEqual(field(m1, "dispense_quantity").asQuantity, Quantity(60, "tablet"))
        XCTAssertEqual(field(m1, "expected_supply").asQuantity, Quantity(30, "d"))
        XCTAssertEqual(field(requests[1], "medication").asCodeKeys, ["\(rxnorm)|860975", "\(ndc)|00093721401"])
        XCTAssertTrue(field(requests[2], "authored_on").isNull)
        let m2 = dispenses[0]
        XCTAssertEqual(field(m2, "medication").asCodeKeys, ["\(ndc)|00093721401"])
        XCTAssertEqual(field(m2, "status").asString, "completed")
        XCTAssertEqual(field(m2, "dispensed").asTemporal?.dayNumber, Temporal.date(2024, 1, 7).dayNumber)
        XCTAssertEqual(field(m2, "days_supply").asDouble, 30)
        XCTAssertEqual(field(m2, "quantity").asDouble, 30)
        XCTAssertEqual(field(m2, "prescriber").asString, "7777777777")
    }
}
