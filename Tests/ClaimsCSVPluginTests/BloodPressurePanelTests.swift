import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// observation.csv rows sharing a `panel_id` with a systolic and/or diastolic row give one
/// blood-pressure reading (code 85354-9, profile bp, a component per row), besides the rows.
final class BloodPressurePanelTests: ClaimsCSVTestCase {
    let header = "observation_id,person_id,encounter_id,panel_id,observation_date,observation_type,source_code_type,source_code,normalized_code_type,normalized_code,result,source_units,normalized_units\n"
    let bpProfile = "http://hl7.org/fhir/StructureDefinition/bp"
    let vital = "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"

    func observations(_ panel: Panel, _ id: String = "p1") throws -> [Record] { records(try member(panel, id), "observations") }

    func readings(_ obs: [Record]) -> [Record] {
        obs.filter { field($0, "profiles").asList.contains { $0.asString == bpProfile } }
    }

    func components(_ r: Record) -> [(code: [String], value: Quantity?)] {
        records(r, "components").map { (field($0, "code").asCodeKeys, field($0, "value").asQuantity) }
    }

    func testPanelOfTwoRowsGivesOneReadingAndKeepsTheRows() throws {
        try patients("p1")
        try write("encounter.csv", "encounter_id,person_id,encounter_type,encounter_start_date,encounter_end_date\nenc1,p1,office visit,2024-05-01,2024-05-01\n")
        // The rows of the panel need not be adjacent.
        try write("observation.csv", header + """
            o1,p1,enc1,bp1,2024-05-01,vital signs,loinc,8480-6,,,128,mmHg,
            o9,p1,,,2024-05-01,,,,loinc,8867-4,70,bpm,
            o2,p1,enc1,bp1,2024-05-01,,,,loinc,8462-4,78.5,,mm Hg

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        XCTAssertEqual(panel.report.records["Observation"], 4)
        let obs = try observations(panel)
        XCTAssertEqual(obs.map { field($0, "id").asString }, ["bp1", "o1", "o2", "o9"])
        let bp = try XCTUnwrap(readings(obs).first)
        XCTAssertEqual(readings(obs).count, 1)
        XCTAssertEqual(field(bp, "id").asString, "bp1")
        XCTAssertEqual(field(bp, "code").asCodeKeys, ["\(loinc)|85354-9"])
        XCTAssertEqual(field(bp, "profiles").asList.map(\.asString), [bpProfile])
        XCTAssertEqual(field(bp, "category").asCodeKeys, [vital])
        XCTAssertEqual(field(bp, "status").asString, "final")
        XCTAssertEqual(field(bp, "effective").asTemporal, field(obs[1], "effective").asTemporal)
        XCTAssertEqual(field(bp, "effective").asTemporal?.dayNumber, Temporal.date(2024, 5, 1).dayNumber)
        XCTAssertTrue(field(bp, "value").isNull)
        XCTAssertEqual(field(bp, "encounter").asRecord.map { field($0, "id").asString }, "enc1")
        let comps = components(bp)
        XCTAssertEqual(comps.map(\.code), [["\(loinc)|8480-6"], ["\(loinc)|8462-4"]])
        XCTAssertEqual(comps.map(\.value), [Quantity(128, "mm[Hg]"), Quantity(78.5, "mm[Hg]")])  // units as the rows have them
        // The rows stay observations of their own, and are not readings: no profile, no panel code.
        for row in obs[1...2] {
            XCTAssertTrue(field(row, "profiles").isNull)
            XCTAssertTrue(field(row, "components").isNull)
            XCTAssertFalse(field(row, "code").asCodeKeys.contains("\(loinc)|85354-9"))
            XCTAssertEqual(field(row, "encounter").asRecord.map { field($0, "id").asString }, "enc1")
        }
        XCTAssertEqual(field(obs[1], "value").asQuantity, Quantity(128, "mm[Hg]"))
        XCTAssertEqual(field(obs[2], "value").asQuantity, Quantity(78.5, "mm[Hg]"))
    }

    func testPanelWithOnlyASystolicRowGivesAReadingWithOneComponent() throws {
        try patients("p1")
        try write("observation.csv", header + "o1,p1,,bp1,2024-05-01,,,,loinc,8480-6,<90,mmHg,\n")
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let obs = try observations(panel)
        XCTAssertEqual(obs.map { field($0, "id").asString }, ["bp1", "o1"])
        let bp = try XCTUnwrap(readings(obs).first)
        XCTAssertEqual(components(bp).map(\.code), [["\(loinc)|8480-6"]])
        XCTAssertEqual(components(bp).map(\.value), [Quantity(90, "mm[Hg]")])
        XCTAssertEqual(records(bp, "components").map { field($0, "value_comparator").asString }, ["<"])
        XCTAssertTrue(field(bp, "encounter").isNull)
    }

    func testRowsWithoutPanelStaySeparate() throws {
        try patients("p1")
        try write("observation.csv", header + """
            o1,p1,,,2024-05-01,,,,loinc,8480-6,128,mmHg,
            o2,p1,,,2024-05-01,,,,loinc,8462-4,78,mmHg,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let obs = try observations(panel)
        XCTAssertEqual(obs.map { field($0, "id").asString }, ["o1", "o2"])
        XCTAssertTrue(readings(obs).isEmpty)
        XCTAssertFalse(obs.contains { field($0, "code").asCodeKeys == ["\(loinc)|85354-9"] })
    }

    func testPanelsAreGroupedPerMemberAndNeedABloodPressureRow() throws {
        try patients("p1", "p2")
        try write("observation.csv", header + """
            o1,p1,,v1,2024-05-01,,,,loinc,8480-6,128,mmHg,
            o2,p2,,v1,2024-06-01,,,,loinc,8462-4,80,mmHg,
            o3,p1,,v2,2024-05-01,,,,loinc,8867-4,70,bpm,
            o4,p1,,v2,2024-05-02,,,,loinc,9279-1,16,,

            """)
        let panel = try load()
        // The same panel id for two members is two panels, each on its own date; a panel with no
        // blood-pressure row gives no reading and its dates are not checked.
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try observations(panel, "p1"), p2 = try observations(panel, "p2")
        XCTAssertEqual(p1.map { field($0, "id").asString }, ["o1", "o3", "o4", "v1"])
        XCTAssertEqual(p2.map { field($0, "id").asString }, ["o2", "v1"])
        XCTAssertEqual(readings(p1).map { components($0).map(\.code) }, [[["\(loinc)|8480-6"]]])
        XCTAssertEqual(readings(p2).map { components($0).map(\.code) }, [[["\(loinc)|8462-4"]]])
        XCTAssertEqual(field(readings(p2)[0], "effective").asTemporal?.dayNumber, Temporal.date(2024, 6, 1).dayNumber)
    }

    func testStatusComesFromTheRows() throws {
        try patients("p1")
        try write("observation.csv", """
            observation_id,person_id,panel_id,observation_date,normalized_code_type,normalized_code,result,source_units,status
            o1,p1,bp1,2024-05-01,loinc,8480-6,128,mmHg,
            o2,p1,bp1,2024-05-01,loinc,8462-4,78,mmHg,Amended

            """)
        let obs = try observations(try load())
        XCTAssertEqual(obs.map { field($0, "status").asString }, ["amended", "final", "amended"])
    }

    func testConflictingDatesRejectThePanel() throws {
        try patients("p1")
        try write("observation.csv", header + """
            o1,p1,,bp1,2024-05-01,,,,loinc,8480-6,128,mmHg,
            o2,p1,,bp2,2024-05-03,,,,loinc,8480-6,120,mmHg,
            o3,p1,,bp1,2024-05-02,,,,loinc,8462-4,78,mmHg,
            o4,p1,,bp2,2024-05-03,,,,loinc,8462-4,70,mmHg,
            o5,p1,,bp1,,,,,loinc,8867-4,70,bpm,

            """)
        let panel = try load()
        let message = "panel_id 'bp1' of person_id 'p1' has a blood-pressure row and rows with different observation_date values "
            + "(2024-05-01, 2024-05-02, empty); its 3 rows (lines 2, 4, 6) are rejected"
        XCTAssertEqual(panel.report.rejections.map(\.code), ["panel-mismatch", "panel-mismatch", "panel-mismatch"])
        XCTAssertEqual(panel.report.rejections.map(\.line), [2, 4, 6])
        XCTAssertEqual(panel.report.rejections.map(\.file), Array(repeating: path("observation.csv"), count: 3))
        XCTAssertEqual(panel.report.rejections.first?.message, message)
        XCTAssertEqual(panel.report.rejectedByReason.map(\.reason), ["panel-mismatch"])
        // Nothing of the panel is kept; the other panel is whole.
        let obs = try observations(panel)
        XCTAssertEqual(obs.map { field($0, "id").asString }, ["bp2", "o2", "o4"])
        XCTAssertEqual(panel.report.records["Observation"], 3)

        let thrown = strictRejection()
        XCTAssertEqual(thrown?.code, "panel-mismatch")
        XCTAssertEqual(thrown?.line, 2)
        XCTAssertEqual(thrown?.file, path("observation.csv"))
        XCTAssertEqual(thrown?.message, message)
    }

    func testRejectedPanelOfAnUnknownMemberCountsNoRecords() throws {
        try patients("p1")
        try write("observation.csv", header + """
            o1,p9,,bp1,2024-05-01,,,,loinc,8480-6,128,mmHg,
            o2,p9,,bp1,2024-05-02,,,,loinc,8462-4,78,mmHg,
            o3,p8,,bp1,2024-05-01,,,,loinc,8480-6,128,mmHg,

            """)
        let panel = try load()
        // p9's panel is rejected and leaves no member behind; p8's reading and row are `no-member`.
        XCTAssertEqual(panel.report.rejections.map(\.code), ["panel-mismatch", "panel-mismatch", "no-member"])
        XCTAssertEqual(panel.report.rejections.last?.line, 4)
        XCTAssertEqual(panel.report.rejections.last?.message, "2 record(s) for member 'p8', who has no patient or eligibility record")
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1"])
    }
}
