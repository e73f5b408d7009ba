#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// Demographics shared by patient.csv and eligibility.csv. A patient or eligibility row marks
/// the member as seen; the first non-empty value of each field wins (patient.csv is read first).
struct Demographics {
    let sex: Int, race: Int, ethnicity: Int, birthDate: Int, deathDate: Int
    private let codes: DemographicCodes

    init(_ c: Columns, sexColumn: String, context: LoadContext) {
        sex = c(sexColumn); race = c("race"); ethnicity = c("ethnicity"); birthDate = c("birth_date"); deathDate = c("death_date")
        codes = DemographicCodes(context.systems)
    }

    /// Checks the row's dates (before any record is touched, so a rejected row leaves no trace).
    func check(_ r: Row) throws -> (birth: Temporal?, death: Temporal?) {
        let birth = try r.date(birthDate), death = try r.date(deathDate)
        try r.checkOrder(birth, death, birthDate, deathDate)
        return (birth, death)
    }

    func apply(_ r: Row, _ dates: (birth: Temporal?, death: Temporal?), to b: MemberAssembler.Builder) {
        let (birth, death) = dates
        b.seen = true
        if let birth, b.fields[MemberSlot.all.birthDate].isNull { b.fields[MemberSlot.all.birthDate] = .temporal(birth) }
        if let death, b.fields[MemberSlot.all.deathDate].isNull { b.fields[MemberSlot.all.deathDate] = .temporal(death) }
        if b.fields[MemberSlot.all.sex].isNull, r.has(sex) { b.fields[MemberSlot.all.sex] = codes.sex(r.bytes(sex)) }
        if b.fields[MemberSlot.all.race].isNull, r.has(race) { b.fields[MemberSlot.all.race] = codes.race(r.bytes(race)) }
        if b.fields[MemberSlot.all.ethnicity].isNull, r.has(ethnicity) { b.fields[MemberSlot.all.ethnicity] = codes.ethnicity(r.bytes(ethnicity)) }
    }
}

/// Sex, race and ethnicity text mapped to FHIR gender codes and CDC race-and-ethnicity codes.
///
/// Sex: `female`/`f` → female, `male`/`m` → male, `other`/`o` → other, anything else → unknown.
/// Race (OMB categories): white 2106-3, black or african american 2054-5, asian 2028-9,
/// american indian or alaska native 1002-5, native hawaiian or other pacific islander 2076-8,
/// other race 2131-1; a CDC code itself (`2106-3`) is kept. Ethnicity: hispanic or latino 2135-2,
/// not hispanic or latino 2186-5. Unknown, declined or unrecognised text gives an empty list.
final class DemographicCodes {
    private let systems: CodeSystems
    /// Values by the text's bytes (race tag 1, ethnicity tag 2).
    private let cache = ByteTable<Value>(capacity: 32)

    init(_ systems: CodeSystems) { self.systems = systems }

    static let races: [String: String] = [
        "white": "2106-3", "caucasian": "2106-3",
        "black or african american": "2054-5", "black": "2054-5", "african american": "2054-5",
        "asian": "2028-9",
        "american indian or alaska native": "1002-5", "american indian": "1002-5",
        "native hawaiian or other pacific islander": "2076-8", "pacific islander": "2076-8", "native hawaiian": "2076-8",
        "other race": "2131-1", "other": "2131-1",
    ]
    static let ethnicities: [String: String] = [
        "hispanic or latino": "2135-2", "hispanic": "2135-2", "latino": "2135-2",
        "not hispanic or latino": "2186-5", "not hispanic": "2186-5", "non-hispanic": "2186-5", "non hispanic": "2186-5",
    ]

    func sex(_ b: Bytes) -> Value {
        if ByteParse.equalsLower(b, "female") || ByteParse.equalsLower(b, "f") { return .string("female") }
        if ByteParse.equalsLower(b, "male") || ByteParse.equalsLower(b, "m") { return .string("male") }
        if ByteParse.equalsLower(b, "other") || ByteParse.equalsLower(b, "o") { return .string("other") }
        return .string("unknown")
    }

    func race(_ b: Bytes) -> Value { cache.value(b, tag: 1) { lookup($0, Self.races) } }
    func ethnicity(_ b: Bytes) -> Value { cache.value(b, tag: 2) { lookup($0, Self.ethnicities) } }

