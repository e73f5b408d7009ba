import TallyLanguage
import XCTest

/// `Temporal.truncated(to:)` at day precision or finer and `compare` of two values of one
/// precision take short cuts; they give what the calendar conversion and the general comparison
/// give, before 1970 too.
final class TemporalFastPathTests: XCTestCase {
    func samples() -> [Temporal] {
        var out: [Temporal] = []
        let millis: [Int64] = [0, 1, -1, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 1_735_689_600_000, 1_735_775_999_999,
                               1_767_225_599_999, -2_208_988_800_123, 951_782_400_000 + 3_723_004, 4_102_444_800_000 - 1]
        for m in millis {
            for p in DatePrecision.allCases {
                out.append(Temporal(millis: m, precision: p, isDate: p <= .day))
            }
        }
        return out
    }

    /// The rule before the short cut: civil parts rebuilt, the parts below the precision dropped.
    func truncatedByParts(_ t: Temporal, _ p: DatePrecision) -> Temporal {
        let x = t.parts
        let q = min(p, t.precision)
        return Temporal(year: x.year, month: q >= .month ? x.month : 1, day: q >= .day ? x.day : 1,
                        hour: q >= .hour ? x.hour : 0, minute: q >= .minute ? x.minute : 0,
                        second: q >= .second ? x.second : 0, millisecond: q >= .millisecond ? x.millisecond : 0,
                        precision: q, isDate: q <= .day)
    }

    /// The comparison rule without the short cut.
    func compareGeneral(_ a: Temporal, _ b: Temporal, _ precision: DatePrecision?) -> Int? {
        let wanted = precision ?? .millisecond
        let common = min(wanted, a.precision, b.precision)
        let x = a.key(at: common), y = b.key(at: common)
        if x != y { return x < y ? -1 : 1 }
        if common >= wanted { return 0 }
        return precision == nil && a.precision == b.precision ? 0 : nil
    }

    func testTruncatedMatchesCivilParts() {
        for t in samples() {
            for p in DatePrecision.allCases {
                XCTAssertEqual(t.truncated(to: p), truncatedByParts(t, p), "\(t.millis) \(t.precision) to \(p)")
            }
        }
    }

    func testCompareMatchesTheGeneralRule() {
        let all = samples()
        for a in all {
            for b in all {
                XCTAssertEqual(a.compare(b), compareGeneral(a, b, nil))
                XCTAssertEqual(a.compare(b, at: .day), compareGeneral(a, b, .day))
            }
        }
    }
}
