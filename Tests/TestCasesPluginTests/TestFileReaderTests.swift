import Foundation
import TallyEngine
import TallyLanguage
import TallyTestSupport
import XCTest
@testable import TestCasesPlugin

/// The `*.tests.yaml` reader: records typed by the canonical schema, references resolved, and a
/// clear `file:line:col` error for every kind of bad input (never a crash).
final class TestFileReaderTests: TemporaryFolderURLTestCase {
    override class var folderPrefix: String { "tally-testfile-" }

    /// The test's folder, with the measure every test file here names.
    var dir: URL! { folder }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try Data("measure M\n  scoring cohort\npopulation initial = true\n".utf8).write(to: dir.appendingPathComponent("m.measure"))
    }

    func read(_ yaml: String) throws -> TestFile {
        let path = dir.appendingPathComponent("m.tests.yaml").path
        return try YAMLTestFileReader().read(path: path, bytes: Array(yaml.utf8))
    }

    /// The error a file gives, as `line:col: reason`.
    func failure(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        guard let e = thrown(TestFileError.self, file: file, line: line, { _ = try read(yaml) }) else { return "" }
        XCTAssertTrue(e.file.hasSuffix("m.tests.yaml"), e.file, file: file, line: line)
        return Self.described(e)
    }

    /// An error as the tests compare it: `line:col: reason`.
    static func described(_ e: TestFileError) -> String { "\(e.location.map(\.description) ?? "-"): \(e.reason)" }

    func field(_ r: Record, _ name: String) -> Value {
        let kind = CanonicalSchema.schema.kinds[r.kind]
        return r.fields[kind.slot(of: name)!]
    }

    func list(_ member: Record, _ name: String) -> [Record] {
        field(member, name).asList.compactMap(\.asRecord)
    }

    static let valid = """
        measure: m.measure
        period: {start: 2025-01-01, end: 2025-12-31}
        cases:
          - name: one member
            member:
              id: m1
              birth_date: 1951-12-31
              sex: female
              race: [cdcrec 2106-3]
            records:
              encounters:
                - id: e1
                  status: finished
                  type: [cpt 99213]
                  period: [2025-03-01T09:00:00Z, 2025-03-01T09:30:00Z]
              observations:
                - id: o1
                  code: [loinc 85354-9, snomed 75367002]
                  status: final
                  effective: 2025-03-01T09:10:00.000Z
                  encounter: e1
                  components:
                    - {code: loinc 8480-6, value: '139 mm[Hg]'}
                    - code: loinc 8462-4
                      value: 89 mm[Hg]
              medication_requests:
                - {id: r1, medication: rxnorm 1100184, expected_supply: 90 days, refills: 2, frequency: 1.5}
            expect:
              initial: true
              denominator-exclusion: false
            defines:
              age: 74
              label: adult
              visits: {count: 1}
              pair: [1, "two"]
          - member: {birth_date: 1960-01-01}
            expect: {initial: 2}
        """

    func testBuildsTypedRecords() throws {
        let f = try read(Self.valid)
        XCTAssertTrue(f.measurePath.hasSuffix("/m.measure"), f.measurePath)
        XCTAssertEqual(f.measureLocation, TestFileLocation(line: 1, column: 10))
        XCTAssertEqual(f.period?.description, "interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]")
        XCTAssertEqual(f.cases.count, 2)

        let c = f.cases[0]
        XCTAssertEqual(c.name, "one member")
        XCTAssertEqual(c.location, TestFileLocation(line: 4, column: 5))
        let m = c.member
        XCTAssertEqual(Panel.id(of: m), "m1")
        XCTAssertEqual(field(m, "birth_date").description, "@1951-12-31")
        XCTAssertEqual(field(m, "sex").description, "\"female\"")
        XCTAssertEqual(field(m, "race").description, "[Code(\"urn:oid:2.16.840.1.113883.6.238\", \"2106-3\")]")

        let e = try XCTUnwrap(list(m, "encounters").first)
        XCTAssertEqual(field(e, "type").description, "[Concept[Code(\"http://www.ama-assn.org/go/cpt\", \"99213\")]]")
        XCTAssertEqual(field(e, "period").description, "interval[@2025-03-01T09:00:00Z, @2025-03-01T09:30:00Z]")

        let o = try XCTUnwrap(list(m, "observations").first)
        XCTAssertEqual(field(o, "code").description,
                       "Concept[Code(\"http://loinc.org\", \"85354-9\"), Code(\"http://snomed.info/sct\", \"75367002\")]")
        XCTAssertEqual(field(o, "effective").description, "@2025-03-01T09:10:00.000Z")
        XCTAssertTrue(field(o, "encounter").asRecord === e, "the reference is the member's encounter record itself")
        let components = field(o, "components").asList.compactMap(\.asRecord)
        XCTAssertEqual(components.map { field($0, "value").description }, ["139 'mm[Hg]'", "89 'mm[Hg]'"])

        let r = try XCTUnwrap(list(m, "medication_requests").first)
        XCTAssertEqual(field(r, "expected_supply").description, "90 'days'")
        XCTAssertEqual(field(r, "refills").description, "2")
        XCTAssertEqual(field(r, "frequency").description, "1.5")

        XCTAssertEqual(c.expected.map(\.population), [.initial, .denominatorExclusion])
        XCTAssertEqual(c.expected.map(\.expectation), [.member(true), .member(false)])
        XCTAssertEqual(c.defines.map(\.name), ["age", "label", "visits", "pair"])
        XCTAssertEqual(c.defines.map(\.expected.description), ["74", "adult", "count 1", "[1, two]"])
        XCTAssertEqual(c.defines[3].location, TestFileLocation(line: 35, column: 7))

        XCTAssertEqual(f.cases[1].name, "case 2")
        XCTAssertEqual(Panel.id(of: f.cases[1].member), "case-2")
        XCTAssertEqual(f.cases[1].expected.map(\.expectation), [.count(2)])
    }

    func testDefineExpectationsMatchTheLanguagesText() {
        typealias E = DefineExpectation.Expected
        XCTAssertTrue(E.text("74").matches(.integer(74)))
        XCTAssertTrue(E.text("adult").matches(.string("adult")))
        XCTAssertTrue(E.text("\"adult\"").matches(.string("adult")))
        XCTAssertTrue(E.text("2025-10-01").matches(.temporal(Temporal.date(2025, 10, 1))))
        XCTAssertTrue(E.text("@2025-10-01").matches(.temporal(Temporal.date(2025, 10, 1))))
        XCTAssertTrue(E.text("null").matches(.null))
        XCTAssertTrue(E.text("139 'mm[Hg]'").matches(.quantity(Quantity(139, "mm[Hg]"))))
        XCTAssertFalse(E.text("74").matches(.integer(75)))
        XCTAssertFalse(E.text("true").matches(.null))
        XCTAssertTrue(E.count(2).matches(.list([.integer(1), .integer(1)])))
        XCTAssertFalse(E.count(2).matches(.integer(2)))
        XCTAssertTrue(E.items([.text("1"), .text("two")]).matches(.list([.integer(1), .string("two")])))
        XCTAssertFalse(E.items([.text("1")]).matches(.list([.integer(1), .integer(2)])))
    }

    /// Choice fields take their type from the shape of what is written.
    func testChoiceFields() throws {
        func value(_ text: String) throws -> String {
            let f = try read("""
                measure: m.measure
                cases:
                  - records:
                      observations:
                        - value: \(text)
                    expect: {initial: true}
                """)
            let o = try XCTUnwrap(list(f.cases[0].member, "observations").first)
            return field(o, "value").description
        }
        XCTAssertEqual(try value("5"), "5")
        XCTAssertEqual(try value("5 mg"), "5 'mg'")
        XCTAssertEqual(try value("9.5 %"), "9.5 '%'")
        XCTAssertEqual(try value("true"), "true")
        XCTAssertEqual(try value("snomed 160734000"), "Concept[Code(\"http://snomed.info/sct\", \"160734000\")]")
        XCTAssertEqual(try value("negative"), "\"negative\"")
        XCTAssertEqual(try value("'5'"), "\"5\"")
        XCTAssertEqual(try value("2025-01-01T10:00:00Z"), "@2025-01-01T10:00:00Z")
        XCTAssertEqual(try value("{string: loinc 1234-5}"), "\"loinc 1234-5\"")
        XCTAssertEqual(try value("{quantity: 5}"), "5 '1'")
        XCTAssertEqual(try value("null"), "null")
    }

    /// A missing start is unknown (open null bound), a missing end the end of time (closed null).
    func testIntervalBounds() throws {
        let f = try read("""
            measure: m.measure
            cases:
              - records:
                  encounters:
                    - {id: a, period: [null, 2025-01-02T00:00:00Z]}
                    - {id: b, period: {start: 2025-01-01T00:00:00Z}}
                expect: {initial: true}
            """)
        let es = list(f.cases[0].member, "encounters")
        XCTAssertEqual(field(es[0], "period").description, "interval(null, @2025-01-02T00:00:00Z]")
        XCTAssertEqual(field(es[1], "period").description, "interval[@2025-01-01T00:00:00Z, null]")
    }

    func testErrorsNameLineColumnAndReason() {
        let head = "measure: m.measure\ncases:\n  - name: a\n"
        let cases: [(String, String)] = [
            // bad YAML
            ("measure: m.measure\ncases:\n  - name: a\n   expect: {initial: true}\n",
             "4:4: not valid YAML: did not find expected '-' indicator (while parsing a block collection at line 3)"),
            (head + "    records:\n      observations:\n        - {value: 120 mm[Hg]}\n    expect: {initial: true}\n",
             "6:25: not valid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 6); inside {...} and [...], quote a value that holds , [ ] { } or ': ', such as '140 mm[Hg]'"),
            // unknown fields, at each level
            ("measure: m.measure\ncase: []\n", "2:1: unknown field 'case' in the test file; did you mean 'cases'?"),
            (head + "    expects: {initial: true}\n", "4:5: unknown field 'expects' in a case; did you mean 'expect'?"),
            (head + "    member: {birth_dat: 1980-01-01}\n    expect: {initial: true}\n",
             "4:14: a member has no field 'birth_dat'; did you mean 'birth_date'?"),
            (head + "    records:\n      encounter: []\n    expect: {initial: true}\n",
             "5:7: no record list 'encounter' on a member; did you mean 'encounters'?"),
            (head + "    records:\n      encounters:\n        - {id: e1, stauts: finished}\n    expect: {initial: true}\n",
             "6:20: Encounter has no field 'stauts'; did you mean 'status'?"),
            (head + "    member: {encounters: []}\n    expect: {initial: true}\n",
             "4:14: 'encounters' is a list of records: put it under 'records:'"),
            // bad dates
            (head + "    member: {birth_date: 1980-02-30}\n    expect: {initial: true}\n",
             "4:26: '1980-02-30' is not a valid date-time for Member.birth_date: day 30 is out of range: February 1980 has 29 days"),
            (head + "    member: {birth_date: 1980-01-01T10:00:00Z}\n    expect: {initial: true}\n",
             "4:26: Member.birth_date is a date: write it without a time of day, such as 2025-03-01"),
            (head + "    records:\n      procedures:\n        - {performed: 2025-13-01}\n    expect: {initial: true}\n",
             "6:23: '2025-13-01' is not a valid date-time for Procedure.performed: month 13 is out of range 01-12"),
            (head + "    records:\n      encounters:\n        - {period: [2025-02-01, 2025-01-01]}\n    expect: {initial: true}\n",
             "6:20: Encounter.period starts (2025-02-01) after it ends (2025-01-01)"),
            ("measure: m.measure\nperiod: 20x5\ncases: []\n",
             "2:9: 'period' must be a year such as 2025, or {start: 2025-01-01, end: 2025-12-31}"),
            // bad codes
            (head + "    records:\n      conditions:\n        - {code: lonic 1234-5}\n    expect: {initial: true}\n",
             "6:18: unknown code system 'lonic'; did you mean 'loinc'?"),
            (head + "    records:\n      conditions:\n        - {code: 1234-5}\n    expect: {initial: true}\n",
             "6:18: '1234-5' is not a code: write SYSTEM CODE, such as 'loinc 8480-6'"),
            // references
            (head + "    records:\n      encounters: [{id: e1}]\n      observations:\n        - {encounter: e2}\n    expect: {initial: true}\n",
             "7:23: no Encounter with id 'e2' in this case's records; did you mean 'e1'?"),
            (head + "    records:\n      observations:\n        - {encounter: visit}\n    expect: {initial: true}\n",
             "6:23: no Encounter with id 'visit' in this case's records; the case has no Encounter records with an id"),
            (head + "    records:\n      encounters: [{id: e1}, {id: e1}]\n    expect: {initial: true}\n",
             "5:30: a second Encounter with id 'e1' (the first is at line 5); ids must differ"),
            // other values
            (head + "    records:\n      observations:\n        - {components: [{value: 5 mg}], encounter: [e1]}\n    expect: {initial: true}\n",
             "6:52: expected the id of an Encounter record, found a list"),
            (head + "    records:\n      medication_requests:\n        - {refills: two}\n    expect: {initial: true}\n",
             "6:21: MedicationRequest.refills is a whole number, not 'two'"),
            (head + "    records:\n      medication_requests:\n        - {dose: lots}\n    expect: {initial: true}\n",
             "6:18: 'lots' is not a quantity: write NUMBER UNIT, such as '140 mm[Hg]' or '9 %'"),
            (head + "    records:\n      medication_requests:\n        - {do_not_perform: maybe}\n    expect: {initial: true}\n",
             "6:28: MedicationRequest.do_not_perform is true or false, not 'maybe'"),
            // expectations
            (head + "    expect: {inital: true}\n", "4:14: unknown population 'inital'; did you mean 'initial'?"),
            (head + "    expect: {initial: maybe}\n", "4:23: expected true, false or a count of subjects for 'initial', found 'maybe'"),
            (head + "    defines: {x: {counts: 1}}\n", "4:19: unknown field 'counts' in a define expectation; did you mean 'count'?"),
            (head + "    member: {sex: female}\n", "3:5: case 'a' expects nothing: add 'expect:' (populations) or 'defines:'"),
            (head + "    expect: {initial: true}\n  - name: a\n    expect: {initial: true}\n",
             "5:5: a second case named 'a' (the first is at line 3); case names must differ"),
            (head + "    expect: {initial: true, initial: false}\n", "4:29: 'initial' is given twice in expect"),
            // the file as a whole
            ("", "1:1: the file is empty: expected 'measure:' and 'cases:'"),
            ("- a\n", "1:1: the test file must be a map of fields, found a list"),
            ("cases: []\n", "1:1: missing 'measure:', the measure file this file tests (relative to this file)"),
            ("measure: nope.measure\ncases: []\n", "1:10: no measure file 'nope.measure' (looked for \(dir.path)/nope.measure)"),
            ("measure: m.measure\n", "1:1: missing 'cases:', the list of test cases"),
            ("measure: m.measure\nvaluesets: [vs]\ncases: []\n", "2:13: no value-set folder \(dir.path)/vs"),
            ("measure: m.measure\ncases:\n  - name: \"é\" \n    member: {sex: [x]}\n    expect: {initial: true}\n",
             "4:19: expected text for Member.sex, found a list"),
        ]
        for (yaml, expected) in cases {
            XCTAssertEqual(failure(yaml), expected, yaml)
        }
    }

    /// Columns count UTF-8 bytes, as everywhere in Tally.
    func testColumnsCountBytes() {
        XCTAssertEqual(failure("measure: m.measure\ncases:\n  - name: \"éé\"\n    member: {birth_date: 1980-02-30}\n    expect: {initial: true}\n"),
                       "4:26: '1980-02-30' is not a valid date-time for Member.birth_date: day 30 is out of range: February 1980 has 29 days")
        XCTAssertEqual(failure("measure: m.measure\ncases:\n  - {name: \"éé\", expect: {inital: true}}\n"),
                       "3:29: unknown population 'inital'; did you mean 'initial'?")
    }

    func testInvalidUTF8AndDeepNesting() {
        XCTAssertEqual(failureBytes(Array("measure: m.measure\ncases: [".utf8) + [0xff, 0xfe]), "2:9: the file is not valid UTF-8 text")
        XCTAssertEqual(failure(String(repeating: "[", count: 10_000)), "1:65: lists and maps nested more than 64 deep")
        XCTAssertEqual(failure((0..<400).map { String(repeating: " ", count: $0) + "-\n" }.joined()),
                       "258:1: a line indented more than 256 columns: nested too deep")
        XCTAssertEqual(failure(String(repeating: "- ", count: 100) + "x\n"),
                       "1:201: more than 64 list entries started on one line: nested too deep")
        let anchors = (0..<40).map { "x\($0): &x\($0) [\($0 == 0 ? "a" : "*x\($0 - 1)")]\n" }.joined()
        XCTAssertEqual(failure(anchors), "33:6: more than 32 anchors (&name) in one file")
    }

    func failureBytes(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        let path = dir.appendingPathComponent("m.tests.yaml").path
        guard let e = thrown(TestFileError.self, file: file, line: line, { _ = try YAMLTestFileReader().read(path: path, bytes: bytes) })
        else { return "" }
        return Self.described(e)
    }

    /// Mangled versions of a valid file are read or refused with a `TestFileError`, never a crash.
    func testMangledInputNeverCrashes() {
        var rng = SplitMix(seed: 2025)
        let base = Array(Self.valid.utf8)
        let noise = Array("[]{}:,-#&*!|>'\"\n \t\\%@`?0aé".utf8)
        var refused = 0
        for _ in 0..<400 {
            var bytes = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(noise[Int(rng.next() % UInt64(noise.count))], at: at)
                default: bytes[at] = noise[Int(rng.next() % UInt64(noise.count))]
                }
            }
            do {
                _ = try YAMLTestFileReader().read(path: dir.appendingPathComponent("m.tests.yaml").path, bytes: bytes)
            } catch let e as TestFileError {
                refused += 1
                XCTAssertFalse(e.reason.isEmpty)
            } catch {
                XCTFail("not a TestFileError: \(error)")
            }
        }
        XCTAssertGreaterThan(refused, 100)
        for seed in 0..<50 {
            var r = SplitMix(seed: UInt64(seed))
            let garbage = (0..<Int(r.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            XCTAssertThrowsError(try YAMLTestFileReader().read(path: "g.tests.yaml", bytes: garbage))
        }
    }

    func testPluginRegistersTheReader() {
        let registry = PluginRegistry(plugins: [TestCasesPlugin()])
        XCTAssertEqual(registry.testFileReaders.map(\.reader.format), ["tally-yaml"])
        let reader = YAMLTestFileReader()
        XCTAssertTrue(reader.canRead(path: "Measures/ecqm/CMS125.tests.yaml"))
        XCTAssertTrue(reader.canRead(path: "x.tests.yml"))
        XCTAssertFalse(reader.canRead(path: "config.yaml"))
    }
}
