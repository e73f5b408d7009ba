import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// Every kind of bad input: lenient loads skip and count the row (with file, line, reason and a
/// message naming the column and value) and keep the rest; strict loads throw the first one.
final class BadInputTests: ClaimsCSVTestCase {
    /// Writes the standard patient file of `members` and `text` as `file` (which replaces the
    /// patient file when it is one); loads leniently and checks the one rejection; then loads
    /// strictly and checks the same rejection is thrown. Returns the lenient panel.
    @discardableResult
    func expectOneRejection(in file: String, _ text: String, members: [String] = ["p1"], line: Int?, code: String, message: String,
                            at: StaticString = #filePath, _ l: UInt = #line) throws -> Panel {
        try patients(members)
        try write(file, text)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.count, 1, "\(panel.report.rejections)", file: at, line: l)
        if let r = panel.report.rejections.first {
            XCTAssertEqual(r.file, path(file), file: at, line: l)
            XCTAssertEqual(r.line, line, file: at, line: l)
            XCTAssertEqual(r.code, code, file: at, line: l)
            XCTAssertEqual(r.message, message, file: at, line: l)
        }
        XCTAssertEqual(panel.report.rejectedByReason.map(\.reason), [code], file: at, line: l)
        let thrown = strictRejection(file: at, line: l)
        XCTAssertEqual(thrown?.code, code, file: at, line: l)
        XCTAssertEqual(thrown?.line, line, file: at, line: l)
        XCTAssertEqual(thrown?.message, message, file: at, line: l)
        return panel
    }

    func testWrongColumnCount() throws {
        try write("patient.csv", "person_id,sex,birth_date\np1,female,1960-01-01\np2,male\np3,male,1970-01-01,extra\np4,female,1980-01-01\n")
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["column-count", "column-count"])
        XCTAssertEqual(panel.report.rejections.map(\.line), [3, 4])
        XCTAssertEqual(panel.report.rejections[0].message, "expected 3 fields, as in the header, but found 2")
        XCTAssertEqual(panel.report.rejections[1].description, "\(path("patient.csv")):4: expected 3 fields, as in the header, but found 4")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p4"])
        XCTAssertEqual(strictRejection()?.line, 3)
    }

    func testBadDate() throws {
        let panel = try expectOneRejection(in: "eligibility.csv", "person_id,enrollment_start_date,enrollment_end_date\np1,2024-01-01,2024-12-31\np1,2024-02-30,2024-12-31\n",
                                           line: 3, code: "bad-date",
                                           message: "enrollment_start_date '2024-02-30' is not a date: day 30 is out of range for 2024-02")
        XCTAssertEqual(records(try member(panel, "p1"), "enrollments").count, 1)
    }

    func testBadDateTime() throws {
        try expectOneRejection(in: "lab_result.csv", "person_id,normalized_component_code,result,result_datetime\np1,4548-4,7,03/02/2024\n",
                               line: 2, code: "bad-date",
                               message: "result_datetime '03/02/2024' is not a date-time: expected a date-time YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|±hh:mm]")
    }

    func testBadYearMonth() throws {
        try expectOneRejection(in: "provider_attribution.csv", "person_id,year_month,payer_attributed_provider\np1,2024-13,1\n",
                               line: 2, code: "bad-date", message: "year_month '2024-13' is not a month YYYYMM")
    }

    func testNonNumericAmount() throws {
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01", "paid_amount": "12.00"])
        m.add(["claim_id": "c1", "claim_line_number": "2", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01", "paid_amount": "$1,200.00"])
        let panel = try expectOneRejection(in: "medical_claim.csv", m.text, line: 3, code: "bad-number", message: "paid_amount '$1,200.00' is not an amount")
        let claim = try XCTUnwrap(records(try member(panel, "p1"), "claims").first)
        XCTAssertEqual(records(claim, "lines").count, 1)
        XCTAssertEqual(field(claim, "paid").asDouble, 12)
    }

    func testNonNumericQuantityAndLineNumber() throws {
        try patients("p1")
        try write("pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code,days_supply\nrx1,1,p1,2024-01-01,00093721401,thirty\nrx2,one,p1,2024-01-01,00093721401,30\n")
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["bad-number", "bad-number"])
        XCTAssertEqual(panel.report.rejections.map(\.message), ["days_supply 'thirty' is not a whole number", "claim_line_number 'one' is not a whole number"])
        XCTAssertEqual(strictRejection()?.line, 2)
    }

    func testUnknownCodeSystem() throws {
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01",
               "diagnosis_code_type": "icd-11", "diagnosis_code_1": "5A11"])
        let panel = try expectOneRejection(in: "medical_claim.csv", m.text, line: 2, code: "unknown-code-system",
                                           message: "diagnosis_code_type 'icd-11' is not a known code type (icd-10-cm, icd-10-pcs, hcpcs, cpt, loinc, snomed-ct, rxnorm, ndc, cvx, ... or a URL)")
        XCTAssertTrue(records(try member(panel, "p1"), "claims").isEmpty)
    }

    func testUnknownCodeTypeInClinicalTables() throws {
        try patients("p1")
        try write("condition.csv", "person_id,normalized_code_type,normalized_code,source_code_type,source_code\np1,,E11.9,,\np1,http://example.org/codes,A1,,\np1,,,local,X\n")
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["unknown-code-system", "unknown-code-system"])
        XCTAssertEqual(panel.report.rejections[0].message, "normalized_code_type is empty for normalized_code 'E11.9'")
        XCTAssertEqual(panel.report.rejections[1].line, 4)
        // A URL is a code system of its own.
        XCTAssertEqual(records(try member(panel, "p1"), "conditions").map { field($0, "code").asCodeKeys }, [["http://example.org/codes|A1"]])
    }

    func testDuplicateClaimLine() throws {
        var m = CSVBuilder.medical()
        let h = ["claim_id": "c1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"]
        m.add(h.merging(["claim_line_number": "1", "paid_amount": "5"]) { $1 })
        m.add(h.merging(["claim_line_number": "2", "paid_amount": "6"]) { $1 })
        m.add(h.merging(["claim_line_number": "1", "paid_amount": "7"]) { $1 })
        let panel = try expectOneRejection(in: "medical_claim.csv", m.text, line: 4, code: "duplicate-line",
                                           message: "claim c1 line 1 repeats the line read at line 2")
        XCTAssertEqual(field(records(try member(panel, "p1"), "claims")[0], "paid").asDouble, 11)
    }

    /// Messages name lines past 2^32 (a part of a very large file read from such a line): the
    /// line a duplicate repeats, and the line a claim's first person was read on, which is kept in
    /// 32 bits and past that said to be past it.
    func testLinesPastTwoToTheThirtyTwoInMessages() throws {
        let first = 5_000_000_000
        func rejections<T: Table>(_ table: T.Type, _ text: String, keys: SharedKey?) throws -> [String] {
            let file = path(T.fileName)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let header = text.prefix { $0 != "\n" }
            let ctx = LoadContext(options: LoadOptions())
            let reader = try XCTUnwrap(CSVReader(path: file, from: header.utf8.count + 1, to: text.utf8.count, line: first))
            let columns = Columns(header.split(separator: ",").map(String.init))
            try TableReader.read(T.self, reader: reader, columns: columns, context: ctx, keys: KeyCheck(keys, columns))
            return ctx.report.rejections.map { "\($0.line ?? 0): \($0.message)" }
        }
        var m = CSVBuilder.medical()
        let h = ["claim_id": "c1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"]
        m.add(h.merging(["claim_line_number": "1"]) { $1 })
        m.add(h.merging(["claim_line_number": "1"]) { $1 })
        m.add(h.merging(["claim_line_number": "2", "person_id": "p2"]) { $1 })
        XCTAssertEqual(try rejections(MedicalClaimTable.self, m.text, keys: .claimOwner), [
            "5000000001: claim c1 line 1 repeats the line read at line 5000000000",
            "5000000002: claim c1 belongs to person_id 'p1' on a line after 4294967294, not 'p2'",
        ])
        let rx = "claim_id,claim_line_number,person_id,dispensing_date,ndc_code\nrx1,1,p1,2024-01-01,1\nrx1,1,p1,2024-01-01,1\n"
        XCTAssertEqual(try rejections(PharmacyClaimTable.self, rx, keys: .uniqueClaimLine),
                       ["5000000001: claim rx1 line 1 repeats the line read at line 5000000000"])
    }

    func testCodeWithNothingLeft() throws {
        try expectOneRejection(in: "pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code\nrx1,1,p1,2024-01-01,--\n",
                               line: 2, code: "bad-value", message: "ndc_code '--' is not a code")
    }

    func testDuplicatePharmacyLine() throws {
        try expectOneRejection(in: "pharmacy_claim.csv", "claim_id,claim_line_number,person_id,dispensing_date,ndc_code\nrx1,1,p1,2024-01-01,1\nrx1,1,p1,2024-01-01,1\n",
                               line: 3, code: "duplicate-line", message: "claim rx1 line 1 repeats the line read at line 2")
    }

    func testEndBeforeStart() throws {
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-03-01", "claim_end_date": "2024-02-01"])
        try expectOneRejection(in: "medical_claim.csv", m.text, line: 2, code: "end-before-start",
                               message: "claim_end_date 2024-02-01 is before claim_start_date 2024-03-01")
    }

    func testEndBeforeStartInEnrollmentAndAdmission() throws {
        try write("eligibility.csv", "person_id,enrollment_start_date,enrollment_end_date\np1,2024-01-01,2023-12-31\np1,2024-01-01,2024-01-01\n")
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-03-01", "claim_end_date": "2024-03-05",
               "admission_date": "2024-03-05", "discharge_date": "2024-03-01"])
        try write("medical_claim.csv", m.text)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["end-before-start", "end-before-start"])
        XCTAssertEqual(panel.report.rejections.map(\.message), ["enrollment_end_date 2023-12-31 is before enrollment_start_date 2024-01-01",
                                                                "discharge_date 2024-03-01 is before admission_date 2024-03-05"])
    }

    func testUnterminatedQuote() throws {
        let panel = try expectOneRejection(in: "patient.csv", "person_id,sex,birth_date\np1,female,1960-01-01\np2,\"male,1970-01-01\np3,male,1970-01-01\n",
                                           line: 3, code: "unterminated-quote",
                                           message: "a quoted field that starts on this line is never closed")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p3"])
    }

    func testUnterminatedQuoteInTheHeader() throws {
        try expectOneRejection(in: "lab_result.csv", "person_id,\"normalized_component_code,result\np1,4548-4,7\np1,4548-4,8\n",
                               line: 1, code: "unterminated-quote",
                               message: "the header has a quoted field that is never closed; the file's 2 rows are skipped")
    }

    func testMissingColumnRejectsTheWholeFile() throws {
        let panel = try expectOneRejection(in: "medical_claim.csv", "claim_id,person_id,claim_start_date,claim_end_date\nc1,p1,2024-01-01,2024-01-01\nc2,p1,2024-01-01,2024-01-01\n",
                                           line: 1, code: "missing-column",
                                           message: "missing required column 'claim_line_number'; the file's 2 rows are skipped")
        XCTAssertTrue(records(try member(panel, "p1"), "claims").isEmpty)
    }

    func testMissingAlternativeColumns() throws {
        try expectOneRejection(in: "observation.csv", "observation_id,code,result\no1,8480-6,120\n",
                               line: 1, code: "missing-column",
                               message: "missing required columns 'person_id', 'normalized_code' or 'source_code'; the file's 1 row is skipped")
    }

    func testMissingValue() throws {
        try expectOneRejection(in: "patient.csv", "person_id,sex\n,female\np2,male\n",
                               line: 2, code: "missing-value", message: "person_id is empty")
    }

    func testBadFlag() throws {
        try expectOneRejection(in: "eligibility.csv", "person_id,enrollment_start_date,hospice_flag\np1,2024-01-01,maybe\n",
                               line: 2, code: "bad-value",
                               message: "hospice_flag 'maybe' is not a flag (1/0, true/false, yes/no, y/n)")
    }

    func testClaimLinesOfTwoMembers() throws {
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        m.add(["claim_id": "c1", "claim_line_number": "2", "person_id": "p2", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        try expectOneRejection(in: "medical_claim.csv", m.text, members: ["p1", "p2"], line: 3, code: "claim-member-mismatch",
                               message: "claim c1 belongs to person_id 'p1' on line 2, not 'p2'")
    }

    /// A claim's owner is remembered by number, the last row's person id reused: a claim of p1
    /// seen again after p2's rows still names p1, and p2's own claims are accepted.
    func testClaimOwnerAfterAnotherMember() throws {
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        m.add(["claim_id": "c2", "claim_line_number": "1", "person_id": "p2", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        m.add(["claim_id": "c2", "claim_line_number": "2", "person_id": "p2", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        m.add(["claim_id": "c1", "claim_line_number": "2", "person_id": "p2", "claim_start_date": "2024-01-01", "claim_end_date": "2024-01-01"])
        try expectOneRejection(in: "medical_claim.csv", m.text, members: ["p1", "p2"], line: 5, code: "claim-member-mismatch",
                               message: "claim c1 belongs to person_id 'p1' on line 2, not 'p2'")
    }

    func testRecordsWithNoMember() throws {
        let panel = try expectOneRejection(in: "lab_result.csv", "person_id,normalized_component_code,result\np1,4548-4,7\nghost,4548-4,8\nghost,4548-4,9\n",
                                           line: 3, code: "no-member",
                                           message: "2 record(s) for member 'ghost', who has no patient or eligibility record")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1"])
        XCTAssertEqual(panel.report.records["Observation"], 1)
    }

    func testRejectedRowsLeaveNoMemberBehind() throws {
        // A bad patient row must not leave a half-made member (which would then be "no-member").
        try write("patient.csv", "person_id,birth_date\np1,1960-13-01\n")
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["bad-date"])
        XCTAssertTrue(panel.members.isEmpty)
    }

    func testEveryRejectedRowIsCounted() throws {
        try patients("p1")
        try write("lab_result.csv", """
            person_id,normalized_component_code,result,result_datetime
            p1,4548-4,7,2024-01-01
            p1,4548-4,7,2024-01-32
            p1,4548-4,7
            p1,,7,2024-01-01
            p1,4548-4,"7,2024-01-01

            """)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.code), ["bad-date", "column-count", "missing-value", "unterminated-quote"])
        XCTAssertEqual(panel.report.rejections.map(\.line), [3, 4, 5, 6])
        XCTAssertEqual(panel.report.records["Observation"], 1)
    }
}
