import TallyEngine
import TallyLanguage

/// Fixed values the clinical tables share (one instance each, shared by every record).
enum ClinicalValues {
    static let observationCategorySystem = codeSystemURL("observation-category")
    /// LOINC's URL, looked up once (a `codeSystemURL` call per row cost more than the row's category).
    static let loincSystem = codeSystemURL("loinc")
    static let conditionCategorySystem = "http://terminology.hl7.org/CodeSystem/condition-category"

    static func category(_ system: String, _ code: String) -> Value {
        .list([.concept(Concept(codes: [Code(system: system, code: code)]))])
    }

    static let laboratoryCategory = category(observationCategorySystem, "laboratory")
    static let vitalSignsCategory = category(observationCategorySystem, "vital-signs")
    static let encounterDiagnosisCategory = category(conditionCategorySystem, "encounter-diagnosis")
    static let problemListCategory = category(conditionCategorySystem, "problem-list-item")
    static let healthConcernCategory = category(conditionCategorySystem, "health-concern")

    /// The observation-category codes an `observation_type` may name (spaces or underscores for
    /// hyphens, any case): `vital signs` is `vital-signs`.
    static let observationCategories: Set<String> = [
        "social-history", "vital-signs", "imaging", "laboratory", "procedure", "survey", "exam", "therapy", "activity",
    ]

    /// LOINC codes of vital signs, categorised `vital-signs` even when `observation_type` is empty:
    /// systolic and diastolic blood pressure, the BP panel, heart rate, respiratory rate, body
    /// temperature, height, weight, BMI, oxygen saturation, head circumference.
    static let vitalSignCodes: Set<String> = [
        "8480-6", "8462-4", "85354-9", "55284-4", "8867-4", "9279-1", "8310-5", "8302-2", "29463-7", "39156-5",
        "59408-5", "2708-6", "9843-4",
    ]

    static let final = Value.string("final")
    static let completed = Value.string("completed")
    static let finished = Value.string("finished")
    static let active = Value.string("active")
    static let resolved = Value.string("resolved")
    static let order = Value.string("order")

    /// Units as written in source data mapped to UCUM, so quantities compare with the units
    /// measures use (`mmHg` is `mm[Hg]`). Other units are kept as written.
    static let ucum: [String: String] = [
        "mmhg": "mm[Hg]", "mm hg": "mm[Hg]", "mm[hg]": "mm[Hg]", "mm(hg)": "mm[Hg]",
        "mg/dl": "mg/dL", "g/dl": "g/dL", "mmol/l": "mmol/L", "mg/l": "mg/L", "g/l": "g/L", "mmol/mol": "mmol/mol",
        "%": "%", "percent": "%", "pct": "%",
        "kg/m2": "kg/m2", "kg/m^2": "kg/m2", "kg/m²": "kg/m2",
        "bpm": "/min", "beats/min": "/min", "/min": "/min", "{beats}/min": "{beats}/min", "breaths/min": "/min",
        "kg": "kg", "g": "g", "mg": "mg", "lb": "[lb_av]", "lbs": "[lb_av]", "[lb_av]": "[lb_av]",
        "cm": "cm", "m": "m", "mm": "mm", "in": "[in_i]", "inch": "[in_i]", "inches": "[in_i]", "[in_i]": "[in_i]",
        "l": "L", "dl": "dL", "ml": "mL",
        "degf": "[degF]", "°f": "[degF]", "[degf]": "[degF]", "degc": "Cel", "°c": "Cel", "cel": "Cel",
        "ml/min/1.73m2": "mL/min/{1.73_m2}", "ml/min/{1.73_m2}": "mL/min/{1.73_m2}",
    ]
}

/// Shared row mapping of the clinical tables: codes, values, units.
final class ClinicalMapper {
    let ctx: LoadContext
    private let units = ByteTable<String>(capacity: 64)
    private let statuses = ByteTable<Value>(capacity: 16)
    private var encounterTypes: [String: Value] = [:]

    init(_ ctx: LoadContext) { self.ctx = ctx }

    /// The code columns of a table: the normalized code, else the source code.
    struct CodeColumns {
        let normalizedType: Int, normalizedCode: Int, sourceType: Int, sourceCode: Int
        /// The system of a normalized code whose type is empty (LOINC for lab results, CVX for
        /// immunizations); nil rejects it as an unknown code system.
        let normalizedDefault: Int?

