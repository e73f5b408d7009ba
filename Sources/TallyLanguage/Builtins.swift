/// Runtime behaviour of the language's operators and generic functions. Null rules follow CQL:
/// operators give null for a null operand, aggregates skip nulls.

func applyBuiltin(_ b: Builtin, _ a: [Value], _ ctx: EvaluationContext) -> Value {
    switch b {
    case .add: return arithmetic(a[0], a[1], sign: 1)
    case .subtract: return arithmetic(a[0], a[1], sign: -1)
    case .multiply: return multiply(a[0], a[1])
    case .divide: return divide(a[0], a[1])
    case .div:
        guard case .integer(let x) = a[0], case .integer(let y) = a[1], y != 0 else { return .null }
        return .integer(x / y)
    case .mod:
        if case .integer(let x) = a[0], case .integer(let y) = a[1] { return y == 0 ? .null : .integer(x % y) }
        guard let x = a[0].asDouble, let y = a[1].asDouble, y != 0 else { return .null }
        return decimalValue(x.truncatingRemainder(dividingBy: y))
    case .negate:
        switch a[0] {
        case .integer(let i): return .integer(-i)
        case .decimal(let d): return .decimal(-d)
        case .quantity(let q): return .quantity(Quantity(-q.value, q.unit))
        default: return .null
        }
    case .concatenate:
        return .string(a.map { $0.asString ?? "" }.joined())
    case .equal: return Value(Value.equal(a[0], a[1]))
    case .notEqual: return Value(Value.equal(a[0], a[1]).map { !$0 })
    case .equivalent: return .boolean(Value.equivalent(a[0], a[1]))
    case .notEquivalent: return .boolean(!Value.equivalent(a[0], a[1]))
    case .less: return Value(Value.compare(a[0], a[1]).map { $0 < 0 })
    case .lessOrEqual: return Value(Value.compare(a[0], a[1]).map { $0 <= 0 })
    case .greater: return Value(Value.compare(a[0], a[1]).map { $0 > 0 })
    case .greaterOrEqual: return Value(Value.compare(a[0], a[1]).map { $0 >= 0 })
    case .isNull: return .boolean(a[0].isNull)
    case .isNotNull: return .boolean(!a[0].isNull)
    case .inList:
        if a[0].isNull { return .null }
        var unknown = false
        for x in a[1].asList {
            switch Value.equal(a[0], x) {
            case true?: return .boolean(true)
            case nil: unknown = true
            default: break
            }
        }
        return unknown ? .null : .boolean(false)
    case .inInterval:
        if a[0].isNull || a[1].isNull { return .null }
        return evaluateTiming(TimingSpec(leftBoundary: nil, relation: .during, precision: nil, offsetMode: .exactly), a[0], a[1], offset: .null)
    case .exists:
        if case .list(let xs) = a[0] { return .boolean(xs.contains { !$0.isNull }) }
        return .boolean(!a[0].isNull)
    case .count: return .integer(a[0].asList.reduce(0) { $0 + ($1.isNull ? 0 : 1) })
    case .sum: return sum(a[0].asList)
    case .min, .max:
        var best: Value = .null
        for x in a[0].asList where !x.isNull {
            if best.isNull { best = x; continue }
            if let c = Value.compare(x, best), b == .min ? c < 0 : c > 0 { best = x }
        }
        // Unknown when an item cannot be ordered against the result (incompatible units,
        // dates equal up to the precision both have).
        for x in a[0].asList where !x.isNull && Value.compare(x, best) == nil { return .null }
        return best
    case .avg:
        let xs = a[0].asList.compactMap(\.asDouble)
        return xs.isEmpty ? .null : decimalValue(xs.reduce(0, +) / Double(xs.count))
    case .median: return median(a[0].asList.compactMap(\.asDouble))
    case .first: return a[0].asList.first ?? .null
    case .last: return a[0].asList.last ?? .null
    case .distinct: return .list(distinct(a[0].asList))
    case .singleton:
        let xs = a[0].asList
        if xs.count > 1 {
            ctx.fail("singleton: the list has \(xs.count) items, expected at most one")
            return .null
        }
        return xs.first ?? .null
    case .flatten: return .list(a[0].asList.flatMap { $0.asList })
    case .allTrue: return .boolean(a[0].asList.allSatisfy { $0.isNull || $0.isTrue })
    case .anyTrue: return .boolean(a[0].asList.contains { $0.isTrue })
    case .union:
        if a[0].isNull && a[1].isNull { return .null }
        return .list(distinct(a[0].asList + a[1].asList))
    case .intersect:
        if a[0].isNull || a[1].isNull { return .null }
        let right = a[1].asList
        return .list(distinct(a[0].asList.filter { x in right.contains { Value.equal(x, $0) == true } }))
    case .except:
        if a[0].isNull { return .null }
        let right = a[1].asList
        return .list(distinct(a[0].asList.filter { x in !right.contains { Value.equal(x, $0) == true } }))
    case .index:
        guard case .integer(let i) = a[1] else { return .null }
        let xs = a[0].asList
        return i >= 0 && i < xs.count ? xs[i] : .null
    case .start: return startValue(a[0])
    case .end: return endValue(a[0])
    case .latest:
        let e = endValue(a[0])
        return e.isNull ? startValue(a[0]) : e
    case .toInterval:
        guard let i = asInterval(a[0]) else { return .null }
        return .interval(i)
    case .dateOf:
        guard case .temporal(let t) = a[0] else { return .null }
        return .temporal(t.truncated(to: .day))
    case .yearsBetween: return between(a[0], a[1], .year)
    case .monthsBetween: return between(a[0], a[1], .month)
    case .weeksBetween:
        guard case .integer(let d) = between(a[0], a[1], .day) else { return .null }
        return .integer(d / 7)
    case .daysBetween: return between(a[0], a[1], .day)
    case .hoursBetween: return between(a[0], a[1], .hour)
    case .minutesBetween: return between(a[0], a[1], .minute)
    case .year, .month, .day:
        guard case .temporal(let t) = a[0] else { return .null }
        let need: DatePrecision = b == .year ? .year : b == .month ? .month : .day
        guard t.precision >= need else { return .null }
        let p = t.parts
        return .integer(b == .year ? p.year : b == .month ? p.month : p.day)
    case .makeDate, .makeDateTime:
        let parts = a.map { v -> Int? in if case .integer(let i) = v { return i } else { return nil } }
        if parts.contains(where: { $0 == nil }) { return .null }
        let p = parts.map { $0! } + [Int](repeating: 0, count: 7 - parts.count)
        guard (1...12).contains(p[1]), p[2] >= 1, p[2] <= daysInMonth(p[0], p[1]), (0...23).contains(p[3]),
              (0...59).contains(p[4]), (0...59).contains(p[5]), (0...999).contains(p[6]) else { return .null }
        if b == .makeDate { return .temporal(Temporal.date(p[0], p[1], p[2])) }
        let precision = DatePrecision(rawValue: a.count - 1) ?? .millisecond
        return .temporal(Temporal(year: p[0], month: p[1], day: p[2], hour: p[3], minute: p[4], second: p[5], millisecond: p[6],
                                  precision: precision))
    case .coalesce:
        for x in a {
            if case .list(let xs) = x, a.count == 1 { return xs.first { !$0.isNull } ?? .null }
            if !x.isNull { return x }
        }
        return .null
    case .abs:
        switch a[0] {
        case .integer(let i): return .integer(Swift.abs(i))
        case .decimal(let d): return .decimal(Swift.abs(d))
        case .quantity(let q): return .quantity(Quantity(Swift.abs(q.value), q.unit))
        default: return .null
        }
    case .round:
        guard let x = a[0].asDouble else { return .null }
        var digits = 0
        if a.count > 1 { guard case .integer(let d) = a[1] else { return .null }; digits = d }
        let f = pow10d(max(0, digits))
        // Snap the scaled value to the decimal scale first, so binary noise (1.005 * 100 =
        // 100.49999999999999) does not decide a half-way case.
        let scaled = x * f
        let snapped = Swift.abs(scaled) < 9e7 ? (scaled * 1e8).rounded() / 1e8 : scaled
        return .decimal(snapped.rounded(.toNearestOrAwayFromZero) / f)
    case .floor:
        guard let x = a[0].asDouble else { return .null }
        return .integer(Int(x.rounded(.down)))
    case .ceiling:
        guard let x = a[0].asDouble else { return .null }
        return .integer(Int(x.rounded(.up)))
    case .upper: return a[0].asString.map { .string($0.uppercased()) } ?? .null
    case .lower: return a[0].asString.map { .string($0.lowercased()) } ?? .null
    case .length:
        switch a[0] {
        case .string(let s): return .integer(s.count)
        case .list(let xs): return .integer(xs.count)
        default: return .null
        }
    case .startsWith:
        guard let s = a[0].asString, let p = a[1].asString else { return .null }
        return .boolean(s.hasPrefix(p))
    case .endsWith:
        guard let s = a[0].asString, let p = a[1].asString else { return .null }
        return .boolean(s.hasSuffix(p))
    case .substring:
        guard let s = a[0].asString, case .integer(let start) = a[1], start >= 0 else { return .null }
        let chars = Array(s)
        guard start <= chars.count else { return .null }
        var end = chars.count
        if a.count > 2 { guard case .integer(let n) = a[2], n >= 0 else { return .null }; end = min(chars.count, start + n) }
        return .string(String(chars[start..<end]))
    case .toString:
        return a[0].isNull ? .null : .string(a[0].plainText)
    case .toDecimal:
        switch a[0] {
        case .string(let s): return Double(s).map { .decimal($0) } ?? .null
        case .quantity(let q): return .decimal(q.value)
        default: return a[0].asDouble.map { .decimal($0) } ?? .null
        }
    case .toInteger:
        switch a[0] {
        case .string(let s): return Int(s).map { .integer($0) } ?? .null
        case .integer: return a[0]
        case .decimal(let d): return d.isFinite && Swift.abs(d) < 9e18 ? .integer(Int(d.rounded(.towardZero))) : .null
        default: return .null
        }
    case .quantityValue:
        guard case .quantity(let q) = a[0] else { return .null }
        return .decimal(q.value)
    case .quantityUnit:
        guard case .quantity(let q) = a[0] else { return .null }
        return .string(q.unit)
    case .makeQuantity:
        guard let v = a[0].asDouble, let u = a[1].asString else { return .null }
        return .quantity(Quantity(v, u))
    case .convertUnit:
        guard case .quantity(let q) = a[0], let u = a[1].asString, let v = convert(q.value, from: q.unit, to: u) else { return .null }
        return .quantity(Quantity(v, u))
    case .raiseError:
        ctx.fail(a[0].asString ?? "error")
        return .null
    case .makeCode:
        guard let s = a[0].asString, let c = a[1].asString else { return .null }
        return .code(Code(system: codeSystemURL(s), code: c))
    }
}

