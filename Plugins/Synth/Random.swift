/// Seeded pseudo-random numbers for the synthetic panel. Never the system generator: the same
/// seed must give the same bytes on every run.
///
/// Every member draws from its own stream, seeded from the run's seed and the member's index
/// (`Xoshiro256(seed:stream:)`), so members can be generated in any order, on any number of
/// threads, and still come out identical. Only integer and basic floating-point arithmetic is
/// used (no `exp`, `log` or `sin`), so results do not depend on the platform's maths library.

/// SplitMix64 (Steele, Lea and Flood), used to seed xoshiro and to mix seeds.
struct SplitMix64 {
    var state: UInt64

    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One mixed value of `value` (a stateless hash).
    static func mix(_ value: UInt64) -> UInt64 {
        var s = SplitMix64(value)
        return s.next()
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna).
struct Xoshiro256 {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var sm = SplitMix64(seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// An independent stream for one member (or one table) of a run.
    init(seed: UInt64, stream: UInt64) {
        self.init(seed: SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x5EED)))
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always) mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always) mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    @inline(__always) mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// Uniform integer in `range` (Lemire's multiply-shift; the bias is below 2^-32 for the small
    /// ranges used here).
    @inline(__always) mutating func int(_ range: ClosedRange<Int>) -> Int {
        let n = UInt64(range.upperBound - range.lowerBound + 1)
        let hi = ((next() >> 32) &* n) >> 32
        return range.lowerBound + Int(hi)
    }

    /// Uniform integer in `0..<n`.
    @inline(__always) mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : int(0...(n - 1)) }

    /// An approximately normal value: the Irwin-Hall sum of twelve uniforms, minus six (exactly
    /// mean 0, variance 1, bounded to ±6 sd). Plain arithmetic, so portable.
    mutating func normal(_ mean: Double, _ sd: Double) -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += uniform() }
        return mean + sd * (sum - 6)
    }

    /// A count with mean `mean`: binomial(n, mean/n) with n large enough to look Poisson.
    mutating func count(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let n = max(12, Int(mean * 6) + 1)
        let p = mean / Double(n)
        var k = 0
        for _ in 0..<n where uniform() < p { k += 1 }
        return k
    }

    /// An index chosen with the given weights (which need not sum to one).
    mutating func weighted(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var x = uniform() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// A multiplier in [1 - spread, 1 + spread].
    mutating func jitter(_ spread: Double) -> Double { 1 - spread + 2 * spread * uniform() }
}