        /// `normalized_code_type`, `normalized_code`, `source_code_type`, `source_code`; with a
        /// `part` such as `component`: `normalized_component_type`, `normalized_component_code`, ...
        init(_ c: Columns, part: String? = nil, normalizedDefault: Int? = nil) {
            let type = part.map { "\($0)_type" } ?? "code_type", code = part.map { "\($0)_code" } ?? "code"
            normalizedType = c("normalized_" + type); normalizedCode = c("normalized_" + code)
            sourceType = c("source_" + type); sourceCode = c("source_" + code)
            self.normalizedDefault = normalizedDefault
        }
    }

    /// The concept of a row: its normalized coding when present, else its source coding.
    func concept(_ r: Row, _ c: CodeColumns) throws -> CodeSystems.CodeEntry {
        if r.has(c.normalizedCode) {
            guard let system = try r.system(c.normalizedType, ctx.systems, fallback: c.normalizedDefault) else {
                throw RowError("unknown-code-system", "\(r.name(c.normalizedType)) is empty for \(r.name(c.normalizedCode)) "
                    + ByteParse.quoted(r.bytes(c.normalizedCode)))
            }
            return try r.code(c.normalizedCode, system, ctx.systems)
        }
        if r.has(c.sourceCode) {
            guard let system = try r.system(c.sourceType, ctx.systems) else {
                throw RowError("unknown-code-system", "\(r.name(c.sourceType)) is empty for \(r.name(c.sourceCode)) "
                    + ByteParse.quoted(r.bytes(c.sourceCode)))
            }
            return try r.code(c.sourceCode, system, ctx.systems)
        }
        throw RowError("missing-value", "\(r.name(c.normalizedCode)) and \(r.name(c.sourceCode)) are both empty")
    }

    /// A status in lower case, or `fallback` when empty.
    func status(_ b: Bytes, _ fallback: Value) -> Value {
        if b.isEmpty { return fallback }
        return statuses.value(b) { .string(ByteParse.string($0).lowercased()) }
    }

    /// A UCUM unit for the text (`1` when empty).
    func unit(_ b: Bytes) -> String {
        if b.isEmpty { return "1" }
        return units.value(b) { b in
            let text = ByteParse.string(b)
            return ClinicalValues.ucum[text.lowercased()] ?? text
        }
    }

    /// A result: a Quantity when numeric (with a leading comparator `<`, `<=`, `>`, `>=` kept
    /// apart), else the text.
    func value(_ result: Bytes, unit unitBytes: Bytes) -> (value: Value, comparator: Value) {
        if result.isEmpty { return (.null, .null) }
        if let v = ByteParse.double(result) { return (.quantity(Quantity(v, unit(unitBytes))), .null) }
        var i = 0
        while i < result.count, i < 2, result[i] == 0x3C || result[i] == 0x3E || result[i] == 0x3D { i += 1 }
        if i > 0, result[0] != 0x3D {
            var j = i
            while j < result.count, result[j] == 0x20 { j += 1 }
            if let v = ByteParse.double(Bytes(rebasing: result[j...])) {
                let comparator = ctx.strings.intern(Bytes(rebasing: result[0..<i]))
                if ["<", "<=", ">", ">="].contains(comparator) {
                    return (.quantity(Quantity(v, unit(unitBytes))), .string(comparator))
                }
            }
        }
        return (.string(ctx.strings.intern(result)), .null)
    }

    /// An encounter's `type` from encounter.csv's `encounter_type` text (no codes).
    func encounterType(_ text: String) -> Value {
        if let v = encounterTypes[text] { return v }
        let v = Value.list([.concept(Concept(codes: [], text: text))])
        encounterTypes[text] = v
        return v
    }

    /// Adds a record to a member's list, and links its encounter slot to the encounter with the
    /// id (if any), as the clinical tables all do.
    func add(_ record: Record, to list: Int, of who: Bytes, line: Int, encounter slot: Int, _ encounterID: String?) {
        let b = ctx.member(who, line: line)
        if b.add(record, list: list) { linkEncounter(record, slot: slot, b, encounterID) }
    }

    /// Resolves `slot` of `record` to the member's encounter with the id, after loading.
    func linkEncounter(_ record: Record, slot: Int, _ b: MemberAssembler.Builder, _ id: String?) {
        guard let id else { return }
        b.reference(record, slot: slot, list: MemberSlot.all.encounters, id: id)
    }
}