func arithmetic(_ x: Value, _ y: Value, sign: Int) -> Value {
    switch (x, y) {
    case (.integer(let a), .integer(let b)):
        let (r, overflow) = sign > 0 ? a.addingReportingOverflow(b) : a.subtractingReportingOverflow(b)
        return overflow ? .null : .integer(r)
    case (.temporal, .quantity(let q)): return add(x, q, sign: sign) ?? .null
    case (.quantity(let a), .quantity(let b)):
        guard let bv = convert(b.value, from: b.unit, to: a.unit) else { return .null }
        return quantityValue(a.value + Double(sign) * bv, a.unit)
    case (.string(let a), .string(let b)) where sign > 0: return .string(a + b)
    default:
        guard let a = x.asDouble, let b = y.asDouble else { return .null }
        return decimalValue(a + Double(sign) * b)
    }
}

func multiply(_ x: Value, _ y: Value) -> Value {
    switch (x, y) {
    case (.integer(let a), .integer(let b)):
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .null : .integer(r)
    case (.quantity(let q), _): return y.asDouble.map { quantityValue(q.value * $0, q.unit) } ?? .null
    case (_, .quantity(let q)): return x.asDouble.map { quantityValue(q.value * $0, q.unit) } ?? .null
    default:
        guard let a = x.asDouble, let b = y.asDouble else { return .null }
        return decimalValue(a * b)
    }
}

