import Foundation
import TallyTestSupport
import XCTest
import TallyEngine
import TallyLanguage
import ValueSetsPlugin

/// Which member fields a compiled measure reads (what a run may skip loading).
final class MemberFieldUsageTests: TemporaryFolderTestCase {
    static let library = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Measures").standardized.path

    func compile(_ path: String) throws -> Program {
        let registry = PluginRegistry(plugins: [ValueSetsPlugin()])
        let (store, errors) = ValueSetStore.load(directories: [Self.library + "/valuesets"], sources: registry.valueSetSources.map(\.source))
        XCTAssertEqual(errors.count, 0)
        let ws = MeasureWorkspace(functions: registry.functionTable, valueSets: store)
        let source = try XCTUnwrap(MeasureWorkspace.readSource(path))
        let result = ws.compile(source)
        XCTAssertFalse(result.diagnostics.hasErrors, DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
        return try XCTUnwrap(result.program)
    }

    func testFieldsReachedFromTheMeasureAreCounted() throws {
        try write("lib.measure", """
            library Lib
            function paid(c: Claim): Decimal = coalesce(c.paid, 0.0)
            define fills = medication_dispenses
            define attributed = exists attributions
            """)
        let m = try write("m.measure", """
            measure M
              scoring proportion
            use "lib"
            define spend = sum(claims as c return paid(c))
            population initial = exists fills
            population denominator = initial
            population numerator = spend > 100
            stratify sex = member.sex
            """)
        // `attributions` is read only by a library define the measure never reaches.
        XCTAssertEqual(try compile(m).memberFieldsRead, ["claims", "medication_dispenses", "sex"])
    }

    /// A record field of another record (an observation's encounter) points into the member's
    /// list of that kind, which must then be loaded; nested records (claim lines) add nothing.
    func testRecordsReachedThroughOtherRecordsCountTheirList() throws {
        let m = try write("m.measure", """
            measure M
              scoring cohort
            population initial =
              exists (observations as o where o.encounter.class = "AMB")
                and exists (claims as c where exists c.lines)
            """)
        XCTAssertEqual(try compile(m).memberFieldsRead, ["claims", "encounters", "observations"])
    }

    func testTheMemberAsAWholeReadsEverything() throws {
        let m = try write("m.measure", """
            measure M
              scoring cohort
            function id_of(p: Member): String = p.id
            population initial = id_of(member) is not null
            """)
        XCTAssertNil(try compile(m).memberFieldsRead)
    }

    func testTheLibraryMeasures() throws {
        let root = Self.library
        let tcoc = try compile(root + "/cost/TotalCostOfCare.measure").memberFieldsRead
        XCTAssertEqual(tcoc?.contains("claims"), true)
        XCTAssertEqual(tcoc?.contains("medication_dispenses"), true)
        XCTAssertEqual(tcoc?.contains("attributions"), false)
        XCTAssertEqual(try compile(root + "/cost/SpecialistLeakage.measure").memberFieldsRead?.contains("attributions"), true)
    }
}
