import XCTest
@testable import ClaimsCSVPlugin
import TallyEngine
import TallyLanguage

/// patient.csv, eligibility.csv and provider_attribution.csv: members, enrollment, coverage,
/// attribution; and the loader's detection and registration.
final class MemberTableTests: ClaimsCSVTestCase {
    func testPluginRegistersTheLoader() throws {
        let registry = PluginRegistry(plugins: [ClaimsCSVPlugin()])
        XCTAssertEqual(registry.plugins.map(\.name), ["claims-csv"])
        XCTAssertEqual(registry.loaders.map(\.loader.format), ["claims-csv"])
        try write("eligibility.csv", "person_id\n")
        XCTAssertNotNil(registry.loader(format: nil, path: dir))
        XCTAssertNotNil(registry.loader(format: "claims-csv", path: dir))
    }

    func testCanLoadNeedsAFolderWithATable() throws {
        let loader = ClaimsCSVLoader()
        XCTAssertFalse(loader.canLoad(path: dir))
        try write("notes.csv", "a\n")
        XCTAssertFalse(loader.canLoad(path: dir))
        let file = try write("lab_result.csv", "person_id\n")
        XCTAssertTrue(loader.canLoad(path: dir))
        XCTAssertFalse(loader.canLoad(path: file))
        XCTAssertFalse(loader.canLoad(path: dir + "/missing"))
        XCTAssertThrowsError(try loader.load(path: file, options: LoadOptions())) { e in
            XCTAssertEqual((e as? Rejection)?.code, "not-a-folder")
        }
        try FileManager.default.removeItem(atPath: file)
        XCTAssertThrowsError(try loader.load(path: dir, options: LoadOptions())) { e in
            XCTAssertEqual((e as? Rejection)?.code, "no-tables")
        }
    }

    func testPatientDemographics() throws {
        try write("patient.csv", """
            person_id,patient_id,first_name,sex,race,ethnicity,birth_date,death_date
            p1,x,Ann,female,white,not hispanic or latino,1950-04-02,
            p2,y,Bo,M,Black or African American,Hispanic,1980-12-31,2024-06-01
            p3,z,Cy,unknown,declined,,,

            """)
        let panel = try load()
        XCTAssertEqual(panel.members.map(Panel.id(of:)), ["p1", "p2", "p3"])
        XCTAssertTrue(panel.report.rejections.isEmpty)
        let p1 = try member(panel, "p1"), p2 = try member(panel, "p2"), p3 = try member(panel, "p3")
        XCTAssertEqual(field(p1, "sex").asString, "female")
        XCTAssertEqual(field(p1, "birth_date").asTemporal, .date(1950, 4, 2))
        XCTAssertTrue(field(p1, "birth_date").asTemporal!.isDate)
        XCTAssertTrue(field(p1, "death_date").isNull)
        XCTAssertEqual(field(p1, "race").asCodeKeys, ["urn:oid:2.16.840.1.113883.6.238|2106-3"])
        XCTAssertEqual(field(p1, "ethnicity").asCodeKeys, ["urn:oid:2.16.840.1.113883.6.238|2186-5"])
        XCTAssertEqual(field(p2, "sex").asString, "male")
        XCTAssertEqual(field(p2, "race").asCodeKeys, ["urn:oid:2.16.840.1.113883.6.238|2054-5"])
        XCTAssertEqual(field(p2, "ethnicity").asCodeKeys, ["urn:oid:2.16.840.1.113883.6.238|2135-2"])
        XCTAssertEqual(field(p2, "death_date").asTemporal, .date(2024, 6, 1))
        XCTAssertEqual(field(p3, "sex").asString, "unknown")
        XCTAssertEqual(field(p3, "race").asCodeKeys, [])
        XCTAssertEqual(panel.report.records["Member"], 3)
        XCTAssertEqual(panel.report.files, [path("patient.csv")])
    }