/// lab_result.csv → Observation (category laboratory). Code: the normalized component code
/// (LOINC when its type is empty), else the source component code. Status lower-cased, `final`
/// when empty. Value: a Quantity when `result` is numeric (unit `normalized_units`, else
/// `source_units`, mapped to UCUM), else the text. Effective and issued: `result_datetime`;
/// effective falls back to `collection_datetime`.
final class LabResultTable: Table {
    static let fileName = "lab_result.csv"
    static let memberFields: [String]? = ["observations"]
    static let required = [["person_id"], ["normalized_component_code", "source_component_code"]]
    let map: ClinicalMapper
    let id, person, encounter, status, result, resultTime, collectionTime, sourceUnits, normalizedUnits: Int
    let codes: ClinicalMapper.CodeColumns

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("lab_result_id"); person = c("person_id"); encounter = c("encounter_id"); status = c("status"); result = c("result")
        resultTime = c("result_datetime"); collectionTime = c("collection_datetime")
        sourceUnits = c("source_units"); normalizedUnits = c("normalized_units")
        codes = .init(c, part: "component", normalizedDefault: CodeSystems.loinc)
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let code = try map.concept(r, codes)
        let resulted = try r.dateTime(resultTime), collected = try r.dateTime(collectionTime)
        guard map.ctx.mayKeep(code, list: MemberSlot.all.observations, field: ObservationSlot.code, ObservationSlot.info, of: map.ctx.member(who, line: r.line)) else { return }
        let f = ObservationSlot.info.record()
        f[ObservationSlot.id] = .optionalString(r.string(id))
        f[ObservationSlot.code] = code.conceptValue
        f[ObservationSlot.status] = map.status(r.bytes(status), ClinicalValues.final)
        f[ObservationSlot.category] = ClinicalValues.laboratoryCategory
        f[ObservationSlot.effective] = (resulted ?? collected).map(Value.temporal) ?? .null
        f[ObservationSlot.issued] = resulted.map(Value.temporal) ?? .null
        let (value, comparator) = map.value(r.bytes(result), unit: r.has(normalizedUnits) ? r.bytes(normalizedUnits) : r.bytes(sourceUnits))
        f[ObservationSlot.value] = value
        f[ObservationSlot.comparator] = comparator
        let record = f
        map.add(record, to: MemberSlot.all.observations, of: who, line: r.line, encounter: ObservationSlot.encounter, r.string(encounter))
    }
}

/// observation.csv → Observation. Status: `status` lower-cased when the file has that column,
/// else `final`. Category from `observation_type` (`vital signs` → vital-signs, `lab` →
/// laboratory, or any observation-category code), and vital-signs for the vital-sign LOINC codes
/// (systolic 8480-6, diastolic 8462-4, ...) when the type is empty. Value as for lab results;
/// effective: `observation_date`.
///
/// Blood-pressure panels: rows of one member that share a non-empty `panel_id` are kept back until
/// the last row. A panel holding a systolic (LOINC 8480-6) and/or diastolic (8462-4) row gives,
/// besides its rows, one blood-pressure reading as the FHIR vital-signs BP profile has it: `id` =
/// the panel id, `code` LOINC 85354-9, `profiles` [http://hl7.org/fhir/StructureDefinition/bp],
/// category vital-signs, `status` of the first row that has one (else final), `effective` = the
/// rows' observation date, `encounter` = the first `encounter_id` of its rows, and a Component (code,
/// value, comparator) per systolic or diastolic row in file order. The rows stay observations of
/// their own (without the profile or the panel code they are not readings). Rows of such a panel
/// whose observation dates differ are all rejected (`panel-mismatch`), with no reading. Panels
/// with no blood-pressure row are not checked and give no reading.
final class ObservationTable: Table {
    static let fileName = "observation.csv"
    static let memberFields: [String]? = ["observations"]
    static let required = [["person_id"], ["normalized_code", "source_code"]]
    let map: ClinicalMapper
    let id, person, encounter, date, type, result, sourceUnits, normalizedUnits, panelID, status: Int
    let codes: ClinicalMapper.CodeColumns
    private let categories = ByteTable<Value>(capacity: 16)

    static let systolic = "8480-6", diastolic = "8462-4"
    static let bpPanelCode = Value.concept(Concept(codes: [Code(system: codeSystemURL("loinc"), code: "85354-9")]))
    static let bpProfiles = Value.list([.string("http://hl7.org/fhir/StructureDefinition/bp")])

    /// A row kept back until the last row because it names a panel. No record is made for a
    /// row the run leaves out (see `readingsMayBeKept`); its dates are still checked with the
    /// panel's.
    struct PanelRow {
        let record: Record?
        let line: Int
        let effective: Temporal?
        let encounter: String?
        /// The row's `status` column held a value.
        let hasStatus: Bool
        /// A systolic or diastolic row.
        let isBloodPressure: Bool
    }

