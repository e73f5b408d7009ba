/// Interval boundaries with uncertainty, and the timing relations built on them.
///
/// A boundary is known, the beginning or end of time, or unknown. An unknown start lies
/// somewhere between the beginning of time and the interval's end; an unknown end between its
/// start and the end of time. A comparison is true when it holds for every possible value,
/// false when it fails for every one, and null otherwise.

enum Point {
    case min, known(Value), max
}

struct Bound {
    var lo: Point
    var hi: Point
    init(_ p: Point) { lo = p; hi = p }
    init(lo: Point, hi: Point) { self.lo = lo; self.hi = hi }
}

func comparePoints(_ a: Point, _ b: Point, _ p: DatePrecision?) -> Int? {
    switch (a, b) {
    case (.min, .min), (.max, .max): return 0
    case (.min, _), (_, .max): return -1
    case (.max, _), (_, .min): return 1
    case (.known(let x), .known(let y)): return Value.compare(x, y, precision: p)
    }
}

/// The next or previous representable point, used to close an open bound.
func step(_ v: Value, by direction: Int) -> Value {
    switch v {
    case .integer(let i): return .integer(i + direction)
    case .decimal(let d): return .decimal(d + Double(direction) * 1e-8)
    case .quantity(let q): return .quantity(Quantity(q.value + Double(direction) * 1e-8, q.unit))
    case .temporal(let t):
        let unit: CalendarUnit = [.year, .month, .day, .hour, .minute, .second, .millisecond][t.precision.rawValue]
        return .temporal(t.adding(Int64(direction), unit))
    default: return v
    }
}

/// The interval a timing operand stands for: itself, or [p, p] for a point. Nil for null.
func asInterval(_ v: Value) -> IntervalValue? {
    switch v {
    case .null: return nil
    case .interval(let i): return i
    default: return IntervalValue(point: v)
    }
}

func knownStart(_ i: IntervalValue) -> Point? {
    if i.low.isNull { return i.lowClosed ? .min : nil }
    return .known(i.lowClosed ? i.low : step(i.low, by: 1))
}

func knownEnd(_ i: IntervalValue) -> Point? {
    if i.high.isNull { return i.highClosed ? .max : nil }
    return .known(i.highClosed ? i.high : step(i.high, by: -1))
}

func startBound(_ i: IntervalValue) -> Bound {
    if let s = knownStart(i) { return Bound(s) }
    return Bound(lo: .min, hi: knownEnd(i) ?? .max)
}

func endBound(_ i: IntervalValue) -> Bound {
    if let e = knownEnd(i) { return Bound(e) }
    return Bound(lo: knownStart(i) ?? .min, hi: .max)
}

/// `a < b` (or `<=`) over uncertain boundaries.
func less(_ a: Bound, _ b: Bound, orEqual: Bool, _ p: DatePrecision?) -> Bool? {
    if let c = comparePoints(a.hi, b.lo, p), orEqual ? c <= 0 : c < 0 { return true }
    if let c = comparePoints(a.lo, b.hi, p), orEqual ? c > 0 : c >= 0 { return false }
    return nil
}

func equalBounds(_ a: Bound, _ b: Bound, _ p: DatePrecision?) -> Bool? {
    if let c = comparePoints(a.hi, b.lo, p), c < 0 { return false }
    if let c = comparePoints(b.hi, a.lo, p), c < 0 { return false }
    if comparePoints(a.lo, a.hi, p) == 0, comparePoints(b.lo, b.hi, p) == 0, comparePoints(a.lo, b.lo, p) == 0 { return true }
    return nil
}

func shift(_ b: Bound, _ amount: Quantity, sign: Int) -> Bound? {
    func move(_ p: Point) -> Point? {
        guard case .known(let v) = p else { return p }
        return add(v, amount, sign: sign).map { .known($0) }
    }
    guard let lo = move(b.lo), let hi = move(b.hi) else { return nil }
    return Bound(lo: lo, hi: hi)
}

