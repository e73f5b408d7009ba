/// How much of a date or date-time is known.
public enum DatePrecision: Int, Comparable, Sendable, CaseIterable {
    case year, month, day, hour, minute, second, millisecond

    public static func < (a: DatePrecision, b: DatePrecision) -> Bool { a.rawValue < b.rawValue }

    /// The precision named by a word in a timing phrase (`day of`, `same month as`).
    public init?(word: String) {
        switch word {
        case "year", "years": self = .year
        case "month", "months": self = .month
        case "day", "days": self = .day
        case "hour", "hours": self = .hour
        case "minute", "minutes": self = .minute
        case "second", "seconds": self = .second
        case "millisecond", "milliseconds": self = .millisecond
        default: return nil
        }
    }

    public var word: String {
        ["year", "month", "day", "hour", "minute", "second", "millisecond"][rawValue]
    }
}

/// A date or date-time, stored as UTC epoch milliseconds of its first instant plus the precision
/// it was given with. Dates without a time are `isDate`; a time without an offset is taken as UTC.
public struct Temporal: Hashable, Sendable, CustomStringConvertible {
    public var millis: Int64
    public var precision: DatePrecision
    public var isDate: Bool

    public init(millis: Int64, precision: DatePrecision, isDate: Bool) {
        self.millis = millis
        self.precision = precision
        self.isDate = isDate
    }

    public static let msPerDay: Int64 = 86_400_000

    /// A date-time from civil parts (UTC).
    public init(year: Int, month: Int = 1, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0,
                precision: DatePrecision = .millisecond, isDate: Bool = false) {
        let days = Int64(daysFromCivil(year, month, day))
        millis = days * Temporal.msPerDay + Int64(hour) * 3_600_000 + Int64(minute) * 60_000 + Int64(second) * 1000 + Int64(millisecond)
        self.precision = precision
        self.isDate = isDate
    }

    /// A date (day precision).
    public static func date(_ year: Int, _ month: Int, _ day: Int) -> Temporal {
        Temporal(year: year, month: month, day: day, precision: .day, isDate: true)
    }

    public var dayNumber: Int64 { floorDiv(millis, Temporal.msPerDay) }

