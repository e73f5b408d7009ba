import TallyEngine
import TallyLanguage

/// A timing element `prefix[x]` normalised as libraries.md §2.1 says, or an age that waits for the
/// member's birth date (the Patient may come later in the input).
enum FHIRTiming {
    /// A value known now: a date-time (a point), a Period as an interval, or null (a string
    /// onset, an abatement boolean: no interval).
    case value(Value)
    /// An Age (low = high = the age) or a Range of ages: the half-open interval of dates
    /// [birthDate + low, birthDate + high + 1 year). A missing low is a closed null start (the
    /// beginning of time), a missing high an open null end (unknown), as the CQL interval gives.
    case age(low: Quantity?, high: Quantity?)

    /// The timing types a choice element may hold in R4.
    enum Kind: String {
        case dateTime = "DateTime", instant = "Instant", period = "Period", age = "Age", range = "Range"
        case string = "String", boolean = "Boolean", timing = "Timing"
    }

    /// Reads `prefix[x]` of `element`; `allowed` lists the R4 types of that element.
    static func read(_ element: FHIRElement, _ prefix: String, allowed: [Kind]) throws -> FHIRTiming {
        guard let suffix = try element.choice(prefix) else { return .value(.null) }
        let key = prefix + suffix
        guard let kind = Kind(rawValue: suffix), allowed.contains(kind) else {
            throw FHIRMappingError("bad-field", "\(element.at(key)): \(prefix)[x] cannot be a \(suffix) (allowed: "
                                   + allowed.map(\.rawValue).joined(separator: ", ") + ")")
        }
        switch kind {
        case .dateTime, .instant:
            return .value(try element.dateTimeValue(key))
        case .period:
            return .value(try element.period(key))
        case .age:
            guard let age = try element.element(key) else { return .value(.null) }
            let q = try ageQuantity(age)
            return q == nil ? .value(.null) : .age(low: q, high: q)
        case .range:
            guard let range = try element.element(key) else { return .value(.null) }
            let low = try range.element("low").flatMap(ageQuantity)
            let high = try range.element("high").flatMap(ageQuantity)
            if low == nil && high == nil { return .value(.null) }
            return .age(low: low, high: high)
        case .string:
            _ = try element.string(key)
            return .value(.null)
        case .boolean:
            _ = try element.bool(key)
            return .value(.null)
        case .timing:
            throw FHIRMappingError("unsupported-timing", "\(element.at(key)): a Timing cannot be turned into an interval "
                                   + "(libraries.md §2.1: evaluation error)")
        }
    }

    /// An age quantity with a calendar unit (`a`, `mo`, `wk`, `d`, ...); nil without a value.
    static func ageQuantity(_ e: FHIRElement) throws -> Quantity? {
        guard let q = try e.quantityParts().quantity else { return nil }
        guard CalendarUnit(unit: q.unit) != nil else {
            throw FHIRMappingError("bad-value", "\(e.path): an age needs a time unit (a, mo, wk, d), found '\(q.unit)'")
        }
        return q
    }

    /// The interval of an age given the member's birth date (nil when it is unknown).
    static func interval(low: Quantity?, high: Quantity?, birthDate: Temporal?) -> Value {
        guard let birth = birthDate else { return .null }
        func plus(_ q: Quantity) -> Temporal {
            // Calendar arithmetic on the date; a fractional age is truncated, as date arithmetic
            // with years and months does.
            birth.adding(Int64(q.value.rounded(.towardZero)), CalendarUnit(unit: q.unit)!)
        }
        let lowValue: Value = low.map { .temporal(plus($0)) } ?? .null
        let highValue: Value = high.map { .temporal(plus($0).adding(1, .year)) } ?? .null
        return .interval(IntervalValue(low: lowValue, lowClosed: true, high: highValue, highClosed: false))
    }
}