func divide(_ x: Value, _ y: Value) -> Value {
    if case .quantity(let q) = x {
        if case .quantity(let r) = y {
            guard let rv = convert(r.value, from: r.unit, to: q.unit), rv != 0 else { return .null }
            return decimalValue(q.value / rv)
        }
        guard let b = y.asDouble, b != 0 else { return .null }
        return quantityValue(q.value / b, q.unit)
    }
    guard let a = x.asDouble, let b = y.asDouble, b != 0 else { return .null }
    return decimalValue(a / b)
}

/// A Decimal result at CQL's scale of 8 digits after the point, so binary noise does not show
/// (`0.1 + 0.2 = 0.3`, `1 / 3 = 0.33333333`). Null when the result is not finite.
func decimalValue(_ d: Double) -> Value {
    guard d.isFinite else { return .null }
    return .decimal(decimalScale(d))
}

func quantityValue(_ d: Double, _ unit: String) -> Value {
    guard d.isFinite else { return .null }
    return .quantity(Quantity(decimalScale(d), unit))
}

/// Rounds to 8 digits after the point (half away from zero); values too large for that scale to
/// be represented are left alone.
func decimalScale(_ d: Double) -> Double {
    let scaled = d * 1e8
    guard Swift.abs(scaled) < 9e15 else { return d }
    return scaled.rounded(.toNearestOrAwayFromZero) / 1e8
}