    /// The rows of one member's panel, in file order.
    final class PanelGroup {
        let person: String, id: String
        var rows: [PanelRow] = []
        init(person: String, id: String) {
            self.person = person
            self.id = id
            rows.reserveCapacity(2)  // a systolic and a diastolic row, most often
        }
    }

    /// Panels in the order their first row appears, found by member and panel id.
    private var panels: [PanelGroup] = []
    private let panelIndex = ByteTable<Int>(capacity: 1024)
    private var panelKey: [UInt8] = []
    /// The panel of the previous panel row (-1: none yet).
    private var lastPanel = -1
    /// Whether every panel row needs its record: when the run can keep a blood-pressure reading,
    /// which is made from its rows' values (and status). Otherwise a row gets a record only when
    /// its own code may pass the run's tests.
    private lazy var readingsMayBeKept = map.ctx.assembler.test(forList: MemberSlot.all.observations)?
        .mayKeep(Self.bpPanelCode, field: ObservationSlot.code) ?? true

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("observation_id"); person = c("person_id"); encounter = c("encounter_id"); date = c("observation_date")
        type = c("observation_type"); result = c("result"); sourceUnits = c("source_units"); normalizedUnits = c("normalized_units")
        panelID = c("panel_id"); status = c("status")
        codes = .init(c)
    }

    func category(_ type: Bytes, _ code: Code) -> Value {
        if type.isEmpty {
            return code.system == ClinicalValues.loincSystem && ClinicalValues.vitalSignCodes.contains(code.code) ? ClinicalValues.vitalSignsCategory : .null
        }
        // By the type's bytes: no String made per row.
        return categories.value(type) { type in
            let text = ByteParse.string(type)
            var key = text.lowercased().replacingAll("_", "-").replacingAll(" ", "-")
            if key == "vitals" || key == "vital-sign" { key = "vital-signs" }
            if key == "lab" || key == "labs" { key = "laboratory" }
            return ClinicalValues.observationCategories.contains(key)
                ? ClinicalValues.category(ClinicalValues.observationCategorySystem, key)
                : .list([.concept(Concept(codes: [], text: text))])
        }
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let code = try map.concept(r, codes)
        let when = try r.dateTime(date)
        // Rows of a panel are checked together when the file ends, with or without a record;
        // the others can be left out now.
        let panel = r.bytes(panelID)
        let isBP = !panel.isEmpty && code.code.system == ClinicalValues.loincSystem
            && (code.code.code == Self.systolic || code.code.code == Self.diastolic)
        if panel.isEmpty {
            guard map.ctx.mayKeep(code, list: MemberSlot.all.observations, field: ObservationSlot.code, ObservationSlot.info,
                                  of: map.ctx.member(who, line: r.line)) else { return }
        } else if !readingsMayBeKept, !map.ctx.mayPass(code, list: MemberSlot.all.observations, field: ObservationSlot.code) {
            keep(who, panel, PanelRow(record: nil, line: r.line, effective: when, encounter: nil, hasStatus: r.has(status), isBloodPressure: isBP), r.line)
            return
        }
        let f = ObservationSlot.info.record()
        f[ObservationSlot.id] = .optionalString(r.string(id))
        f[ObservationSlot.code] = code.conceptValue
        f[ObservationSlot.status] = map.status(r.bytes(status), ClinicalValues.final)
        f[ObservationSlot.category] = category(r.bytes(type), code.code)
        f[ObservationSlot.effective] = when.map(Value.temporal) ?? .null
        let (value, comparator) = map.value(r.bytes(result), unit: r.has(normalizedUnits) ? r.bytes(normalizedUnits) : r.bytes(sourceUnits))
        f[ObservationSlot.value] = value
        f[ObservationSlot.comparator] = comparator
        let record = f
        if !panel.isEmpty {
            keep(who, panel, PanelRow(record: record, line: r.line, effective: when, encounter: r.string(encounter),
                                      hasStatus: r.has(status), isBloodPressure: isBP), r.line)
            return
        }
        map.add(record, to: MemberSlot.all.observations, of: who, line: r.line, encounter: ObservationSlot.encounter, r.string(encounter))
    }

    /// Keeps a panel row back, in its member's panel.
    private func keep(_ who: Bytes, _ panel: Bytes, _ row: PanelRow, _ line: Int) {
        // Rows of one panel usually follow each other: the previous row's panel, whose key is
        // still in `panelKey`, needs no lookup (and its member is noted already).
        if lastPanel >= 0, isPanelKey(who, panel) {
            panels[lastPanel].rows.append(row)
            return
        }
        let ctx = map.ctx
        // The member's first record is where a `no-member` rejection points, as for other rows.
        let personID = ctx.strings.intern(who)
        ctx.assembler.noteSource(personID, file: ctx.file, line: line)
        panelKey.removeAll(keepingCapacity: true)
        panelKey.append(contentsOf: who)
        panelKey.append(0)
        panelKey.append(contentsOf: panel)
        let i = panelKey.withUnsafeBufferPointer { key in panelIndex.value(key) { _ in panels.count } }
        if i == panels.count { panels.append(PanelGroup(person: personID, id: ByteParse.string(panel))) }
        panels[i].rows.append(row)
        lastPanel = i
    }

    /// Whether `panelKey` is the key of this member's panel (`who`, a zero byte, `panel`).
    private func isPanelKey(_ who: Bytes, _ panel: Bytes) -> Bool {
        guard panelKey.count == who.count + 1 + panel.count, panelKey[who.count] == 0 else { return false }
        return panelKey[..<who.count].elementsEqual(who) && panelKey[(who.count + 1)...].elementsEqual(panel)
    }

    /// Adds the panel rows, and a blood-pressure reading per panel with a systolic or diastolic
    /// row; rejects the rows of such a panel whose dates differ.
    func finish() throws {
        let ctx = map.ctx
        for group in panels {
            let rows = group.rows
            let isBloodPressure = rows.contains { $0.isBloodPressure }
            if isBloodPressure, let first = rows.first, rows.contains(where: { $0.effective != first.effective }) {
                var dates: [String] = []
                for row in rows {
                    let d = row.effective.map { "\($0)" } ?? "empty"
                    if !dates.contains(d) { dates.append(d) }
                }
                let message = "panel_id '\(group.id)' of person_id '\(group.person)' has a blood-pressure row and rows with different "
                    + "observation_date values (\(dates.joined(separator: ", "))); its \(rows.count) rows (lines "
                    + rows.map { ctx.lineText($0.line) }.joined(separator: ", ") + ") are rejected"
                for row in rows { try ctx.reject(row.line, "panel-mismatch", message) }
                continue
            }
            let b = ctx.assembler.member(group.person)
            for row in rows {
                guard let record = row.record else {
                    b.countLeftOut(kind: ObservationSlot.info.kind)
                    continue
                }
                if b.add(record, list: MemberSlot.all.observations) {
                    map.linkEncounter(record, slot: ObservationSlot.encounter, b, row.encounter)
                }
            }
            guard isBloodPressure else { continue }
            guard readingsMayBeKept else {
                b.countLeftOut(kind: ObservationSlot.info.kind)
                continue
            }
            // Every row has its record here (see `readingsMayBeKept`).
            var components: [Value] = []
            for row in rows where row.isBloodPressure {
                guard let record = row.record else { continue }
                let c = ComponentSlot.info.record()
                c[ComponentSlot.code] = record.fields[ObservationSlot.code]
                c[ComponentSlot.value] = record.fields[ObservationSlot.value]
                c[ComponentSlot.comparator] = record.fields[ObservationSlot.comparator]
                components.append(.record(c))
            }
            let f = ObservationSlot.info.record()
            f[ObservationSlot.id] = .string(group.id)
            f[ObservationSlot.code] = Self.bpPanelCode
            f[ObservationSlot.profiles] = Self.bpProfiles
            f[ObservationSlot.status] = rows.first { $0.hasStatus }?.record?.fields[ObservationSlot.status] ?? ClinicalValues.final
            f[ObservationSlot.category] = ClinicalValues.vitalSignsCategory
            f[ObservationSlot.effective] = rows[0].effective.map(Value.temporal) ?? .null
            f[ObservationSlot.components] = .list(components)
            let reading = f
            if b.add(reading, list: MemberSlot.all.observations) {
                map.linkEncounter(reading, slot: ObservationSlot.encounter, b, rows.lazy.compactMap(\.encounter).first)
            }
        }
        panels = []
        lastPanel = -1
    }
}

