/// Writes members as the Tuva Project input-layer CSV files (claims-csv-layout.md): headers
/// and columns exactly as listed there, RFC 4180 quoting where a value needs it.

/// The columns of each file, in order.
enum CSVLayout {
    static func numbered(_ stem: String, _ n: Int) -> [String] { (1...n).map { "\(stem)_\($0)" } }

    static let patient = ["person_id", "patient_id", "name_suffix", "first_name", "middle_name", "last_name", "sex", "race",
                          "birth_date", "death_date", "death_flag", "social_security_number", "address", "city", "state", "zip_code",
                          "county", "latitude", "longitude", "phone", "email", "ethnicity", "data_source", "file_name", "ingest_datetime"]

    static let eligibility = ["person_id", "member_id", "subscriber_id", "gender", "race", "birth_date", "death_date", "death_flag",
                              "enrollment_start_date", "enrollment_end_date", "payer", "payer_type", "plan",
                              "original_reason_entitlement_code", "dual_status_code", "medicare_status_code", "enrollment_status",
                              "hospice_flag", "institutional_snp_flag", "long_term_institutional_flag", "group_id", "group_name",
                              "name_suffix", "first_name", "middle_name", "last_name", "social_security_number", "subscriber_relation",
                              "address", "city", "state", "zip_code", "phone", "email", "ethnicity", "data_source", "file_name",
                              "file_date", "ingest_datetime"]

    static let providerAttribution = ["person_id", "patient_id", "member_id", "year_month", "payer", "plan", "data_source",
                                      "payer_attributed_provider", "payer_attributed_provider_practice",
                                      "payer_attributed_provider_organization", "payer_attributed_provider_lob",
                                      "custom_attributed_provider", "custom_attributed_provider_practice",
                                      "custom_attributed_provider_organization", "custom_attributed_provider_lob"]

    static let medicalClaim: [String] =
        ["claim_id", "claim_line_number", "claim_type", "person_id", "member_id", "payer", "plan", "claim_start_date",
         "claim_end_date", "claim_line_start_date", "claim_line_end_date", "admission_date", "discharge_date", "admit_source_code",
         "admit_type_code", "discharge_disposition_code", "place_of_service_code", "bill_type_code", "drg_code_type", "drg_code",
         "revenue_center_code", "service_unit_quantity", "hcpcs_code"]
        + numbered("hcpcs_modifier", 5)
        + ["rendering_npi", "rendering_tin", "billing_npi", "billing_tin", "facility_npi", "paid_date", "paid_amount",
           "allowed_amount", "charge_amount", "coinsurance_amount", "copayment_amount", "deductible_amount", "total_cost_amount",
           "diagnosis_code_type"]
        + numbered("diagnosis_code", 25) + numbered("diagnosis_poa", 25)
        + ["procedure_code_type"] + numbered("procedure_code", 25) + numbered("procedure_date", 25)
        + ["in_network_flag", "data_source", "file_name", "file_date", "ingest_datetime"]

    static let pharmacyClaim = ["claim_id", "claim_line_number", "person_id", "member_id", "payer", "plan", "prescribing_provider_npi",
                                "dispensing_provider_npi", "dispensing_date", "ndc_code", "quantity", "days_supply", "refills",
                                "paid_date", "paid_amount", "allowed_amount", "charge_amount", "coinsurance_amount",
                                "copayment_amount", "deductible_amount", "in_network_flag", "data_source", "file_name", "file_date",
                                "ingest_datetime"]

    static let labResult = ["lab_result_id", "person_id", "patient_id", "encounter_id", "accession_number", "source_order_type",
                            "source_order_code", "source_order_description", "source_component_type", "source_component_code",
                            "source_component_description", "normalized_order_type", "normalized_order_code",
                            "normalized_order_description", "normalized_component_type", "normalized_component_code",
                            "normalized_component_description", "status", "result", "result_datetime", "collection_datetime",
                            "source_units", "normalized_units", "source_reference_range_low", "source_reference_range_high",
                            "normalized_reference_range_low", "normalized_reference_range_high", "source_abnormal_flag",
                            "normalized_abnormal_flag", "specimen", "ordering_practitioner_id", "data_source", "file_name",
                            "ingest_datetime"]

