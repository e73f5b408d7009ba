import Foundation
import TallyTestSupport
import XCTest
import TallyEngine
import TallyLanguage
import ValueSetsPlugin

/// Value sets read from files: FHIR ValueSet JSON (expansion, compose, Bundle) and CSV code
/// lists, and the store that finds them by canonical URL, `urn:oid:` or bare OID.
final class ValueSetTests: TemporaryFolderTestCase {
    static let snomed = "http://snomed.info/sct"
    static let loinc = "http://loinc.org"
    static let icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
    static let cpt = "http://www.ama-assn.org/go/cpt"

    func keys(_ d: ValueSetDefinition) -> [String] { d.codes.map(\.key) }

    /// Reads a file and expects it to fail; returns the error.
    func readError(_ source: any ValueSetSource, _ path: String, file: StaticString = #filePath, line: UInt = #line) -> ValueSetError? {
        do {
            let ds = try source.read(path: path)
            XCTFail("expected an error, read \(ds.count) value sets", file: file, line: line)
            return nil
        } catch let e as ValueSetError {
            return e
        } catch {
            XCTFail("expected a ValueSetError, got \(error)", file: file, line: line)
            return nil
        }
    }

    // MARK: FHIR ValueSet JSON

    func testExpansionWithNestedContains() throws {
        let path = try write("vs.json", """
            {
              "resourceType": "ValueSet",
              "id": "2.16.840.1.113883.3.464.1003.104.12.1011",
              "url": "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.104.12.1011",
              "name": "EssentialHypertension",
              "title": "Essential Hypertension",
              "expansion": {
                "timestamp": "2025-01-01T00:00:00Z",
                "contains": [
                  { "system": "http://snomed.info/sct", "code": "59621000", "display": "Essential hypertension" },
                  { "abstract": true, "display": "a grouping without a code",
                    "contains": [
                      { "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10" },
                      { "abstract": true, "contains": [ { "system": "http://snomed.info/sct", "code": "1201005" } ] }
                    ] }
                ]
              },
              "compose": { "include": [ { "system": "http://loinc.org", "concept": [ { "code": "ignored-1" } ] } ] }
            }
            """)
        let ds = try FHIRValueSetSource().read(path: path)
        XCTAssertEqual(ds.count, 1)
        let d = try XCTUnwrap(ds.first)
        XCTAssertEqual(d.url, "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.104.12.1011")
        XCTAssertEqual(d.name, "EssentialHypertension")
        // The expansion wins over compose; nested contains are flattened in document order.
        XCTAssertEqual(keys(d), ["\(Self.snomed)|59621000", "\(Self.icd10cm)|I10", "\(Self.snomed)|1201005"])
        XCTAssertEqual(d.codes.first?.display, "Essential hypertension")
        XCTAssertNil(d.codes[1].display)
    }

    func testComposeIncludeConceptsWhenNoExpansion() throws {
        let path = try write("compose.json", """
            {
              "resourceType": "ValueSet",
              "id": "bp-codes",
              "title": "Blood pressure codes",
              "compose": {
                "include": [
                  { "system": "http://loinc.org",
                    "concept": [ { "code": "8480-6", "display": "Systolic" }, { "code": "8462-4" } ] },
                  { "system": "http://snomed.info/sct", "concept": [ { "code": "271649006" } ] },
                  { "valueSet": [ "http://example.org/ValueSet/other" ] }
                ]
              }
            }
            """)
        let ds = try FHIRValueSetSource().read(path: path)
        let d = try XCTUnwrap(ds.first)
        // No url: the id names the value set; no name: the title.
        XCTAssertEqual(d.url, "bp-codes")
        XCTAssertEqual(d.name, "Blood pressure codes")
        XCTAssertEqual(keys(d), ["\(Self.loinc)|8480-6", "\(Self.loinc)|8462-4", "\(Self.snomed)|271649006"])
        XCTAssertEqual(d.codes[0].display, "Systolic")
    }

    func testBundleOfValueSets() throws {
        let path = try write("bundle.json", """
            {
              "resourceType": "Bundle",
              "type": "collection",
              "entry": [
                { "resource": { "resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/a",
                                "expansion": { "contains": [ { "system": "http://loinc.org", "code": "1-1" } ] } } },
                { "resource": { "resourceType": "Library", "url": "http://example.org/fhir/Library/x" } },
                { "fullUrl": "urn:uuid:no-resource" },
                { "resource": { "resourceType": "ValueSet", "url": "urn:oid:1.2.3",
                                "compose": { "include": [ { "system": "http://snomed.info/sct", "concept": [ { "code": "22" } ] } ] } } }
              ]
            }
            """)
        let ds = try FHIRValueSetSource().read(path: path)
        XCTAssertEqual(ds.map(\.url), ["http://example.org/fhir/ValueSet/a", "urn:oid:1.2.3"])
        XCTAssertEqual(ds.map(keys), [["\(Self.loinc)|1-1"], ["\(Self.snomed)|22"]])
    }