/// condition.csv → Condition. Clinical status: `status` lower-cased; when empty, `resolved` if
/// there is a resolved date, else `active`. Onset: `onset_date`, else `recorded_date`;
/// abatement: `resolved_date`; recorded: `recorded_date`. Category and source from
/// `condition_type`: a problem → problem-list-item / `problem-list`; otherwise
/// encounter-diagnosis, with source `claim` when `claim_id` is set, else `encounter-diagnosis`.
/// Encounter: `encounter_id`, else the claim's encounter (claims encounters have the claim id).
final class ConditionTable: Table {
    static let fileName = "condition.csv"
    static let memberFields: [String]? = ["conditions"]
    static let required = [["person_id"], ["normalized_code", "source_code"]]
    let map: ClinicalMapper
    let id, person, encounter, claim, recorded, onset, resolved, status, type: Int
    let codes: ClinicalMapper.CodeColumns
    static let problemList = Value.string("problem-list"), encounterDiagnosis = Value.string("encounter-diagnosis")

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("condition_id"); person = c("person_id"); encounter = c("encounter_id"); claim = c("claim_id")
        recorded = c("recorded_date"); onset = c("onset_date"); resolved = c("resolved_date"); status = c("status")
        type = c("condition_type")
        codes = .init(c)
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let code = try map.concept(r, codes)
        let recordedDate = try r.dateTime(recorded), onsetDate = try r.dateTime(onset), resolvedDate = try r.dateTime(resolved)
        try r.checkOrder(onsetDate ?? recordedDate, resolvedDate, onsetDate != nil ? onset : recorded, resolved)
        guard map.ctx.mayKeep(code, list: MemberSlot.all.conditions, field: ConditionSlot.all.code, ConditionSlot.info, of: map.ctx.member(who, line: r.line)) else { return }
        let claimID = r.string(claim)
        let f = ConditionSlot.info.record()
        f[ConditionSlot.all.id] = .optionalString(r.string(id))
        f[ConditionSlot.all.code] = code.conceptValue
        f[ConditionSlot.all.clinicalStatus] = map.status(r.bytes(status), resolvedDate != nil ? ClinicalValues.resolved : ClinicalValues.active)
        f[ConditionSlot.all.onset] = (onsetDate ?? recordedDate).map(Value.temporal) ?? .null
        f[ConditionSlot.all.abatement] = resolvedDate.map(Value.temporal) ?? .null
        f[ConditionSlot.all.recorded] = recordedDate.map(Value.temporal) ?? .null
        let t = r.bytes(type)
        let typeText = t.isEmpty ? "" : ByteParse.string(t).lowercased()
        if typeText.contains("problem") {
            f[ConditionSlot.all.category] = ClinicalValues.problemListCategory
            f[ConditionSlot.all.source] = ConditionTable.problemList
        } else if typeText.contains("concern") {
            f[ConditionSlot.all.category] = ClinicalValues.healthConcernCategory
        } else {
            if !typeText.isEmpty || claimID != nil { f[ConditionSlot.all.category] = ClinicalValues.encounterDiagnosisCategory }
            f[ConditionSlot.all.source] = claimID != nil ? ClaimBuilder.claimSource : ConditionTable.encounterDiagnosis
        }
        f[ConditionSlot.all.money.claimID] = .optionalString(claimID)
        let record = f
        map.add(record, to: MemberSlot.all.conditions, of: who, line: r.line, encounter: ConditionSlot.all.encounter, r.string(encounter) ?? claimID)
    }
}

