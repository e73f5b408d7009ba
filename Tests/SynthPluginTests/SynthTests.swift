import Foundation
import TallyEngine
import XCTest
@testable import SynthPlugin

/// The synthetic panel generator: reproducibility, the exact Tuva input-layer headers, well-formed
/// CSV and NDJSON, plausible volumes, and the documented rates within tolerance.
final class SynthTests: XCTestCase {
    // One CSV and one FHIR panel of 2,000 members (seed 11), shared by the tests that only read.
    static let members = 2000
    nonisolated(unsafe) static var csvDir = ""
    nonisolated(unsafe) static var fhirDir = ""
    nonisolated(unsafe) static var root = ""

    override class func setUp() {
        super.setUp()
        root = NSTemporaryDirectory() + "tally-synth-tests-" + UUID().uuidString
        csvDir = root + "/csv"
        fhirDir = root + "/fhir"
        _ = try? SynthGenerator().generate(members: members, seed: 11, format: "csv", directory: csvDir)
        _ = try? SynthGenerator().generate(members: members, seed: 11, format: "fhir", directory: fhirDir)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
        super.tearDown()
    }

    func temp(_ name: String) -> String { Self.root + "/" + name + "-" + UUID().uuidString }

    // MARK: Reproducibility

    func assertSameFiles(_ a: GeneratedPanel, _ b: GeneratedPanel, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(a.files.map { ($0 as NSString).lastPathComponent }, b.files.map { ($0 as NSString).lastPathComponent }, file: file, line: line)
        for (x, y) in zip(a.files, b.files) {
            let dx = try Data(contentsOf: URL(fileURLWithPath: x)), dy = try Data(contentsOf: URL(fileURLWithPath: y))
            XCTAssertGreaterThan(dx.count, 0, x, file: file, line: line)
            XCTAssertTrue(dx == dy, "\((x as NSString).lastPathComponent) differs between two runs with the same seed", file: file, line: line)
        }
    }

    func testSameSeedGivesIdenticalBytes() throws {
        for format in ["csv", "fhir"] {
            let a = try SynthGenerator().generate(members: 700, seed: 42, format: format, directory: temp("a"))
            let b = try SynthGenerator().generate(members: 700, seed: 42, format: format, directory: temp("b"))
            XCTAssertEqual(a.members, 700)
            try assertSameFiles(a, b)
        }
    }

    func testDifferentSeedGivesDifferentBytes() throws {
        let a = try SynthGenerator().generate(members: 300, seed: 1, format: "csv", directory: temp("a"))
        let b = try SynthGenerator().generate(members: 300, seed: 2, format: "csv", directory: temp("b"))
        for (x, y) in zip(a.files, b.files) {
            let dx = try Data(contentsOf: URL(fileURLWithPath: x)), dy = try Data(contentsOf: URL(fileURLWithPath: y))
            XCTAssertFalse(dx == dy, "\((x as NSString).lastPathComponent) is the same for seeds 1 and 2")
        }
    }

    func testPluginRegistersAGeneratorForCSVAndFHIR() throws {
        let registry = PluginRegistry(plugins: [SynthPlugin()])
        XCTAssertEqual(registry.generators.map(\.plugin), ["synth"])
        XCTAssertEqual(registry.generators.first?.generator.formats, ["csv", "fhir"])
        XCTAssertThrowsError(try SynthGenerator().generate(members: 10, seed: 1, format: "xml", directory: temp("x"))) { error in
            XCTAssertTrue("\(error)".contains("unknown format 'xml'"), "\(error)")
        }
    }

    func testZeroMembersWritesHeadersOnly() throws {
        let panel = try SynthGenerator().generate(members: 0, seed: 1, format: "csv", directory: temp("zero"))
        XCTAssertEqual(panel.files.count, 10)
        for path in panel.files {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            XCTAssertEqual(text.split(separator: "\n").count, 1, path)
        }
    }

    // MARK: CSV layout

    /// The columns of claims-csv-layout.md, typed out independently of the generator.
    static func expand(_ columns: String) -> [String] {
        columns.split(separator: " ").flatMap { c -> [String] in
            let s = String(c)
            if s.hasSuffix("_1…25") { return (1...25).map { "\(s.dropLast(5))_\($0)" } }
            if s.hasSuffix("_1…5") { return (1...5).map { "\(s.dropLast(4))_\($0)" } }
            return [s]
        }
    }