    func testEligibilitySpansAndCoverage() throws {
        try write("eligibility.csv", """
            person_id,member_id,gender,race,birth_date,enrollment_start_date,enrollment_end_date,payer,payer_type,plan,dual_status_code,hospice_flag,institutional_snp_flag,long_term_institutional_flag
            p1,m1,female,asian,1955-05-05,2024-01-01,2024-06-30,Acme Health Plan of the Midwest,medicare,MA Gold,02,0,N,false
            p1,m1,female,asian,1955-05-05,2024-07-01,,Acme Health Plan of the Midwest,Medicare,MA Gold,,1,Y,true

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let p1 = try member(panel, "p1")
        XCTAssertEqual(field(p1, "sex").asString, "female")
        XCTAssertEqual(field(p1, "birth_date").asTemporal, .date(1955, 5, 5))
        XCTAssertEqual(field(p1, "race").asCodeKeys, ["urn:oid:2.16.840.1.113883.6.238|2028-9"])
        let spans = records(p1, "enrollments")
        XCTAssertEqual(spans.count, 2)
        let first = spans[0], second = spans[1]
        let period = try XCTUnwrap(field(first, "period").asInterval)
        XCTAssertEqual(period.low.asTemporal, .date(2024, 1, 1))
        XCTAssertEqual(period.high.asTemporal, .date(2024, 6, 30))
        XCTAssertTrue(period.lowClosed && period.highClosed)
        XCTAssertEqual(field(first, "payer").asString, "Acme Health Plan of the Midwest")
        XCTAssertEqual(field(first, "payer_type").asString, "medicare")
        XCTAssertEqual(field(first, "product_line").asString, "medicare")
        XCTAssertEqual(field(first, "plan").asString, "MA Gold")
        XCTAssertEqual(field(first, "dual_status").asString, "02")
        XCTAssertEqual(field(first, "hospice").asBool, false)
        XCTAssertEqual(field(first, "institutional").asBool, false)
        XCTAssertEqual(field(first, "long_term_institutional").asBool, false)
        XCTAssertEqual(field(second, "hospice").asBool, true)
        XCTAssertEqual(field(second, "institutional").asBool, true)
        XCTAssertTrue(field(second, "dual_status").isNull)
        // An open span ends with a closed null: the end of time.
        let open = try XCTUnwrap(field(second, "period").asInterval)
        XCTAssertTrue(open.high.isNull)
        XCTAssertTrue(open.highClosed)

        let coverages = records(p1, "coverages")
        XCTAssertEqual(coverages.count, 2)
        XCTAssertEqual(field(coverages[0], "type").asCodeKeys, ["https://nahdo.org/sopt|1"])
        XCTAssertEqual(field(coverages[0], "payer").asString, "Acme Health Plan of the Midwest")
        XCTAssertEqual(field(coverages[0], "status").asString, "active")
        let cp = try XCTUnwrap(field(coverages[0], "period").asInterval)
        XCTAssertEqual(cp.low.asTemporal?.isDate, false)  // Coverage.period is Interval<DateTime>
    }

    func testPatientFileWinsOverEligibilityDemographics() throws {
        try write("patient.csv", "person_id,sex,birth_date\np1,male,1970-01-01\n")
        try write("eligibility.csv", "person_id,gender,birth_date,enrollment_start_date\np1,female,1971-01-01,2024-01-01\np2,female,1990-02-02,2024-01-01\n")
        let panel = try load()
        let p1 = try member(panel, "p1")
        XCTAssertEqual(field(p1, "sex").asString, "male")
        XCTAssertEqual(field(p1, "birth_date").asTemporal, .date(1970, 1, 1))
        XCTAssertEqual(panel.members.count, 2)
    }

    func testProviderAttributionByMonth() throws {
        try patients("p1")
        try write("provider_attribution.csv", """
            person_id,patient_id,member_id,year_month,payer,plan,data_source,payer_attributed_provider,payer_attributed_provider_practice,payer_attributed_provider_organization,payer_attributed_provider_lob,custom_attributed_provider,custom_attributed_provider_practice,custom_attributed_provider_organization,custom_attributed_provider_lob
            p1,,m1,202402,Acme,Gold,src,1234567890,Main St Practice,Acme ACO,medicare,,,,
            p1,,m1,202403,Acme,Gold,src,1234567890,Main St Practice,Acme ACO,medicare,1999999999,Elm Practice,Elm ACO,medicare
            p1,,m1,202404,Acme,Gold,src,,,,,,,,

            """)
        let panel = try load()
        XCTAssertTrue(panel.report.rejections.isEmpty, "\(panel.report.rejections)")
        let a = records(try member(panel, "p1"), "attributions")
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.map { field($0, "program").asString }, ["payer", "payer", "custom"])
        let feb = try XCTUnwrap(field(a[0], "period").asInterval)
        XCTAssertEqual(feb.low.asTemporal, .date(2024, 2, 1))
        XCTAssertEqual(feb.high.asTemporal, .date(2024, 2, 29))
        XCTAssertEqual(field(a[0], "provider").asString, "1234567890")
        XCTAssertEqual(field(a[0], "practice").asString, "Main St Practice")
        XCTAssertEqual(field(a[0], "organization").asString, "Acme ACO")
        XCTAssertEqual(field(a[0], "payer").asString, "Acme")
        XCTAssertEqual(field(a[0], "plan").asString, "Gold")
        XCTAssertEqual(field(a[2], "provider").asString, "1999999999")
        XCTAssertEqual(field(a[2], "practice").asString, "Elm Practice")
        XCTAssertEqual(field(a[2], "period").asInterval?.high.asTemporal, .date(2024, 3, 31))
    }

    /// Attribution values are reused from the previous row while they repeat (`RepeatedText`) and
    /// month periods by the `year_month` bytes: values that change, go empty, come back, belong to
    /// another member, or are bad months must still read as they are.
    func testProviderAttributionRepeatedValues() throws {
        try patients("p1", "p2")
        try write("provider_attribution.csv", """
            person_id,year_month,payer,plan,payer_attributed_provider,payer_attributed_provider_practice,payer_attributed_provider_organization,custom_attributed_provider,custom_attributed_provider_practice,custom_attributed_provider_organization
            p1,202401,Acme Health Plan of Ohio,Gold,1234567890,Main St Practice,Acme ACO,1234567890,Main St Practice,Acme ACO
            p1,202402,Acme Health Plan of Ohio,Gold,1234567890,Main St Practice,Acme ACO,1234567891,Main St Practice,
            p1,202413,Acme Health Plan of Ohio,Gold,1234567890,Main St Practice,Acme ACO,,,
            p1,2024-03,Acme Health Plan of Ohio,,1234567890,,Acme ACO,,,
            p2,202401,Acme Health Plan of Ohio,Gold,1234567890,Main St Practice,Acme ACO,,,
            p2,202413,Acme,Gold,1234567890,Main St Practice,Acme ACO,,,
            p2,202402,Beta,Silver,1234567899,Main St Practic,Acme AC,,,

            """)
        let panel = try load()
        XCTAssertEqual(panel.report.rejections.map(\.line), [4, 7])
        XCTAssertEqual(panel.report.rejections.map(\.message), ["year_month '202413' is not a month YYYYMM", "year_month '202413' is not a month YYYYMM"])
        let a = records(try member(panel, "p1"), "attributions")
        func row(_ r: Record) -> [String] {
            ["program", "provider", "practice", "organization", "payer", "plan"].map { field(r, $0).asString ?? "-" }
        }
        XCTAssertEqual(a.map(row), [
            ["payer", "1234567890", "Main St Practice", "Acme ACO", "Acme Health Plan of Ohio", "Gold"],
            ["custom", "1234567890", "Main St Practice", "Acme ACO", "Acme Health Plan of Ohio", "Gold"],
            ["payer", "1234567890", "Main St Practice", "Acme ACO", "Acme Health Plan of Ohio", "Gold"],
            ["custom", "1234567891", "Main St Practice", "-", "Acme Health Plan of Ohio", "Gold"],
            ["payer", "1234567890", "-", "Acme ACO", "Acme Health Plan of Ohio", "-"],
        ])
        XCTAssertEqual(field(a[4], "period").asInterval?.low.asTemporal, .date(2024, 3, 1))
        XCTAssertEqual(field(a[4], "period").asInterval?.high.asTemporal, .date(2024, 3, 31))
        let b = records(try member(panel, "p2"), "attributions")
        XCTAssertEqual(b.map(row), [
            ["payer", "1234567890", "Main St Practice", "Acme ACO", "Acme Health Plan of Ohio", "Gold"],
            ["payer", "1234567899", "Main St Practic", "Acme AC", "Beta", "Silver"],
        ])
        XCTAssertEqual(field(b[1], "period").asInterval?.high.asTemporal, .date(2024, 2, 29))
    }
}
