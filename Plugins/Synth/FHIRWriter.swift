/// Writes members as FHIR R4 bulk-export NDJSON (one resource per line, one file per resource
/// type), shaped like QI-Core so the eCQM logic finds what it looks for: BP panels with the `bp`
/// profile and LOINC 85354-9 with systolic and diastolic components, HbA1c with category
/// laboratory, mammography as an Observation, `subject` and `encounter` references.

struct FHIRPanelWriter {
    let dir: Directory

    static let files = ["Patient.ndjson", "Encounter.ndjson", "Condition.ndjson", "Observation.ndjson", "Procedure.ndjson",
                        "MedicationRequest.ndjson", "Coverage.ndjson"]
    enum File: Int { case patient, encounter, condition, observation, procedure, medication, coverage }

    func headers() -> [Bytes] { Self.files.map { _ in Bytes() } }

    func write(_ m: Member, into out: inout [Bytes]) {
        let ids = MemberIDs(m.index)
        let subject = "Patient/" + ids.person
        patient(m, ids, &out[File.patient.rawValue])
        encounters(m, ids, subject, &out[File.encounter.rawValue])
        conditions(m, ids, subject, &out[File.condition.rawValue])
        observations(m, ids, subject, &out[File.observation.rawValue])
        procedures(m, ids, subject, &out[File.procedure.rawValue])
        medications(m, ids, subject, &out[File.medication.rawValue])
        coverage(m, ids, subject, &out[File.coverage.rawValue])
    }

    // MARK: JSON pieces

    /// `"key":` (after a comma unless first).
    @inline(__always) func key(_ b: inout Bytes, _ k: String, first: Bool = false) {
        if !first { b.comma() }
        b.byte(0x22); b.s(k); b.byte(0x22); b.byte(0x3A)
    }

    func coding(_ b: inout Bytes, _ system: String, _ code: String, _ display: String?) {
        b.s("{\"system\":"); b.json(system); b.s(",\"code\":"); b.json(code)
        if let display, !display.isEmpty { b.s(",\"display\":"); b.json(display) }
        b.s("}")
    }

    /// A CodeableConcept with one or more codings.
    func concept(_ b: inout Bytes, _ codings: [(String, String, String?)], text: String? = nil) {
        b.s("{\"coding\":[")
        for (i, c) in codings.enumerated() {
            if i > 0 { b.comma() }
            coding(&b, c.0, c.1, c.2)
        }
        b.s("]")
        if let text { b.s(",\"text\":"); b.json(text) }
        b.s("}")
    }

    func reference(_ b: inout Bytes, _ ref: String) { b.s("{\"reference\":"); b.json(ref); b.s("}") }

    func begin(_ b: inout Bytes, _ type: String, _ id: String, profile: String? = nil) {
        b.s("{\"resourceType\":\""); b.s(type); b.s("\",\"id\":"); b.json(id)
        if let profile { b.s(",\"meta\":{\"profile\":[\""); b.s(profile); b.s("\"]}") }
    }

    func end(_ b: inout Bytes) { b.s("}\n") }

    static let qicore = "http://hl7.org/fhir/us/qicore/StructureDefinition/"

    // MARK: Patient

