#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyLanguage

/// Values read straight from a field's bytes: dates, numbers, flags. No String is made unless
/// the value is bad and a message has to name it.
enum ByteParse {
    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    static func digits(_ b: Bytes, _ i: Int, _ n: Int) -> Int? {
        var v = 0
        for k in i..<(i + n) {
            let d = b[k] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }

    /// A date (`YYYY-MM-DD`), or a date-time whose date part is kept (`2025-03-01T00:00:00`,
    /// `2025-03-01 00:00:00`, as SQL exports write dates). Returns the failure reason.
    static func date(_ b: Bytes) -> Result<Temporal, ParseFailure> {
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else {
            return .failure(.init("expected a date YYYY-MM-DD"))
        }
        guard (1...12).contains(m) else { return .failure(.init("month \(m) is out of range 01-12")) }
        guard d >= 1, d <= daysInMonth(y, m) else { return .failure(.init("day \(d) is out of range for \(y)-\(pad2(m))")) }
        if b.count > 10 {
            // A time part must itself be well formed, even though only the date is kept.
            guard b[10] == 0x54 || b[10] == 0x20, case .success = dateTime(b) else {
                return .failure(.init("expected a date YYYY-MM-DD"))
            }
        }
        return .success(Temporal.date(y, m, d))
    }

    /// An ISO 8601 date or date-time (`T` or a space before the time; seconds, fraction and a
    /// `Z` or `±hh:mm` offset optional; no offset means UTC). The value is a DateTime (never
    /// `isDate`), at the precision given.
    static func dateTime(_ b: Bytes) -> Result<Temporal, ParseFailure> {
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else {
            return .failure(.init("expected a date-time YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|±hh:mm]"))
        }
        guard (1...12).contains(m) else { return .failure(.init("month \(m) is out of range 01-12")) }
        guard d >= 1, d <= daysInMonth(y, m) else { return .failure(.init("day \(d) is out of range for \(y)-\(pad2(m))")) }
        if b.count == 10 { return .success(Temporal(year: y, month: m, day: d, precision: .day, isDate: false)) }
        let bad = ParseFailure("expected a date-time YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|±hh:mm]")
        guard b[10] == 0x54 || b[10] == 0x20, b.count >= 16, b[13] == 0x3A, let h = digits(b, 11, 2), let mi = digits(b, 14, 2) else {
            return .failure(bad)
        }
        guard h <= 23, mi <= 59 else { return .failure(.init("time \(pad2(h)):\(pad2(mi)) is out of range")) }
        var i = 16
        var s = 0, ms = 0
        var precision = DatePrecision.minute
        if i < b.count, b[i] == 0x3A {
            guard i + 3 <= b.count, let sec = digits(b, i + 1, 2), sec <= 59 else { return .failure(bad) }
            s = sec
            precision = .second
            i += 3
            if i < b.count, b[i] == 0x2E {
                i += 1
                var f = 0, n = 0
                while i < b.count, isDigit(b[i]) {
                    if n < 3 { f = f * 10 + Int(b[i] - 0x30) }
                    n += 1
                    i += 1
                }
                guard n > 0 else { return .failure(bad) }
                ms = n >= 3 ? f : f * (n == 1 ? 100 : 10)
                precision = .millisecond
            }
        }
        var offset = 0
        if i < b.count {
            if b[i] == 0x5A && i + 1 == b.count {
                i += 1
            } else if (b[i] == 0x2B || b[i] == 0x2D) && i + 6 == b.count && b[i + 3] == 0x3A,
                      let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2), oh <= 14, om <= 59 {
                offset = (b[i] == 0x2D ? -1 : 1) * (oh * 60 + om)
                i += 6
            } else {
                return .failure(bad)
            }
        }
        var t = Temporal(year: y, month: m, day: d, hour: h, minute: mi, second: s, millisecond: ms, precision: precision, isDate: false)
        t.millis -= Int64(offset) * 60_000
        return .success(t)
    }