    static let expectedHeaders: [String: [String]] = [
        "patient.csv": expand("person_id patient_id name_suffix first_name middle_name last_name sex race birth_date death_date death_flag social_security_number address city state zip_code county latitude longitude phone email ethnicity data_source file_name ingest_datetime"),
        "eligibility.csv": expand("person_id member_id subscriber_id gender race birth_date death_date death_flag enrollment_start_date enrollment_end_date payer payer_type plan original_reason_entitlement_code dual_status_code medicare_status_code enrollment_status hospice_flag institutional_snp_flag long_term_institutional_flag group_id group_name name_suffix first_name middle_name last_name social_security_number subscriber_relation address city state zip_code phone email ethnicity data_source file_name file_date ingest_datetime"),
        "provider_attribution.csv": expand("person_id patient_id member_id year_month payer plan data_source payer_attributed_provider payer_attributed_provider_practice payer_attributed_provider_organization payer_attributed_provider_lob custom_attributed_provider custom_attributed_provider_practice custom_attributed_provider_organization custom_attributed_provider_lob"),
        "medical_claim.csv": expand("claim_id claim_line_number claim_type person_id member_id payer plan claim_start_date claim_end_date claim_line_start_date claim_line_end_date admission_date discharge_date admit_source_code admit_type_code discharge_disposition_code place_of_service_code bill_type_code drg_code_type drg_code revenue_center_code service_unit_quantity hcpcs_code hcpcs_modifier_1…5 rendering_npi rendering_tin billing_npi billing_tin facility_npi paid_date paid_amount allowed_amount charge_amount coinsurance_amount copayment_amount deductible_amount total_cost_amount diagnosis_code_type diagnosis_code_1…25 diagnosis_poa_1…25 procedure_code_type procedure_code_1…25 procedure_date_1…25 in_network_flag data_source file_name file_date ingest_datetime"),
        "pharmacy_claim.csv": expand("claim_id claim_line_number person_id member_id payer plan prescribing_provider_npi dispensing_provider_npi dispensing_date ndc_code quantity days_supply refills paid_date paid_amount allowed_amount charge_amount coinsurance_amount copayment_amount deductible_amount in_network_flag data_source file_name file_date ingest_datetime"),
        "lab_result.csv": expand("lab_result_id person_id patient_id encounter_id accession_number source_order_type source_order_code source_order_description source_component_type source_component_code source_component_description normalized_order_type normalized_order_code normalized_order_description normalized_component_type normalized_component_code normalized_component_description status result result_datetime collection_datetime source_units normalized_units source_reference_range_low source_reference_range_high normalized_reference_range_low normalized_reference_range_high source_abnormal_flag normalized_abnormal_flag specimen ordering_practitioner_id data_source file_name ingest_datetime"),
        "encounter.csv": expand("encounter_id person_id patient_id encounter_type encounter_start_date encounter_end_date length_of_stay admit_source_code admit_source_description admit_type_code admit_type_description discharge_disposition_code discharge_disposition_description attending_provider_id attending_provider_name facility_npi facility_name primary_diagnosis_code_type primary_diagnosis_code primary_diagnosis_description drg_code_type drg_code drg_description paid_amount allowed_amount charge_amount data_source file_name ingest_datetime"),
        "condition.csv": expand("condition_id payer person_id patient_id encounter_id claim_id recorded_date onset_date resolved_date status condition_type source_code_type source_code source_description normalized_code_type normalized_code normalized_description condition_rank present_on_admit_code present_on_admit_description data_source file_name ingest_datetime"),
        "procedure.csv": expand("procedure_id person_id patient_id encounter_id claim_id procedure_date source_code_type source_code source_description normalized_code_type normalized_code normalized_description modifier_1…5 practitioner_id data_source file_name ingest_datetime"),
        "observation.csv": expand("observation_id person_id payer patient_id encounter_id panel_id observation_date observation_type source_code_type source_code source_description normalized_code_type normalized_code normalized_description result source_units normalized_units source_reference_range_low source_reference_range_high normalized_reference_range_low normalized_reference_range_high data_source file_name ingest_datetime"),
    ]

