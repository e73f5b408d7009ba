import Foundation
import XCTest
@testable import ClaimsCSVPlugin
@testable import TallyEngine
import TallyLanguage

/// Whole-folder properties: column order and unknown columns do not matter, loads are
/// deterministic, and buffer boundaries do not change anything.
final class PanelTests: ClaimsCSVTestCase {
    func testFullPanel() throws {
        try writeFullPanel()
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p2", "p3"])
        XCTAssertEqual(panel.report.files.map { ($0 as NSString).lastPathComponent }, ClaimsCSVLoader.fileNames)
        XCTAssertEqual(panel.report.records, [
            "Member": 3, "Enrollment": 3, "Coverage": 3, "Attribution": 1, "Claim": 2, "Encounter": 3, "Condition": 3, "Procedure": 4,
            "MedicationDispense": 1, "Observation": 4, "Immunization": 1, "MedicationRequest": 1,
        ])
    }

    func testSameFilesGiveTheSamePanel() throws {
        try writeFullPanel()
        let a = render(try load()), b = render(try load())
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.contains("claim_id: \"c1\""))
    }

    func testChunkBoundariesDoNotMatter() throws {
        try writeFullPanel()
        let whole = render(try load())
        for chunk in [16, 17, 64, 100] {
            XCTAssertEqual(render(try load(chunkSize: chunk)), whole, "chunk size \(chunk)")
        }
    }

    func testCRLFAndBOMFilesLoadTheSame() throws {
        try writeFullPanel()
        let plain = render(try load())
        for name in ClaimsCSVLoader.fileNames {
            let p = path(name)
            let text = try String(contentsOfFile: p, encoding: .utf8)
            try Data([0xEF, 0xBB, 0xBF] + Array(text.replacingAll("\n", "\r\n").utf8)).write(to: URL(fileURLWithPath: p))
        }
        XCTAssertEqual(render(try load()), plain)
    }

    func testColumnOrderIsFreeAndUnknownColumnsAreIgnored() throws {
        try writeFullPanel()
        let before = render(try load())
        // Reverse every file's columns, add unknown columns, and upper-case the header.
        for name in ClaimsCSVLoader.fileNames {
            let p = path(name)
            var rows = try rowsOf(p)
            rows = rows.enumerated().map { i, r in
                (i == 0 ? ["EXTRA_COLUMN"] : ["ignored, with a comma"]) + r.reversed() + (i == 0 ? ["another_unknown"] : [""])
            }
            rows[0] = rows[0].map { $0.uppercased() }
            try write(name, rows.map { $0.map(CSVBuilder.quote).joined(separator: ",") }.joined(separator: "\n") + "\n")
        }
        XCTAssertEqual(render(try load()), before)
    }

    /// Reads a CSV file back with the plugin's reader (the test files have no quoted newlines).
    func rowsOf(_ path: String) throws -> [[String]] {
        let reader = CSVReader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        var rows: [[String]] = []
        while reader.next() == .row { rows.append((0..<reader.fieldCount).map { reader.string($0) }) }
        return rows
    }

    func testEmptyFilesAndHeaderOnlyFiles() throws {
        try write("patient.csv", "person_id\np1\n")
        try write("lab_result.csv", "")
        try write("condition.csv", "person_id,normalized_code\n")
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty)
        XCTAssertEqual(panel.members.count, 1)
    }

    func testManyMembersLoadInIdOrder() throws {
        var patients = "person_id,birth_date\n", labs = "lab_result_id,person_id,normalized_component_code,result\n"
        for i in stride(from: 500, to: 0, by: -1) {
            patients += "p\(i),1960-01-01\n"
            labs += "l\(i),p\(i),4548-4,\(Double(i) / 100)\n"
        }
        try write("patient.csv", patients)
        try write("lab_result.csv", labs)
        let panel = try load(chunkSize: 256)
        XCTAssertEqual(panel.members.count, 500)
        XCTAssertEqual(panel.members.map(Panel.id(of:)), (1...500).map { "p\($0)" }.sorted())
        XCTAssertEqual(panel.report.records["Observation"], 500)
        let p123 = try member(panel, "p123")
        XCTAssertEqual(records(p123, "observations").first.map { field($0, "value").asQuantity }, Quantity(1.23, "1"))
    }
}


