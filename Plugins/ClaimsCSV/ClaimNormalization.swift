#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// medical_claim.csv: claim lines grouped by `claim_id` into one Claim (header and lines, paid
/// and allowed summed), one Encounter per claim (its setting and class derived by
/// `CareSetting`), a Condition per diagnosis code and a Procedure per HCPCS/CPT line code and per
/// ICD-10-PCS procedure code. Lines of a claim need not be adjacent in the file; claims are built
/// after the last row, in the order their first line appears.
///
/// Header fields (claim type, dates, bill type, DRG, NPIs, ...) come from the first line that has
/// them; diagnosis and procedure codes are each distinct code, in the order first seen. A claim
/// with no end date ends on its start date; a claim with no header dates spans its lines' dates.
/// Records derived from a claim carry the claim id as `id` and `claim_id`.
final class MedicalClaimTable: Table {
    static let fileName = "medical_claim.csv"
    static let memberFields: [String]? = ["claims", "encounters", "conditions", "procedures"]
    static let required = [["claim_id"], ["claim_line_number"], ["person_id"], ["claim_start_date"], ["claim_end_date"]]
    static var sharedKey: SharedKey? { .claimOwner }

    let ctx: LoadContext
    let claimID, lineNumber, claimType, person, claimStart, claimEnd, lineStart, lineEnd, admission, discharge: Int
    let disposition, pos, billType, drgType, drg, revenue, units, hcpcs, rendering, billing, facility, paid, allowed: Int
    let dxType, pxType, inNetwork: Int
    let modifiers: [Int], dx: [Int], px: [Int], pxDates: [Int]
    /// Where `dx` and `px` become consecutive columns (`Row.consecutiveTail`).
    let dxTail: Int, pxTail: Int

    /// Claims in the order their first line appears (references: reading one to test or fill it
    /// copies nothing).
    private var claims: [ClaimBuilder] = []
    /// Claim ids (bytes) to their index in `claims`; the previous row's claim is checked first.
    private let index = ByteTable<Int>(capacity: 1 << 14)
    private var last = -1
    /// Procedure dates of the current row (a pointer, so filling it costs no exclusivity checks).
    let pxDateScratch: UnsafeMutablePointer<Int32>

    init(columns c: Columns, context: LoadContext) {
        ctx = context
        claimID = c("claim_id"); lineNumber = c("claim_line_number"); claimType = c("claim_type"); person = c("person_id")
        claimStart = c("claim_start_date"); claimEnd = c("claim_end_date")
        lineStart = c("claim_line_start_date"); lineEnd = c("claim_line_end_date")
        admission = c("admission_date"); discharge = c("discharge_date"); disposition = c("discharge_disposition_code")
        pos = c("place_of_service_code"); billType = c("bill_type_code"); drgType = c("drg_code_type"); drg = c("drg_code")
        revenue = c("revenue_center_code"); units = c("service_unit_quantity"); hcpcs = c("hcpcs_code")
        rendering = c("rendering_npi"); billing = c("billing_npi"); facility = c("facility_npi")
        paid = c("paid_amount"); allowed = c("allowed_amount")
        dxType = c("diagnosis_code_type"); pxType = c("procedure_code_type"); inNetwork = c("in_network_flag")
        modifiers = c.numbered("hcpcs_modifier_").filter { $0 >= 0 }
        dx = c.numbered("diagnosis_code_").filter { $0 >= 0 }
        let pxColumns = c.numbered("procedure_code_"), pxDateColumns = c.numbered("procedure_date_")
        px = pxColumns.filter { $0 >= 0 }
        pxDates = pxColumns.enumerated().filter { $0.element >= 0 }.map { $0.offset < pxDateColumns.count ? pxDateColumns[$0.offset] : -1 }
        dxTail = Row.consecutiveTail(dx)
        pxTail = Row.consecutiveTail(px)
        pxDateScratch = .allocate(capacity: max(1, px.count))
    }

    deinit { pxDateScratch.deallocate() }

    /// What one row says, checked.
    struct Parsed {
        var line: ClaimBuilder.Line
        var start = ClaimBuilder.none, end = ClaimBuilder.none, admission = ClaimBuilder.none, discharge = ClaimBuilder.none
        var inNetwork: Bool?
        var dxSystem = 0, pxSystem = 0, drgSystem = 0
    }