    /// The layout document itself, when the shared folder sits beside the repository.
    static func layoutFromDocument() -> [String: [String]]? {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let doc = url.deletingLastPathComponent().appendingPathComponent("shared/claims-csv-layout.md")
        guard let text = try? String(contentsOf: doc, encoding: .utf8) else { return nil }
        var out: [String: [String]] = [:]
        var current: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") { current = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("Columns:"), let file = current {
                var cols: [String] = []
                for part in line.dropFirst("Columns:".count).split(separator: ",") {
                    let name = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
                    if name.contains("…") {
                        let pieces = name.components(separatedBy: " … ")
                        let stem = String(pieces[0].dropLast(2))
                        let last = Int(pieces[1].split(separator: "_").last!)!
                        cols += (1...last).map { "\(stem)_\($0)" }
                    } else {
                        cols.append(name)
                    }
                }
                out[file] = cols
            }
        }
        return out
    }

    func testEveryCSVFileHasTheExactHeaderOfTheLayout() throws {
        let doc = Self.layoutFromDocument()
        for (name, expected) in Self.expectedHeaders {
            let rows = try CSV.read(Self.csvDir + "/" + name, limit: 1)
            XCTAssertEqual(rows.first, expected, name)
            if let doc { XCTAssertEqual(doc[name], expected, "claims-csv-layout.md, \(name)") }
        }
        XCTAssertEqual(Set(CSVLayout.files.map(\.name)), Set(Self.expectedHeaders.keys))
    }

    func testEveryCSVRowHasTheHeaderFieldCountAndQuotingRoundTrips() throws {
        var quoted = 0
        for (name, expected) in Self.expectedHeaders {
            let path = Self.csvDir + "/" + name
            let rows = try CSV.read(path)
            XCTAssertGreaterThan(rows.count, 1, name)
            for (i, row) in rows.enumerated() where row.count != expected.count {
                XCTFail("\(name):\(i + 1): \(row.count) fields, expected \(expected.count)")
                break
            }
            quoted += try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: ",\"").count - 1
        }
        XCTAssertGreaterThan(quoted, 0, "some values (addresses, descriptions) need RFC 4180 quoting")
        // A quoted value comes back whole.
        let patients = try CSV.table(Self.csvDir + "/patient.csv")
        XCTAssertTrue(patients.contains { $0["address"]!.contains(", Apt ") })
    }

    func testRowCountsArePlausible() throws {
        let n = Self.members
        func count(_ file: String) throws -> Int { try CSV.read(Self.csvDir + "/" + file).count - 1 }
        XCTAssertEqual(try count("patient.csv"), n)
        XCTAssertTrue((n...(2 * n)).contains(try count("eligibility.csv")))
        XCTAssertTrue((15 * n...24 * n).contains(try count("provider_attribution.csv")))  // monthly, about 95 % attributed
        XCTAssertTrue((8 * n...40 * n).contains(try count("medical_claim.csv")))
        XCTAssertTrue((4 * n...25 * n).contains(try count("pharmacy_claim.csv")))
        XCTAssertTrue((n / 2...4 * n).contains(try count("lab_result.csv")))
        XCTAssertTrue((4 * n...20 * n).contains(try count("encounter.csv")))
        XCTAssertTrue((n / 2...5 * n).contains(try count("condition.csv")))
        XCTAssertTrue((n / 20...2 * n).contains(try count("procedure.csv")))
        XCTAssertTrue((4 * n...25 * n).contains(try count("observation.csv")))
    }

    func testIdentifiersAndCodesAreWellFormed() throws {
        let claims = try CSV.table(Self.csvDir + "/medical_claim.csv")
        let people = Set(try CSV.table(Self.csvDir + "/patient.csv").map { $0["person_id"]! })
        for c in claims.prefix(5000) {
            XCTAssertTrue(people.contains(c["person_id"]!))
            XCTAssertTrue(["institutional", "professional"].contains(c["claim_type"]!))
            XCTAssertTrue(["0", "1"].contains(c["in_network_flag"]!))
            XCTAssertTrue(Self.isNPI(c["billing_npi"]!), c["billing_npi"]!)
            let paid = Double(c["paid_amount"]!)!, allowed = Double(c["allowed_amount"]!)!
            let share = Double(c["coinsurance_amount"]!)! + Double(c["copayment_amount"]!)! + Double(c["deductible_amount"]!)!
            XCTAssertEqual(paid + share, allowed, accuracy: 0.005, c["claim_id"]!)
            XCTAssertGreaterThanOrEqual(paid, 0)
            XCTAssertLessThanOrEqual(c["claim_start_date"]!, c["claim_end_date"]!)
        }
        XCTAssertTrue(claims.contains { $0["in_network_flag"] == "0" }, "some claims are out of network")
        XCTAssertTrue(claims.contains { $0["discharge_disposition_code"] == "20" }, "some stays end in death")
        XCTAssertTrue(claims.contains { $0["discharge_disposition_code"] == "02" }, "some stays end in a transfer")
        XCTAssertTrue(claims.contains { $0["bill_type_code"].map { $0.hasPrefix("81") } ?? false }, "hospice claims")
    }

    /// A valid NPI: ten digits with a Luhn check digit over the 80840 prefix.
    static func isNPI(_ s: String) -> Bool {
        guard s.count == 10, s.allSatisfy(\.isNumber) else { return false }
        let digits = ("80840" + s).compactMap { $0.wholeNumberValue }
        var sum = 0
        for (i, d) in digits.reversed().enumerated() { sum += i % 2 == 1 ? (d * 2 / 10 + d * 2 % 10) : d }
        return sum % 10 == 0
    }

    // MARK: Rates (N = 2,000; tolerances cover sampling noise)

    func age(_ birth: String, on: String = "2025-12-31") -> Int {
        let b = birth.split(separator: "-").map { Int($0)! }, o = on.split(separator: "-").map { Int($0)! }
        return o[0] - b[0] - ((o[1], o[2]) < (b[1], b[2]) ? 1 : 0)
    }

    func testRatesAreWithinTolerance() throws {
        let patients = try CSV.table(Self.csvDir + "/patient.csv")
        var ageOf: [String: Int] = [:], sexOf: [String: String] = [:]
        for p in patients { ageOf[p["person_id"]!] = age(p["birth_date"]!); sexOf[p["person_id"]!] = p["sex"]! }
        let adults = ageOf.filter { $0.value >= 18 }.map(\.key)
        XCTAssertEqual(Double(adults.count) / Double(patients.count), 0.80, accuracy: 0.04)

        var problems: [String: Set<String>] = [:]
        for c in try CSV.table(Self.csvDir + "/condition.csv") where c["condition_type"] == "problem" && c["status"] == "active" {
            problems[c["person_id"]!, default: []].insert(c["normalized_code"]!)
        }
        let diabetic = adults.filter { problems[$0]?.contains { $0.hasPrefix("E10") || $0.hasPrefix("E11") } ?? false }
        XCTAssertEqual(Double(diabetic.count) / Double(adults.count), 0.115, accuracy: 0.035, "diabetes among adults")
        let old = ageOf.filter { $0.value >= 65 }.map(\.key)
        let hypertensive = old.filter { problems[$0]?.contains("I10") ?? false }
        XCTAssertEqual(Double(hypertensive.count) / Double(old.count), 0.56, accuracy: 0.08, "hypertension at 65+")

        // Mammography in the eCQM window among women 52-74.
        var mammogram = Set<String>()
        for o in try CSV.table(Self.csvDir + "/observation.csv") where o["normalized_code"] == "24606-6" {
            if o["observation_date"]! >= "2023-10-01" && o["observation_date"]! <= "2025-12-31" { mammogram.insert(o["person_id"]!) }
        }
        let women = ageOf.filter { (52...74).contains($0.value) && sexOf[$0.key] == "female" }.map(\.key)
        XCTAssertEqual(Double(women.filter(mammogram.contains).count) / Double(women.count), 0.71, accuracy: 0.08, "mammography")

        // Utilization per member-year of enrollment.
        var memberMonths = 0
        for e in try CSV.table(Self.csvDir + "/eligibility.csv") {
            let s = e["enrollment_start_date"]!.split(separator: "-").map { Int($0)! }, t = e["enrollment_end_date"]!.split(separator: "-").map { Int($0)! }
            memberMonths += (t[0] - s[0]) * 12 + t[1] - s[1] + 1
        }
        let years = Double(memberMonths) / 12
        let claims = try CSV.table(Self.csvDir + "/medical_claim.csv")
        let ed = claims.filter { $0["bill_type_code"] == "131" && $0["revenue_center_code"] == "0450" }.count
        XCTAssertEqual(Double(ed) / years, 0.42, accuracy: 0.08, "emergency visits per member-year")
        let stays = claims.filter { $0["bill_type_code"] == "111" && $0["claim_line_number"] == "1" }
        XCTAssertEqual(Double(stays.count) / years, 0.09, accuracy: 0.03, "admissions per member-year")

        // 30-day readmissions after live discharges (not transfers).
        var byPerson: [String: [(String, String, String)]] = [:]
        for s in stays { byPerson[s["person_id"]!, default: []].append((s["admission_date"]!, s["discharge_date"]!, s["discharge_disposition_code"]!)) }
        var index = 0, readmitted = 0
        for (_, list) in byPerson {
            let sorted = list.sorted { $0.0 < $1.0 }
            for (i, s) in sorted.enumerated() where s.2 != "20" && s.2 != "02" {
                index += 1
                let discharge = Self.day(s.1)
                if sorted[(i + 1)...].contains(where: { Self.day($0.0) - discharge > 0 && Self.day($0.0) - discharge <= 30 }) { readmitted += 1 }
            }
        }
        XCTAssertEqual(Double(readmitted) / Double(index), 0.15, accuracy: 0.07, "30-day readmissions")

        // Paid PMPM (medical + pharmacy) by product line.
        var paid: [String: Double] = [:], months: [String: Int] = [:]
        for e in try CSV.table(Self.csvDir + "/eligibility.csv") {
            let s = e["enrollment_start_date"]!.split(separator: "-").map { Int($0)! }, t = e["enrollment_end_date"]!.split(separator: "-").map { Int($0)! }
            months[e["payer_type"]!, default: 0] += (t[0] - s[0]) * 12 + t[1] - s[1] + 1
        }
        func line(_ member: String) -> String { member.hasPrefix("HCC") ? "medicaid" : ["BMA", "LSM", "BMD"].contains(String(member.prefix(3))) ? "medicare" : "commercial" }
        for c in claims { paid[line(c["member_id"]!), default: 0] += Double(c["paid_amount"]!)! }
        for r in try CSV.table(Self.csvDir + "/pharmacy_claim.csv") { paid[line(r["member_id"]!), default: 0] += Double(r["paid_amount"]!)! }
        let commercial = paid["commercial"]! / Double(months["commercial"]!), medicare = paid["medicare"]! / Double(months["medicare"]!)
        XCTAssertTrue((300...650).contains(commercial), "commercial PMPM \(commercial)")
        XCTAssertTrue((700...1400).contains(medicare), "medicare PMPM \(medicare)")
    }

    static func day(_ iso: String) -> Int {
        let p = iso.prefix(10).split(separator: "-").map { Int($0)! }
        return Cal.day(p[0], p[1], p[2])
    }

    // MARK: FHIR

    func testFHIRLinesAreResourcesWithResolvableReferences() throws {
        var patients = Set<String>(), encounters = Set<String>()
        var counts: [String: Int] = [:]
        for name in FHIRPanelWriter.files {
            let type = String(name.dropLast(".ndjson".count))
            let text = try String(contentsOfFile: Self.fhirDir + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                XCTAssertEqual(object?["resourceType"] as? String, type)
                guard let object, let id = object["id"] as? String else { XCTFail("no id in \(name)"); continue }
                counts[type, default: 0] += 1
                if type == "Patient" { patients.insert(id) }
                if type == "Encounter" { encounters.insert(id) }
            }
        }
        XCTAssertEqual(counts["Patient"], Self.members)
        for type in ["Encounter", "Condition", "Observation", "Procedure", "MedicationRequest", "Coverage"] {
            XCTAssertGreaterThan(counts[type] ?? 0, Self.members / 20, type)
        }
        for name in ["Encounter.ndjson", "Condition.ndjson", "Observation.ndjson", "Procedure.ndjson", "MedicationRequest.ndjson"] {
            let text = try String(contentsOfFile: Self.fhirDir + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let subject = (o["subject"] as? [String: Any])?["reference"] as? String ?? ""
                XCTAssertTrue(subject.hasPrefix("Patient/") && patients.contains(String(subject.dropFirst(8))), "\(name): \(subject)")
                if let enc = (o["encounter"] as? [String: Any])?["reference"] as? String {
                    XCTAssertTrue(enc.hasPrefix("Encounter/") && encounters.contains(String(enc.dropFirst(10))), "\(name): \(enc)")
                }
            }
        }
        let coverage = try String(contentsOfFile: Self.fhirDir + "/Coverage.ndjson", encoding: .utf8)
        XCTAssertTrue(coverage.contains("\"beneficiary\":{\"reference\":\"Patient/P00000001\"}"))
    }

    func testFHIRObservationsHaveTheShapesTheMeasuresRead() throws {
        let text = try String(contentsOfFile: Self.fhirDir + "/Observation.ndjson", encoding: .utf8)
        var bp = 0, a1c = 0, missing = 0, mammography = 0
        for line in text.split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let code = ((o["code"] as! [String: Any])["coding"] as! [[String: Any]])[0]["code"] as! String
            let categories = (o["category"] as! [[String: Any]]).flatMap { ($0["coding"] as! [[String: Any]]).map { $0["code"] as! String } }
            XCTAssertEqual(o["status"] as? String, "final")
            switch code {
            case "85354-9":
                bp += 1
                XCTAssertEqual((o["meta"] as? [String: Any])?["profile"] as? [String], ["http://hl7.org/fhir/StructureDefinition/bp"])
                let components = o["component"] as! [[String: Any]]
                let codes = components.map { (($0["code"] as! [String: Any])["coding"] as! [[String: Any]])[0]["code"] as! String }
                XCTAssertEqual(codes, ["8480-6", "8462-4"])
                XCTAssertEqual((components[0]["valueQuantity"] as! [String: Any])["code"] as? String, "mm[Hg]")
                XCTAssertNotNil(o["encounter"])
            case "4548-4":
                a1c += 1
                XCTAssertEqual(categories, ["laboratory"])
                if o["valueQuantity"] == nil { missing += 1; XCTAssertNotNil(o["dataAbsentReason"]) }
            case "24606-6":
                mammography += 1
            default: break
            }
        }
        XCTAssertGreaterThan(bp, Self.members)
        XCTAssertGreaterThan(a1c, Self.members / 10)
        XCTAssertGreaterThan(missing, 0, "some HbA1c results are missing")
        XCTAssertGreaterThan(mammography, Self.members / 20)
    }

    /// The fixed scenario members that reach every population branch.
    func testScenarioMembersAreInPlace() throws {
        let text = try String(contentsOfFile: Self.fhirDir + "/Encounter.ndjson", encoding: .utf8)
        let lines = text.split(separator: "\n")
        func encounters(_ person: String) -> [Substring] { lines.filter { $0.contains("\"Patient/\(person)\"") } }
        // Member 3 has hospice care in 2025.
        XCTAssertTrue(encounters("P00000003").contains { $0.contains("385765002") && $0.contains("2025-") })
        // Member 5 has no office visit at all (emergency visits only).
        XCTAssertFalse(encounters("P00000005").contains { $0.contains("\"AMB\"") })
        // Member 10 has palliative care.
        XCTAssertTrue(encounters("P00000010").contains { $0.contains("305686008") })
        let obs = try String(contentsOfFile: Self.fhirDir + "/Observation.ndjson", encoding: .utf8).split(separator: "\n")
        // Member 8 lives in a nursing home; member 12's last HbA1c has no result.
        XCTAssertTrue(obs.contains { $0.contains("Patient/P00000008") && $0.contains("160734000") })
        XCTAssertTrue(obs.contains { $0.contains("Patient/P00000012") && $0.contains("dataAbsentReason") })
        XCTAssertEqual(Scenarios.descriptions.count, Scenarios.count)
    }
}

/// A small RFC 4180 reader for the tests.
enum CSV {
    static func read(_ path: String, limit: Int = .max) throws -> [[String]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == 0x22 {
                quoted = true
            } else if c == 0x2C {
                row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true)
            } else if c == 0x0A {
                row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true)
                rows.append(row); row = []
                if rows.count >= limit { return rows }
            } else {
                field.append(c)
            }
            i += 1
        }
        if !row.isEmpty || !field.isEmpty { row.append(String(decoding: field, as: UTF8.self)); rows.append(row) }
        return rows
    }

    /// Rows as dictionaries keyed by the header.
    static func table(_ path: String) throws -> [[String: String]] {
        let rows = try read(path)
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}