    func patient(_ m: Member, _ ids: MemberIDs, _ b: inout Bytes) {
        let names = CSVPanelWriter(dir: dir)
        let city = Names.cities[m.city]
        begin(&b, "Patient", ids.person, profile: Self.qicore + "qicore-patient")
        var ext: [(String, (String, String, String))] = []
        let race = Names.races[m.race], eth = Names.ethnicities[m.ethnicity]
        ext.append(("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", (race.code, race.display, race.code.isEmpty ? "Unknown" : race.display)))
        ext.append(("http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity", (eth.code, eth.display, eth.code.isEmpty ? "Unknown" : eth.display)))
        key(&b, "extension"); b.s("[")
        for (i, e) in ext.enumerated() {
            if i > 0 { b.comma() }
            b.s("{\"url\":"); b.json(e.0); b.s(",\"extension\":[")
            if !e.1.0.isEmpty {
                b.s("{\"url\":\"ombCategory\",\"valueCoding\":"); coding(&b, System.ombRace, e.1.0, e.1.1); b.s("},")
            }
            b.s("{\"url\":\"text\",\"valueString\":"); b.json(e.1.2); b.s("}]}")
        }
        b.s("]")
        key(&b, "identifier"); b.s("[{\"system\":\"urn:tally:synth:mrn\",\"value\":"); b.json(ids.patient); b.s("}]")
        key(&b, "name"); b.s("[{\"family\":"); b.json(Names.last[m.last]); b.s(",\"given\":[")
        b.json(names.firstName(m))
        let middle = names.middleName(m)
        if !middle.isEmpty { b.comma(); b.json(middle) }
        b.s("]}]")
        key(&b, "telecom"); b.s("[{\"system\":\"phone\",\"value\":"); b.json(names.phone(m)); b.s(",\"use\":\"home\"},{\"system\":\"email\",\"value\":")
        b.json(names.email(m)); b.s("}]")
        key(&b, "gender"); b.json(m.sex.code)
        key(&b, "birthDate"); b.byte(0x22); b.date(m.birth); b.byte(0x22)
        if m.death >= 0 { key(&b, "deceasedDateTime"); b.byte(0x22); b.date(m.death); b.byte(0x22) }
        key(&b, "address"); b.s("[{\"line\":["); b.json(names.address(m)); b.s("],\"city\":"); b.json(city.city)
        b.s(",\"district\":"); b.json(city.county); b.s(",\"state\":"); b.json(city.state); b.s(",\"postalCode\":"); b.json(city.zip); b.s("}]")
        end(&b)
    }

    // MARK: Encounters

    func encounters(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        for (i, e) in m.encounters.enumerated() where e.ehr {
            begin(&b, "Encounter", ids.encounter(i), profile: Self.qicore + "qicore-encounter")
            key(&b, "status"); b.json(e.status)
            let cls = e.kind.fhirClass
            key(&b, "class"); coding(&b, System.actCode, cls.0, cls.1)
            var codings: [(String, String, String?)] = []
            if let svc = e.svc { codings.append((svc.system, svc.code, svc.display)) }
            if let s = e.snomedType { codings.append((System.snomed, s.0, s.1)) }
            if !codings.isEmpty { key(&b, "type"); b.s("["); concept(&b, codings, text: e.kind.tuvaType); b.s("]") }
            key(&b, "subject"); reference(&b, subject)
            let p = dir.provider(e.provider)
            key(&b, "participant"); b.s("[{\"individual\":{\"identifier\":{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\"")
            b.s(p.npi); b.s("\"},\"display\":"); b.json(p.name); b.s("}}]")
            key(&b, "period"); b.s("{\"start\":\""); b.instant(e.start, e.startMinute); b.s("\",\"end\":\""); b.instant(e.end, min(e.endMinute, 1439)); b.s("\"}")
            if e.kind == .inpatient || e.kind == .snf {
                key(&b, "length"); b.s("{\"value\":"); b.int(max(0, e.end - e.start)); b.s(",\"unit\":\"days\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"d\"}")
            }
            if let d = e.dx.first {
                key(&b, "reasonCode"); b.s("["); concept(&b, [(System.icd10cm, d.code, d.display)]); b.s("]")
            }
            if e.kind == .inpatient {
                let disp = e.disposition.fhir
                var codings = [(System.dischargeDisposition, disp.code, Optional(disp.display))]
                if let s = disp.snomed { codings.append((System.snomed, s.0, s.1)) }
                key(&b, "hospitalization"); b.s("{\"dischargeDisposition\":"); concept(&b, codings, text: e.disposition.display); b.s("}")
            }
            if e.facility >= 0 {
                let f = dir.facility(e.facility)
                key(&b, "serviceProvider"); b.s("{\"identifier\":{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\""); b.s(f.npi)
                b.s("\"},\"display\":"); b.json(f.name); b.s("}")
            }
            end(&b)
        }
    }

    // MARK: Conditions

    static func isAcute(_ d: DX) -> Bool {
        switch d {
        case .uri, .uti, .lowBackPain, .headache, .pharyngitis, .chestPain, .abdominalPain, .ankleSprain, .hipFracture, .fall,
             .pneumonia, .sepsis, .nstemi, .stroke, .giBleed, .delivery, .singleLiveBirth, .copdExacerbation, .asthmaExacerbation,
             .adultExam, .childExam, .screeningMammogram, .screeningColon, .palliative, .t2dmHyperglycemia:
            return true
        default:
            return false
        }
    }