    func row(_ r: Row) throws {
        // Check the whole row first: a rejected row leaves nothing behind.
        let idBytes = try r.required(claimID)
        let personBytes = try r.required(person)
        _ = try r.required(lineNumber)
        let number = try r.integer(lineNumber)!
        guard number >= 0, number <= Int(Int32.max) else {
            throw RowError("bad-number", "claim_line_number \(number) is out of range")
        }
        var p = Parsed(line: ClaimBuilder.Line(number: Int32(number), sourceLine: r.line))
        let start = try r.date(claimStart), end = try r.date(claimEnd)
        try r.checkOrder(start, end, claimStart, claimEnd)
        let lStart = try r.date(lineStart), lEnd = try r.date(lineEnd)
        try r.checkOrder(lStart, lEnd, lineStart, lineEnd)
        let admit = try r.date(admission), disch = try r.date(discharge)
        try r.checkOrder(admit, disch, admission, discharge)
        p.start = ClaimBuilder.day(start); p.end = ClaimBuilder.day(end)
        p.admission = ClaimBuilder.day(admit); p.discharge = ClaimBuilder.day(disch)
        p.line.start = ClaimBuilder.day(lStart); p.line.end = ClaimBuilder.day(lEnd)
        p.line.paid = try r.amount(paid) ?? ClaimBuilder.noAmount
        p.line.allowed = try r.amount(allowed) ?? ClaimBuilder.noAmount
        p.line.units = try r.double(units) ?? .nan
        p.inNetwork = try r.flag(inNetwork)
        p.dxSystem = try r.system(dxType, ctx.systems, fallback: CodeSystems.icd10cm)!
        p.pxSystem = try r.system(pxType, ctx.systems, fallback: CodeSystems.icd10pcs)!
        p.drgSystem = try r.system(drgType, ctx.systems, fallback: CodeSystems.msdrg)!
        for k in px.indices {
            pxDateScratch[k] = ClaimBuilder.none
            if r.isEmpty(px[k]) {
                // The rest empty too (most rows): their dates are not read.
                if r.restEmpty(px, from: k, tail: pxTail) {
                    for j in k..<px.count { pxDateScratch[j] = ClaimBuilder.none }
                    break
                }
                continue
            }
            if let d = try r.date(pxDates[k]) { pxDateScratch[k] = ClaimBuilder.day(d) }
        }
        lineValues(r, &p.line)

        // The claim: the previous row's, one seen before, or a new one.
        var i = last
        if i < 0 || !claims[i].hasID(idBytes) {
            i = index.value(idBytes) { _ in claims.count }
            if i == claims.count {
                claims.append(ClaimBuilder(id: ByteParse.string(idBytes), member: ctx.member(personBytes, line: r.line), firstLine: r.line))
            }
        }
        last = i
        try claims[i].add(p, r, self)
    }

    /// The line's own values: revenue code, place of service, HCPCS and modifiers.
    private func lineValues(_ r: Row, _ line: inout ClaimBuilder.Line) {
        let rev = r.bytes(revenue)
        if !rev.isEmpty {
            // Four digits: `450` is `0450`.
            let n = ByteParse.integer(rev)
            line.revenue = rev.count == 3 && n != nil ? ctx.padded(rev, 4) : ctx.strings.intern(rev)
            line.revenueNumber = n.flatMap { (0...9999).contains($0) ? Int16($0) : nil } ?? -1
        }
        let place = r.bytes(pos)
        if !place.isEmpty {
            // Two digits: `2` is `02`.
            let n = ByteParse.integer(place)
            line.pos = place.count == 1 && n != nil ? ctx.padded(place, 2) : ctx.strings.intern(place)
            line.posNumber = n.flatMap { (0...99).contains($0) ? Int16($0) : nil } ?? -1
        }
        let code = r.bytes(hcpcs)
        if !code.isEmpty {
            line.hcpcs = ctx.systems.code(CodeSystems.hcpcs, code)
            if code.count == 5, let n = ByteParse.integer(code), (99281...99285).contains(n) { line.emergencyVisitCode = true }
        }
        for c in modifiers where r.has(c) {
            let m = r.bytes(c)
            line.modifiers.append(ctx.strings.intern(m))
            if ByteParse.equalsLower(m, "95") || ByteParse.equalsLower(m, "gt") || ByteParse.equalsLower(m, "gq")
                || ByteParse.equalsLower(m, "93") { line.telehealthModifier = true }
        }
    }