    static let encounter = ["encounter_id", "person_id", "patient_id", "encounter_type", "encounter_start_date", "encounter_end_date",
                            "length_of_stay", "admit_source_code", "admit_source_description", "admit_type_code",
                            "admit_type_description", "discharge_disposition_code", "discharge_disposition_description",
                            "attending_provider_id", "attending_provider_name", "facility_npi", "facility_name",
                            "primary_diagnosis_code_type", "primary_diagnosis_code", "primary_diagnosis_description", "drg_code_type",
                            "drg_code", "drg_description", "paid_amount", "allowed_amount", "charge_amount", "data_source", "file_name",
                            "ingest_datetime"]

    static let condition = ["condition_id", "payer", "person_id", "patient_id", "encounter_id", "claim_id", "recorded_date",
                            "onset_date", "resolved_date", "status", "condition_type", "source_code_type", "source_code",
                            "source_description", "normalized_code_type", "normalized_code", "normalized_description",
                            "condition_rank", "present_on_admit_code", "present_on_admit_description", "data_source", "file_name",
                            "ingest_datetime"]

    static let procedure = ["procedure_id", "person_id", "patient_id", "encounter_id", "claim_id", "procedure_date",
                            "source_code_type", "source_code", "source_description", "normalized_code_type", "normalized_code",
                            "normalized_description"]
        + numbered("modifier", 5) + ["practitioner_id", "data_source", "file_name", "ingest_datetime"]

    static let observation = ["observation_id", "person_id", "payer", "patient_id", "encounter_id", "panel_id", "observation_date",
                              "observation_type", "source_code_type", "source_code", "source_description", "normalized_code_type",
                              "normalized_code", "normalized_description", "result", "source_units", "normalized_units",
                              "source_reference_range_low", "source_reference_range_high", "normalized_reference_range_low",
                              "normalized_reference_range_high", "data_source", "file_name", "ingest_datetime"]

    /// The files in the order they are written, with their columns.
    static let files: [(name: String, columns: [String])] = [
        ("patient.csv", patient), ("eligibility.csv", eligibility), ("provider_attribution.csv", providerAttribution),
        ("medical_claim.csv", medicalClaim), ("pharmacy_claim.csv", pharmacyClaim), ("lab_result.csv", labResult),
        ("encounter.csv", encounter), ("condition.csv", condition), ("procedure.csv", procedure), ("observation.csv", observation),
    ]

    static let claimsSource = "synth_claims"
    static let ehrSource = "synth_ehr"
}

/// Identifiers of one member's records (all derived from the member index, so stable).
struct MemberIDs {
    let person: String
    let patient: String
    let number: String

    init(_ index: Int) {
        number = Directory.pad(index + 1, 8)
        person = "P" + number
        patient = "MRN" + number
    }

    func member(_ plan: Plan) -> String { plan.memberPrefix + number }
    func encounter(_ i: Int) -> String { person + "-E" + Directory.pad(i + 1, 4) }
}

struct CSVPanelWriter {
    let dir: Directory

    enum File: Int { case patient, eligibility, attribution, medical, pharmacy, lab, encounter, condition, procedure, observation }

    func headers() -> [Bytes] {
        CSVLayout.files.map { file in
            var b = Bytes()
            b.s(file.columns.joined(separator: ",")); b.newline()
            return b
        }
    }

    func write(_ m: Member, into out: inout [Bytes]) {
        let ids = MemberIDs(m.index)
        patient(m, ids, &out[File.patient.rawValue])
        eligibility(m, ids, &out[File.eligibility.rawValue])
        attribution(m, ids, &out[File.attribution.rawValue])
        claims(m, ids, &out[File.medical.rawValue])
        pharmacy(m, ids, &out[File.pharmacy.rawValue])
        labs(m, ids, &out[File.lab.rawValue])
        encounters(m, ids, &out[File.encounter.rawValue])
        conditions(m, ids, &out[File.condition.rawValue])
        procedures(m, ids, &out[File.procedure.rawValue])
        observations(m, ids, &out[File.observation.rawValue])
    }

    // MARK: Demographics

