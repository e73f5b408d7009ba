import Foundation
import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage
import ValueSetsPlugin

/// Records no measure of a run can count (`LoadOptions.recordTests`) are left out as they are
/// read: counted, still checked, and without effect on any result.
final class LeftOutRecordTests: ClaimsCSVTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    /// Conditions need an ICD-10-CM E11.9 (diabetes) code; procedures and the rest keep everything.
    var diabetesOnly: [String: RecordTest] {
        var need = RecordNeed()
        need.codes[CanonicalSchema.slot("Condition", "code")] = ["\(icd10cm)|E11.9"]
        return ["conditions": need.test]
    }

    func load(_ tests: [String: RecordTest]) throws -> Panel {
        try ClaimsCSVLoader().load(path: dir, options: LoadOptions(recordTests: tests))
    }

    /// From condition.csv and from claims' diagnoses: rows left out are counted by kind, still
    /// rejected when bad, and still named in a `no-member` rejection; the conditions kept are
    /// the same records a whole load makes.
    func testRowsLeftOutAreCountedAndStillChecked() throws {
        try patients("p1")
        try write("condition.csv", """
            condition_id,person_id,claim_id,recorded_date,onset_date,normalized_code_type,normalized_code
            d1,p1,,2024-01-01,,icd-10-cm,E11.9
            d2,p1,,2024-01-01,,icd-10-cm,Z00.00
            d3,p1,,2024-01-01,2024-13-01,icd-10-cm,Z00.00
            d4,p9,,2024-01-01,,icd-10-cm,Z00.00
            d5,p9,,2024-01-01,,icd-10-cm,Z00.00

            """)
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-02-01", "claim_end_date": "2024-02-01",
               "hcpcs_code": "99213", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "E119", "diagnosis_code_2": "I10", "diagnosis_code_3": "Z0000"])
        try write("medical_claim.csv", m.text)

        let whole = try load([:])
        let some = try load(diabetesOnly)
        XCTAssertEqual(some.report.rejections, whole.report.rejections)
        XCTAssertEqual(some.report.rejections.map(\.code).sorted(), ["bad-date", "no-member"])
        XCTAssertTrue(some.report.rejections.contains { $0.message.hasPrefix("2 record(s) for member 'p9'") }, "\(some.report.rejections)")
        // d2 and two of the claim's diagnoses; d4 and d5 are counted in p9's rejection instead.
        XCTAssertEqual(some.report.leftOut, ["Condition": 3])
        XCTAssertEqual(whole.report.leftOut, [:])
        XCTAssertEqual(whole.report.records["Condition"], 5)
        XCTAssertEqual(some.report.records["Condition"], 2)
        XCTAssertEqual(some.report.records["Procedure"], whole.report.records["Procedure"])

        let kept = records(try member(some, "p1"), "conditions")
        let all = records(try member(whole, "p1"), "conditions")
        XCTAssertEqual(kept.map { field($0, "id").asString }, ["c1", "d1"])
        XCTAssertEqual(kept.map { "\(field($0, "code")) \(field($0, "onset"))" },
                       all.filter { field($0, "code").asCodeKeys == ["\(icd10cm)|E11.9"] }.map { "\(field($0, "code")) \(field($0, "onset"))" })
        // The claim's condition keeps its encounter.
        XCTAssertEqual(field(kept[0], "encounter").asRecord.map { field($0, "id").asString }, "c1")
    }

    /// Rows of a blood-pressure panel are checked together when the file ends: a panel whose
    /// rows disagree is rejected whole even when the run keeps none of its codes.
    func testPanelRowsAreCheckedBeforeTheyAreLeftOut() throws {
        try patients("p1")
        try write("observation.csv", """
            observation_id,person_id,panel_id,observation_date,observation_type,normalized_code_type,normalized_code,result,normalized_units
            o1,p1,bp1,2024-03-01,vital-signs,loinc,8480-6,120,mm[Hg]
            o2,p1,bp1,2024-03-02,vital-signs,loinc,8462-4,80,mm[Hg]
            o3,p1,,2024-03-01,vital-signs,loinc,29463-7,70,kg

            """)
        var need = RecordNeed()
        need.codes[CanonicalSchema.slot("Observation", "code")] = ["http://loinc.org|4548-4"]
        let some = try load(["observations": need.test])
        let whole = try load([:])
        XCTAssertEqual(some.report.rejections, whole.report.rejections)
        XCTAssertEqual(some.report.rejections.map(\.code), ["panel-mismatch", "panel-mismatch"])
        XCTAssertEqual(some.report.leftOut, ["Observation": 1])
        XCTAssertEqual(records(try member(some, "p1"), "observations").count, 0)
        XCTAssertEqual(records(try member(whole, "p1"), "observations").count, 1)
    }

    /// When the run can keep no blood-pressure reading, a panel row gets a record only when its
    /// own code may be kept: the others are counted, as is each reading, and the panel's dates
    /// are still checked. When a reading can be kept, every row is made, as its values and status
    /// go into the reading.
    func testPanelRowsMakeRecordsOnlyForWhatARunCanKeep() throws {
        try patients("p1")
        try write("observation.csv", """
            observation_id,person_id,panel_id,encounter_id,observation_date,observation_type,normalized_code_type,normalized_code,result,normalized_units,status
            o1,p1,bp1,e1,2024-03-01,vital-signs,loinc,8480-6,120,mm[Hg],amended
            o2,p1,bp1,e1,2024-03-01,vital-signs,loinc,8462-4,80,mm[Hg],
            o3,p1,bp1,e1,2024-03-01,laboratory,loinc,4548-4,7.1,%,
            o4,p1,bp2,,2024-04-01,vital-signs,loinc,8480-6,130,mm[Hg],

            """)
        try write("encounter.csv", """
            encounter_id,person_id,encounter_type,encounter_start_date,encounter_end_date
            e1,p1,office visit,2024-03-01,2024-03-01

            """)
        let code = CanonicalSchema.slot("Observation", "code")
        var lab = RecordNeed()
        lab.codes[code] = ["http://loinc.org|4548-4"]
        let labs = try load(["observations": lab.test])
        let whole = try load([:])
        XCTAssertEqual(whole.report.rejections, [])
        XCTAssertEqual(labs.report.rejections, [])
        // Five rows and two readings; only the HbA1c row is kept, with its encounter.
        XCTAssertEqual(records(try member(whole, "p1"), "observations").count, 6)
        XCTAssertEqual(labs.report.leftOut, ["Observation": 5])
        let kept = records(try member(labs, "p1"), "observations")
        XCTAssertEqual(kept.map { field($0, "id").asString }, ["o3"])
        XCTAssertEqual(field(kept[0], "encounter").asRecord.map { field($0, "id").asString }, "e1")

        var readings = RecordNeed()
        readings.codes[code] = ["http://loinc.org|85354-9"]
        let bp = try load(["observations": readings.test])
        XCTAssertEqual(bp.report.leftOut, ["Observation": 4])
        let bpKept = records(try member(bp, "p1"), "observations")
        XCTAssertEqual(bpKept.map { field($0, "id").asString }, ["bp1", "bp2"])
        let all = records(try member(whole, "p1"), "observations").filter { field($0, "id").asString?.hasPrefix("bp") == true }
        XCTAssertEqual(bpKept.map { String(describing: $0) }, all.map { String(describing: $0) })
        XCTAssertEqual(field(bpKept[0], "status").asString, "amended")
        XCTAssertEqual(field(bpKept[0], "components").asList.count, 2)
    }

    /// Encounters tested by setting text and diagnosis codes are tested before the rest of the
    /// record is made: those kept are the records of a whole load, a bad row is still rejected,
    /// and the others are counted.
    func testEncountersAreTestedBeforeTheyAreMade() throws {
        try patients("p1")
        try write("encounter.csv", """
            encounter_id,person_id,encounter_type,encounter_start_date,encounter_end_date,primary_diagnosis_code_type,primary_diagnosis_code,paid_amount
            e1,p1,hospice,2024-03-01,2024-03-05,,,100.00
            e2,p1,office visit,2024-04-01,2024-04-01,icd-10-cm,E11.9,80.00
            e3,p1,office visit,2024-05-01,2024-05-01,icd-10-cm,Z00.00,80.00
            e4,p1,office visit,2024-06-02,2024-06-01,icd-10-cm,Z00.00,80.00
            e5,p1,,2024-07-01,2024-07-01,,,

            """)
        var need = RecordNeed()
        need.texts[CanonicalSchema.slot("Encounter", "setting")] = ["hospice"]
        need.codes[CanonicalSchema.slot("Encounter", "diagnoses")] = ["\(icd10cm)|E11.9"]
        let some = try load(["encounters": need.test])
        let whole = try load([:])
        XCTAssertEqual(some.report.rejections, whole.report.rejections)
        XCTAssertEqual(some.report.rejections.map(\.code), ["end-before-start"])
        XCTAssertEqual(some.report.leftOut, ["Encounter": 2])
        let kept = records(try member(some, "p1"), "encounters")
        XCTAssertEqual(kept.map { field($0, "id").asString }, ["e1", "e2"])
        let all = records(try member(whole, "p1"), "encounters").filter { ["e1", "e2"].contains(field($0, "id").asString) }
        XCTAssertEqual(kept.map { String(describing: $0) }, all.map { String(describing: $0) })
    }

    /// A claim's encounter is tested the same way before the rest of it is made.
    func testClaimEncountersAreTestedBeforeTheyAreMade() throws {
        try patients("p1")
        var m = CSVBuilder.medical()
        m.add(["claim_id": "c1", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-02-01", "claim_end_date": "2024-02-01",
               "place_of_service_code": "11", "hcpcs_code": "99213", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "I10"])
        m.add(["claim_id": "c2", "claim_line_number": "1", "person_id": "p1", "claim_start_date": "2024-03-01", "claim_end_date": "2024-03-04",
               "admission_date": "2024-03-01", "discharge_date": "2024-03-04", "bill_type_code": "111", "revenue_center_code": "0120",
               "discharge_disposition_code": "01", "diagnosis_code_type": "icd-10-cm", "diagnosis_code_1": "I10"])
        try write("medical_claim.csv", m.text)
        var need = RecordNeed()
        need.texts[CanonicalSchema.slot("Encounter", "setting")] = ["inpatient"]
        let some = try load(["encounters": need.test])
        let whole = try load([:])
        XCTAssertEqual(some.report.leftOut, ["Encounter": 1])
        let kept = records(try member(some, "p1"), "encounters")
        let all = records(try member(whole, "p1"), "encounters")
        XCTAssertEqual(all.map { field($0, "setting").asString }, ["office", "inpatient"])
        XCTAssertEqual(kept.map { String(describing: $0) }, [String(describing: all[1])])
        XCTAssertEqual(records(try member(some, "p1"), "claims").count, 2)
    }

    /// The measures of the library (those whose value sets ship with it) over the example panel:
    /// leaving out the records their value-set tests cannot keep changes no summary and no
    /// member's result, and does leave records out.
    func testTheLibraryGivesTheSameResultsWithRecordsLeftOut() throws {
        let registry = PluginRegistry(plugins: [ValueSetsPlugin()])
        let (store, errors) = ValueSetStore.load(directories: [Self.root + "/Measures/valuesets"], sources: registry.valueSetSources.map(\.source))
        XCTAssertEqual(errors.count, 0)
        let ws = MeasureWorkspace(functions: registry.functionTable, valueSets: store)
        var programs: [Program] = []
        for folder in ["hedis", "cost", "utilization"] {
            let (files, _) = MeasureWorkspace.measureFiles([Self.root + "/Measures/" + folder])
            for f in files {
                let result = ws.compile(try XCTUnwrap(MeasureWorkspace.readSource(f)))
                XCTAssertFalse(result.diagnostics.hasErrors, f)
                if let p = result.program, !p.info.isLibrary { programs.append(p) }
            }
        }
        XCTAssertGreaterThan(programs.count, 10)
        var fields: Set<String> = []
        for p in programs { fields.formUnion(try XCTUnwrap(p.memberFieldsRead)) }
        let tests = LoadOptions.recordTests(for: programs, memberFields: fields)
        XCTAssertTrue(Set(tests.keys).isSuperset(of: ["conditions", "procedures"]), "\(tests.keys.sorted())")

        let panel = Self.root + "/examples/panel"
        let whole = try ClaimsCSVLoader().load(path: panel, options: LoadOptions(memberFields: fields))
        let some = try ClaimsCSVLoader().load(path: panel, options: LoadOptions(memberFields: fields, recordTests: tests))
        XCTAssertEqual(some.report.rejections, whole.report.rejections)
        XCTAssertGreaterThan(some.report.leftOut["Condition"] ?? 0, 100)
        for (kind, n) in whole.report.records { XCTAssertEqual((some.report.records[kind] ?? 0) + (some.report.leftOut[kind] ?? 0), n, kind) }

        let evaluators = programs.map { MeasureEvaluator(program: $0) }
        let a = PanelRunner(jobs: 1).run(evaluators, on: whole.members, keepMembers: true)
        let b = PanelRunner(jobs: 1).run(evaluators, on: some.members, keepMembers: true)
        XCTAssertEqual(a.summaries, b.summaries)
        XCTAssertEqual(a.members.map { $0.count }, b.members.map { $0.count })
        for (x, y) in zip(a.members.joined(), b.members.joined()) { XCTAssertEqual(String(describing: x), String(describing: y)) }
    }
}