    func testNonValueSetJSONIsIgnored() throws {
        let manifest = try write("manifest.json", #"{ "name": "value set export", "files": 3 }"#)
        let library = try write("library.json", #"{ "resourceType": "Library", "url": "http://example.org/Library/l" }"#)
        XCTAssertEqual(try FHIRValueSetSource().read(path: manifest).count, 0)
        XCTAssertEqual(try FHIRValueSetSource().read(path: library).count, 0)
        // Loading the folder reads neither as a value set and reports no error.
        let (store, errors) = ValueSetStore.load(directories: [dir], sources: [FHIRValueSetSource()])
        XCTAssertTrue(errors.isEmpty, "\(errors)")
        XCTAssertTrue(store.isEmpty)
    }

    func testInvalidJSONNamesTheFile() throws {
        let path = try write("broken.json", #"{ "resourceType": "ValueSet", "url": "#)
        let e = try XCTUnwrap(readError(FHIRValueSetSource(), path))
        XCTAssertEqual(e.file, path)
        XCTAssertEqual(e.reason, "invalid JSON")
        XCTAssertTrue(e.description.hasPrefix(path), e.description)
        // Through the store, the error is reported and the other files still load.
        try write("good.json", #"{ "resourceType": "ValueSet", "url": "urn:oid:9.9", "expansion": { "contains": [ { "system": "http://loinc.org", "code": "1" } ] } }"#)
        let (store, errors) = ValueSetStore.load(directories: [dir], sources: [FHIRValueSetSource()])
        XCTAssertEqual(errors.map(\.file), [path])
        XCTAssertEqual(store.codes(for: "9.9"), ["\(Self.loinc)|1"])
    }

    func testValueSetWithoutURLOrIdIsAnError() throws {
        let path = try write("anonymous.json", #"{ "resourceType": "ValueSet", "name": "Nameless" }"#)
        let e = try XCTUnwrap(readError(FHIRValueSetSource(), path))
        XCTAssertEqual(e.file, path)
        XCTAssertTrue(e.reason.contains("neither url nor id"), e.reason)
    }

    func testJSONThatIsNotAnObjectIsAnError() throws {
        let path = try write("array.json", "[1, 2, 3]")
        let e = try XCTUnwrap(readError(FHIRValueSetSource(), path))
        XCTAssertEqual(e.file, path)
        XCTAssertEqual(e.reason, "expected a JSON object")
    }

    // MARK: CSV code lists

    func testCSVHeaderInAnyColumnOrder() throws {
        let a = try write("a.csv", """
            value_set_id,code_system,code,display
            2.16.1,snomed,111,First
            2.16.1,loinc,222-2,Second
            2.16.2,icd10cm,E11.9,Third

            """)
        let b = try write("b.csv", """
            Display,Code,System,OID
            First,111,snomed,2.16.1
            Second,222-2,loinc,2.16.1
            Third,E11.9,icd10cm,2.16.2
            """)
        for path in [a, b] {
            let ds = try CSVCodeListSource().read(path: path)
            XCTAssertEqual(ds.map(\.url), ["2.16.1", "2.16.2"], path)
            XCTAssertEqual(ds.map(\.name), ["2.16.1", "2.16.2"], path)
            XCTAssertEqual(ds.map(keys), [["\(Self.snomed)|111", "\(Self.loinc)|222-2"], ["\(Self.icd10cm)|E11.9"]], path)
            XCTAssertEqual(ds[0].codes.map(\.display), ["First", "Second"], path)
        }
    }

    func testCSVWithoutDisplayColumn() throws {
        let path = try write("nodisplay.csv", "valueset,codesystem,code\nvs-1,cpt,99213\nvs-1,cpt,99214\n")
        let ds = try CSVCodeListSource().read(path: path)
        XCTAssertEqual(ds.map(keys), [["\(Self.cpt)|99213", "\(Self.cpt)|99214"]])
        XCTAssertEqual(ds[0].codes.map(\.display), [nil, nil])
    }

    /// Code lists exported on Windows or from spreadsheets end lines with CRLF.
    func testCSVWithCRLFLineEndings() throws {
        let path = try write("crlf.csv", "valueset,codesystem,code,display\r\nvs-1,cpt,99213,Office visit\r\nvs-1,cpt,99214,\"Office visit, moderate\"\r\n")
        let ds = try CSVCodeListSource().read(path: path)
        XCTAssertEqual(ds.map(keys), [["\(Self.cpt)|99213", "\(Self.cpt)|99214"]])
        XCTAssertEqual(ds.first?.codes.map(\.display), ["Office visit", "Office visit, moderate"], "no trailing carriage return")
    }

    func testCSVQuotedFieldsWithCommas() throws {
        let path = try write("quoted.csv", """
            value_set,system,code,display
            "urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001",snomed,"44054006","Diabetes mellitus type 2 (disorder), unspecified"
            urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001,"icd10cm",E11.9,"Type 2 diabetes, ""without"" complications"
            urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001,icd10cm,E11.65,""
            """)
        let ds = try CSVCodeListSource().read(path: path)
        XCTAssertEqual(ds.count, 1)
        let d = try XCTUnwrap(ds.first)
        XCTAssertEqual(d.url, "urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001")
        XCTAssertEqual(keys(d), ["\(Self.snomed)|44054006", "\(Self.icd10cm)|E11.9", "\(Self.icd10cm)|E11.65"])
        XCTAssertEqual(d.codes.map(\.display), ["Diabetes mellitus type 2 (disorder), unspecified",
                                                "Type 2 diabetes, \"without\" complications", ""])
    }

    func testCSVAliasSystemsAndURLs() throws {
        let path = try write("aliases.csv", """
            value_set_id,code_system,code
            vs,icd10cm,A
            vs,ICD-10-CM,B
            vs,cpt,C
            vs,loinc,D
            vs,SNOMED,E
            vs,snomedct,F
            vs,rxnorm,G
            vs,hcpcs,H
            vs,icd10pcs,I
            vs,cvx,J
            vs,http://example.org/CodeSystem/local,K
            vs,urn:oid:2.16.840.1.113883.6.238,L
            """)
        let d = try XCTUnwrap(try CSVCodeListSource().read(path: path).first)
        XCTAssertEqual(d.codes.map(\.system), [
            Self.icd10cm, Self.icd10cm, Self.cpt, Self.loinc, Self.snomed, Self.snomed,
            "http://www.nlm.nih.gov/research/umls/rxnorm", "http://www.nlm.nih.gov/research/umls/hcpcs",
            "http://www.cms.gov/Medicare/Coding/ICD10", "http://hl7.org/fhir/sid/cvx",
            "http://example.org/CodeSystem/local", "urn:oid:2.16.840.1.113883.6.238",
        ])
        XCTAssertEqual(d.codes.map(\.code), ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"])
    }

    func testCSVUnknownCodeSystemGivesFileAndLine() throws {
        let path = try write("unknown.csv", """
            value_set_id,code_system,code
            vs,loinc,1

            vs,icd9,250.00
            """)
        let e = try XCTUnwrap(readError(CSVCodeListSource(), path))
        XCTAssertEqual(e.file, path)
        XCTAssertEqual(e.line, 4, "blank lines count toward the line number")
        XCTAssertEqual(e.reason, "unknown code system 'icd9'")
        XCTAssertEqual(e.description, "\(path):4: unknown code system 'icd9'")
    }

    func testCSVWrongFieldCountGivesFileAndLine() throws {
        let path = try write("fields.csv", """
            value_set_id,code_system,code,display
            vs,loinc,1,One
            vs,loinc,2,Two, with an unquoted comma
            """)
        let e = try XCTUnwrap(readError(CSVCodeListSource(), path))
        XCTAssertEqual(e.file, path)
        XCTAssertEqual(e.line, 3)
        XCTAssertEqual(e.reason, "expected 4 fields, found 5")

        let short = try write("short.csv", "value_set_id,code_system,code\nvs,loinc\n")
        let e2 = try XCTUnwrap(readError(CSVCodeListSource(), short))
        XCTAssertEqual(e2.line, 2)
        XCTAssertEqual(e2.reason, "expected 3 fields, found 2")
    }

    func testCSVMissingColumnNamesIt() throws {
        let noSystem = try write("nosystem.csv", "value_set_id,vocabulary,code\nvs,loinc,1\n")
        let e = try XCTUnwrap(readError(CSVCodeListSource(), noSystem))
        XCTAssertEqual(e.file, noSystem)
        XCTAssertEqual(e.line, 1)
        XCTAssertTrue(e.reason.contains("missing column code system"), e.reason)
        XCTAssertTrue(e.reason.contains("code_system, system, codesystem"), e.reason)

        let noValueSet = try write("novs.csv", "system,code\nloinc,1\n")
        let e2 = try XCTUnwrap(readError(CSVCodeListSource(), noValueSet))
        XCTAssertTrue(e2.reason.contains("missing column value set id"), e2.reason)
        XCTAssertTrue(e2.reason.contains("value_set_id"), e2.reason)

        let noCode = try write("nocode.csv", "oid,system,concept\n1.2,loinc,1\n")
        let e3 = try XCTUnwrap(readError(CSVCodeListSource(), noCode))
        XCTAssertTrue(e3.reason.hasPrefix("missing column code "), e3.reason)

        let empty = try write("empty.csv", "")
        XCTAssertEqual(readError(CSVCodeListSource(), empty)?.reason, "empty file")
    }

    // MARK: The store

    func testStoreLookupByURLOIDAndVersion() throws {
        let oid = "2.16.840.1.113883.3.464.1003.104.12.1011"
        var store = ValueSetStore()
        XCTAssertTrue(store.isEmpty)
        store.add(ValueSetDefinition(url: "http://cts.nlm.nih.gov/fhir/ValueSet/\(oid)", name: "EssentialHypertension",
                                     codes: [Code(system: Self.snomed, code: "59621000")]))
        let expected: Set<String> = ["\(Self.snomed)|59621000"]
        for reference in [
            "http://cts.nlm.nih.gov/fhir/ValueSet/\(oid)",
            "urn:oid:\(oid)",
            oid,
            "\(oid)|20240101",
            "urn:oid:\(oid)|20240101",
            "http://cts.nlm.nih.gov/fhir/ValueSet/\(oid)|20240101",
            "https://other.example.org/fhir/ValueSet/\(oid)",
        ] {
            XCTAssertEqual(store.codes(for: reference), expected, reference)
        }
        XCTAssertNil(store.codes(for: "2.16.840.1.113883.3.464.1003.104.12.1012"))
        XCTAssertNil(store.codes(for: "urn:oid:\(oid).1"))
        XCTAssertFalse(store.isEmpty)
        XCTAssertEqual(store.count, 1)
    }

    func testStoreKeys() {
        XCTAssertEqual(ValueSetStore.key("http://cts.nlm.nih.gov/fhir/ValueSet/1.2.3"), "1.2.3")
        XCTAssertEqual(ValueSetStore.key("urn:oid:1.2.3"), "1.2.3")
        XCTAssertEqual(ValueSetStore.key("1.2.3|2025"), "1.2.3")
        XCTAssertEqual(ValueSetStore.key("http://example.org/fhir/ValueSet/my-set|1.0.0"), "my-set")
        XCTAssertEqual(ValueSetStore.key("my-set"), "my-set")
    }

    func testStoreMergesDefinitionsOfTheSameValueSet() {
        var store = ValueSetStore()
        store.add(ValueSetDefinition(url: "urn:oid:1.2.3", codes: [Code(system: Self.loinc, code: "1")]))
        store.add(ValueSetDefinition(url: "http://cts.nlm.nih.gov/fhir/ValueSet/1.2.3|2", codes: [Code(system: Self.loinc, code: "2")]))
        XCTAssertEqual(store.count, 1)
        XCTAssertEqual(store.definitions.count, 2)
        XCTAssertEqual(store.codes(for: "1.2.3"), ["\(Self.loinc)|1", "\(Self.loinc)|2"])
    }

    func testStoreLoadsFoldersOfMixedFiles() throws {
        try write("json/vs.json", #"{ "resourceType": "ValueSet", "url": "http://cts.nlm.nih.gov/fhir/ValueSet/1.1", "expansion": { "contains": [ { "system": "http://loinc.org", "code": "x" } ] } }"#)
        try write("csv/list.csv", "oid,system,code\n2.2,cpt,99213\n")
        try write("README.md", "not a value set\n")
        let bad = try write("csv/bad.csv", "oid,system,code\n3.3,nosuch,1\n")
        let registry = PluginRegistry(plugins: [ValueSetsPlugin()])
        XCTAssertEqual(registry.valueSetSources.map(\.source.format), ["fhir-valueset-json", "csv-code-list"])
        let missing = (dir as NSString).appendingPathComponent("missing")
        let (store, errors) = ValueSetStore.load(directories: [dir, missing], sources: registry.valueSetSources.map(\.source))
        XCTAssertEqual(store.count, 2)
        XCTAssertEqual(store.codes(for: "urn:oid:1.1"), ["\(Self.loinc)|x"])
        XCTAssertEqual(store.codes(for: "2.2"), ["\(Self.cpt)|99213"])
        XCTAssertEqual(errors.map(\.description), ["\(bad):2: unknown code system 'nosuch'", "\(missing): no such file or folder"])

        // A single file may be given instead of a folder.
        let (one, oneErrors) = ValueSetStore.load(directories: [(dir as NSString).appendingPathComponent("csv/list.csv")],
                                                  sources: registry.valueSetSources.map(\.source))
        XCTAssertTrue(oneErrors.isEmpty)
        XCTAssertEqual(one.count, 1)
    }
}