    func finish() throws {
        let made = ClaimBuilder.Derived(ctx.options)
        for claim in claims {
            claim.build(ctx, making: made)
            claim.freeLines()  // free the line data as records are made
        }
        claims = []
        last = -1
    }
}

/// One claim's lines while the file is read (kept compact: dates as day numbers, amounts in
/// fixed point), then its records. A class: the table tests and fills the claim of each row in
/// place (a struct in an array was copied, every field retained and released, to test its id).
final class ClaimBuilder {
    /// No date, or no amount.
    static let none = Int32.min
    static let noAmount = Int64.min

    static func day(_ t: Temporal?) -> Int32 { t.map { Int32(truncatingIfNeeded: $0.dayNumber) } ?? none }
    static func date(_ d: Int32) -> Temporal? { d == none ? nil : Temporal(millis: Int64(d) * Temporal.msPerDay, precision: .day, isDate: true) }

    struct Line {
        var number: Int32
        /// The file line the row was read on (a file may have more than 2^31 lines).
        var sourceLine: Int
        var start = ClaimBuilder.none
        var end = ClaimBuilder.none
        var revenue: String?
        var pos: String?
        var revenueNumber: Int16 = -1
        var posNumber: Int16 = -1
        var emergencyVisitCode = false
        var telehealthModifier = false
        var hcpcs: CodeSystems.CodeEntry?
        var modifiers: [String] = []
        var units = Double.nan
        var paid = ClaimBuilder.noAmount
        var allowed = ClaimBuilder.noAmount

        init(number: Int32, sourceLine: Int) {
            self.number = number
            self.sourceLine = sourceLine
        }
    }

    struct ICDProcedure {
        var code: CodeSystems.CodeEntry
        var date: Int32
    }

    let id: String
    let member: MemberAssembler.Builder
    let firstLine: Int
    var person: String { member.id }
    var type: String?
    var start = none, end = none, admission = none, discharge = none
    var disposition: String?, billType: String?
    var drg: CodeSystems.CodeEntry?
    var rendering: String?, billing: String?, facility: String?
    var inNetwork: Bool?
    var dx: [CodeSystems.CodeEntry] = []
    var px: [ICDProcedure] = []
    var lines: [Line] = []

    init(id: String, member: MemberAssembler.Builder, firstLine: Int) {
        self.id = id
        self.member = member
        self.firstLine = firstLine
    }

    func hasID(_ b: Bytes) -> Bool {
        var id = self.id
        return id.withUTF8 { $0.count == b.count && ($0.isEmpty || memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0) }
    }

    /// Drops the lines and codes once the records are made.
    func freeLines() {
        lines = []
        dx = []
        px = []
    }

    /// Adds a checked row: rejects a repeated line number or another member's line, then fills
    /// header fields still empty and adds the line.
    func add(_ p: MedicalClaimTable.Parsed, _ r: Row, _ t: MedicalClaimTable) throws {
        let ctx = t.ctx
        if p.line.sourceLine != firstLine {
            if let other = lines.first(where: { $0.number == p.line.number }) {
                throw RowError("duplicate-line", "claim \(id) line \(p.line.number) repeats the line read at line \(ctx.lineText(other.sourceLine))")
            }
        }
        // Header fields: the first line that has each.
        if type == nil { type = ctx.lowercased(r.bytes(t.claimType)) }
        if start == ClaimBuilder.none { start = p.start }
        if end == ClaimBuilder.none { end = p.end }
        if admission == ClaimBuilder.none { admission = p.admission }
        if discharge == ClaimBuilder.none { discharge = p.discharge }
        if disposition == nil { disposition = ctx.text(r.bytes(t.disposition)) }
        if billType == nil { billType = ctx.text(r.bytes(t.billType)) }
        if drg == nil { drg = ctx.systems.code(p.drgSystem, r.bytes(t.drg)) }
        if rendering == nil { rendering = ctx.text(r.bytes(t.rendering)) }
        if billing == nil { billing = ctx.text(r.bytes(t.billing)) }
        if facility == nil { facility = ctx.text(r.bytes(t.facility)) }
        if let n = p.inNetwork { inNetwork = (inNetwork ?? true) && n }
        // Diagnosis and procedure codes: each distinct code once, in the order first seen.
        // (Stopping at the first of the trailing empty columns, found from their spans at once.)
        let dxColumns = t.dx
        for k in dxColumns.indices {
            let c = dxColumns[k]
            if r.isEmpty(c) {
                if r.restEmpty(dxColumns, from: k, tail: t.dxTail) { break }
                continue
            }
            if let code = ctx.systems.code(p.dxSystem, r.bytes(c)), !dx.contains(where: { $0 === code }) { dx.append(code) }
        }
        let pxColumns = t.px
        for k in pxColumns.indices {
            if r.isEmpty(pxColumns[k]) {
                if r.restEmpty(pxColumns, from: k, tail: t.pxTail) { break }
                continue
            }
            if let code = ctx.systems.code(p.pxSystem, r.bytes(pxColumns[k])), !px.contains(where: { $0.code === code }) {
                px.append(.init(code: code, date: t.pxDateScratch[k]))
            }
        }
        lines.append(p.line)
    }

