import Foundation

/// A growable byte buffer that rows and resources are written into, with fixed formatting for
/// numbers and dates (no locale, no `String(format:)`), so output is byte-for-byte reproducible.
struct Bytes {
    var b: [UInt8] = []

    init(capacity: Int = 0) { b.reserveCapacity(capacity) }

    var count: Int { b.count }

    @inline(__always) mutating func byte(_ c: UInt8) { b.append(c) }
    @inline(__always) mutating func s(_ text: String) { b.append(contentsOf: text.utf8) }
    @inline(__always) mutating func s(_ text: Substring) { b.append(contentsOf: text.utf8) }
    @inline(__always) mutating func comma() { b.append(0x2C) }
    @inline(__always) mutating func newline() { b.append(0x0A) }
    /// `n` empty CSV fields (n commas).
    @inline(__always) mutating func commas(_ n: Int) { for _ in 0..<n { b.append(0x2C) } }

    mutating func int(_ v: Int) {
        if v < 0 { b.append(0x2D); int(-v); return }
        var div = 1
        while div <= v / 10 { div *= 10 }
        var x = v
        while div > 0 { b.append(0x30 + UInt8(x / div)); x %= div; div /= 10 }
    }

    /// Zero-padded to `width` digits.
    mutating func padded(_ v: Int, _ width: Int) {
        var w = 1, x = v
        while x >= 10 { x /= 10; w += 1 }
        if w < width { for _ in 0..<(width - w) { b.append(0x30) } }
        int(v)
    }

    /// `YYYY-MM-DD`.
    mutating func date(_ day: Int) {
        let c = Cal.civil(day)
        padded(c.y, 4); b.append(0x2D); padded(c.m, 2); b.append(0x2D); padded(c.d, 2)
    }

    /// `YYYY-MM-DDThh:mm:00.000Z` (UTC instant, as the eCQM test data writes them).
    mutating func instant(_ day: Int, _ minute: Int) {
        date(day)
        b.append(0x54)
        padded(minute / 60, 2); b.append(0x3A); padded(minute % 60, 2)
        s(":00.000Z")
    }

    /// `YYYY-MM-DD hh:mm:00` style date-time for CSV (ISO 8601 with a `T`).
    mutating func csvDateTime(_ day: Int, _ minute: Int) {
        date(day)
        b.append(0x54)
        padded(minute / 60, 2); b.append(0x3A); padded(minute % 60, 2)
        s(":00")
    }

    /// Dollars with two decimals from cents: `1234.50`.
    mutating func money(_ cents: Int) {
        if cents < 0 { b.append(0x2D); money(-cents); return }
        int(cents / 100); b.append(0x2E); padded(cents % 100, 2)
    }

    /// One decimal from tenths: `7.2`.
    mutating func tenths(_ v: Int) {
        if v < 0 { b.append(0x2D); tenths(-v); return }
        int(v / 10); b.append(0x2E); int(v % 10)
    }

    /// A CSV field with RFC 4180 quoting when it holds a comma, quote, CR or LF.
    mutating func csv(_ text: String) {
        var needs = false
        for c in text.utf8 where c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D { needs = true; break }
        if !needs { s(text); return }
        b.append(0x22)
        for c in text.utf8 {
            if c == 0x22 { b.append(0x22) }
            b.append(c)
        }
        b.append(0x22)
    }

    /// A JSON string literal, escaped.
    mutating func json(_ text: String) {
        b.append(0x22)
        for c in text.utf8 {
            switch c {
            case 0x22: s("\\\"")
            case 0x5C: s("\\\\")
            case 0x0A: s("\\n")
            case 0x0D: s("\\r")
            case 0x09: s("\\t")
            case 0..<0x20:
                s("\\u00"); let hex: [UInt8] = Array("0123456789abcdef".utf8)
                b.append(hex[Int(c >> 4)]); b.append(hex[Int(c & 15)])
            default: b.append(c)
            }
        }
        b.append(0x22)
    }

    // CSV row building: each field is followed by a comma; `endRow` turns the last one into a newline.
    @inline(__always) mutating func f(_ text: String) { csv(text); comma() }
    @inline(__always) mutating func raw(_ text: String) { s(text); comma() }
    @inline(__always) mutating func fInt(_ v: Int) { int(v); comma() }
    @inline(__always) mutating func fDate(_ day: Int) { date(day); comma() }
    @inline(__always) mutating func fMoney(_ cents: Int) { money(cents); comma() }
    @inline(__always) mutating func e(_ n: Int = 1) { commas(n) }
    @inline(__always) mutating func endRow() { b[b.count - 1] = 0x0A }

    mutating func append(_ other: Bytes) { b.append(contentsOf: other.b) }
    mutating func removeAll() { b.removeAll(keepingCapacity: true) }
}

/// A file written in large blocks.
final class OutputFile {
    let path: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw SynthError("cannot create \(path)")
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw SynthError("cannot open \(path) for writing") }
        handle = h
    }

    func write(_ bytes: Bytes) throws {
        if bytes.b.isEmpty { return }
        try bytes.b.withUnsafeBytes { raw in
            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress!),
                                              count: raw.count, deallocator: .none))
        }
    }

    func close() throws { try handle.close() }
}

public struct SynthError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