    private func lookup(_ b: Bytes, _ table: [String: String]) -> Value {
        let text = ByteParse.string(b).lowercased().replacingAll("_", " ")
        if let code = table[text] { return .list([systems.code(CodeSystems.race, code).codeValue]) }
        if text.count == 6, text.utf8.allSatisfy({ ByteParse.isDigit($0) || $0 == 0x2D }) {
            return .list([systems.code(CodeSystems.race, text).codeValue])
        }
        return .list([])
    }
}

/// patient.csv: one row per person. Marks the member as seen and fills demographics.
final class PatientTable: Table {
    static let fileName = "patient.csv"
    static let required = [["person_id"]]
    let ctx: LoadContext
    let person: Int
    let demographics: Demographics

    init(columns c: Columns, context: LoadContext) {
        ctx = context
        person = c("person_id")
        demographics = Demographics(c, sexColumn: "sex", context: context)
    }

    func row(_ r: Row) throws {
        let id = try r.required(person)
        let dates = try demographics.check(r)
        demographics.apply(r, dates, to: ctx.member(id, line: r.line))
    }
}

/// eligibility.csv: one row per enrollment span. Marks the member as seen, fills demographics,
/// and adds an Enrollment (and a Coverage, for the payer supplemental data) per row.
final class EligibilityTable: Table {
    static let fileName = "eligibility.csv"
    static let required = [["person_id"], ["enrollment_start_date"]]
    let ctx: LoadContext
    let person, start, end, payer, payerType, plan, dual, hospice, institutional, longTerm: Int
    let demographics: Demographics
    private var coverageTypes: [String: Value] = [:]

    init(columns c: Columns, context: LoadContext) {
        ctx = context
        person = c("person_id"); start = c("enrollment_start_date"); end = c("enrollment_end_date")
        payer = c("payer"); payerType = c("payer_type"); plan = c("plan"); dual = c("dual_status_code")
        hospice = c("hospice_flag"); institutional = c("institutional_snp_flag"); longTerm = c("long_term_institutional_flag")
        demographics = Demographics(c, sexColumn: "gender", context: context)
    }

    func row(_ r: Row) throws {
        let id = try r.required(person)
        _ = try r.required(start)
        let from = try r.date(start), to = try r.date(end)
        try r.checkOrder(from, to, start, end)
        let hospiceFlag = try r.flag(hospice), institutionalFlag = try r.flag(institutional), longTermFlag = try r.flag(longTerm)
        let dates = try demographics.check(r)
        let b = ctx.member(id, line: r.line)
        demographics.apply(r, dates, to: b)

        let payerText = ctx.text(r.bytes(payer)), typeText = ctx.lowercased(r.bytes(payerType))
        let f = EnrollmentSlot.info.record()
        f[EnrollmentSlot.all.period] = .period(from.map(Value.temporal) ?? .null, to.map(Value.temporal) ?? .null)
        f[EnrollmentSlot.all.payer] = .optionalString(payerText)
        f[EnrollmentSlot.all.payerType] = .optionalString(typeText)
        f[EnrollmentSlot.all.productLine] = .optionalString(typeText)
        f[EnrollmentSlot.all.plan] = .optionalString(ctx.text(r.bytes(plan)))
        f[EnrollmentSlot.all.hospice] = Value(hospiceFlag)
        f[EnrollmentSlot.all.institutional] = Value(institutionalFlag)
        f[EnrollmentSlot.all.longTermInstitutional] = Value(longTermFlag)
        f[EnrollmentSlot.all.dualStatus] = .optionalString(ctx.text(r.bytes(dual)))
        b.add(f, list: MemberSlot.all.enrollments)

        guard payerText != nil || typeText != nil else { return }
        let c = CoverageSlot.info.record()
        c[CoverageSlot.all.id] = .string("\(b.id):\(payerText ?? ""):\(from.map { $0.description } ?? "")")
        c[CoverageSlot.all.type] = coverageType(typeText)
        c[CoverageSlot.all.status] = .string("active")
        c[CoverageSlot.all.period] = .period(from.map(Value.dayDateTime) ?? .null, to.map(Value.dayDateTime) ?? .null)
        c[CoverageSlot.all.payer] = .optionalString(payerText)
        b.add(c, list: MemberSlot.all.coverages)
    }