    /// Civil parts in UTC: year, month, day, hour, minute, second, millisecond.
    public var parts: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let days = dayNumber
        let (y, m, d) = civilFromDays(Int(days))
        var rest = Int(millis - days * Temporal.msPerDay)
        let h = rest / 3_600_000; rest %= 3_600_000
        let mi = rest / 60_000; rest %= 60_000
        return (y, m, d, h, mi, rest / 1000, rest % 1000)
    }

    /// A number that orders values at a precision: equal keys mean equal up to that precision.
    @inline(__always)
    public func key(at p: DatePrecision) -> Int64 {
        switch p {
        case .year: return Int64(parts.year)
        case .month: let x = parts; return Int64(x.year) * 12 + Int64(x.month - 1)
        case .day: return dayNumber
        case .hour: return floorDiv(millis, 3_600_000)
        case .minute: return floorDiv(millis, 60_000)
        case .second: return floorDiv(millis, 1000)
        case .millisecond: return millis
        }
    }

    /// Compares at a precision (full precision when nil). Nil when the answer is unknown because
    /// one value lacks the precision needed and the two agree as far as both are known.
    /// At full precision two values given with the same precision are compared as far as they
    /// are known (`@2025 = @2025` is true; `@2025 = @2025-01` is unknown).
    @inline(__always)
    public func compare(_ other: Temporal, at precision: DatePrecision? = nil) -> Int? {
        if precision == nil, self.precision == other.precision {
            // Both given to the same precision, none asked: ordered by their keys at it, equal
            // keys compare 0 (what the general case below gives for this case).
            if millis == other.millis { return 0 }
            let a = key(at: self.precision), b = other.key(at: self.precision)
            return a < b ? -1 : a == b ? 0 : 1
        }
        return compareAtPrecision(other, at: precision)
    }

    private func compareAtPrecision(_ other: Temporal, at precision: DatePrecision?) -> Int? {
        let wanted = precision ?? .millisecond
        let common = min(wanted, self.precision, other.precision)
        let a = key(at: common), b = other.key(at: common)
        if a != b { return a < b ? -1 : 1 }
        if common >= wanted { return 0 }
        return precision == nil && self.precision == other.precision ? 0 : nil
    }

    /// Adds a calendar quantity; months and years clamp the day to the month's length.
    /// A unit finer than the value's precision is first converted to that precision, truncating, as
    /// in CQL: `@2025-01-01 + 25 hours` is `@2025-01-02`, `@2025-01-01 + 12 hours` is unchanged.
    public func adding(_ amount: Int64, _ unit: CalendarUnit) -> Temporal {
        if let unitMs = Temporal.fixedUnitMillis(unit) {
            let target: CalendarUnit = precision <= .day ? .day : precision == .hour ? .hour : precision == .minute ? .minute
                : precision == .second ? .second : .millisecond
            if unit.precision > target.precision, let targetMs = Temporal.fixedUnitMillis(target) {
                return adding(amount * unitMs / targetMs, target)
            }
        }
        var r = self
        switch unit {
        case .year, .month:
            let p = parts
            let months = Int64(p.year) * 12 + Int64(p.month - 1) + (unit == .year ? amount * 12 : amount)
            let y = Int(floorDiv(months, 12)), m = Int(months - floorDiv(months, 12) * 12) + 1
            let d = min(p.day, daysInMonth(y, m))
            r = Temporal(year: y, month: m, day: d, hour: p.hour, minute: p.minute, second: p.second, millisecond: p.millisecond,
                         precision: precision, isDate: isDate)
        case .week: r.millis += amount * 7 * Temporal.msPerDay
        case .day: r.millis += amount * Temporal.msPerDay
        case .hour: r.millis += amount * 3_600_000
        case .minute: r.millis += amount * 60_000
        case .second: r.millis += amount * 1000
        case .millisecond: r.millis += amount
        }
        return r
    }

    /// Milliseconds in a unit of fixed length (days and finer).
    static func fixedUnitMillis(_ unit: CalendarUnit) -> Int64? {
        switch unit {
        case .day: return msPerDay
        case .hour: return 3_600_000
        case .minute: return 60_000
        case .second: return 1000
        case .millisecond: return 1
        default: return nil
        }
    }

    /// The first millisecond of this value's day, as a date-time.
    public var startOfDay: Temporal {
        let p = parts
        return Temporal(year: p.year, month: p.month, day: p.day)
    }

    /// The last millisecond of this value's day, as a date-time.
    public var endOfDay: Temporal {
        let p = parts
        return Temporal(year: p.year, month: p.month, day: p.day, hour: 23, minute: 59, second: 59, millisecond: 999)
    }

    /// The closed date-time interval covering whole days from `start` to `end`: how a period
    /// given as dates (`--period-start 2025-01-01 --period-end 2025-12-31`) is measured.
    public static func wholeDays(_ start: Temporal, _ end: Temporal) -> IntervalValue {
        IntervalValue(low: .temporal(start.startOfDay), high: .temporal(end.endOfDay))
    }

    /// The whole calendar year as a closed date-time interval (`--period 2025`).
    public static func wholeYear(_ year: Int) -> IntervalValue {
        wholeDays(Temporal.date(year, 1, 1), Temporal.date(year, 12, 31))
    }

    /// The same value cut to a precision (used by `date of`).
    public func truncated(to p: DatePrecision) -> Temporal {
        let q = min(p, precision)
        if q >= .day {
            // Day or finer: the parts below `q` dropped, as rebuilding from civil parts gives
            // (whole days since the epoch are the same days), without the calendar conversion.
            let unit: Int64
            switch q {
            case .day: unit = Temporal.msPerDay
            case .hour: unit = 3_600_000
            case .minute: unit = 60_000
            case .second: unit = 1000
            default: unit = 1
            }
            return Temporal(millis: floorDiv(millis, unit) * unit, precision: q, isDate: q <= .day)
        }
        let x = parts
        return Temporal(year: x.year, month: q >= .month ? x.month : 1, day: q >= .day ? x.day : 1,
                        hour: q >= .hour ? x.hour : 0, minute: q >= .minute ? x.minute : 0,
                        second: q >= .second ? x.second : 0, millisecond: q >= .millisecond ? x.millisecond : 0,
                        precision: q, isDate: q <= .day)
    }

    /// The ISO 8601 text of the value at its precision.
    public var description: String {
        let p = parts
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(abs(v))
            return (v < 0 ? "-" : "") + String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var s = pad(p.year, 4)
        if precision >= .month { s += "-" + pad(p.month, 2) }
        if precision >= .day { s += "-" + pad(p.day, 2) }
        if isDate { return s }
        if precision >= .hour { s += "T" + pad(p.hour, 2) }
        if precision >= .minute { s += ":" + pad(p.minute, 2) }
        if precision >= .second { s += ":" + pad(p.second, 2) }
        if precision >= .millisecond { s += "." + pad(p.millisecond, 3) }
        return precision >= .hour ? s + "Z" : s
    }

    /// Parses ISO 8601 text (`2025`, `2025-03`, `2025-03-01`, `2025-03-01T10:30:00.000Z`,
    /// `...+02:00`). Returns a message on failure that says what is wrong.
    public static func parse(_ text: String) -> Result<Temporal, TemporalError> {
        var reader = DigitReader(bytes: Array(text.utf8))
        func fail(_ why: String) -> Result<Temporal, TemporalError> { .failure(TemporalError(message: why)) }
        guard let year = reader.number(4) else { return fail("expected a 4-digit year") }
        var month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0
        var precision = DatePrecision.year
        var isDate = true
        if reader.take("-") {
            guard let m = reader.number(2) else { return fail("expected a 2-digit month") }
            guard (1...12).contains(m) else { return fail("month \(m) is out of range 01-12") }
            month = m; precision = .month
            if reader.take("-") {
                guard let d = reader.number(2) else { return fail("expected a 2-digit day") }
                let last = daysInMonth(year, month)
                guard d >= 1, d <= last else {
                    return fail("day \(d) is out of range: \(monthNames[month - 1]) \(year) has \(last) days")
                }
                day = d; precision = .day
            }
        }
        if reader.take("T") {
            guard precision == .day else { return fail("a time needs a full date before 'T'") }
            isDate = false
            guard let h = reader.number(2) else { return fail("expected a 2-digit hour after 'T'") }
            guard h <= 23 else { return fail("hour \(h) is out of range 00-23") }
            hour = h; precision = .hour
            if reader.take(":") {
                guard let mi = reader.number(2) else { return fail("expected 2-digit minutes") }
                guard mi <= 59 else { return fail("minute \(mi) is out of range 00-59") }
                minute = mi; precision = .minute
                if reader.take(":") {
                    guard let s = reader.number(2) else { return fail("expected 2-digit seconds") }
                    guard s <= 59 else { return fail("second \(s) is out of range 00-59") }
                    second = s; precision = .second
                    if reader.take(".") {
                        guard let (f, n) = reader.fraction() else { return fail("expected digits after '.'") }
                        ms = n >= 3 ? f / pow10(n - 3) : f * pow10(3 - n)
                        precision = .millisecond
                    }
                }
            }
        }
        var offsetMinutes = 0
        if !isDate {
            if reader.take("Z") {
            } else if let sign = reader.sign() {
                guard let oh = reader.number(2), reader.take(":"), let om = reader.number(2), oh <= 14, om <= 59 else {
                    return fail("expected a time-zone offset such as +02:00")
                }
                offsetMinutes = sign * (oh * 60 + om)
            }
        }
        guard reader.atEnd else { return fail("unexpected text '\(String(decoding: reader.rest, as: UTF8.self))'") }
        var t = Temporal(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: ms,
                         precision: precision, isDate: isDate)
        t.millis -= Int64(offsetMinutes) * 60_000
        return .success(t)
    }
}

