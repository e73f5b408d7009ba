import TallyTestSupport
import XCTest
@testable import TallyEngine

/// Observed values keep an exact sum, so any split of the members gives the same aggregate.
final class ObservedValuesTests: XCTestCase {
    func values(_ xs: [Double], keep: Bool = false) -> ObservedValues {
        var o = ObservedValues(keepingValues: keep)
        for x in xs { o.add(x) }
        return o
    }

    func testSumIsExactAndCorrectlyRounded() {
        XCTAssertEqual(values([1e100, 1.0, -1e100]).sum, 1.0)
        XCTAssertEqual(values([0.1, 0.2, 0.3]).sum, 0.6)  // plain addition gives 0.6000000000000001
        XCTAssertEqual(values(Array(repeating: 0.1, count: 10)).sum, 1.0)
        XCTAssertEqual(values([]).sum, 0)
        XCTAssertEqual(values([1e308, 1e308]).sum, .infinity)
    }

    func testOrderAndSplitsDoNotChangeTheSum() {
        var rng = SystemRandomNumberGenerator()
        let xs = (0..<10_000).map { _ in Double(Int.random(in: 0...10_000_000, using: &rng)) / 100 * (Bool.random(using: &rng) ? 1 : 1e-3) }
        let whole = values(xs)
        for cut in [1, 37, 5_000, 9_999] {
            var merged = values(Array(xs[cut...]).reversed())
            merged.merge(values(Array(xs[..<cut])))
            XCTAssertEqual(merged.sum, whole.sum)
            XCTAssertEqual(merged.count, whole.count)
            XCTAssertEqual(merged.min, whole.min)
            XCTAssertEqual(merged.max, whole.max)
        }
        XCTAssertEqual(values(xs.shuffled()).sum, whole.sum)
    }

    func testFinishedPartialsDoNotDependOnTheOrder() {
        var g = SplitMix(seed: 7)
        let xs = (0..<2000).map { _ in Double(g.next() % 2_000_000) / 100 + 1e-3 * Double(g.next() % 7) }
        var expected: ObservedValues?
        for cut in [1, 500, 1999] {
            var merged = values(Array(xs[cut...]).reversed())
            merged.merge(values(Array(xs[..<cut]).shuffled()))
            merged.sortValues()
            if let e = expected { XCTAssertEqual(merged.partials, e.partials, "cut at \(cut)") } else { expected = merged }
            XCTAssertEqual(merged.partials.last, merged.sum)
        }
        XCTAssertEqual(ObservedValues.canonical(values([1e100, 1.0, 1e-20, -1e100]).partials), [1e-20, 1.0])
        XCTAssertEqual(ObservedValues.canonical([]), [])
    }

    func testOnlyMediansKeepValues() {
        XCTAssertNil(values([3, 1, 2]).values)
        var kept = values([3, 1], keep: true)
        kept.merge(values([2, 4], keep: true))
        XCTAssertEqual(kept.median, 2.5)
        kept.sortValues()
        XCTAssertEqual(kept.values, [1, 2, 3, 4])
        XCTAssertEqual(kept.mean, 2.5)
        XCTAssertEqual(kept.emptied.count, 0)
        XCTAssertEqual(kept.emptied.values, [])
    }

    /// A zero added to a finite non-zero sum is skipped (the exact sum is the same): the
    /// finished partials are those of the values without the zeros.
    func testZerosLeaveTheSumAsAdditionsMakeIt() {
        func finished(_ xs: [Double]) -> ObservedValues {
            var o = ObservedValues(keepingValues: false)
            for x in xs { o.add(x) }
            o.sortValues()
            return o
        }
        let withZeros = finished([0.1, 0, 0.2, -0.0, 1e100, 0, -1e100, 0])
        let without = finished([0.1, 0.2, 1e100, -1e100])
        XCTAssertEqual(withZeros.partials, without.partials)
        XCTAssertEqual(withZeros.sum, without.sum)
        XCTAssertEqual(withZeros.count, 8)
        XCTAssertEqual(withZeros.mean, without.sum / 8)
        // Finished partials of a zero sum are none: the sum is +0 however the zeros came.
        XCTAssertEqual(finished([-0.0]).partials, [])
        XCTAssertEqual(finished([-0.0, -0.0]).sum.sign, .plus)
        XCTAssertEqual(finished([2.5, -0.0, -2.5, -0.0]).partials, [])
        XCTAssertEqual(finished([1.0, -1.0, -0.0]).sum, 0)
        XCTAssertEqual(finished([.infinity, 0, 1]).sum, .infinity)
        XCTAssertTrue(finished([.infinity, -.infinity, 0]).sum.isNaN)
    }
}