/// procedure.csv → Procedure, status `completed`, performed on `procedure_date`. Encounter as
/// for conditions.
final class ProcedureTable: Table {
    static let fileName = "procedure.csv"
    static let memberFields: [String]? = ["procedures"]
    static let required = [["person_id"], ["normalized_code", "source_code"]]
    let map: ClinicalMapper
    let id, person, encounter, claim, date: Int
    let codes: ClinicalMapper.CodeColumns

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("procedure_id"); person = c("person_id"); encounter = c("encounter_id"); claim = c("claim_id"); date = c("procedure_date")
        codes = .init(c)
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let code = try map.concept(r, codes)
        let when = try r.dateTime(date)
        guard map.ctx.mayKeep(code, list: MemberSlot.all.procedures, field: ProcedureSlot.all.code, ProcedureSlot.info, of: map.ctx.member(who, line: r.line)) else { return }
        let claimID = r.string(claim)
        let f = ProcedureSlot.info.record()
        f[ProcedureSlot.all.id] = .optionalString(r.string(id))
        f[ProcedureSlot.all.code] = code.conceptValue
        f[ProcedureSlot.all.status] = ClinicalValues.completed
        f[ProcedureSlot.all.performed] = when.map(Value.temporal) ?? .null
        f[ProcedureSlot.all.money.claimID] = .optionalString(claimID)
        let record = f
        map.add(record, to: MemberSlot.all.procedures, of: who, line: r.line, encounter: ProcedureSlot.all.encounter, r.string(encounter) ?? claimID)
    }
}

