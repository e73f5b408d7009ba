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

    /// `Program.recordNeeds`: lists read only through queries that test their items' codes
    /// against value sets need only the records with such a code; any other use needs them all.
    func testListsReadOnlyThroughValueSetTestsNeedOnlyThoseCodes() throws {
        let m = try write("m.measure", """
            measure M
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            valueset Lab = "tally-hba1c-lab"
            define diabetic = exists (conditions as c where c.code in Diabetes and c.onset is not null)
            define labs = observations as o where o.status = "final" and (o.code in Lab or o.code in Diabetes)
            define dx_visits = encounters as e where e.diagnoses in Diabetes
            define any_procedure = count(procedures) > 0
            define fills = medication_dispenses as f where f.status = "completed"
            population initial = diabetic and exists labs and exists dx_visits and any_procedure and exists fills
            """)
        let program = try compile(m)
        let needs = program.recordNeeds
        XCTAssertEqual(Set(needs.keys), ["conditions", "encounters", "observations", "medication_dispenses"])
        let diabetes = try XCTUnwrap(program.valueSets.first { $0.name == "Diabetes" }).codes
        let lab = try XCTUnwrap(program.valueSets.first { $0.name == "Lab" }).codes
        XCTAssertFalse(diabetes.isEmpty)
        XCTAssertFalse(lab.isEmpty)
        XCTAssertEqual(needs["conditions"]?.codes, [CanonicalSchema.slot("Condition", "code"): diabetes])
        XCTAssertEqual(needs["observations"]?.codes, [CanonicalSchema.slot("Observation", "code"): lab.union(diabetes)])
        XCTAssertEqual(needs["encounters"]?.codes, [CanonicalSchema.slot("Encounter", "diagnoses"): diabetes])
        // `o.status = "final" and (o.code in ...)`: the value-set side is the test kept.
        XCTAssertEqual(needs["observations"]?.texts, [:])
        XCTAssertEqual(needs["medication_dispenses"]?.texts, [CanonicalSchema.slot("MedicationDispense", "status"): ["completed"]])

        // The test says what a record needs: a condition coded in the value set, or not.
        let test = try XCTUnwrap(needs["conditions"]).test
        let codeSlot = CanonicalSchema.slot("Condition", "code")
        let key = try XCTUnwrap(diabetes.sorted().first)
        let (system, code) = (String(key[..<key.lastIndex(of: "|")!]), String(key[key.index(after: key.lastIndex(of: "|")!)...]))
        let kept = CanonicalSchema.newRecord("Condition"), left = CanonicalSchema.newRecord("Condition"), empty = CanonicalSchema.newRecord("Condition")
        kept[codeSlot] = .concept(Concept(codes: [Code(system: "http://snomed.info/sct", code: "1"), Code(system: system, code: code)]))
        left[codeSlot] = .code(Code(system: system, code: code + "-not-listed"))
        XCTAssertTrue(test.keeps(kept))
        XCTAssertFalse(test.keeps(left))
        XCTAssertFalse(test.keeps(empty))
        XCTAssertTrue(test.mayKeep(kept[codeSlot], field: codeSlot))
        XCTAssertFalse(test.mayKeep(left[codeSlot], field: codeSlot))
        // Known only from another field: it may be kept.
        XCTAssertTrue(test.mayKeep(left[codeSlot], field: CanonicalSchema.slot("Condition", "onset")))
    }

    /// A string field compared with constant text (`=`, either way round, or `in` a list of
    /// texts) is a test too; the records kept are those equal to one of the texts. A comparison
    /// with anything else is not.
    func testListsReadThroughTextComparisonsNeedOnlyThoseTexts() throws {
        let m = try write("t.measure", """
            measure T
              scoring cohort
            valueset Palliative = "tally-palliative-care"
            define hospice = exists (encounters as e where e.setting = "hospice" and e.period is not null)
            define stays = encounters as e where e.setting in ["snf", "irf"] or e.diagnoses in Palliative
            define fills = medication_dispenses as f where "completed" = f.status
            define requests = medication_requests as r where r.status = r.intent
            define coverage = coverages as c where c.payer in ["Medicare", null]
            population initial = hospice and exists stays and exists fills and exists requests and exists coverage
            """)
        let program = try compile(m)
        let needs = program.recordNeeds
        XCTAssertEqual(Set(needs.keys), ["encounters", "medication_dispenses"])
        let setting = CanonicalSchema.slot("Encounter", "setting"), diagnoses = CanonicalSchema.slot("Encounter", "diagnoses")
        XCTAssertEqual(needs["encounters"]?.texts, [setting: ["hospice", "snf", "irf"]])
        let palliative = try XCTUnwrap(program.valueSets.first { $0.name == "Palliative" }).codes
        XCTAssertEqual(needs["encounters"]?.codes, [diagnoses: palliative])
        XCTAssertEqual(needs["medication_dispenses"]?.texts, [CanonicalSchema.slot("MedicationDispense", "status"): ["completed"]])

        let test = try XCTUnwrap(needs["encounters"]).test
        func encounter(_ s: Value) -> Record {
            let e = CanonicalSchema.newRecord("Encounter")
            e[setting] = s
            return e
        }
        XCTAssertTrue(test.keeps(encounter(.string("hospice"))))
        XCTAssertTrue(test.keeps(encounter(.string("irf"))))
        XCTAssertFalse(test.keeps(encounter(.string("Hospice"))))  // `=` on strings is exact
        XCTAssertFalse(test.keeps(encounter(.string("office"))))
        XCTAssertFalse(test.keeps(encounter(.null)))
        XCTAssertTrue(test.mayKeep(.string("snf"), field: setting))
        // The diagnoses may still pass: known from the setting alone, it may be kept.
        XCTAssertTrue(test.mayKeep(.string("office"), field: setting))
        let dispenses = try XCTUnwrap(needs["medication_dispenses"]).test
        let status = CanonicalSchema.slot("MedicationDispense", "status")
        XCTAssertFalse(dispenses.mayKeep(.string("stopped"), field: status))
        XCTAssertTrue(dispenses.mayKeep(.string("completed"), field: status))
    }

    /// A list passed to a function, reached through another record's field, or read in a query
    /// whose filter does not test its items' codes is needed whole; the member as a whole value
    /// needs everything. The retrieve form `conditions(ValueSet)` tests codes.
    func testOtherUsesNeedTheWholeList() throws {
        let m = try write("m.measure", """
            measure M
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            function any_of(xs: List<Procedure>): Boolean = exists xs
            define retrieved = conditions(Diabetes)
            define passed = any_of(procedures as p where p.code in Diabetes)
            define through = observations as o where o.code in Diabetes and o.encounter.class = "AMB"
            define not_every_item = claims as c where c.diagnoses in Diabetes or c.paid > 0
            population initial = exists retrieved and passed and exists through and exists not_every_item
            """)
        let needs = try compile(m).recordNeeds
        // `procedures` is filtered by code, then handed to a function as a query result: still
        // only the coded ones can count. `encounters` is reached through `o.encounter`.
        XCTAssertEqual(Set(needs.keys), ["conditions", "observations", "procedures"])

        let whole = try write("w.measure", """
            measure W
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            function id_of(p: Member): String = p.id
            population initial = id_of(member) is not null and exists (conditions as c where c.code in Diabetes)
            """)
        XCTAssertEqual(try compile(whole).recordNeeds.count, 0)

        let bare = try write("b.measure", """
            measure B
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            function coded(xs: List<Condition>): List<Condition> = xs as c where c.code in Diabetes
            population initial = exists coded(conditions)
            """)
        XCTAssertEqual(try compile(bare).recordNeeds.count, 0)
    }

    /// A run combines its programs: a list one program needs whole is not tested; the others'
    /// value sets are joined; lists the run reads for itself (a suite's enrollments) are not
    /// tested; nothing is when a program reads the member whole.
    func testARunsRecordTestsCombineItsPrograms() throws {
        let a = try compile(try write("a.measure", """
            measure A
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            population initial = exists (conditions as c where c.code in Diabetes) and exists (observations as o where o.code in Diabetes)
            """))
        let b = try compile(try write("b.measure", """
            measure B
              scoring cohort
            valueset Lab = "tally-hba1c-lab"
            population initial = exists (observations as o where o.code in Lab) and count(conditions) > 2
            """))
        let fields = try XCTUnwrap(a.memberFieldsRead).union(try XCTUnwrap(b.memberFieldsRead))
        let tests = LoadOptions.recordTests(for: [a, b], memberFields: fields)
        XCTAssertEqual(Set(tests.keys), ["observations"])
        let o = CanonicalSchema.newRecord("Observation"), codeSlot = CanonicalSchema.slot("Observation", "code")
        for vs in [a.valueSets[0], b.valueSets[0]] {
            let key = try XCTUnwrap(vs.codes.sorted().first), bar = key.lastIndex(of: "|")!
            o[codeSlot] = .code(Code(system: String(key[..<bar]), code: String(key[key.index(after: bar)...])))
            XCTAssertTrue(try XCTUnwrap(tests["observations"]).keeps(o), vs.name)
        }
        XCTAssertEqual(LoadOptions.recordTests(for: [a], memberFields: fields.union(["observations"])).keys.sorted(), ["conditions", "observations"])
        XCTAssertEqual(LoadOptions.recordTests(for: [a], memberFields: ["conditions", "observations", "enrollments"]).keys.sorted(),
                       ["conditions", "observations"])
        XCTAssertEqual(LoadOptions.recordTests(for: [a], memberFields: nil).count, 0)
        // A list the run reads for itself is not tested even when its programs read it through
        // tests: a suite's member filters see every enrollment.
        let c = try compile(try write("c.measure", """
            measure C
              scoring cohort
            population initial = exists (enrollments as s where s.payer_type = "medicare")
            """))
        XCTAssertEqual(LoadOptions.recordTests(for: [c], memberFields: ["enrollments"]).keys.sorted(), ["enrollments"])
        XCTAssertEqual(LoadOptions.recordTests(for: [c], memberFields: ["enrollments"], runReads: ["enrollments"]).count, 0)
    }

    /// A query whose filter can record a runtime error keeps no records by its tests: a whole
    /// load evaluates it on every item, and an item the test fails with null (a missing field)
    /// goes on to the part that raises.
    func testFiltersThatCanRaiseKeepEveryRecord() throws {
        let m = try write("r.measure", """
            measure R
              scoring cohort
            valueset Diabetes = "tally-diabetes"
            function only(xs: List<Code>): Code = singleton(xs)
            define raising = exists (encounters as e where e.specialty = "cardiology" and singleton(e.diagnoses) in Diabetes)
            define through_function = exists (claims as c where c.diagnoses in Diabetes and only(c.procedures) is not null)
            define safe = exists (conditions as c where c.code in Diabetes and c.onset is not null)
            population initial = raising and through_function and safe
            """)
        XCTAssertEqual(Set(try compile(m).recordNeeds.keys), ["conditions"])
    }
}