    /// What `build` reads for every claim, read once per claim: each `static let` read is a
    /// `swift_once` call on Linux (a million of them at 1,000 members when read field by field).
    final class Constants {
        let line = ClaimLineSlot.all, claim = ClaimSlot.all, encounter = EncounterSlot.all
        let condition = ConditionSlot.all, procedure = ProcedureSlot.all, member = MemberSlot.all
        let finished = ClaimBuilder.finished, completed = ClaimBuilder.completed, active = ClaimBuilder.active
        let claimSource = ClaimBuilder.claimSource, diagnosisCategory = ClinicalValues.encounterDiagnosisCategory
        let settingValues = ClaimBuilder.settingValues
    }
    static let constants = Constants()

    static let finished = Value.string("finished"), completed = Value.string("completed"), active = Value.string("active")
    static let claimSource = Value.string("claim")
    static let settingValues: [CareSetting: (setting: Value, klass: Value)] = Dictionary(uniqueKeysWithValues: CareSetting.allCases.map {
        ($0, (Value.string($0.rawValue), Value.string($0.encounterClass)))
    })

    var evidence: CareSetting.Evidence {
        var e = CareSetting.Evidence()
        e.billType = billType.flatMap { t in
            // The facility type and classification digits: `111` and `0111` are 11.
            var d = Array(t.utf8.prefix(4))
            if d.count == 4 && d[0] == 0x30 { d.removeFirst() }
            guard d.count >= 2, ByteParse.isDigit(d[0]), ByteParse.isDigit(d[1]) else { return nil }
            return Int(d[0] - 0x30) * 10 + Int(d[1] - 0x30)
        }
        e.institutional = type == "institutional" || e.billType != nil
        e.hasAdmission = admission != ClaimBuilder.none
        for i in lines.indices {
            if lines[i].revenueNumber >= 0 { e.add(revenue: Int(lines[i].revenueNumber)) }
            if lines[i].posNumber >= 0 { e.add(placeOfService: Int(lines[i].posNumber)) }
            if lines[i].emergencyVisitCode { e.emergencyVisitCode = true }
            if lines[i].telehealthModifier { e.telehealthModifier = true }
        }
        return e
    }

    /// The rest of a claim's encounter: id, the stay's period (the claim's days when the stay is
    /// the claim's dates), discharge disposition, DRG, provider and facility.
    private func fillEncounter(_ e: Record, _ ctx: LoadContext, _ K: Constants, idValue: Value, claimDays: Value,
                               stay: (start: Int32, end: Int32), claim: (first: Int32, last: Int32)) {
        e[K.encounter.id] = idValue
        e[K.encounter.period] = stay.start == claim.first && stay.end == claim.last ? claimDays
            : Value.period(ClaimBuilder.date(stay.start).map(Value.dayDateTime) ?? .null, ClaimBuilder.date(stay.end).map(Value.dayDateTime) ?? .null)
        if let disposition {
            e[K.encounter.dischargeDisposition] = ctx.systems.code(CodeSystems.dischargeStatus, disposition).conceptValue
        }
        e[K.encounter.drg] = drg?.codeValue ?? .null
        e[K.encounter.provider] = .optionalString(rendering)
        e[K.encounter.facility] = .optionalString(facility)
    }

    @inline(__always)
    static func dollars(_ fixed: Int64) -> Value { fixed == noAmount ? .null : .decimal(ByteParse.dollars(fixed)) }