    /// A month as `YYYYMM` (the Tuva `year_month`) or `YYYY-MM`: its first and last days.
    static func month(_ b: Bytes) -> (Temporal, Temporal)? {
        var y: Int?, m: Int?
        if b.count == 6 { y = digits(b, 0, 4); m = digits(b, 4, 2) } else if b.count == 7, b[4] == 0x2D { y = digits(b, 0, 4); m = digits(b, 5, 2) }
        guard let year = y, let mo = m, (1...12).contains(mo) else { return nil }
        return (Temporal.date(year, mo, 1), Temporal.date(year, mo, daysInMonth(year, mo)))
    }

    static let pow10: [Double] = (0...22).map { (0..<$0).reduce(1.0) { r, _ in r * 10 } }

    /// A decimal number (`12`, `-3.50`, `.5`, `1e3`). Nil when the text is not a number.
    static func double(_ b: Bytes) -> Double? {
        let n = b.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if b[0] == 0x2D || b[0] == 0x2B { negative = b[0] == 0x2D; i = 1 }
        var mantissa: UInt64 = 0
        var digitCount = 0, fraction = 0
        var sawDot = false
        while i < n {
            let c = b[i]
            if isDigit(c) {
                if digitCount < 19 { mantissa = mantissa * 10 + UInt64(c - 0x30); digitCount += 1; if sawDot { fraction += 1 } }
                else { return slowDouble(b) }
            } else if c == 0x2E && !sawDot {
                sawDot = true
            } else if c == 0x65 || c == 0x45 {
                return slowDouble(b)
            } else {
                return nil
            }
            i += 1
        }
        guard digitCount > 0 else { return nil }
        if mantissa < (1 << 53) && fraction <= 22 {
            let v = Double(mantissa) / pow10[fraction]
            return negative ? -v : v
        }
        return slowDouble(b)
    }

