/// Dates as whole days since 1970-01-01 (proleptic Gregorian, no time zones), so date
/// arithmetic is integer arithmetic and nothing ever reads the clock.
enum Cal {
    /// Days since 1970-01-01 of a civil date (Hinnant's `days_from_civil`).
    static func day(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (Hinnant's `civil_from_days`).
    static func civil(_ z: Int) -> (y: Int, m: Int, d: Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func year(_ day: Int) -> Int { civil(day).y }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// A month as a running index (year * 12 + month - 1).
    static func monthIndex(_ day: Int) -> Int { let c = civil(day); return c.y * 12 + c.m - 1 }
    static func monthStart(_ index: Int) -> Int { day(index / 12, index % 12 + 1, 1) }
    static func monthEnd(_ index: Int) -> Int { day(index / 12, index % 12 + 1, daysInMonth(index / 12, index % 12 + 1)) }

    /// Whole years from `birth` to `date` (age on that date).
    static func age(birth: Int, on date: Int) -> Int {
        let b = civil(birth), d = civil(date)
        var a = d.y - b.y
        if d.m < b.m || (d.m == b.m && d.d < b.d) { a -= 1 }
        return a
    }

    /// The same calendar day `years` later (29 February becomes 28 February).
    static func addYears(_ date: Int, _ years: Int) -> Int {
        let c = civil(date)
        return day(c.y + years, c.m, min(c.d, daysInMonth(c.y + years, c.m)))
    }
}

/// The windows the generator works in.
enum Window {
    /// Enrollment, claims and encounters cover two calendar years: a baseline year and the
    /// measurement year.
    static let start = Cal.day(2024, 1, 1)
    static let end = Cal.day(2025, 12, 31)
    static let years = [2024, 2025]
    /// The measurement period of the eCQMs.
    static let mpStart = Cal.day(2025, 1, 1)
    static let mpEnd = Cal.day(2025, 12, 31)
    /// Claims are paid after a run-out; the files carry this fixed file date and ingest time.
    static let fileDate = "2026-03-31"
    static let ingest = "2026-03-31T00:00:00Z"
}