/// encounter.csv → Encounter, status `finished`. Setting and class from `encounter_type`
/// (`CareSetting.fromEncounterType`); type: a concept with the `encounter_type` text and no
/// codes. Period: start to end date; provider: `attending_provider_id`; facility: `facility_npi`;
/// diagnoses: the primary diagnosis; DRG, discharge disposition, paid and allowed amounts.
final class EncounterTable: Table {
    static let fileName = "encounter.csv"
    static let memberFields: [String]? = ["encounters"]
    static let required = [["encounter_id"], ["person_id"]]
    let map: ClinicalMapper
    let id, person, type, start, end, disposition, attending, facility, dxType, dx, drgType, drg, paid, allowed: Int
    /// Per encounter type, by its bytes: the values it gives (type, setting, class).
    private let typeValues = ByteTable<(type: Value, setting: Value, klass: Value)>(capacity: 64)

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("encounter_id"); person = c("person_id"); type = c("encounter_type")
        start = c("encounter_start_date"); end = c("encounter_end_date"); disposition = c("discharge_disposition_code")
        attending = c("attending_provider_id"); facility = c("facility_npi")
        dxType = c("primary_diagnosis_code_type"); dx = c("primary_diagnosis_code"); drgType = c("drg_code_type"); drg = c("drg_code")
        paid = c("paid_amount"); allowed = c("allowed_amount")
    }

    func row(_ r: Row) throws {
        let idBytes = try r.required(id)
        let who = try r.required(person)
        let from = try r.dateTime(start), to = try r.dateTime(end)
        try r.checkOrder(from, to, start, end)
        let dxSystem = try r.system(dxType, map.ctx.systems, fallback: CodeSystems.icd10cm)!
        let drgSystem = try r.system(drgType, map.ctx.systems, fallback: CodeSystems.msdrg)!
        let paidAmount = try r.amount(paid), allowedAmount = try r.amount(allowed)
        let ctx = map.ctx
        let K = EncounterSlot.all
        let f = EncounterSlot.info.record()
        // The fields a run's tests may read first (`LoadContext.earlyEncounterTest`): a record
        // they leave out is not made further.
        f[K.status] = ClinicalValues.finished
        let typeBytes = r.bytes(type)
        if !typeBytes.isEmpty {
            let values = typeValues.value(typeBytes) { b in
                let text = ctx.strings.intern(b)
                let setting = ClaimBuilder.settingValues[CareSetting.fromEncounterType(text)]!
                return (map.encounterType(text), setting.setting, setting.klass)
            }
            f[K.type] = values.type
            f[K.setting] = values.setting
            f[K.klass] = values.klass
        }
        if let d = ctx.systems.code(dxSystem, r.bytes(dx)) { f[K.diagnoses] = .list([d.codeValue]) }
        if let test = ctx.earlyEncounterTest, !test.keeps(f) {
            ctx.member(who, line: r.line).countLeftOut(kind: EncounterSlot.info.kind)
            return
        }
        f[K.id] = .string(ByteParse.string(idBytes))
        f[K.period] = from == nil && to == nil ? .null : .period(from.map(Value.temporal) ?? .null, to.map(Value.temporal) ?? .null)
        f[K.dischargeDisposition] = ctx.systems.code(CodeSystems.dischargeStatus, r.bytes(disposition))?.conceptValue ?? .null
        f[K.drg] = ctx.systems.code(drgSystem, r.bytes(drg))?.codeValue ?? .null
        f[K.provider] = .optionalString(ctx.text(r.bytes(attending)))
        f[K.facility] = .optionalString(ctx.text(r.bytes(facility)))
        f[K.money.paid] = paidAmount.map { .decimal(ByteParse.dollars($0)) } ?? .null
        f[K.money.allowed] = allowedAmount.map { .decimal(ByteParse.dollars($0)) } ?? .null
        ctx.member(who, line: r.line).add(f, list: MemberSlot.all.encounters)
    }
}

/// immunization.csv → Immunization: vaccine (normalized code, CVX when its type is empty; else
/// the source code), status lower-cased (`completed` when empty), occurrence: `occurrence_date`.
final class ImmunizationTable: Table {
    static let fileName = "immunization.csv"
    static let memberFields: [String]? = ["immunizations"]
    static let required = [["person_id"], ["normalized_code", "source_code"]]
    let map: ClinicalMapper
    let id, person, status, date: Int
    let codes: ClinicalMapper.CodeColumns

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("immunization_id"); person = c("person_id"); status = c("status"); date = c("occurrence_date")
        codes = .init(c, normalizedDefault: CodeSystems.cvx)
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let code = try map.concept(r, codes)
        let when = try r.dateTime(date)
        let f = ImmunizationSlot.info.record()
        f[ImmunizationSlot.id] = .optionalString(r.string(id))
        f[ImmunizationSlot.vaccine] = code.conceptValue
        f[ImmunizationSlot.status] = map.status(r.bytes(status), ClinicalValues.completed)
        f[ImmunizationSlot.occurrence] = when.map(Value.temporal) ?? .null
        map.ctx.member(who, line: r.line).add(f, list: MemberSlot.all.immunizations)
    }
}