    /// Which records derived from claims a load makes: those of the member fields the run reads
    /// (`LoadOptions.memberFields`), as a table whose records no measure reads is not read. A
    /// condition's or procedure's `encounter` is the claim's encounter when encounters are made,
    /// else null (no measure reads it then: reading it counts `encounters` as read).
    struct Derived {
        let encounters, conditions, procedures: Bool

        init(_ options: LoadOptions) {
            encounters = options.needs(anyOf: ["encounters"])
            conditions = options.needs(anyOf: ["conditions"])
            procedures = options.needs(anyOf: ["procedures"])
        }
    }

    /// Makes the Claim, its Encounter, Conditions and Procedures (those `made` asks for), and adds
    /// them to the member. Records derived from the claim (encounter, conditions, procedures)
    /// carry the claim id as their `id` as well as in `claim_id`.
    func build(_ ctx: LoadContext, making made: Derived) {
        let K = ClaimBuilder.constants
        lines.sort { $0.number < $1.number }
        let setting = CareSetting.derive(evidence)
        let (settingValue, classValue) = K.settingValues[setting]!

        // Dates: the header's, else the lines' span; no end date means the start date.
        var first = start, last = end
        if first == ClaimBuilder.none { first = lines.lazy.map(\.start).filter { $0 != ClaimBuilder.none }.min() ?? ClaimBuilder.none }
        if last == ClaimBuilder.none {
            last = lines.lazy.map { $0.end != ClaimBuilder.none ? $0.end : $0.start }.filter { $0 != ClaimBuilder.none }.max() ?? first
        }
        let firstDate = ClaimBuilder.date(first), lastDate = ClaimBuilder.date(last)
        let idValue = Value.string(id)
        var paidSum = ClaimBuilder.noAmount, allowedSum = ClaimBuilder.noAmount
        for l in lines {
            if l.paid != ClaimBuilder.noAmount { paidSum = (paidSum == ClaimBuilder.noAmount ? 0 : paidSum) &+ l.paid }
            if l.allowed != ClaimBuilder.noAmount { allowedSum = (allowedSum == ClaimBuilder.noAmount ? 0 : allowedSum) &+ l.allowed }
        }
        let paidValue = ClaimBuilder.dollars(paidSum), allowedValue = ClaimBuilder.dollars(allowedSum)
        let networkValue = Value(inNetwork)
        let claimPeriod = Value.period(firstDate.map(Value.temporal) ?? .null, lastDate.map(Value.temporal) ?? .null)
        let firstPOS = lines.first { $0.pos != nil }?.pos

        // Lines.
        var lineValues: [Value] = []
        lineValues.reserveCapacity(lines.count)
        var types: [CodeSystems.CodeEntry] = []
        for l in lines {
            let f = K.line.info.record()
            f[K.line.number] = .integer(Int(l.number))
            f[K.line.revenueCode] = .optionalString(l.revenue)
            f[K.line.hcpcs] = l.hcpcs.map { .string($0.code.code) } ?? .null
            f[K.line.modifiers] = .list(l.modifiers.map(Value.string))
            if l.start != ClaimBuilder.none || l.end != ClaimBuilder.none {
                let e = l.end != ClaimBuilder.none ? l.end : l.start
                f[K.line.period] = l.start == first && e == last
                    ? claimPeriod : .period(ClaimBuilder.date(l.start).map(Value.temporal) ?? .null, ClaimBuilder.date(e).map(Value.temporal) ?? .null)
            }
            f[K.line.units] = l.units.isNaN ? .null : .decimal(l.units)
            f[K.line.placeOfService] = .optionalString(l.pos)
            f[K.line.paid] = ClaimBuilder.dollars(l.paid)
            f[K.line.allowed] = ClaimBuilder.dollars(l.allowed)
            lineValues.append(.record(f))
            if let h = l.hcpcs, !types.contains(where: { $0 === h }) { types.append(h) }
        }

        // The claim.
        let diagnoses: Value = .list(dx.map(\.codeValue))
        let c = K.claim.info.record()
        c[K.claim.id] = idValue
        c[K.claim.type] = .optionalString(type)
        c[K.claim.period] = claimPeriod
        c[K.claim.admission] = ClaimBuilder.date(admission).map(Value.temporal) ?? .null
        c[K.claim.discharge] = ClaimBuilder.date(discharge).map(Value.temporal) ?? .null
        c[K.claim.dischargeDisposition] = .optionalString(disposition)
        c[K.claim.billType] = .optionalString(billType)
        c[K.claim.placeOfService] = .optionalString(firstPOS)
        c[K.claim.drg] = drg.map { .string($0.code.code) } ?? .null
        c[K.claim.setting] = settingValue
        c[K.claim.diagnoses] = diagnoses
        c[K.claim.procedures] = .list(px.map(\.code.codeValue))
        c[K.claim.renderingNPI] = .optionalString(rendering)
        c[K.claim.billingNPI] = .optionalString(billing)
        c[K.claim.facilityNPI] = .optionalString(facility)
        c[K.claim.lines] = .list(lineValues)
        setMoney(c, K.claim.money, paidValue, allowedValue, networkValue, idValue)
        member.add(c, list: K.member.claims)
        guard made.encounters || made.conditions || made.procedures else { return }

        // The encounter: the stay (admission to discharge) or the claim's dates.
        let stayStart = admission != ClaimBuilder.none ? admission : first
        let stayEnd = admission != ClaimBuilder.none && discharge != ClaimBuilder.none ? discharge : last
        // The claim's days as date-times: the encounter's period when the stay is the claim's
        // dates (no admission), and the period of procedures on lines spanning the claim. One
        // value shared by them all.
        let claimDays = Value.period(firstDate.map(Value.dayDateTime) ?? .null, lastDate.map(Value.dayDateTime) ?? .null)
        var encounterValue = Value.null
        if made.encounters {
            // The fields a run's tests may read first: an encounter they leave out is made no
            // further (nor linked from the claim's conditions and procedures: a run that tests
            // encounters reads no record's `encounter`).
            let e = K.encounter.info.record()
            e[K.encounter.status] = K.finished
            e[K.encounter.klass] = classValue
            e[K.encounter.type] = types.count == 1 ? types[0].conceptListValue : .list(types.map(\.conceptValue))
            e[K.encounter.setting] = settingValue
            e[K.encounter.diagnoses] = diagnoses
            if let test = ctx.earlyEncounterTest, !test.keeps(e) {
                member.countLeftOut(kind: K.encounter.info.kind)
            } else {
                fillEncounter(e, ctx, K, idValue: idValue, claimDays: claimDays, stay: (stayStart, stayEnd), claim: (first, last))
                setMoney(e, K.encounter.money, paidValue, allowedValue, networkValue, idValue)
                if member.add(e, list: K.member.encounters) { encounterValue = .record(e) }
            }
        }

        // A condition per diagnosis code, with the claim's amounts.
        let onset = firstDate.map(Value.dayDateTime) ?? .null
        for d in dx where made.conditions && ctx.mayKeep(d, list: K.member.conditions, field: K.condition.code, K.condition.info, of: member) {
            let f = K.condition.info.record()
            f[K.condition.id] = idValue
            f[K.condition.code] = d.conceptValue
            f[K.condition.clinicalStatus] = K.active
            f[K.condition.category] = K.diagnosisCategory
            f[K.condition.onset] = onset
            f[K.condition.encounter] = encounterValue
            f[K.condition.source] = K.claimSource
            setMoney(f, K.condition.money, paidValue, allowedValue, networkValue, idValue)
            member.add(f, list: K.member.conditions)
        }

        guard made.procedures else { return }
        // A procedure per HCPCS/CPT line code (the line's dates and amounts) ...
        for l in lines {
            guard let h = l.hcpcs, ctx.mayKeep(h, list: K.member.procedures, field: K.procedure.code, K.procedure.info, of: member) else { continue }
            let f = K.procedure.info.record()
            f[K.procedure.id] = idValue
            f[K.procedure.code] = h.conceptValue
            f[K.procedure.status] = K.completed
            // The line's own dates; a line without dates spans the claim. One day is a date-time.
            let s = l.start != ClaimBuilder.none ? l.start : first
            let en = l.start != ClaimBuilder.none ? (l.end != ClaimBuilder.none ? l.end : l.start) : last
            if s == en || en == ClaimBuilder.none {
                f[K.procedure.performed] = ClaimBuilder.date(s).map(Value.dayDateTime) ?? .null
            } else if s == first && en == last {
                f[K.procedure.performed] = claimDays
            } else {
                f[K.procedure.performed] = .period(ClaimBuilder.date(s).map(Value.dayDateTime) ?? .null, ClaimBuilder.date(en).map(Value.dayDateTime) ?? .null)
            }
            f[K.procedure.encounter] = encounterValue
            setMoney(f, K.procedure.money, ClaimBuilder.dollars(l.paid), ClaimBuilder.dollars(l.allowed), networkValue, idValue)
            member.add(f, list: K.member.procedures)
        }
        // ... and per ICD-10-PCS procedure code (on its procedure date; the claim's amounts).
        for p in px where ctx.mayKeep(p.code, list: K.member.procedures, field: K.procedure.code, K.procedure.info, of: member) {
            let f = K.procedure.info.record()
            f[K.procedure.id] = idValue
            f[K.procedure.code] = p.code.conceptValue
            f[K.procedure.status] = K.completed
            f[K.procedure.performed] = ClaimBuilder.date(p.date != ClaimBuilder.none ? p.date : first).map(Value.dayDateTime) ?? .null
            f[K.procedure.encounter] = encounterValue
            setMoney(f, K.procedure.money, paidValue, allowedValue, networkValue, idValue)
            member.add(f, list: K.member.procedures)
        }
    }
}