    /// The Coverage type: the Source of Payment Typology code of the payer type (medicare 1,
    /// medicaid 2, commercial or other private 5, anything else 9), with the payer type as text.
    func coverageType(_ type: String?) -> Value {
        guard let type else { return .null }
        if let v = coverageTypes[type] { return v }
        let code = type.contains("medicare") ? "1" : type.contains("medicaid") ? "2"
            : ["commercial", "private", "exchange", "employer", "self"].contains(where: type.contains) ? "5" : "9"
        let v = Value.concept(Concept(codes: [ctx.systems.code(CodeSystems.sopt, code).code], text: type))
        coverageTypes[type] = v
        return v
    }
}

/// The text value of one column as on the previous row that read it (interned, nil when empty):
/// rows of one member repeat most of their values, and comparing the bytes with the last ones
/// costs less than a lookup.
final class RepeatedText {
    private var last = RepeatedBytes<Value>()

    @inline(__always)
    func value(_ b: Bytes, _ ctx: LoadContext) -> Value {
        if let v = last.value(for: b) { return v }
        let v = Value.optionalString(ctx.text(b))
        last.set(b, v)
        return v
    }
}

/// provider_attribution.csv: one row per member-month. Each row gives up to two Attributions,
/// one for the payer's attribution (program "payer") and one for the custom method (program
/// "custom"), over the calendar month of `year_month`.
final class ProviderAttributionTable: Table {
    static let fileName = "provider_attribution.csv"
    static let memberFields: [String]? = ["attributions"]
    static let required = [["person_id"], ["year_month"]]
    let ctx: LoadContext
    let person, yearMonth, payer, plan: Int
    let payerColumns: (Int, Int, Int), customColumns: (Int, Int, Int)
    /// Month periods by the `year_month` bytes (nil: not a month).
    private let months = ByteTable<Value?>(capacity: 64)
    /// The provider, practice and organization of each program, then payer and plan: a member's
    /// rows repeat them month after month.
    private let repeats = (0..<8).map { _ in RepeatedText() }

    init(columns c: Columns, context: LoadContext) {
        ctx = context
        person = c("person_id"); yearMonth = c("year_month"); payer = c("payer"); plan = c("plan")
        payerColumns = (c("payer_attributed_provider"), c("payer_attributed_provider_practice"), c("payer_attributed_provider_organization"))
        customColumns = (c("custom_attributed_provider"), c("custom_attributed_provider_practice"), c("custom_attributed_provider_organization"))
    }

    func row(_ r: Row) throws {
        let id = try r.required(person)
        let ym = try r.required(yearMonth)
        // The month's period by the field's bytes (nil for a bad month): one per distinct month.
        guard let period = months.value(ym, make: { b in
            ByteParse.month(b).map { first, last in Value.period(.temporal(first), .temporal(last)) }
        }) else {
            throw RowError("bad-date", "year_month \(ByteParse.quoted(ym)) is not a month YYYYMM")
        }
        let b = ctx.member(id, line: r.line)
        let S = AttributionSlot.all
        // The payer and plan once for both programs (no list of programs made per row).
        var payerValue: Value?, planValue: Value?
        for program in 0..<2 {
            let cols = program == 0 ? payerColumns : customColumns
            guard r.has(cols.0) || r.has(cols.1) || r.has(cols.2) else { continue }
            if payerValue == nil {
                payerValue = repeats[6].value(r.bytes(payer), ctx)
                planValue = repeats[7].value(r.bytes(plan), ctx)
            }
            let k = program * 3
            let f = S.info.record()
            f[S.period] = period
            f[S.provider] = repeats[k].value(r.bytes(cols.0), ctx)
            f[S.practice] = repeats[k + 1].value(r.bytes(cols.1), ctx)
            f[S.organization] = repeats[k + 2].value(r.bytes(cols.2), ctx)
            f[S.program] = program == 0 ? Self.payerProgram : Self.customProgram
            f[S.payer] = payerValue!
            f[S.plan] = planValue!
            b.add(f, list: MemberSlot.all.attributions)
        }
    }

    static let payerProgram = Value.string("payer"), customProgram = Value.string("custom")
}