public struct TemporalError: Error, Sendable { public var message: String }

let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]

/// Calendar units for date arithmetic and durations.
public enum CalendarUnit: String, Sendable, CaseIterable {
    case year, month, week, day, hour, minute, second, millisecond

    /// Reads a calendar word or a UCUM time unit (`a`, `mo`, `wk`, `d`, `h`, `min`, `s`, `ms`).
    public init?(unit: String) {
        switch unit {
        case "year", "years", "a": self = .year
        case "month", "months", "mo": self = .month
        case "week", "weeks", "wk": self = .week
        case "day", "days", "d": self = .day
        case "hour", "hours", "h": self = .hour
        case "minute", "minutes", "min": self = .minute
        case "second", "seconds", "s": self = .second
        case "millisecond", "milliseconds", "ms": self = .millisecond
        default: return nil
        }
    }

    /// The comparison precision a unit implies (`3 days before` compares calendar days).
    public var precision: DatePrecision {
        switch self {
        case .year: return .year
        case .month: return .month
        case .week, .day: return .day
        case .hour: return .hour
        case .minute: return .minute
        case .second: return .second
        case .millisecond: return .millisecond
        }
    }
}

struct DigitReader {
    var bytes: [UInt8]
    var i = 0
    var atEnd: Bool { i == bytes.count }
    var rest: ArraySlice<UInt8> { bytes[i...] }

    mutating func number(_ n: Int) -> Int? {
        guard i + n <= bytes.count else { return nil }
        var v = 0
        for k in 0..<n {
            let c = bytes[i + k]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        // A longer run of digits is malformed (`@20250`), not a shorter number.
        if i + n < bytes.count, bytes[i + n] >= 0x30, bytes[i + n] <= 0x39 { return nil }
        i += n
        return v
    }

    mutating func fraction() -> (Int, Int)? {
        var v = 0, n = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39, n < 9 {
            v = v * 10 + Int(bytes[i] - 0x30); n += 1; i += 1
        }
        return n == 0 ? nil : (v, n)
    }

    mutating func take(_ s: Character) -> Bool {
        if i < bytes.count, bytes[i] == s.asciiValue! { i += 1; return true }
        return false
    }

    mutating func sign() -> Int? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}

func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }

public func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

public func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

public func daysInMonth(_ y: Int, _ m: Int) -> Int {
    switch m {
    case 2: return isLeapYear(y) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
public func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
    let y = m <= 2 ? y0 - 1 : y0
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146097 + doe - 719468
}

public func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
    let z = z0 + 719468
    let era = (z >= 0 ? z : z - 146096) / 146097
    let doe = z - era * 146097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp + (mp < 10 ? 3 : -9)
    return (m <= 2 ? y + 1 : y, m, d)
}