@inline(__always)
func setMoney(_ f: Record, _ s: MoneySlots, _ paid: Value, _ allowed: Value, _ inNetwork: Value, _ claimID: Value) {
    f[s.paid] = paid
    f[s.allowed] = allowed
    f[s.inNetwork] = inNetwork
    f[s.claimID] = claimID
}

/// pharmacy_claim.csv: one MedicationDispense per claim line (NDC code, dispensing date, days
/// supply, quantity, prescriber, amounts), with id `claim_id-claim_line_number`.
final class PharmacyClaimTable: Table {
    static let fileName = "pharmacy_claim.csv"
    static let memberFields: [String]? = ["medication_dispenses"]
    static let required = [["claim_id"], ["person_id"], ["ndc_code"], ["dispensing_date"]]
    let ctx: LoadContext
    let claimID, lineNumber, person, prescriber, dispensingDate, ndc, quantity, daysSupply, paid, allowed, inNetwork: Int
    static var sharedKey: SharedKey? { .uniqueClaimLine }

    init(columns c: Columns, context: LoadContext) {
        ctx = context
        claimID = c("claim_id"); lineNumber = c("claim_line_number"); person = c("person_id")
        prescriber = c("prescribing_provider_npi"); dispensingDate = c("dispensing_date"); ndc = c("ndc_code")
        quantity = c("quantity"); daysSupply = c("days_supply"); paid = c("paid_amount"); allowed = c("allowed_amount")
        inNetwork = c("in_network_flag")
    }

