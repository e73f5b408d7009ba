import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

let cpt = "http://www.ama-assn.org/go/cpt"
let hcpcs = "http://www.nlm.nih.gov/research/umls/hcpcs"
let icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
let icd10pcs = "http://www.cms.gov/Medicare/Coding/ICD10"
let loinc = "http://loinc.org"

/// Writes CSV rows given as column → value dictionaries, in a fixed header order.
struct CSVBuilder {
    var header: [String]
    var rows: [[String: String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String: String]) {
        for k in row.keys where !header.contains(k) { fatalError("unknown column \(k)") }
        rows.append(row)
    }

    static func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingAll("\"", "\"\"") + "\"" : s
    }

    var text: String {
        ([header.joined(separator: ",")] + rows.map { r in header.map { CSVBuilder.quote(r[$0] ?? "") }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }
}

extension CSVBuilder {
    static let medicalHeader = [
        "claim_id", "claim_line_number", "claim_type", "person_id", "member_id", "payer", "plan", "claim_start_date", "claim_end_date",
        "claim_line_start_date", "claim_line_end_date", "admission_date", "discharge_date", "discharge_disposition_code",
        "place_of_service_code", "bill_type_code", "drg_code_type", "drg_code", "revenue_center_code", "service_unit_quantity",
        "hcpcs_code", "hcpcs_modifier_1", "hcpcs_modifier_2", "rendering_npi", "billing_npi", "facility_npi", "paid_amount",
        "allowed_amount", "charge_amount", "diagnosis_code_type", "diagnosis_code_1", "diagnosis_code_2", "diagnosis_code_3",
        "diagnosis_poa_1", "procedure_code_type", "procedure_code_1", "procedure_code_2", "procedure_date_1", "procedure_date_2",
        "in_network_flag", "data_source",
    ]
    static func medical() -> CSVBuilder { CSVBuilder(medicalHeader) }
}

/// medical_claim.csv and pharmacy_claim.csv: claims, encounters, conditions, procedures,
/// dispenses, and the setting rules.
final class ClaimTests: ClaimsCSVTestCase {
    /// A professional office visit on two lines, written out of order and apart in the file.
    func officeVisit() throws -> CSVBuilder {
        var m = CSVBuilder.medical()
        let header: [String: String] = [
            "claim_id": "c1", "claim_type": "professional", "person_id": "p1", "claim_start_date": "2024-03-05",
            "claim_end_date": "2024-03-05", "place_of_service_code": "11", "rendering_npi": "1111111111", "billing_npi": "2222222222",
            "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "E119", "diagnosis_code_2": "I10", "in_network_flag": "1",
        ]
        m.add(header.merging(["claim_line_number": "2", "hcpcs_code": "83036", "paid_amount": "0.1", "allowed_amount": "12.50",
                              "claim_line_start_date": "2024-03-05", "claim_line_end_date": "2024-03-05", "service_unit_quantity": "1"]) { $1 })
        m.add(["claim_id": "c9", "claim_line_number": "1", "claim_type": "professional", "person_id": "p1", "claim_start_date": "2024-04-01",
               "claim_end_date": "2024-04-01", "place_of_service_code": "11", "hcpcs_code": "99212", "paid_amount": "10"])
        m.add(header.merging(["claim_line_number": "1", "hcpcs_code": "99213", "hcpcs_modifier_1": "25", "paid_amount": "0.2",
                              "allowed_amount": "80", "claim_line_start_date": "2024-03-05", "claim_line_end_date": "2024-03-05"]) { $1 })
        return m
    }

    func testClaimLinesGroupIntoOneClaim() throws {
        try patients("p1")
        try write("medical_claim.csv", try officeVisit().text)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        let claims = records(p1, "claims")
        XCTAssertEqual(claims.map { field($0, "id").asString }, ["c1", "c9"])
        let c1 = claims[0]
        XCTAssertEqual(field(c1, "type").asString, "professional")
        XCTAssertEqual(field(c1, "claim_id").asString, "c1")
        XCTAssertEqual(field(c1, "period").asInterval?.low.asTemporal, .date(2024, 3, 5))
        XCTAssertEqual(field(c1, "period").asInterval?.high.asTemporal, .date(2024, 3, 5))
        XCTAssertEqual(field(c1, "place_of_service").asString, "11")
        XCTAssertEqual(field(c1, "setting").asString, "office")
        XCTAssertEqual(field(c1, "rendering_npi").asString, "1111111111")
        XCTAssertEqual(field(c1, "billing_npi").asString, "2222222222")
        // Paid is summed exactly (0.1 + 0.2), allowed too.
        XCTAssertEqual(field(c1, "paid").asDouble, 0.3)
        XCTAssertEqual(field(c1, "allowed").asDouble, 92.5)
        XCTAssertEqual(field(c1, "in_network").asBool, true)
        XCTAssertEqual(field(c1, "diagnoses").asCodeKeys, ["\(icd10cm)|E11.9", "\(icd10cm)|I10"])
        // Lines sorted by number.
        let lines = records(c1, "lines")
        XCTAssertEqual(lines.map { field($0, "number").asDouble }, [1, 2])
        XCTAssertEqual(lines.map { field($0, "hcpcs").asString }, ["99213", "83036"])
        XCTAssertEqual(field(lines[0], "modifiers").asList.map(\.asString), ["25"])
        XCTAssertEqual(field(lines[0], "paid").asDouble, 0.2)
        XCTAssertEqual(field(lines[1], "allowed").asDouble, 12.5)
        XCTAssertEqual(field(lines[1], "units").asDouble, 1)
        XCTAssertEqual(field(lines[0], "place_of_service").asString, "11")
        XCTAssertEqual(field(lines[0], "period").asInterval?.low.asTemporal, .date(2024, 3, 5))

        let encounters = records(p1, "encounters")
        XCTAssertEqual(encounters.count, 2)
        let e = encounters[0]
        XCTAssertEqual(field(e, "id").asString, "c1")
        XCTAssertEqual(field(e, "claim_id").asString, "c1")
        XCTAssertEqual(field(e, "status").asString, "finished")
        XCTAssertEqual(field(e, "class").asString, "AMB")
        XCTAssertEqual(field(e, "setting").asString, "office")
        XCTAssertEqual(field(e, "type").asCodeKeys, ["\(cpt)|99213", "\(cpt)|83036"])
        XCTAssertEqual(field(e, "provider").asString, "1111111111")
        XCTAssertEqual(field(e, "paid").asDouble, 0.3)
        XCTAssertEqual(field(e, "in_network").asBool, true)
        XCTAssertEqual(field(e, "diagnoses").asCodeKeys, ["\(icd10cm)|E11.9", "\(icd10cm)|I10"])
        let period = try XCTUnwrap(field(e, "period").asInterval)
        XCTAssertEqual(period.low.asTemporal?.isDate, false)  // Encounter.period is Interval<DateTime>
        XCTAssertEqual(period.low.asTemporal?.precision, .day)
        XCTAssertEqual(period.low.asTemporal?.dayNumber, Temporal.date(2024, 3, 5).dayNumber)

        let conditions = records(p1, "conditions")
        XCTAssertEqual(conditions.map { field($0, "code").asCodeKeys }, [["\(icd10cm)|E11.9"], ["\(icd10cm)|I10"]])
        let dx = conditions[0]
        XCTAssertEqual(field(dx, "id").asString, "c1")  // derived records carry the claim id
        XCTAssertEqual(field(dx, "clinical_status").asString, "active")
        XCTAssertEqual(field(dx, "source").asString, "claim")
        XCTAssertEqual(field(dx, "category").asCodeKeys, ["http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis"])
        XCTAssertEqual(field(dx, "onset").asTemporal?.dayNumber, Temporal.date(2024, 3, 5).dayNumber)
        XCTAssertEqual(field(dx, "onset").asTemporal?.isDate, false)
        XCTAssertTrue(field(dx, "encounter").asRecord === e)
        XCTAssertEqual(field(dx, "paid").asDouble, 0.3)
        XCTAssertEqual(field(dx, "claim_id").asString, "c1")

        let procedures = records(p1, "procedures")
        XCTAssertEqual(procedures.map { field($0, "id").asString }, ["c1", "c1", "c9"])
        XCTAssertEqual(procedures.map { field($0, "code").asCodeKeys }, [["\(cpt)|99213"], ["\(cpt)|83036"], ["\(cpt)|99212"]])
        XCTAssertEqual(field(procedures[0], "status").asString, "completed")
        XCTAssertEqual(field(procedures[0], "paid").asDouble, 0.2)
        XCTAssertTrue(field(procedures[0], "encounter").asRecord === e)
        XCTAssertEqual(field(procedures[0], "performed").asTemporal?.dayNumber, Temporal.date(2024, 3, 5).dayNumber)
        XCTAssertEqual(panel.report.records["Claim"], 2)
        XCTAssertEqual(panel.report.records["Encounter"], 2)
        XCTAssertEqual(panel.report.records["Condition"], 2)
        XCTAssertEqual(panel.report.records["Procedure"], 3)
    }

    func testInstitutionalInpatientStay() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        let h: [String: String] = [
            "claim_id": "ip1", "claim_type": "institutional", "person_id": "p1", "claim_start_date": "2024-05-01",
            "claim_end_date": "2024-05-06", "admission_date": "2024-05-01", "discharge_date": "2024-05-06",
            "discharge_disposition_code": "01", "bill_type_code": "0111", "drg_code_type": "ms-drg", "drg_code": "291",
            "facility_npi": "3333333333", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "I50.9", "diagnosis_code_2": "n179",
            "procedure_code_type": "icd-10-pcs", "procedure_code_1": "5a1955z", "procedure_date_1": "2024-05-02",
            "in_network_flag": "0",
        ]
        m.add(h.merging(["claim_line_number": "1", "revenue_center_code": "120", "paid_amount": "9000", "allowed_amount": "9500"]) { $1 })
        m.add(h.merging(["claim_line_number": "2", "revenue_center_code": "0450", "paid_amount": "500.25", "hcpcs_code": "99284"]) { $1 })
        try write("medical_claim.csv", m.text)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        let claim = try XCTUnwrap(records(p1, "claims").first)
        XCTAssertEqual(field(claim, "setting").asString, "inpatient")  // admitted through the ED: still inpatient
        XCTAssertEqual(field(claim, "bill_type").asString, "0111")
        XCTAssertEqual(field(claim, "drg").asString, "291")
        XCTAssertEqual(field(claim, "admission").asTemporal, .date(2024, 5, 1))
        XCTAssertEqual(field(claim, "discharge").asTemporal, .date(2024, 5, 6))
        XCTAssertEqual(field(claim, "discharge_disposition").asString, "01")
        XCTAssertEqual(field(claim, "facility_npi").asString, "3333333333")
        XCTAssertEqual(field(claim, "paid").asDouble, 9500.25)
        XCTAssertEqual(field(claim, "allowed").asDouble, 9500)
        XCTAssertEqual(field(claim, "in_network").asBool, false)
        XCTAssertEqual(field(claim, "diagnoses").asCodeKeys, ["\(icd10cm)|I50.9", "\(icd10cm)|N17.9"])
        XCTAssertEqual(field(claim, "procedures").asCodeKeys, ["\(icd10pcs)|5A1955Z"])
        XCTAssertEqual(records(claim, "lines").map { field($0, "revenue_code").asString }, ["0120", "0450"])

        let e = try XCTUnwrap(records(p1, "encounters").first)
        XCTAssertEqual(field(e, "class").asString, "IMP")
        XCTAssertEqual(field(e, "drg").asCodeKeys, ["https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG|291"])
        XCTAssertEqual(field(e, "discharge_disposition").asCodeKeys, ["https://www.nubc.org/CodeSystem/PatDischargeStatus|01"])
        XCTAssertEqual(field(e, "facility").asString, "3333333333")
        let period = try XCTUnwrap(field(e, "period").asInterval)
        XCTAssertEqual(period.low.asTemporal?.dayNumber, Temporal.date(2024, 5, 1).dayNumber)
        XCTAssertEqual(period.high.asTemporal?.dayNumber, Temporal.date(2024, 5, 6).dayNumber)

        let procedures = records(p1, "procedures")
        XCTAssertEqual(procedures.map { field($0, "id").asString }, ["ip1", "ip1"])
        XCTAssertEqual(field(procedures[1], "code").asCodeKeys, ["\(icd10pcs)|5A1955Z"])
        XCTAssertEqual(field(procedures[1], "performed").asTemporal?.dayNumber, Temporal.date(2024, 5, 2).dayNumber)
        XCTAssertEqual(field(procedures[1], "paid").asDouble, 9500.25)  // ICD procedures carry the claim's amounts
        // A procedure over several days is an interval.
        XCTAssertEqual(field(procedures[0], "performed").asInterval?.high.asTemporal?.dayNumber, Temporal.date(2024, 5, 6).dayNumber)
    }

    func testHCPCSLevelIIAndCPTCategoryIICodes() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        let h = ["claim_id": "c1", "person_id": "p1", "claim_start_date": "2024-01-02", "claim_end_date": "2024-01-02", "place_of_service_code": "2"]
        m.add(h.merging(["claim_line_number": "1", "hcpcs_code": "G0439"]) { $1 })
        m.add(h.merging(["claim_line_number": "2", "hcpcs_code": "3074F"]) { $1 })
        m.add(h.merging(["claim_line_number": "3", "hcpcs_code": "g0439"]) { $1 })
        try write("medical_claim.csv", m.text)
        let panel = try load()
        let p1 = try member(panel, "p1")
        let e = try XCTUnwrap(records(p1, "encounters").first)
        XCTAssertEqual(field(e, "type").asCodeKeys, ["\(hcpcs)|G0439", "\(cpt)|3074F"])  // one concept per distinct code
        XCTAssertEqual(field(e, "setting").asString, "telehealth")
        XCTAssertEqual(field(e, "class").asString, "VR")
        XCTAssertEqual(field(records(p1, "claims")[0], "place_of_service").asString, "02")
        XCTAssertEqual(records(p1, "procedures").count, 3)
    }

    func testSettingsFromClaims() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        func claim(_ id: String, _ extra: [String: String]) {
            m.add(["claim_id": id, "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-02-01", "claim_end_date": "2024-02-01"]
                .merging(extra) { $1 })
        }
        claim("ed-rev", ["claim_type": "institutional", "bill_type_code": "131", "revenue_center_code": "0450"])
        claim("ed-pos", ["claim_type": "professional", "place_of_service_code": "23", "hcpcs_code": "99284"])
        claim("ed-cpt", ["claim_type": "professional", "place_of_service_code": "22", "hcpcs_code": "99285"])
        claim("snf", ["claim_type": "institutional", "bill_type_code": "211", "admission_date": "2024-02-01"])
        claim("hh", ["claim_type": "institutional", "bill_type_code": "329"])
        claim("hospice", ["claim_type": "institutional", "bill_type_code": "811"])
        claim("op", ["claim_type": "institutional", "bill_type_code": "131", "revenue_center_code": "0320"])
        claim("tele-mod", ["claim_type": "professional", "place_of_service_code": "11", "hcpcs_code": "99213", "hcpcs_modifier_1": "95"])
        claim("urgent", ["claim_type": "professional", "place_of_service_code": "20"])
        claim("lab", ["claim_type": "professional", "place_of_service_code": "81"])
        claim("other", ["claim_type": "professional", "place_of_service_code": "99"])
        claim("ip-rev", ["claim_type": "institutional", "revenue_center_code": "0101", "admission_date": "2024-02-01"])
        try write("medical_claim.csv", m.text)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        var settings: [String: String] = [:]
        for e in records(try member(panel, "p1"), "encounters") {
            settings[field(e, "id").asString!] = "\(field(e, "setting").asString!)/\(field(e, "class").asString!)"
        }
        XCTAssertEqual(settings, [
            "ed-rev": "emergency/EMER", "ed-pos": "emergency/EMER", "ed-cpt": "emergency/EMER", "snf": "snf/NONAC",
            "hh": "home_health/HH", "hospice": "hospice/HH", "op": "outpatient/AMB", "tele-mod": "telehealth/VR",
            "urgent": "urgent_care/AMB", "lab": "lab/AMB", "other": "other/AMB", "ip-rev": "inpatient/IMP",
        ])
    }

    func testSettingRules() {
        typealias E = CareSetting.Evidence
        func e(_ f: (inout E) -> Void) -> CareSetting { var x = E(); f(&x); return CareSetting.derive(x) }
        XCTAssertEqual(e { $0.billType = 11 }, .inpatient)
        XCTAssertEqual(e { $0.billType = 12 }, .inpatient)
        XCTAssertEqual(e { $0.add(revenue: 120); $0.hasAdmission = true }, .inpatient)
        XCTAssertEqual(e { $0.add(revenue: 120) }, .other)  // room and board without an admission
        XCTAssertEqual(e { $0.add(revenue: 250); $0.hasAdmission = true; $0.institutional = true }, .outpatient)
        XCTAssertEqual(e { $0.add(placeOfService: 21) }, .inpatient)
        XCTAssertEqual(e { $0.billType = 11; $0.add(revenue: 450) }, .inpatient)
        XCTAssertEqual(e { $0.billType = 21 }, .snf)
        XCTAssertEqual(e { $0.add(placeOfService: 31) }, .snf)
        XCTAssertEqual(e { $0.billType = 81 }, .hospice)
        XCTAssertEqual(e { $0.add(placeOfService: 34) }, .hospice)
        XCTAssertEqual(e { $0.billType = 33 }, .homeHealth)
        XCTAssertEqual(e { $0.add(placeOfService: 12) }, .homeHealth)
        XCTAssertEqual(e { $0.add(revenue: 459) }, .emergency)
        XCTAssertEqual(e { $0.add(revenue: 981) }, .emergency)
        XCTAssertEqual(e { $0.add(placeOfService: 23) }, .emergency)
        XCTAssertEqual(e { $0.emergencyVisitCode = true; $0.add(placeOfService: 11) }, .emergency)
        XCTAssertEqual(e { $0.add(placeOfService: 2) }, .telehealth)
        XCTAssertEqual(e { $0.add(placeOfService: 10) }, .telehealth)
        XCTAssertEqual(e { $0.add(placeOfService: 11); $0.telehealthModifier = true }, .telehealth)
        XCTAssertEqual(e { $0.add(revenue: 456) }, .urgentCare)
        XCTAssertEqual(e { $0.add(placeOfService: 20) }, .urgentCare)
        XCTAssertEqual(e { $0.add(placeOfService: 41) }, .ambulance)
        XCTAssertEqual(e { $0.add(revenue: 540) }, .ambulance)
        XCTAssertEqual(e { $0.add(placeOfService: 11) }, .office)
        XCTAssertEqual(e { $0.add(placeOfService: 50) }, .office)
        XCTAssertEqual(e { $0.add(placeOfService: 81) }, .lab)
        XCTAssertEqual(e { $0.add(placeOfService: 22) }, .outpatient)
        XCTAssertEqual(e { $0.institutional = true; $0.billType = 13 }, .outpatient)
        XCTAssertEqual(e { _ in }, .other)
        XCTAssertEqual(CareSetting.allCases.map(\.encounterClass), ["IMP", "NONAC", "HH", "HH", "EMER", "VR", "AMB", "AMB", "AMB", "AMB", "AMB", "AMB"])
    }

    func testClaimDatesFallBackToLines() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_line_start_date": "2024-06-03",
               "claim_line_end_date": "2024-06-04", "place_of_service_code": "11"])
        m.add(["claim_id": "c1", "claim_line_number": "2", "person_id": "p1", "claim_line_start_date": "2024-06-01",
               "claim_line_end_date": "2024-06-01"])
        m.add(["claim_id": "c2", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-07-01"])
        try write("medical_claim.csv", m.text)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let claims = records(try member(panel, "p1"), "claims")
        XCTAssertEqual(field(claims[0], "period").asInterval?.low.asTemporal, .date(2024, 6, 1))
        XCTAssertEqual(field(claims[0], "period").asInterval?.high.asTemporal, .date(2024, 6, 4))
        // No end date: the claim ends on its start date.
        XCTAssertEqual(field(claims[1], "period").asInterval?.high.asTemporal, .date(2024, 7, 1))
    }

    func testPharmacyClaims() throws {
        try patients("p1")
        try write("pharmacy_claim.csv", """
            claim_id,claim_line_number,person_id,member_id,payer,plan,prescribing_provider_npi,dispensing_provider_npi,dispensing_date,ndc_code,quantity,days_supply,refills,paid_date,paid_amount,allowed_amount,charge_amount,in_network_flag
            rx1,1,p1,m1,Acme,Gold,4444444444,5555555555,2024-02-10,00093721401,30,30,2,2024-02-12,4.17,10.00,,1
            rx2,1,p1,m1,Acme,Gold,,,2024-03-10,0093-7214-01,90.5,90,,,,,,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let d = records(try member(panel, "p1"), "medication_dispenses")
        XCTAssertEqual(d.map { field($0, "id").asString }, ["rx1-1", "rx2-1"])
        XCTAssertEqual(field(d[0], "medication").asCodeKeys, ["http://hl7.org/fhir/sid/ndc|00093721401"])
        XCTAssertEqual(field(d[1], "medication").asCodeKeys, ["http://hl7.org/fhir/sid/ndc|00093721401"])  // 4-4-2 padded to 5-4-2
        XCTAssertEqual(field(d[0], "status").asString, "completed")
        XCTAssertEqual(field(d[0], "dispensed").asTemporal?.dayNumber, Temporal.date(2024, 2, 10).dayNumber)
        XCTAssertEqual(field(d[0], "dispensed").asTemporal?.isDate, false)
        XCTAssertEqual(field(d[0], "days_supply").asDouble, 30)
        XCTAssertEqual(field(d[1], "quantity").asDouble, 90.5)
        XCTAssertEqual(field(d[0], "prescriber").asString, "4444444444")
        XCTAssertEqual(field(d[0], "paid").asDouble, 4.17)
        XCTAssertEqual(field(d[0], "allowed").asDouble, 10)
        XCTAssertEqual(field(d[0], "in_network").asBool, true)
        XCTAssertEqual(field(d[0], "claim_id").asString, "rx1")
        XCTAssertTrue(field(d[1], "paid").isNull)
    }

    /// Numbered code columns stop at the first of their trailing empty columns (told from the
    /// spans at once); gaps, blank and quoted-empty fields before a code, and dates repeated from
    /// the row before (`DateMemo`) must read as field by field. A bad date after a good one in the
    /// same column is still rejected.
    func testCodeColumnsWithGapsBlanksAndRepeatedDates() throws {
        try patients("p1")
        try write("medical_claim.csv", """
            claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,diagnosis_code_type,diagnosis_code_1,diagnosis_code_2,diagnosis_code_3,diagnosis_code_4,procedure_code_type,procedure_code_1,procedure_code_2,procedure_date_1,procedure_date_2
            c1,1,institutional,p1,2024-01-02,2024-01-05,icd-10-cm,E119,,I10,,icd-10-pcs,,0DTJ4ZZ,2024-01-04,2024-01-03
            c2,1,professional,p1,2024-01-02,2024-01-02,icd-10-cm,,"",  ,J45,icd-10-pcs,,,,
            c3,1,professional,p1,2024-01-02,2024-01-02,icd-10-cm,Z00, ,,,icd-10-pcs,0DTJ4ZZ,,,2024-01-09
            c4,1,professional,p1,2024-01-02,2024-01-02,,,,,,,,0B110F4,,
            c5,1,professional,p1,2024-01-02,2024-13-02,icd-10-cm,R51,,,,,,,,
            c6,1,professional,p1,2024-01-02,2024-01-02,icd-10-cm,"R52",,,"",,,,,

            """)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.line), [6])
        XCTAssertEqual(panel.report.rejections.map(\.message), ["claim_end_date '2024-13-02' is not a date: month 13 is out of range 01-12"])
        let p1 = try member(panel, "p1")
        let claims = records(p1, "claims")
        XCTAssertEqual(claims.map { field($0, "id").asString }, ["c1", "c2", "c3", "c4", "c6"])
        XCTAssertEqual(claims.map { field($0, "diagnoses").asCodeKeys }, [
            ["\(icd10cm)|E11.9", "\(icd10cm)|I10"], ["\(icd10cm)|J45"], ["\(icd10cm)|Z00"], [], ["\(icd10cm)|R52"],
        ])
        XCTAssertEqual(claims.map { field($0, "procedures").asCodeKeys }, [
            ["\(icd10pcs)|0DTJ4ZZ"], [], ["\(icd10pcs)|0DTJ4ZZ"], ["\(icd10pcs)|0B110F4"], [],
        ])
        // ICD-10-PCS procedures on their own date (c1: procedure_date_2), else the claim's start
        // (c3's procedure_date_2 belongs to an empty code; c4's code has no date).
        let procedures = records(p1, "procedures")
        XCTAssertEqual(procedures.map { field($0, "id").asString }, ["c1", "c3", "c4"])
        XCTAssertEqual(procedures.map { field($0, "performed").asTemporal?.dayNumber }, [
            Temporal.date(2024, 1, 3).dayNumber, Temporal.date(2024, 1, 2).dayNumber, Temporal.date(2024, 1, 2).dayNumber,
        ])
        XCTAssertEqual(field(claims[0], "period").asInterval?.high.asTemporal, .date(2024, 1, 5))
        XCTAssertEqual(field(claims[4], "period").asInterval?.high.asTemporal, .date(2024, 1, 2))
    }

    /// Numbered code columns listed out of number order or apart in the header: a run of empty
    /// columns in the file must not hide a code that lies elsewhere (diagnosis_code_2 here comes
    /// before diagnosis_code_1, which an empty column and the empty diagnosis_code_3 follow).
    func testCodeColumnsOutOfOrderInTheHeader() throws {
        try patients("p1")
        try write("medical_claim.csv", """
            claim_id,claim_line_number,diagnosis_code_2,claim_type,person_id,claim_start_date,claim_end_date,diagnosis_code_type,procedure_code_2,diagnosis_code_1,procedure_date_1,diagnosis_code_3,procedure_code_type,procedure_code_1,procedure_date_2
            c1,1,E119,professional,p1,2024-01-02,2024-01-02,icd-10-cm,0DTJ4ZZ,,,,icd-10-pcs,,2024-01-04
            c2,1,,professional,p1,2024-01-02,2024-01-02,icd-10-cm,,I10,2024-01-03,,icd-10-pcs,0B110F4,

            """)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.line), [])
        let claims = records(try member(panel, "p1"), "claims")
        XCTAssertEqual(claims.map { field($0, "diagnoses").asCodeKeys }, [["\(icd10cm)|E11.9"], ["\(icd10cm)|I10"]])
        XCTAssertEqual(claims.map { field($0, "procedures").asCodeKeys }, [["\(icd10pcs)|0DTJ4ZZ"], ["\(icd10pcs)|0B110F4"]])
    }

    func testConsecutiveTail() {
        XCTAssertEqual(Row.consecutiveTail([]), 0)
        XCTAssertEqual(Row.consecutiveTail([7]), 0)
        XCTAssertEqual(Row.consecutiveTail([3, 4, 5]), 0)
        XCTAssertEqual(Row.consecutiveTail([8, 3, 10]), 2)
        XCTAssertEqual(Row.consecutiveTail([2, 9, 10, 11]), 1)
        XCTAssertEqual(Row.consecutiveTail([5, 4]), 1)
    }
}