/// medication.csv → MedicationRequest (status `active`, intent `order`, authored on
/// `prescribing_date`, dispense quantity and expected supply in days) when `prescribing_date` is
/// set or neither date is; MedicationDispense (status `completed`, dispensed on
/// `dispensing_date`, days supply, quantity, prescriber `practitioner_id`) when only
/// `dispensing_date` is set. Medication: RxNorm and NDC codings when present, else the source
/// code.
final class MedicationTable: Table {
    static let fileName = "medication.csv"
    static let memberFields: [String]? = ["medication_dispenses", "medication_requests"]
    static let required = [["person_id"], ["ndc_code", "rxnorm_code", "source_code"]]
    let map: ClinicalMapper
    let id, person, dispensing, prescribing, sourceType, sourceCode, ndc, rxnorm, quantity, quantityUnit, daysSupply, practitioner: Int
    private var pairs: [String: Value] = [:]

    init(columns c: Columns, context: LoadContext) {
        map = ClinicalMapper(context)
        id = c("medication_id"); person = c("person_id"); dispensing = c("dispensing_date"); prescribing = c("prescribing_date")
        sourceType = c("source_code_type"); sourceCode = c("source_code"); ndc = c("ndc_code"); rxnorm = c("rxnorm_code")
        quantity = c("quantity"); quantityUnit = c("quantity_unit"); daysSupply = c("days_supply"); practitioner = c("practitioner_id")
    }

    func medication(_ r: Row) throws -> Value {
        let systems = map.ctx.systems
        let rx = systems.code(CodeSystems.rxnorm, r.bytes(rxnorm)), nd = systems.code(CodeSystems.ndc, r.bytes(ndc))
        switch (rx, nd) {
        case (let a?, let b?):
            let key = a.code.key + " " + b.code.key
            if let v = pairs[key] { return v }
            let v = Value.concept(Concept(codes: [a.code, b.code]))
            pairs[key] = v
            return v
        case (let a?, nil): return a.conceptValue
        case (nil, let b?): return b.conceptValue
        case (nil, nil):
            guard r.has(sourceCode) else { throw RowError("missing-value", "ndc_code, rxnorm_code and source_code are all empty") }
            guard let system = try r.system(sourceType, systems) else {
                throw RowError("unknown-code-system", "source_code_type is empty for source_code \(ByteParse.quoted(r.bytes(sourceCode)))")
            }
            return try r.code(sourceCode, system, systems).conceptValue
        }
    }

    func row(_ r: Row) throws {
        let who = try r.required(person)
        let med = try medication(r)
        let prescribed = try r.dateTime(prescribing), dispensed = try r.dateTime(dispensing)
        let qty = try r.double(quantity), days = try r.integer(daysSupply)
        let ctx = map.ctx
        let b = ctx.member(who, line: r.line)
        if prescribed == nil, let dispensed {
            let f = MedicationDispenseSlot.info.record()
            f[MedicationDispenseSlot.all.id] = .optionalString(r.string(id))
            f[MedicationDispenseSlot.all.medication] = med
            f[MedicationDispenseSlot.all.status] = ClinicalValues.completed
            f[MedicationDispenseSlot.all.dispensed] = .temporal(dispensed)
            f[MedicationDispenseSlot.all.daysSupply] = days.map(Value.integer) ?? .null
            f[MedicationDispenseSlot.all.quantity] = qty.map(Value.decimal) ?? .null
            f[MedicationDispenseSlot.all.prescriber] = .optionalString(ctx.text(r.bytes(practitioner)))
            b.add(f, list: MemberSlot.all.medicationDispenses)
            return
        }
        let f = MedicationRequestSlot.info.record()
        f[MedicationRequestSlot.id] = .optionalString(r.string(id))
        f[MedicationRequestSlot.medication] = med
        f[MedicationRequestSlot.status] = ClinicalValues.active
        f[MedicationRequestSlot.intent] = ClinicalValues.order
        f[MedicationRequestSlot.authoredOn] = prescribed.map(Value.temporal) ?? .null
        f[MedicationRequestSlot.dispenseQuantity] = qty.map { .quantity(Quantity($0, map.unit(r.bytes(quantityUnit)))) } ?? .null
        f[MedicationRequestSlot.expectedSupply] = days.map { .quantity(Quantity(Double($0), "d")) } ?? .null
        b.add(f, list: MemberSlot.all.medicationRequests)
    }
}