    func condition(_ b: inout Bytes, id: String, subject: String, dx: DX, category: (String, String), clinical: String,
                   onset: Int, onsetMinute: Int?, abated: Int, recorded: Int, encounter: String?, bodySite: UInt8) {
        begin(&b, "Condition", id, profile: Self.qicore + (category.0 == "problem-list-item" ? "qicore-condition-problems-health-concerns" : "qicore-condition-encounter-diagnosis"))
        key(&b, "clinicalStatus"); concept(&b, [(System.conditionClinical, clinical, nil)])
        key(&b, "verificationStatus"); concept(&b, [(System.conditionVerification, "confirmed", nil)])
        key(&b, "category"); b.s("["); concept(&b, [(System.conditionCategory, category.0, category.1)]); b.s("]")
        key(&b, "code"); concept(&b, [(System.icd10cm, dx.code, dx.display)], text: dx.display)
        if bodySite > 0 {
            key(&b, "bodySite"); b.s("[")
            concept(&b, [bodySite == 1 ? (System.snomed, "7771000", "Left (qualifier value)") : (System.snomed, "24028007", "Right (qualifier value)")])
            b.s("]")
        }
        key(&b, "subject"); reference(&b, subject)
        if let encounter { key(&b, "encounter"); reference(&b, "Encounter/" + encounter) }
        key(&b, "onsetDateTime"); b.byte(0x22)
        if let onsetMinute { b.instant(onset, onsetMinute) } else { b.date(onset) }
        b.byte(0x22)
        if abated >= 0 { key(&b, "abatementDateTime"); b.byte(0x22); b.date(abated); b.byte(0x22) }
        key(&b, "recordedDate"); b.byte(0x22); b.date(recorded); b.byte(0x22)
        end(&b)
    }

    func conditions(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        var n = 0
        func nextID() -> String { n += 1; return ids.person + "-D" + Directory.pad(n, 4) }
        for c in m.problems {
            condition(&b, id: nextID(), subject: subject, dx: c.dx, category: ("problem-list-item", "Problem List Item"),
                      clinical: c.abated >= 0 ? "resolved" : "active", onset: c.onset, onsetMinute: nil, abated: c.abated,
                      recorded: max(c.onset, min(c.onset + 30, Window.end)), encounter: nil, bodySite: c.bodySite)
        }
        // Encounter diagnoses (up to four per encounter).
        for (i, e) in m.encounters.enumerated() where e.ehr && e.status != "cancelled" {
            for d in e.dx.prefix(4) {
                let acute = Self.isAcute(d)
                condition(&b, id: nextID(), subject: subject, dx: d, category: ("encounter-diagnosis", "Encounter Diagnosis"),
                          clinical: acute ? "resolved" : "active", onset: e.start, onsetMinute: e.startMinute,
                          abated: acute ? max(e.end, e.start + 14) : -1, recorded: e.start, encounter: ids.encounter(i), bodySite: 0)
            }
        }
    }

    // MARK: Observations

