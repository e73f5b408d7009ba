/// The values of one measure observation over a panel, kept as its aggregate needs them: every
/// value for a median; otherwise only the count, an exact sum, the minimum and the maximum, so a
/// million members' member months cost a few bytes, not a list.
///
/// The sum is exact (Shewchuk's non-overlapping partials, as Python's `math.fsum`): it is the
/// correctly rounded sum of the values whatever order they were added or merged in, so a panel
/// split into parts, threads or shards gives the same figure to the last bit.
public struct ObservedValues: Sendable, Codable, Equatable {
    public private(set) var count = 0
    /// Exact-sum partials, smallest magnitude first (their exact total is the sum).
    public private(set) var partials: [Double] = []
    public private(set) var min: Double?
    public private(set) var max: Double?
    /// Every value, sorted when summaries are final; nil unless the aggregate is a median.
    public private(set) var values: [Double]?

    public init(keepingValues: Bool) { values = keepingValues ? [] : nil }

    /// The same kind of record with nothing observed.
    public var emptied: ObservedValues { ObservedValues(keepingValues: values != nil) }

    public mutating func add(_ x: Double) {
        count += 1
        // A zero leaves the exact sum as it is: skipped when the sum is finite and non-zero (so
        // the sign of a zero sum, and non-finite sums, are as the additions make them). Partials
        // are made canonical before they are read, from the exact sum alone.
        if x != 0 || !Self.isFiniteNonZero(partials) { addToSum(x) }
        min = Swift.min(min ?? x, x)
        max = Swift.max(max ?? x, x)
        values?.append(x)
    }

    public mutating func merge(_ o: ObservedValues) {
        count += o.count
        for p in o.partials { addToSum(p) }
        if let m = o.min { min = Swift.min(min ?? m, m) }
        if let m = o.max { max = Swift.max(max ?? m, m) }
        if let v = o.values { values = (values ?? []) + v }
    }

    /// Sorts the kept values and writes the partials in their canonical form (once every merge
    /// is done), so summaries do not depend on how the members were split: partials of the same
    /// exact sum differ with the order of the additions.
    public mutating func sortValues() {
        values?.sort()
        partials = Self.canonical(partials)
    }

    /// The one expansion of an exact sum, smallest magnitude first: the correctly rounded sum,
    /// then the correctly rounded sum of what remains, and so on, until nothing remains.
    static func canonical(_ partials: [Double]) -> [Double] {
        guard partials.allSatisfy(\.isFinite) else { return partials }
        var rest = ObservedValues(keepingValues: false)
        rest.partials = partials
        var terms: [Double] = []
        while rest.partials.contains(where: { $0 != 0 }), terms.count < 80 {  // a double sum has at most ~40
            let term = rest.sum
            terms.append(term)
            rest.addToSum(-term)
        }
        return terms.reversed()
    }

    /// The correctly rounded sum.
    public var sum: Double {
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var hi = partials[n]
        var lo = 0.0
        while n > 0 {
            n -= 1
            let x = hi, y = partials[n]
            hi = x + y
            lo = y - (hi - x)
            if lo != 0 { break }
        }
        // Round half-even across the remaining partials, as fsum does.
        if n > 0, (lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0) {
            let y = lo * 2, x = hi + y
            if y == x - hi { hi = x }
        }
        return hi
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }

    public var median: Double? {
        guard let xs = values?.sorted(), !xs.isEmpty else { return nil }
        return xs.count % 2 == 1 ? xs[xs.count / 2] : (xs[xs.count / 2 - 1] + xs[xs.count / 2]) / 2
    }

    /// Whether the partials hold a finite, non-zero sum (their largest, the last, is non-zero).
    @inline(__always)
    static func isFiniteNonZero(_ partials: [Double]) -> Bool {
        guard let last = partials.last, last != 0 else { return false }
        return partials.allSatisfy(\.isFinite)
    }

    /// Adds to the partials without rounding error (Shewchuk's grow-expansion). A non-finite value
    /// makes the sum non-finite, as plain addition would.
    private mutating func addToSum(_ value: Double) {
        guard value.isFinite, partials.allSatisfy(\.isFinite) else {
            partials = [(partials.first ?? 0) + value]
            return
        }
        var x = value
        var i = 0
        for j in partials.indices {
            var y = partials[j]
            if abs(x) < abs(y) { swap(&x, &y) }
            let hi = x + y
            guard hi.isFinite else {  // overflow: the sum is infinite, as plain addition gives
                partials = [hi]
                return
            }
            let lo = y - (hi - x)
            if lo != 0 {
                partials[i] = lo
                i += 1
            }
            x = hi
        }
        // The partials kept are `partials[..<i]`, then `x`: written in place, the array shortened
        // only when partials cancelled (the usual addition leaves no slot to remove).
        if i < partials.count {
            partials[i] = x
            if i + 1 < partials.count { partials.removeSubrange((i + 1)...) }
        } else {
            partials.append(x)
        }
    }
}