    func firstName(_ m: Member) -> String { m.sex == .male ? Names.maleFirst[m.first % Names.maleFirst.count] : Names.femaleFirst[m.first % Names.femaleFirst.count] }
    func middleName(_ m: Member) -> String { m.middle < Names.middleInitials.count ? Names.middleInitials[m.middle] : "" }
    func address(_ m: Member) -> String {
        "\(m.houseNumber) \(Names.streets[m.street])" + (m.apartment > 0 ? ", Apt \(m.apartment)" : "")
    }
    func phone(_ m: Member) -> String { "(\(Names.cities[m.city].area)) 555-0\(m.phone)" }
    func email(_ m: Member) -> String { "\(firstName(m).lowercased()).\(Names.last[m.last].lowercased().replacingOccurrences(of: "'", with: ""))\(m.index + 1)@example.com" }

    func patient(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        let city = Names.cities[m.city]
        b.raw(ids.person); b.raw(ids.patient); b.e()
        b.f(firstName(m)); b.f(middleName(m)); b.f(Names.last[m.last]); b.raw(m.sex.code)
        b.raw(Names.races[m.race].text); b.fDate(m.birth)
        if m.death >= 0 { b.fDate(m.death); b.raw("1") } else { b.e(); b.raw("0") }
        b.e()  // no social security numbers are generated
        b.f(address(m)); b.f(city.city); b.raw(city.state); b.raw(city.zip); b.f(city.county); b.raw(city.lat); b.raw(city.lon)
        b.f(phone(m)); b.f(email(m)); b.raw(Names.ethnicities[m.ethnicity].text)
        b.raw(CSVLayout.ehrSource); b.raw("patient.csv"); b.raw(Window.ingest)
        b.endRow()
    }

    func eligibility(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        let city = Names.cities[m.city]
        let adult = m.age(on: Window.mpEnd) >= 18
        for s in m.spans {
            let plan = dir.plans[s.plan]
            let member = ids.member(plan)
            b.raw(ids.person); b.raw(member); b.raw(adult ? member : member + "S")
            b.raw(m.sex.code); b.raw(Names.races[m.race].text); b.fDate(m.birth)
            if m.death >= 0 { b.fDate(m.death); b.raw("1") } else { b.e(); b.raw("0") }
            b.fDate(s.start); b.fDate(s.end); b.f(plan.payer); b.raw(plan.type.name); b.f(plan.plan)
            if plan.type == .medicare {
                let aged = m.age(on: s.start) >= 65
                b.raw(aged ? "0" : s.esrd && !s.disabled ? "2" : "1")
                b.raw(s.dual ? "02" : "NA")
                b.raw(aged ? (s.esrd ? "11" : "10") : s.esrd ? (s.disabled ? "21" : "31") : "20")
            } else {
                b.e(3)
            }
            b.e()  // enrollment_status
            b.raw(s.hospice ? "1" : "0"); b.raw(s.institutionalSNP ? "1" : "0"); b.raw(s.longTermInstitutional ? "1" : "0")
            if plan.type == .commercial {
                let group = Directory.groups[m.index % Directory.groups.count]
                b.raw(group.0); b.f(group.1)
            } else {
                b.e(2)
            }
            b.e(); b.f(firstName(m)); b.f(middleName(m)); b.f(Names.last[m.last]); b.e()
            b.raw(adult ? "self" : "child")
            b.f(address(m)); b.f(city.city); b.raw(city.state); b.raw(city.zip); b.f(phone(m)); b.f(email(m))
            b.raw(Names.ethnicities[m.ethnicity].text)
            b.raw(CSVLayout.claimsSource); b.raw("eligibility.csv"); b.raw(Window.fileDate); b.raw(Window.ingest)
            b.endRow()
        }
    }

    func attribution(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        for run in m.attribution {
            for month in run.firstMonth...run.lastMonth {
                let mid = Cal.monthStart(month) + 14
                guard let s = m.spans.first(where: { $0.end >= Cal.monthStart(month) && $0.start <= Cal.monthEnd(month) }) else { continue }
                _ = mid
                let plan = dir.plans[s.plan]
                let provider = dir.pcps[run.provider]
                let practice = dir.practices[provider.practice]
                b.raw(ids.person); b.raw(ids.patient); b.raw(ids.member(plan))
                b.int(month / 12); b.padded(month % 12 + 1, 2); b.comma()
                b.f(plan.payer); b.f(plan.plan); b.raw(CSVLayout.claimsSource)
                b.raw(provider.npi); b.raw(practice.id); b.f(practice.organization); b.raw(plan.type.name)
                if run.custom >= 0 {
                    let c = dir.pcps[run.custom]
                    let cp = dir.practices[c.practice]
                    b.raw(c.npi); b.raw(cp.id); b.f(cp.organization); b.raw(plan.type.name)
                } else {
                    b.e(4)
                }
                b.endRow()
            }
        }
    }

    // MARK: Claims

    func npi(_ ref: Int, facility: Bool) -> (npi: String, tin: String) {
        if ref < 0 { return ("", "") }
        if facility { let f = dir.facility(ref); return (f.npi, f.tin) }
        let p = dir.provider(ref); return (p.npi, p.tin)
    }

    func claims(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        var claimNumber = 0
        for (ei, e) in m.encounters.enumerated() {
            _ = ei
            for claim in e.claims {
                claimNumber += 1
                guard let span = m.spans.first(where: { e.start >= $0.start && e.start <= $0.end }) else { continue }
                let plan = dir.plans[span.plan]
                let claimID = ids.person + "-C" + Directory.pad(claimNumber, 4)
                let member = ids.member(plan)
                var start = Int.max, end = Int.min
                for l in claim.lines { start = min(start, l.start); end = max(end, l.end) }
                let stay = claim.institutional && (e.kind == .inpatient || e.kind == .snf)
                let rendering = npi(claim.rendering, facility: false)
                let billing = npi(claim.billing, facility: claim.billingIsFacility)
                let facility = claim.facility >= 0 ? dir.facility(claim.facility).npi : ""
                let dxCount = min(e.dx.count, 25)
                for (li, line) in claim.lines.enumerated() {
                    b.raw(claimID); b.fInt(li + 1); b.raw(claim.institutional ? "institutional" : "professional")
                    b.raw(ids.person); b.raw(member); b.f(plan.payer); b.f(plan.plan)
                    b.fDate(start); b.fDate(end); b.fDate(line.start); b.fDate(line.end)
                    if stay {
                        b.fDate(e.start); b.fDate(e.end); b.raw(e.admitSource.isEmpty ? "1" : e.admitSource)
                        b.raw(e.admitType.isEmpty ? "3" : e.admitType); b.raw(e.disposition.ub04)
                    } else if claim.institutional && e.kind == .emergency {
                        b.e(5)
                    } else {
                        b.e(5)
                    }
                    b.raw(claim.institutional ? "" : claim.pos); b.raw(claim.institutional ? claim.billType : "")
                    if claim.drg >= 0, let adm = Admission(rawValue: UInt8(claim.drg)) { b.raw("ms-drg"); b.raw(adm.drg.code) } else { b.e(2) }
                    b.raw(line.revenue); b.fInt(line.units); b.raw(line.svc?.code ?? "")
                    b.raw(line.modifier); b.e(4)
                    b.raw(rendering.npi); b.raw(rendering.tin); b.raw(billing.npi); b.raw(billing.tin); b.raw(claim.institutional ? facility : "")
                    b.fDate(claim.paidDay); b.fMoney(line.paid); b.fMoney(line.allowed); b.fMoney(line.charge)
                    b.fMoney(line.coinsurance); b.fMoney(line.copay); b.fMoney(line.deductible); b.fMoney(line.allowed)
                    b.raw("icd-10-cm")
                    for k in 0..<25 { if k < dxCount { b.raw(e.dx[k].code) } else { b.comma() } }
                    for k in 0..<25 { if k < dxCount && e.kind == .inpatient && claim.institutional { b.raw(k == 0 || e.dx[k] != .fall ? "Y" : "N") } else { b.comma() } }
                    if let proc = claim.procedure, claim.institutional {
                        let code = proc.code
                        b.raw(code.type == "icd-10-pcs" ? "icd-10-pcs" : code.type); b.raw(code.code); b.e(24)
                        b.fDate(claim.procedureDay); b.e(24)
                    } else {
                        b.e(51)
                    }
                    b.raw(claim.inNetwork ? "1" : "0")
                    b.raw(CSVLayout.claimsSource); b.raw("medical_claim.csv"); b.raw(Window.fileDate); b.raw(Window.ingest)
                    b.endRow()
                }
            }
        }
    }

    func pharmacy(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        for (i, f) in m.fills.enumerated() {
            guard let span = m.spans.first(where: { f.day >= $0.start && f.day <= $0.end }) else { continue }
            let plan = dir.plans[span.plan]
            b.s(ids.person); b.s("-R"); b.padded(i + 1, 4); b.comma()
            b.raw("1"); b.raw(ids.person); b.raw(ids.member(plan)); b.f(plan.payer); b.f(plan.plan)
            b.raw(dir.provider(f.prescriber).npi); b.raw(dir.facility(f.pharmacy).npi)
            b.fDate(f.day); b.raw(f.drug.ndc); b.fInt(f.quantity); b.fInt(f.daysSupply); b.fInt(f.refills)
            b.fDate(f.day); b.fMoney(f.paid); b.fMoney(f.allowed); b.fMoney(f.allowed * 13 / 10)
            b.fMoney(f.coinsurance); b.fMoney(f.copay); b.fMoney(f.deductible); b.raw(f.inNetwork ? "1" : "0")
            b.raw(CSVLayout.claimsSource); b.raw("pharmacy_claim.csv"); b.raw(Window.fileDate); b.raw(Window.ingest)
            b.endRow()
        }
    }

    // MARK: Clinical tables

    func labs(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        for (i, o) in m.observations.enumerated() {
            let order: (String, String)
            let component: (String, String)
            var result = ""
            var units = ""
            var low = "", high = ""
            var flag = ""
            var specimen = "blood"
            switch o.kind {
            case .hba1c, .hba1cNoResult:
                order = (Svc.hba1c.code, Svc.hba1c.display); component = LOINC.hba1c
                if o.kind == .hba1c { var t = Bytes(); t.tenths(o.value1); result = String(decoding: t.b, as: UTF8.self); flag = o.value1 > 56 ? "H" : "N" }
                units = "%"; low = "4.0"; high = "5.6"
            case .ldl:
                order = (Svc.lipidPanel.code, Svc.lipidPanel.display); component = LOINC.ldl
                result = String(o.value1); units = "mg/dL"; low = "0"; high = "99"; flag = o.value1 > 99 ? "H" : "N"
            case .creatinine:
                order = (Svc.creatinine.code, Svc.creatinine.display); component = LOINC.creatinine
                var t = Bytes(); t.tenths(o.value1); result = String(decoding: t.b, as: UTF8.self)
                units = "mg/dL"; low = "0.6"; high = "1.3"; flag = o.value1 > 13 ? "H" : "N"
            case .fit:
                order = (Svc.fit.code, Svc.fit.display); component = LOINC.fit
                result = o.value1 == 1 ? "positive" : "negative"; flag = o.value1 == 1 ? "A" : "N"; specimen = "stool"
            case .sdna:
                order = (Svc.sdna.code, Svc.sdna.display); component = LOINC.sdna
                result = o.value1 == 1 ? "positive" : "negative"; flag = o.value1 == 1 ? "A" : "N"; specimen = "stool"
            default:
                continue
            }
            b.s(ids.person); b.s("-L"); b.padded(i + 1, 4); b.comma()
            b.raw(ids.person); b.raw(ids.patient); b.raw(o.encounter >= 0 ? ids.encounter(o.encounter) : "")
            b.s("ACC"); b.s(ids.number); b.padded(i + 1, 4); b.comma()
            b.raw("cpt"); b.raw(order.0); b.f(order.1); b.raw("loinc"); b.raw(component.0); b.f(component.1)
            b.raw("cpt"); b.raw(order.0); b.f(order.1); b.raw("loinc"); b.raw(component.0); b.f(component.1)
            b.raw("final"); b.raw(result)
            b.date(o.day); b.s("T"); b.padded(min(23, o.minute / 60 + 4), 2); b.s(":"); b.padded(o.minute % 60, 2); b.s(":00"); b.comma()
            b.date(o.day); b.s("T"); b.padded(o.minute / 60, 2); b.s(":"); b.padded(o.minute % 60, 2); b.s(":00"); b.comma()
            b.raw(units); b.raw(units); b.raw(low); b.raw(high); b.raw(low); b.raw(high)
            b.raw(o.kind == .hba1cNoResult ? "" : flag); b.raw(o.kind == .hba1cNoResult ? "" : flag); b.raw(specimen)
            b.raw(dir.provider(o.encounter >= 0 ? m.encounters[o.encounter].provider : pcpNPIIndex(m, o.day)).npi)
            b.raw(CSVLayout.ehrSource); b.raw("lab_result.csv"); b.raw(Window.ingest)
            b.endRow()
        }
    }

    func pcpNPIIndex(_ m: Member, _ day: Int) -> Int {
        let month = Cal.monthIndex(day)
        for run in m.attribution where month >= run.firstMonth && month <= run.lastMonth { return run.provider }
        return m.attribution.last?.provider ?? m.index % dir.pcps.count
    }

    func encounters(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        for (i, e) in m.encounters.enumerated() where e.ehr && e.status != "cancelled" {
            b.raw(ids.encounter(i)); b.raw(ids.person); b.raw(ids.patient); b.f(e.kind.tuvaType)
            b.fDate(e.start); b.fDate(e.end)
            let stay = e.kind == .inpatient || e.kind == .snf
            if stay { b.fInt(max(0, e.end - e.start)) } else { b.e() }
            if e.kind == .inpatient {
                b.raw(e.admitSource); b.f(admitSourceText(e.admitSource)); b.raw(e.admitType); b.f(admitTypeText(e.admitType))
                b.raw(e.disposition.ub04); b.f(e.disposition.display)
            } else {
                b.e(6)
            }
            let p = dir.provider(e.provider)
            b.raw(p.npi); b.f(p.name)
            if e.facility >= 0 { let f = dir.facility(e.facility); b.raw(f.npi); b.f(f.name) } else {
                let practice = p.practice >= 0 ? dir.practices[p.practice] : nil
                b.e(); b.f(practice?.name ?? "")
            }
            if let d = e.dx.first { b.raw("icd-10-cm"); b.raw(d.code); b.f(d.display) } else { b.e(3) }
            if let a = e.admission { b.raw("ms-drg"); b.raw(a.drg.code); b.f(a.drg.display) } else { b.e(3) }
            b.e(3)  // amounts live on the claims
            b.raw(CSVLayout.ehrSource); b.raw("encounter.csv"); b.raw(Window.ingest)
            b.endRow()
        }
    }

    func admitSourceText(_ code: String) -> String {
        switch code {
        case "1": return "Non-health care facility point of origin"
        case "2": return "Clinic or physician's office"
        case "4": return "Transfer from a hospital (different facility)"
        case "7": return "Emergency room"
        default: return ""
        }
    }

    func admitTypeText(_ code: String) -> String {
        switch code { case "1": return "Emergency"; case "2": return "Urgent"; case "3": return "Elective"; default: return "" }
    }

    func conditions(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        var n = 0
        for c in m.problems {
            n += 1
            b.s(ids.person); b.s("-D"); b.padded(n, 4); b.comma()
            b.e(); b.raw(ids.person); b.raw(ids.patient); b.e(2)
            b.fDate(max(c.onset, min(c.onset + 30, Window.end))); b.fDate(c.onset)
            if c.abated >= 0 { b.fDate(c.abated); b.raw("resolved") } else { b.e(); b.raw("active") }
            b.raw("problem"); b.raw("icd-10-cm"); b.raw(c.dx.code); b.f(c.dx.display); b.raw("icd-10-cm"); b.raw(c.dx.code); b.f(c.dx.display)
            b.e(3)
            b.raw(CSVLayout.ehrSource); b.raw("condition.csv"); b.raw(Window.ingest)
            b.endRow()
        }
        // Discharge diagnoses of inpatient stays.
        var claimNumber = 0
        for (i, e) in m.encounters.enumerated() {
            let first = claimNumber + 1
            claimNumber += e.claims.count
            guard e.kind == .inpatient, !e.claims.isEmpty else { continue }
            for (rank, d) in e.dx.enumerated() {
                n += 1
                b.s(ids.person); b.s("-D"); b.padded(n, 4); b.comma()
                b.e(); b.raw(ids.person); b.raw(ids.patient); b.raw(ids.encounter(i))
                b.s(ids.person); b.s("-C"); b.padded(first, 4); b.comma()
                b.fDate(e.end); b.fDate(e.start); b.e(); b.raw("active"); b.raw("discharge diagnosis")
                b.raw("icd-10-cm"); b.raw(d.code); b.f(d.display); b.raw("icd-10-cm"); b.raw(d.code); b.f(d.display)
                b.fInt(rank + 1); b.raw("Y"); b.raw("Present on admission")
                b.raw(CSVLayout.ehrSource); b.raw("condition.csv"); b.raw(Window.ingest)
                b.endRow()
            }
        }
    }

    func procedures(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        // Claim ids by encounter, as numbered in medical_claim.csv.
        var firstClaim = [Int](repeating: 0, count: m.encounters.count)
        var claimNumber = 0
        for (i, e) in m.encounters.enumerated() { firstClaim[i] = e.claims.isEmpty ? 0 : claimNumber + 1; claimNumber += e.claims.count }
        for (i, p) in m.procedures.enumerated() {
            let code = p.kind.code
            b.s(ids.person); b.s("-P"); b.padded(i + 1, 4); b.comma()
            b.raw(ids.person); b.raw(ids.patient)
            if p.encounter >= 0 {
                b.raw(ids.encounter(p.encounter))
                if firstClaim[p.encounter] > 0 { b.s(ids.person); b.s("-C"); b.padded(firstClaim[p.encounter], 4); b.comma() } else { b.e() }
            } else {
                b.e(2)
            }
            b.fDate(p.day); b.raw(code.type); b.raw(code.code); b.f(code.display); b.raw(code.type); b.raw(code.code); b.f(code.display)
            b.e(5)
            b.raw(p.encounter >= 0 ? dir.provider(m.encounters[p.encounter].provider).npi : "")
            b.raw(CSVLayout.ehrSource); b.raw("procedure.csv"); b.raw(Window.ingest)
            b.endRow()
        }
    }

    func observations(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        var n = 0
        func row(_ o: Obs, panel: Int, type: String, codeType: String, code: (String, String), result: String, units: String, normalizedUnits: String,
                 _ b: inout Bytes) {
            n += 1
            b.s(ids.person); b.s("-O"); b.padded(n, 4); b.comma()
            b.raw(ids.person); b.e(); b.raw(ids.patient); b.raw(o.encounter >= 0 ? ids.encounter(o.encounter) : "")
            if panel > 0 { b.s(ids.person); b.s("-BP"); b.padded(panel, 4); b.comma() } else { b.e() }
            b.fDate(o.day); b.f(type); b.raw(codeType); b.raw(code.0); b.f(code.1); b.raw(codeType); b.raw(code.0); b.f(code.1)
            b.f(result); b.raw(units); b.raw(normalizedUnits); b.e(4)
            b.raw(CSVLayout.ehrSource); b.raw("observation.csv"); b.raw(Window.ingest)
            b.endRow()
        }
        var panels = 0
        for o in m.observations {
            switch o.kind {
            case .bloodPressure:
                panels += 1
                row(o, panel: panels, type: "vital signs", codeType: "loinc", code: LOINC.systolic, result: String(o.value1), units: "mmHg", normalizedUnits: "mm[Hg]", &b)
                row(o, panel: panels, type: "vital signs", codeType: "loinc", code: LOINC.diastolic, result: String(o.value2), units: "mmHg", normalizedUnits: "mm[Hg]", &b)
            case .mammogram:
                row(o, panel: 0, type: "imaging", codeType: "loinc", code: LOINC.mammogram, result: "BI-RADS 1: negative", units: "", normalizedUnits: "", &b)
            case .ctColonography:
                row(o, panel: 0, type: "imaging", codeType: "loinc", code: LOINC.ctColonography, result: "no polyps or masses", units: "", normalizedUnits: "", &b)
            case .housingStatus:
                row(o, panel: 0, type: "social history", codeType: "loinc", code: LOINC.housingStatus, result: LOINC.livesInNursingHome.0, units: "", normalizedUnits: "", &b)
            case .frailtySymptom:
                row(o, panel: 0, type: "symptom", codeType: "icd-10-cm", code: (DX.debility.code, DX.debility.display), result: "present", units: "", normalizedUnits: "", &b)
            case .equipment:
                row(o, panel: 0, type: "assessment", codeType: "loinc", code: LOINC.medicalEquipment,
                    result: o.value1 == 1 ? Equipment.wheelchair.0 : Equipment.walker.0, units: "", normalizedUnits: "", &b)
            default:
                continue
            }
        }
    }
}

/// Frailty devices (Frailty Device value set …118.12.1300).
enum Equipment {
    static let wheelchair = ("228869008", "Manual wheelchair (physical object)")
    static let walker = ("1255320005", "Wheeled walker (physical object)")
}