/// Adds (or subtracts) a quantity to a date-time or a number; nil when the units do not fit.
func add(_ v: Value, _ q: Quantity, sign: Int) -> Value? {
    switch v {
    case .temporal(let t):
        guard let unit = CalendarUnit(unit: q.unit) else { return nil }
        let whole = Int64(q.value.rounded(.towardZero))
        return .temporal(t.adding(Int64(sign) * whole, unit))
    case .quantity(let x):
        guard let y = convert(q.value, from: q.unit, to: x.unit) else { return nil }
        return .quantity(Quantity(x.value + Double(sign) * y, x.unit))
    case .integer(let i) where q.unit == "1": return .integer(i + sign * Int(q.value))
    default: return nil
    }
}

/// The closed, known boundaries of a date-time point or interval, or nil when a boundary is
/// open, null or not a date-time (those go through the general path).
@inline(__always)
func knownTemporalBounds(_ v: Value) -> (Temporal, Temporal)? {
    withUnsafePointer(to: v) { knownTemporalBounds(at: $0) }
}

/// The common case without offsets: both operands have known, closed date-time bounds.
@inline(__always)
func fastTiming(_ phrase: TimingSpec, _ left: Value, _ right: Value) -> Value? {
    guard let a = knownTemporalBounds(left), let b = knownTemporalBounds(right) else { return nil }
    return fastTiming(phrase, a, b)
}

/// `knownTemporalBounds` of a value read in place (a local holding an interval, say).
@inline(__always)
func knownTemporalBounds(at p: UnsafePointer<Value>) -> (Temporal, Temporal)? {
    switch p.pointee {
    case .temporal(let t): return (t, t)
    case .interval(let i):
        guard i.lowClosed, i.highClosed, case .temporal(let lo) = i.low, case .temporal(let hi) = i.high else { return nil }
        return (lo, hi)
    default: return nil
    }
}

/// A timing phrase without offset whose right side is read in place, with that side's known
/// bounds read once by the caller: the fast comparison when both sides have them, else the
/// general evaluation.
@inline(__always)
func timing(_ phrase: TimingSpec, _ left: Value, right: UnsafePointer<Value>, bounds: (Temporal, Temporal)?) -> Value {
    if let b = bounds, let a = knownTemporalBounds(left), let v = fastTiming(phrase, a, b) { return v }
    return evaluateTiming(phrase, left, right.pointee, offset: .null)
}

/// `fastTiming` of operands whose known temporal bounds were read already.
@inline(__always)
func fastTiming(_ phrase: TimingSpec, _ a: (Temporal, Temporal), _ b: (Temporal, Temporal)) -> Value? {
    var (aS, aE) = a
    let (bS, bE) = b
    if let side = phrase.leftBoundary {
        if side == .start { aE = aS } else { aS = aE }
    }
    let p = phrase.precision
    @inline(__always) func le(_ x: Temporal, _ y: Temporal) -> Bool? { x.compare(y, at: p).map { $0 <= 0 } }
    @inline(__always) func lt(_ x: Temporal, _ y: Temporal) -> Bool? { x.compare(y, at: p).map { $0 < 0 } }
    let r: Bool?
    switch phrase.relation {
    case .during: r = threeValuedAnd(le(bS, aS), le(aE, bE))
    case .includes: r = threeValuedAnd(le(aS, bS), le(bE, aE))
    case .overlaps: r = threeValuedAnd(le(aS, bE), le(bS, aE))
    case .before: r = lt(aE, bS)
    case .onOrBefore, .sameOrBefore: r = le(aE, bS)
    case .after: r = lt(bE, aS)
    case .onOrAfter, .sameOrAfter: r = le(bE, aS)
    default: return nil
    }
    return Value(r)
}