    /// Numbers the fast path does not take (exponents, more than 19 digits): checked against the
    /// decimal grammar, then read by `strtod`.
    static func slowDouble(_ b: Bytes) -> Double? {
        var i = 0
        let n = b.count
        if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        var mant = 0
        while i < n, isDigit(b[i]) { i += 1; mant += 1 }
        if i < n, b[i] == 0x2E { i += 1; while i < n, isDigit(b[i]) { i += 1; mant += 1 } }
        guard mant > 0 else { return nil }
        if i < n, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < n, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            var e = 0
            while i < n, isDigit(b[i]) { i += 1; e += 1 }
            guard e > 0 else { return nil }
        }
        guard i == n else { return nil }
        var text = [CChar](repeating: 0, count: n + 1)
        for k in 0..<n { text[k] = CChar(bitPattern: b[k]) }
        let v = strtod(text, nil)
        return v.isFinite ? v : nil
    }

    /// An amount in dollars as a fixed-point count of 1/10 000 dollars, so sums are exact and do
    /// not depend on the order lines are added. More decimals are rounded half away from zero.
    static func amount(_ b: Bytes) -> Int64? {
        let n = b.count
        guard n > 0 else { return nil }
        var i = 0
        var negative = false
        if b[0] == 0x2D || b[0] == 0x2B { negative = b[0] == 0x2D; i = 1 }
        var whole: Int64 = 0, frac: Int64 = 0
        var fracDigits = 0, digitCount = 0
        var sawDot = false
        var roundUp = false
        while i < n {
            let c = b[i]
            if isDigit(c) {
                digitCount += 1
                if !sawDot {
                    // Up to ten trillion dollars: more is not an amount (and would overflow).
                    guard whole < 1_000_000_000_000 else { return nil }
                    whole = whole * 10 + Int64(c - 0x30)
                } else if fracDigits < 4 {
                    frac = frac * 10 + Int64(c - 0x30)
                    fracDigits += 1
                } else if fracDigits == 4 {
                    roundUp = c >= 0x35
                    fracDigits += 1
                }
            } else if c == 0x2E && !sawDot {
                sawDot = true
            } else if c == 0x65 || c == 0x45 {
                guard let d = slowDouble(b), abs(d) < 1e13 else { return nil }
                return Int64((d * 10_000).rounded(.toNearestOrAwayFromZero))
            } else {
                return nil
            }
            i += 1
        }
        guard digitCount > 0 else { return nil }
        for _ in min(fracDigits, 4)..<4 { frac *= 10 }
        var v = whole * 10_000 + frac + (roundUp ? 1 : 0)
        if negative { v = -v }
        return v
    }

    static func dollars(_ fixed: Int64) -> Double { Double(fixed) / 10_000 }

    /// A whole number; `30.0` is accepted (spreadsheet exports), `30.5` is not.
    static func integer(_ b: Bytes) -> Int? {
        let n = b.count
        guard n > 0, n < 19 else { return nil }
        var i = 0
        var negative = false
        if b[0] == 0x2D || b[0] == 0x2B { negative = b[0] == 0x2D; i = 1 }
        var v = 0, count = 0
        while i < n, isDigit(b[i]) { v = v * 10 + Int(b[i] - 0x30); i += 1; count += 1 }
        guard count > 0 else { return nil }
        if i < n {
            guard b[i] == 0x2E else { return nil }
            i += 1
            while i < n { guard b[i] == 0x30 else { return nil }; i += 1 }
        }
        return negative ? -v : v
    }

    /// A yes/no flag: 1/0, true/false, t/f, yes/no, y/n (any case). Nil when unrecognised.
    static func flag(_ b: Bytes) -> Bool? {
        switch b.count {
        case 1:
            switch lower(b[0]) {
            case 0x31, 0x79, 0x74: return true   // 1, y, t
            case 0x30, 0x6E, 0x66: return false  // 0, n, f
            default: return nil
            }
        default:
            if equalsLower(b, "true") || equalsLower(b, "yes") { return true }
            if equalsLower(b, "false") || equalsLower(b, "no") { return false }
            return nil
        }
    }

    /// Whether the bytes equal an ASCII lower-case word, ignoring the bytes' case.
    @inline(__always)
    static func equalsLower(_ b: Bytes, _ word: StaticString) -> Bool {
        guard b.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for i in 0..<b.count where lower(b[i]) != w[i] { return false }
        return true
    }

    @inline(__always)
    static func equals(_ b: Bytes, _ word: StaticString) -> Bool {
        guard b.count == word.utf8CodeUnitCount else { return false }
        return b.count == 0 || memcmp(b.baseAddress!, word.utf8Start, b.count) == 0
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

    static func string(_ b: Bytes) -> String { String(decoding: b, as: UTF8.self) }

    /// `"<bytes>-<n>"` (a claim line's id) made in one allocation: joining Strings would make
    /// one per piece longer than a small string's 15 bytes.
    static func string(_ b: Bytes, dash n: Int) -> String {
        let digits = String(n).utf8
        return String(unsafeUninitializedCapacity: b.count + 1 + digits.count) { out in
            var i = out.initialize(from: b).index
            out[i] = 0x2D
            i += 1
            for d in digits { out[i] = d; i += 1 }
            return i
        }
    }

    /// The text of a field as a message shows it (shortened when long).
    static func quoted(_ b: Bytes) -> String {
        let s = string(b)
        return "'" + (s.count > 40 ? String(s.prefix(40)) + "..." : s) + "'"
    }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

struct ParseFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// A hash table keyed by bytes (plus a small integer tag), so values repeated on many rows are
/// made once: interned strings (payer, plan, status, an NPI, a unit), codes, code types. Open
/// addressing over FNV-1a hashes; the key bytes live in one arena to compare against.
final class ByteTable<T> {
    /// All state in one struct: a lookup is one access to it (class properties read one by one
    /// would each pay a run-time exclusivity check).
    private var storage: Storage

    private struct Storage {
        var slots: [Int32]
        var mask: Int
        var values: [T] = []
        var tags: [UInt64] = []
        var offsets: [Int] = []
        var arena: [UInt8] = []

        /// The entry for the key, or the empty slot where it would go (as `-1 - slot`).
        @inline(__always)
        func find(_ b: Bytes, _ tag: UInt64) -> Int {
            var i = ByteTable.hash(b, tag) & mask
            return slots.withUnsafeBufferPointer { slots in
                arena.withUnsafeBufferPointer { arena in
                    offsets.withUnsafeBufferPointer { offsets in
                        while true {
                            let s = Int(slots[i])
                            if s < 0 { return -1 - i }
                            if tags[s] == tag {
                                let start = offsets[s]
                                let len = (s + 1 < offsets.count ? offsets[s + 1] : arena.count) - start
                                if len == b.count, len == 0 || memcmp(arena.baseAddress! + start, b.baseAddress!, len) == 0 { return s }
                            }
                            i = (i + 1) & mask
                        }
                    }
                }
            }
        }

        @inline(__always)
        func value(at i: Int) -> T { values[i] }

        mutating func insert(_ b: Bytes, _ tag: UInt64, _ v: T, at slot: Int) {
            slots[slot] = Int32(values.count)
            offsets.append(arena.count)
            arena.append(contentsOf: b)
            values.append(v)
            tags.append(tag)
            if values.count * 2 > slots.count { grow() }
        }

        mutating func grow() {
            let n = slots.count * 2
            var newSlots = [Int32](repeating: -1, count: n)
            let newMask = n - 1
            arena.withUnsafeBufferPointer { a in
                for s in 0..<values.count {
                    let start = offsets[s], end = s + 1 < offsets.count ? offsets[s + 1] : a.count
                    var i = ByteTable.hash(Bytes(rebasing: a[start..<end]), tags[s]) & newMask
                    while newSlots[i] >= 0 { i = (i + 1) & newMask }
                    newSlots[i] = Int32(s)
                }
            }
            slots = newSlots
            mask = newMask
        }
    }

    init(capacity: Int = 256) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        storage = Storage(slots: [Int32](repeating: -1, count: n), mask: n - 1)
    }

    var count: Int { storage.values.count }

    @inline(__always)
    static func hash(_ b: Bytes, _ tag: UInt64) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (tag &* 0x9E37_79B9_7F4A_7C15)
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The value stored for the bytes, made with `make` the first time (`make` may use other
    /// tables, not this one).
    @inline(__always)
    func value(_ b: Bytes, tag: UInt64 = 0, make: (Bytes) -> T) -> T {
        let found = storage.find(b, tag)
        if found >= 0 { return storage.value(at: found) }
        let v = make(b)
        storage.insert(b, tag, v, at: -1 - found)
        return v
    }
}

/// Interned strings: one String per distinct value.
final class Interner {
    private let table = ByteTable<String>(capacity: 1024)

    @inline(__always)
    func intern(_ b: Bytes) -> String {
        if b.isEmpty { return "" }
        // Short strings too: Swift stores up to 15 UTF-8 bytes inline (no allocation), but making
        // one still validates the bytes, which costs about twice a lookup of a repeated value.
        return table.value(b) { String(decoding: $0, as: UTF8.self) }
    }
}

extension String {
    /// The string left-padded with zeros to `n` characters.
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// A value made from the last bytes seen, reused while the same bytes come again: rows of one
/// member repeat their ids and most values, and comparing bytes costs less than a lookup.
struct RepeatedBytes<Value> {
    /// The last bytes seen (empty before the first).
    private(set) var bytes: [UInt8] = []
    private var value: Value?

    /// The value kept for these bytes; nil when they differ from the last ones (or nothing is kept).
    @inline(__always)
    func value(for b: Bytes) -> Value? {
        guard let value, b.count == bytes.count,
              b.isEmpty || bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) else { return nil }
        return value
    }

    mutating func set(_ b: Bytes, _ v: Value) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: b)
        value = v
    }
}