    func observations(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        for (i, o) in m.observations.enumerated() {
            let id = ids.person + "-O" + Directory.pad(i + 1, 4)
            let category: (String, String)
            var profile = Self.qicore + "qicore-observation"
            switch o.kind {
            case .bloodPressure: category = ("vital-signs", "Vital Signs"); profile = "http://hl7.org/fhir/StructureDefinition/bp"
            case .hba1c, .hba1cNoResult, .ldl, .creatinine, .fit, .sdna: category = ("laboratory", "Laboratory"); profile = Self.qicore + "qicore-observation-lab"
            case .mammogram, .ctColonography: category = ("imaging", "Imaging")
            case .housingStatus, .equipment: category = ("survey", "Survey")
            case .frailtySymptom: category = ("exam", "Exam")
            }
            begin(&b, "Observation", id, profile: profile)
            key(&b, "status"); b.s("\"final\"")
            key(&b, "category"); b.s("["); concept(&b, [(System.obsCategory, category.0, category.1)], text: category.1); b.s("]")
            let code: (String, String, String?)
            switch o.kind {
            case .bloodPressure: code = (System.loinc, LOINC.bpPanel.0, LOINC.bpPanel.1)
            case .hba1c, .hba1cNoResult: code = (System.loinc, LOINC.hba1c.0, LOINC.hba1c.1)
            case .ldl: code = (System.loinc, LOINC.ldl.0, LOINC.ldl.1)
            case .creatinine: code = (System.loinc, LOINC.creatinine.0, LOINC.creatinine.1)
            case .fit: code = (System.loinc, LOINC.fit.0, LOINC.fit.1)
            case .sdna: code = (System.loinc, LOINC.sdna.0, LOINC.sdna.1)
            case .mammogram: code = (System.loinc, LOINC.mammogram.0, LOINC.mammogram.1)
            case .ctColonography: code = (System.loinc, LOINC.ctColonography.0, LOINC.ctColonography.1)
            case .housingStatus: code = (System.loinc, LOINC.housingStatus.0, LOINC.housingStatus.1)
            case .equipment: code = (System.loinc, LOINC.medicalEquipment.0, LOINC.medicalEquipment.1)
            case .frailtySymptom: code = (System.icd10cm, DX.debility.code, DX.debility.display)
            }
            key(&b, "code"); concept(&b, [code])
            key(&b, "subject"); reference(&b, subject)
            if o.encounter >= 0 && m.encounters[o.encounter].ehr { key(&b, "encounter"); reference(&b, "Encounter/" + ids.encounter(o.encounter)) }
            key(&b, "effectiveDateTime"); b.byte(0x22); b.instant(o.day, o.minute); b.byte(0x22)
            if category.0 == "laboratory" {
                key(&b, "issued"); b.byte(0x22); b.instant(o.day, min(1439, o.minute + 240)); b.byte(0x22)
            }
            switch o.kind {
            case .bloodPressure:
                key(&b, "component"); b.s("[{\"code\":"); concept(&b, [(System.loinc, LOINC.systolic.0, LOINC.systolic.1)])
                b.s(",\"valueQuantity\":"); quantity(&b, o.value1, "mmHg", "mm[Hg]")
                b.s("},{\"code\":"); concept(&b, [(System.loinc, LOINC.diastolic.0, LOINC.diastolic.1)])
                b.s(",\"valueQuantity\":"); quantity(&b, o.value2, "mmHg", "mm[Hg]"); b.s("}]")
            case .hba1c:
                key(&b, "valueQuantity"); b.s("{\"value\":"); b.tenths(o.value1); b.s(",\"unit\":\"%\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%\"}")
            case .hba1cNoResult:
                key(&b, "dataAbsentReason"); concept(&b, [(System.dataAbsent, "error", "Error")], text: "Specimen hemolyzed")
            case .ldl:
                key(&b, "valueQuantity"); quantity(&b, o.value1, "mg/dL", "mg/dL")
            case .creatinine:
                key(&b, "valueQuantity"); b.s("{\"value\":"); b.tenths(o.value1); b.s(",\"unit\":\"mg/dL\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}")
            case .fit, .sdna:
                key(&b, "valueCodeableConcept")
                concept(&b, [o.value1 == 1 ? (System.snomed, "10828004", "Positive (qualifier value)") : (System.snomed, "260385009", "Negative (qualifier value)")])
            case .housingStatus:
                key(&b, "valueCodeableConcept"); concept(&b, [(System.snomed, LOINC.livesInNursingHome.0, LOINC.livesInNursingHome.1)])
            case .equipment:
                let device = o.value1 == 1 ? Equipment.wheelchair : Equipment.walker
                key(&b, "valueCodeableConcept"); concept(&b, [(System.snomed, device.0, device.1)])
            case .mammogram, .ctColonography, .frailtySymptom:
                break
            }
            end(&b)
        }
    }

    func quantity(_ b: inout Bytes, _ value: Int, _ unit: String, _ code: String) {
        b.s("{\"value\":"); b.int(value); b.s(",\"unit\":"); b.json(unit); b.s(",\"system\":\"http://unitsofmeasure.org\",\"code\":"); b.json(code); b.s("}")
    }

    // MARK: Procedures

    func procedures(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        for (i, p) in m.procedures.enumerated() {
            let code = p.kind.code
            begin(&b, "Procedure", ids.person + "-P" + Directory.pad(i + 1, 4), profile: Self.qicore + "qicore-procedure")
            key(&b, "status"); b.s("\"completed\"")
            key(&b, "code"); concept(&b, [(code.system, code.code, code.display)])
            key(&b, "subject"); reference(&b, subject)
            if p.encounter >= 0 && m.encounters[p.encounter].ehr { key(&b, "encounter"); reference(&b, "Encounter/" + ids.encounter(p.encounter)) }
            if p.endDay > p.day {
                key(&b, "performedPeriod"); b.s("{\"start\":\""); b.instant(p.day, 0); b.s("\",\"end\":\""); b.instant(p.endDay, 1439); b.s("\"}")
            } else {
                let minute = p.encounter >= 0 ? m.encounters[p.encounter].startMinute + 15 : 9 * 60
                key(&b, "performedDateTime"); b.byte(0x22); b.instant(p.day, min(1439, minute)); b.byte(0x22)
            }
            end(&b)
        }
    }