    func row(_ r: Row) throws {
        let idBytes = try r.required(claimID)
        let personBytes = try r.required(person)
        let medication = try r.code(ndc, CodeSystems.ndc, ctx.systems)
        _ = try r.required(dispensingDate)
        let dispensed = try r.date(dispensingDate)
        let number = try r.integer(lineNumber)
        let qty = try r.double(quantity), days = try r.integer(daysSupply)
        let paidAmount = try r.amount(paid), allowedAmount = try r.amount(allowed)
        let network = try r.flag(inNetwork)
        // A repeated claim line is rejected before the row is mapped (`sharedKey`).
        let claim = ByteParse.string(idBytes)
        let id = number.map { ByteParse.string(idBytes, dash: $0) } ?? claim

        let K = MedicationDispenseSlot.all
        let f = MedicationDispenseSlot.info.record()
        f[K.id] = .string(id)
        f[K.medication] = medication.conceptValue
        f[K.status] = ClaimBuilder.completed
        f[K.dispensed] = dispensed.map(Value.dayDateTime) ?? .null
        f[K.daysSupply] = days.map(Value.integer) ?? .null
        f[K.quantity] = qty.map(Value.decimal) ?? .null
        f[K.prescriber] = .optionalString(ctx.text(r.bytes(prescriber)))
        setMoney(f, K.money, paidAmount.map { .decimal(ByteParse.dollars($0)) } ?? .null,
                 allowedAmount.map { .decimal(ByteParse.dollars($0)) } ?? .null, Value(network), .string(claim))
        ctx.member(personBytes, line: r.line).add(f, list: MemberSlot.all.medicationDispenses)
    }
}
