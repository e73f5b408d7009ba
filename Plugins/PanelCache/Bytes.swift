/// Appends the cache's primitive encodings to a byte buffer: little-endian fixed-width integers,
/// LEB128 varints (zigzag for signed values) and length-prefixed UTF-8 strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func varint(_ v: Int) { varint(UInt64(v)) }

    /// Zigzag, so small negative numbers stay short.
    mutating func signed(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }

    mutating func string(_ s: String) {
        varint(s.utf8.count)
        bytes.append(contentsOf: s.utf8)
    }

    /// An optional string: 0 for nil, else 1 and the string.
    mutating func optionalString(_ s: String?) {
        if let s { u8(1); string(s) } else { u8(0) }
    }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// Overwrites 8 bytes at `offset` (a field whose value is known only later).
    mutating func patchU64(_ v: UInt64, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for i in 0..<8 { bytes[offset + i] = raw[i] }
        }
    }
}

/// Why bytes could not be decoded, and where (an offset from the start of what was being read).
struct DecodeError: Error {
    var offset: Int
    var reason: String
}

/// Reads the cache's primitive encodings from a byte range, checking every read against its end:
/// bad bytes give a `DecodeError`, never a read outside the range.
struct ByteReader {
    let base: UnsafeRawPointer?
    let end: Int
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress.map { UnsafeRawPointer($0) }
        end = bytes.count
    }

    var remaining: Int { end - position }
    var atEnd: Bool { position == end }

    func fail(_ reason: String) -> DecodeError { DecodeError(offset: position, reason: reason) }

    @inline(__always)
    mutating func need(_ n: Int) throws {
        guard n >= 0, n <= end - position, base != nil || n == 0 else {
            throw fail("needs \(n) more bytes but only \(end - position) remain")
        }
    }

    @inline(__always)
    mutating func u8() throws -> UInt8 {
        try need(1)
        let v = base!.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return v
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        let v = UInt32(littleEndian: base!.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        position += 4
        return v
    }

    mutating func u64() throws -> UInt64 {
        try need(8)
        let v = UInt64(littleEndian: base!.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        position += 8
        return v
    }

    @inline(__always)
    mutating func varint() throws -> UInt64 {
        // Most varints (table indexes, kinds, counts) are one byte.
        if position < end, let base {
            let b = base.load(fromByteOffset: position, as: UInt8.self)
            if b < 0x80 {
                position += 1
                return UInt64(b)
            }
        }
        return try longVarint()
    }

    private mutating func longVarint() throws -> UInt64 {
        // Two or three bytes (string indexes, day numbers, cents), read without a check per byte
        // when they cannot pass the end.
        if end - position >= 3, base!.load(fromByteOffset: position, as: UInt8.self) >= 0x80 {
            let p = base! + position
            let b0 = UInt64(p.load(as: UInt8.self) & 0x7F), b1 = p.load(fromByteOffset: 1, as: UInt8.self)
            if b1 < 0x80 {
                position += 2
                return b0 | UInt64(b1) << 7
            }
            let b2 = p.load(fromByteOffset: 2, as: UInt8.self)
            if b2 < 0x80 {
                position += 3
                return b0 | UInt64(b1 & 0x7F) << 7 | UInt64(b2) << 14
            }
        }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63, b > 1 { throw fail("a varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw fail("a varint is longer than 10 bytes") }
        }
    }

    /// A varint used as a count or index: at most `limit`.
    @inline(__always)
    mutating func count(atMost limit: Int, _ what: @autoclosure () -> String) throws -> Int {
        let v = try varint()
        guard limit >= 0, v <= UInt64(limit) else {
            throw fail(limit < 0 ? "\(what()) \(v) refers to an empty table" : "\(what()) \(v) is out of range (at most \(limit))")
        }
        return Int(v)
    }

    mutating func signed() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func string() throws -> String {
        let n = try count(atMost: remaining, "a string length")
        try need(n)
        if n == 0 { return "" }
        let s = String(decoding: UnsafeRawBufferPointer(start: base! + position, count: n), as: UTF8.self)
        position += n
        return s
    }

    mutating func optionalString() throws -> String? {
        switch try u8() {
        case 0: return nil
        case 1: return try string()
        case let b: throw fail("optional-string marker \(b) is neither 0 nor 1")
        }
    }
}