    // MARK: Medication requests

    /// One request per drug per calendar year, authored at the first fill, with the year's refills.
    func medications(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        var n = 0
        var lastYear: [UInt8: Int] = [:]
        for f in m.fills { lastYear[f.drug.rawValue] = max(lastYear[f.drug.rawValue] ?? 0, Cal.year(f.day)) }
        var i = 0
        while i < m.fills.count {
            let f = m.fills[i]
            let year = Cal.year(f.day)
            // Fills of this drug in this year (fills are sorted by day).
            var count = 0
            if f.drug.isAcute { count = 1 } else {
                var seen = false
                for g in m.fills where g.drug == f.drug && Cal.year(g.day) == year {
                    if g.day < f.day { seen = true; break }
                    count += 1
                }
                if seen { i += 1; continue }
            }
            n += 1
            let active = !f.drug.isAcute && lastYear[f.drug.rawValue] == year && (m.death < 0)
            begin(&b, "MedicationRequest", ids.person + "-M" + Directory.pad(n, 4), profile: Self.qicore + "qicore-medicationrequest")
            key(&b, "status"); b.json(active ? "active" : "completed")
            key(&b, "intent"); b.s("\"order\"")
            key(&b, "medicationCodeableConcept"); concept(&b, [(System.rxnorm, f.drug.rxnorm, f.drug.display)])
            key(&b, "subject"); reference(&b, subject)
            key(&b, "authoredOn"); b.byte(0x22); b.instant(f.day, 9 * 60); b.byte(0x22)
            let prescriber = dir.provider(f.prescriber)
            key(&b, "requester"); b.s("{\"identifier\":{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\""); b.s(prescriber.npi)
            b.s("\"},\"display\":"); b.json(prescriber.name); b.s("}")
            key(&b, "dosageInstruction"); b.s("[{\"timing\":{\"repeat\":{\"frequency\":"); b.int(f.drug.packageUnits == nil ? f.drug.unitsPerDay : 1)
            b.s(",\"period\":1,\"periodUnit\":\"d\"}},\"doseAndRate\":[{\"doseQuantity\":{\"value\":1,\"unit\":\"")
            b.s(f.drug.packageUnits == nil ? "tablet" : "dose"); b.s("\"}}]}]")
            key(&b, "dispenseRequest"); b.s("{\"numberOfRepeatsAllowed\":"); b.int(max(0, count - 1))
            b.s(",\"quantity\":{\"value\":"); b.int(f.quantity); b.s("},\"expectedSupplyDuration\":{\"value\":"); b.int(f.daysSupply)
            b.s(",\"unit\":\"days\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"d\"}}")
            end(&b)
            i += 1
        }
    }

    // MARK: Coverage

    func coverage(_ m: Member, _ ids: MemberIDs, _ subject: String, _ b: inout Bytes) {
        for (i, s) in m.spans.enumerated() {
            let plan = dir.plans[s.plan]
            begin(&b, "Coverage", ids.person + "-V" + Directory.pad(i + 1, 2), profile: Self.qicore + "qicore-coverage")
            key(&b, "status"); b.s("\"active\"")
            key(&b, "type"); concept(&b, [(System.sopt, plan.sopt, plan.soptDisplay)], text: plan.type.name)
            key(&b, "subscriberId"); b.json(ids.member(plan))
            key(&b, "beneficiary"); reference(&b, subject)
            key(&b, "relationship"); concept(&b, [(System.subscriberRelationship, m.age(on: Window.mpEnd) >= 18 ? "self" : "child", nil)])
            key(&b, "period"); b.s("{\"start\":\""); b.date(s.start); b.s("\",\"end\":\""); b.date(s.end); b.s("\"}")
            key(&b, "payor"); b.s("[{\"display\":"); b.json(plan.payer); b.s("}]")
            key(&b, "class"); b.s("[{\"type\":"); concept(&b, [(System.coverageClass, "plan", "Plan")]); b.s(",\"value\":"); b.json(plan.memberPrefix)
            b.s(",\"name\":"); b.json(plan.plan); b.s("}]")
            end(&b)
        }
    }
}
