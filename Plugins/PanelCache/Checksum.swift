/// The checksum guarding every section of a panel cache: one lane of XXH64's round over the
/// bytes as little-endian 64-bit words, then XXH64's final avalanche. Not XXH64 itself (one
/// lane, no stripes), but fast on one core and good at catching flipped or shifted bytes, which
/// is all a cache needs; written here so the format depends on no third-party code.
/// docs/panel-cache.md gives the exact steps.
enum PanelChecksum {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always)
    static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    /// The checksum of `bytes`.
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h = p5 &+ UInt64(truncatingIfNeeded: n)
        guard let base = bytes.baseAddress else { return avalanche(h) }
        var i = 0
        while i + 8 <= n {
            var k = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            k = rotl(k &* p2, 31) &* p1
            h = rotl(h ^ k, 27) &* p1 &+ p4
            i += 8
        }
        while i < n {
            h ^= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        return avalanche(h)
    }

    static func of(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { of($0) } }

    @inline(__always)
    static func avalanche(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }
}