func sum(_ xs: [Value]) -> Value {
    var result: Value = .null
    for x in xs where !x.isNull {
        result = result.isNull ? x : arithmetic(result, x, sign: 1)
    }
    return result
}

func median(_ xs: [Double]) -> Value {
    guard !xs.isEmpty else { return .null }
    let s = xs.sorted()
    let m = s.count / 2
    return decimalValue(s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2)
}

/// Keeps the first of each group of equal items, in order. Records compare by identity.
func distinct(_ xs: [Value]) -> [Value] {
    var out: [Value] = []
    out.reserveCapacity(xs.count)
    // Both tests are pure; the cheap one first (`equivalent` normalizes both strings), and
    // byte-identical strings (the usual duplicates) are both equal and equivalent.
    for x in xs where !out.contains(where: { identicalStrings($0, x) || (Value.equal($0, x) != false && Value.equivalent($0, x)) }) {
        out.append(x)
    }
    return out
}

@inline(__always)
private func identicalStrings(_ a: Value, _ b: Value) -> Bool {
    guard case .string(let x) = a, case .string(let y) = b else { return false }
    return x.utf8.elementsEqual(y.utf8)
}

/// Whole calendar units from `a` to `b` (negative when `b` is earlier).
func between(_ x: Value, _ y: Value, _ unit: DatePrecision) -> Value {
    guard case .temporal(let a) = x, case .temporal(let b) = y else { return .null }
    let precision = min(a.precision, b.precision)
    guard precision >= unit else { return .null }
    if unit == .year || unit == .month {
        let pa = a.parts, pb = b.parts
        var months = (pb.year - pa.year) * 12 + (pb.month - pa.month)
        // Compare the rest of the value, down to the precision both have.
        let restA = [pa.day, pa.hour, pa.minute, pa.second, pa.millisecond]
        let restB = [pb.day, pb.hour, pb.minute, pb.second, pb.millisecond]
        let n = max(0, precision.rawValue - DatePrecision.month.rawValue)
        let ra = Array(restA.prefix(n)), rb = Array(restB.prefix(n))
        if months > 0, rb.lexicographicallyPrecedes(ra) { months -= 1 }
        if months < 0, ra.lexicographicallyPrecedes(rb) { months += 1 }
        return .integer(unit == .year ? months / 12 : months)
    }
    let unitMs: Int64 = unit == .day ? Temporal.msPerDay : unit == .hour ? 3_600_000 : 60_000
    if precision == .day || (a.isDate || b.isDate) {
        let d = b.dayNumber - a.dayNumber
        return unit == .day ? .integer(Int(d)) : .null
    }
    let diff = b.millis - a.millis
    return .integer(Int(diff / unitMs))
}

/// Canonical URL of a code system alias (`loinc` → `http://loinc.org`); URLs pass through.
public func codeSystemURL(_ nameOrURL: String) -> String {
    codeSystemAliases[nameOrURL.lowercased()] ?? nameOrURL
}

/// The usual aliases of the code systems measures use.
public let codeSystemAliases: [String: String] = [
    "loinc": "http://loinc.org",
    "snomed": "http://snomed.info/sct", "snomedct": "http://snomed.info/sct", "snomed-ct": "http://snomed.info/sct", "sct": "http://snomed.info/sct",
    "icd10cm": "http://hl7.org/fhir/sid/icd-10-cm", "icd-10-cm": "http://hl7.org/fhir/sid/icd-10-cm",
    "icd10pcs": "http://www.cms.gov/Medicare/Coding/ICD10", "icd-10-pcs": "http://www.cms.gov/Medicare/Coding/ICD10",
    "cpt": "http://www.ama-assn.org/go/cpt",
    "hcpcs": "http://www.nlm.nih.gov/research/umls/hcpcs",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "ndc": "http://hl7.org/fhir/sid/ndc",
    "cvx": "http://hl7.org/fhir/sid/cvx",
    "ucum": "http://unitsofmeasure.org",
    "revenue": "https://www.nubc.org/CodeSystem/RevenueCodes",
    "pos": "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",
    "billtype": "https://www.nubc.org/CodeSystem/TypeOfBill",
    "drg": "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG",
    "sopt": "https://nahdo.org/sopt",
    "cdcrec": "urn:oid:2.16.840.1.113883.6.238",
    "gender": "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",
    "encounter-class": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "actcode": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "observation-category": "http://terminology.hl7.org/CodeSystem/observation-category",
    "condition-clinical": "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "condition-verification": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
]