extension ClaimsCSVTestCase {
    /// A small panel touching every table.
    func writeFullPanel() throws {
        try write("patient.csv", "person_id,sex,race,birth_date\np1,female,white,1950-01-01\np2,male,asian,1970-06-15\n")
        try write("eligibility.csv", """
            person_id,member_id,gender,birth_date,enrollment_start_date,enrollment_end_date,payer,payer_type,plan,hospice_flag
            p1,m1,female,1950-01-01,2024-01-01,2024-12-31,Acme,medicare,Gold,0
            p2,m2,male,1970-06-15,2024-01-01,,Beta,commercial,PPO,0
            p3,m3,female,1990-01-01,2024-01-01,2024-06-30,Beta,commercial,PPO,0

            """)
        try write("provider_attribution.csv", "person_id,year_month,payer,payer_attributed_provider\np1,202401,Acme,1234567890\n")
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "claim_type": "professional", "person_id": "p1", "claim_start_date": "2024-03-05",
               "claim_end_date": "2024-03-05", "place_of_service_code": "11", "hcpcs_code": "99213", "paid_amount": "80.10",
               "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "E119", "in_network_flag": "1"])
        m.add(["claim_id": "c2", "claim_line_number": "1", "claim_type": "institutional", "person_id": "p2", "claim_start_date": "2024-04-01",
               "claim_end_date": "2024-04-03", "admission_date": "2024-04-01", "discharge_date": "2024-04-03", "bill_type_code": "111",
               "revenue_center_code": "0120", "paid_amount": "9000", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "I214",
               "procedure_code_type": "icd-10-pcs", "procedure_code_1": "02703ZZ", "procedure_date_1": "2024-04-02"])
        m.add(["claim_id": "c1", "claim_line_number": "2", "claim_type": "professional", "person_id": "p1", "claim_start_date": "2024-03-05",
               "claim_end_date": "2024-03-05", "place_of_service_code": "11", "hcpcs_code": "83036", "paid_amount": "10.05",
               "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "E119", "in_network_flag": "1"])
        try write("medical_claim.csv", m.text)
        try write("pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply,paid_amount\nrx1,1,p1,2024-02-01,00093721401,30,4.00\n")
        try write("lab_result.csv", "lab_result_id,person_id,normalized_component_code,result,normalized_units,result_datetime\nl1,p1,4548-4,7.1,%,2024-03-05\n")
        try write("observation.csv", "observation_id,person_id,panel_id,observation_date,normalized_code_type,normalized_code,result,source_units\no1,p1,bp1,2024-03-05,loinc,8480-6,132,mmHg\no2,p1,bp1,2024-03-05,loinc,8462-4,84,mmHg\n")
        try write("condition.csv", "condition_id,person_id,recorded_date,condition_type,normalized_code_type,normalized_code\nd1,p2,2024-01-01,problem,icd-10-cm,I10\n")
        try write("procedure.csv", "procedure_id,person_id,procedure_date,source_code_type,source_code\nx1,p2,2024-02-02,hcpcs,G0439\n")
        try write("encounter.csv", "encounter_id,person_id,encounter_type,encounter_start_date,encounter_end_date\ne1,p2,office visit,2024-02-02,2024-02-02\n")
        try write("immunization.csv", "immunization_id,person_id,normalized_code,occurrence_date\ni1,p1,140,2024-10-01\n")
        try write("medication.csv", "medication_id,person_id,prescribing_date,rxnorm_code,quantity,days_supply\nmed1,p1,2024-01-05,860975,60,30\n")
    }

    /// Lists out of id order are sorted by id as String orders ids (stably): ASCII ids by their
    /// bytes, others by String comparison (where byte order differs: `xa` + U+0301 is `xá`,
    /// after `xb`).
    func testListsSortedByIDAsStringsOrderThem() {
        let slot = CanonicalSchema.slot("Condition", "id")
        func list(_ ids: [String?]) -> [Value] {
            ids.map { id in
                let r = CanonicalSchema.newRecord("Condition")
                r[slot] = id.map(Value.string) ?? .null
                r[CanonicalSchema.slot("Condition", "clinical_status")] = .string(UUID().uuidString)  // tells equal ids apart
                return .record(r)
            }
        }
        for ids: [String?] in [
            ["b", "a", "a", "", "ab", "B", nil, "a", "P00000002-C0001", "P00000001-C0002-long-id-over-15-bytes"],
            ["xb", "xa\u{301}", "xa", "x\u{E1}", "a", "xa\u{301}"],
            ["\u{1F600}", "z", "\u{E9}", "e\u{301}", "E"],
        ] {
            let values = list(ids)
            let sorted = MemberAssembler.sortedByID(values, idSlot: slot)
            let key = { (v: Value) in v.asRecord?.fields[slot].asString ?? "" }
            let expected = values.enumerated().sorted { a, b in
                key(a.element) != key(b.element) ? key(a.element) < key(b.element) : a.offset < b.offset
            }.map { $0.element.asRecord! }
            XCTAssertEqual(sorted.map { ObjectIdentifier($0.asRecord!) }, expected.map(ObjectIdentifier.init), "\(ids)")
        }
        XCTAssertEqual(MemberAssembler.sortedByID(list(["xb", "xa\u{301}", "xa"]), idSlot: slot).map { $0.asRecord?.fields[slot].asString },
                       ["xa", "xb", "xa\u{301}"])
    }
}