/// Evaluates a timing phrase on two operands (points or intervals).
func evaluateTiming(_ phrase: TimingSpec, _ left: Value, _ right: Value, offset: Value) -> Value {
    if offset.isNull, let v = fastTiming(phrase, left, right) { return v }
    guard let a = asInterval(left), let b = asInterval(right) else { return .null }
    var aS = startBound(a), aE = endBound(a)
    if let side = phrase.leftBoundary {
        // `starts ...` / `ends ...` compare one boundary of the left operand as a point.
        let point = side == .start ? aS : aE
        aS = point
        aE = point
    }
    let bS = startBound(b), bE = endBound(b)
    let p = phrase.precision
    func lt(_ x: Bound, _ y: Bound, eq: Bool = false) -> Bool? { less(x, y, orEqual: eq, p) }
    let q: Quantity?
    if case .quantity(let qq) = offset { q = qq } else { q = nil }

    switch phrase.relation {
    case .during:
        return Value(threeValuedAnd(lt(bS, aS, eq: true), lt(aE, bE, eq: true)))
    case .includes:
        return Value(threeValuedAnd(lt(aS, bS, eq: true), lt(bE, aE, eq: true)))
    case .overlaps:
        return Value(threeValuedAnd(lt(aS, bE, eq: true), lt(bS, aE, eq: true)))
    case .before, .onOrBefore:
        guard let q else { return Value(lt(aE, bS, eq: phrase.relation == .onOrBefore)) }
        guard let target = shift(bS, q, sign: -1) else { return .null }
        switch phrase.offsetMode {
        case .exactly: return Value(equalBounds(aE, target, p ?? CalendarUnit(unit: q.unit)?.precision))
        case .orMore: return Value(lt(aE, target, eq: true))
        case .orLess: return Value(threeValuedAnd(lt(target, aE, eq: true), lt(aE, bS)))
        }
    case .after, .onOrAfter:
        guard let q else { return Value(lt(bE, aS, eq: phrase.relation == .onOrAfter)) }
        guard let target = shift(bE, q, sign: 1) else { return .null }
        switch phrase.offsetMode {
        case .exactly: return Value(equalBounds(aS, target, p ?? CalendarUnit(unit: q.unit)?.precision))
        case .orMore: return Value(lt(target, aS, eq: true))
        case .orLess: return Value(threeValuedAnd(lt(aS, target, eq: true), lt(bE, aS)))
        }
    case .sameAs:
        return Value(threeValuedAnd(equalBounds(aS, bS, p), equalBounds(aE, bE, p)))
    case .sameOrBefore:
        return Value(lt(aE, bS, eq: true))
    case .sameOrAfter:
        return Value(lt(bE, aS, eq: true))
    case .within:
        guard let q, let lo = shift(bS, q, sign: -1), let hi = shift(bE, q, sign: 1) else { return .null }
        return Value(threeValuedAnd(lt(aS, hi, eq: true), lt(lo, aE, eq: true)))
    }
}

/// A timing phrase with its offset compiled separately.
public struct TimingSpec: Sendable {
    public var leftBoundary: Boundary?
    public var relation: TimingPhrase.Relation
    public var precision: DatePrecision?
    public var offsetMode: TimingPhrase.OffsetMode
}

/// `startValue` of a value read in place: a closed date bound is returned without copying the
/// interval out of its storage.
@inline(__always)
func startValue(at p: UnsafePointer<Value>) -> Value {
    if case .interval(let i) = p.pointee, i.lowClosed, case .temporal(let t) = i.low { return .temporal(t) }
    return startValue(p.pointee)
}

/// `endValue` of a value read in place.
@inline(__always)
func endValue(at p: UnsafePointer<Value>) -> Value {
    if case .interval(let i) = p.pointee, i.highClosed, case .temporal(let t) = i.high { return .temporal(t) }
    return endValue(p.pointee)
}

/// The start of a point or interval as a value: null when unknown, the interval's null bound
/// when unbounded (callers see null either way).
func startValue(_ v: Value) -> Value {
    guard let i = asInterval(v) else { return .null }
    if case .known(let x) = startBound(i).lo, case .known = startBound(i).hi { return x }
    return .null
}

func endValue(_ v: Value) -> Value {
    guard let i = asInterval(v) else { return .null }
    if case .known(let x) = endBound(i).hi, case .known = endBound(i).lo { return x }
    return .null
}
