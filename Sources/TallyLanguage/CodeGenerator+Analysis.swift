/// What the code generator needs to know about bodies before it compiles them: which can record
/// a runtime error (so that their evaluation may be neither skipped nor repeated silently) and
/// which functions are worth keeping results of.
struct BodyAnalysis {
    /// Per function: its body, or a function it calls, can record a runtime error (`singleton`,
    /// `error`). Defines are not followed: a define runs once per member whatever calls it.
    private(set) var functionRaises: [Bool] = []
    /// Per define and per function: evaluating it can record a runtime error, defines followed
    /// (skipping it could lose or reorder an error).
    private(set) var defineMayRaise: [Bool] = []
    private(set) var functionMayRaise: [Bool] = []
    /// Per function: an estimate of the work of one call, in IR nodes (queries weigh more).
    private(set) var functionCost: [Int] = []
    /// Per define: its value is the same for every member (it reads no member data, no
    /// `episode`, no external function, and records no error), so a context reused member after
    /// member keeps it (`period_months`, say).
    private(set) var defineMemberIndependent: [Bool] = []

    init(_ c: Checker) {
        let nd = c.defines.count, nf = c.functions.count
        var fr = [Bool?](repeating: nil, count: nf)
        var dm = [Bool?](repeating: nil, count: nd)
        var fm = [Bool?](repeating: nil, count: nf)
        var fc = [Int?](repeating: nil, count: nf)

        func raises(_ t: Typed) -> Bool {
            switch t.ir {
            case .builtin(let b, _) where b == .singleton || b == .raiseError: return true
            case .function(let i, let args): return functionRaises(i) || args.contains(where: raises)
            default: return children(t.ir).contains(where: raises)
            }
        }
        func functionRaises(_ i: Int) -> Bool {
            if let v = fr[i] { return v }
            fr[i] = true  // recursion is rejected by the checker; stay conservative anyway
            let v = c.functions[i].typed.map(raises) ?? true
            fr[i] = v
            return v
        }
        func mayRaise(_ t: Typed) -> Bool {
            switch t.ir {
            case .builtin(let b, _) where b == .singleton || b == .raiseError: return true
            case .define(let i): return defineMayRaise(i)
            case .function(let i, let args): return functionMayRaise(i) || args.contains(where: mayRaise)
            default: return children(t.ir).contains(where: mayRaise)
            }
        }
        func defineMayRaise(_ i: Int) -> Bool {
            if let v = dm[i] { return v }
            dm[i] = true
            let v = c.defines[i].typed.map(mayRaise) ?? true
            dm[i] = v
            return v
        }
        func functionMayRaise(_ i: Int) -> Bool {
            if let v = fm[i] { return v }
            fm[i] = true
            let v = c.functions[i].typed.map(mayRaise) ?? true
            fm[i] = v
            return v
        }
        func cost(_ t: Typed) -> Int {
            switch t.ir {
            case .query(let q): return 10 + children(t.ir).reduce(0) { $0 + cost($1) } + (q.sort != nil ? 10 : 0)
            case .function(let i, let args): return 2 + functionCost(i) + args.reduce(0) { $0 + cost($1) }
            case .define: return 1
            default: return 1 + children(t.ir).reduce(0) { $0 + cost($1) }
            }
        }
        func functionCost(_ i: Int) -> Int {
            if let v = fc[i] { return v }
            fc[i] = 1000
            let v = c.functions[i].typed.map(cost) ?? 1000
            fc[i] = v
            return v
        }
        var di = [Bool?](repeating: nil, count: nd)
        var fi = [Bool?](repeating: nil, count: nf)
        func independent(_ t: Typed) -> Bool {
            switch t.ir {
            case .member, .episode, .external: return false
            case .define(let i): return defineIndependent(i)
            case .function(let i, let args): return functionIndependent(i) && args.allSatisfy(independent)
            default: return children(t.ir).allSatisfy(independent)
            }
        }
        func defineIndependent(_ i: Int) -> Bool {
            if let v = di[i] { return v }
            di[i] = false
            let v = !c.defines[i].usesEpisode && !defineMayRaise(i) && (c.defines[i].typed.map(independent) ?? false)
            di[i] = v
            return v
        }
        func functionIndependent(_ i: Int) -> Bool {
            if let v = fi[i] { return v }
            fi[i] = false
            let v = !c.functions[i].usesEpisode && (c.functions[i].typed.map(independent) ?? false)
            fi[i] = v
            return v
        }
        self.defineMemberIndependent = (0..<nd).map(defineIndependent)
        self.functionRaises = (0..<nf).map(functionRaises)
        self.defineMayRaise = (0..<nd).map(defineMayRaise)
        self.functionMayRaise = (0..<nf).map(functionMayRaise)
        self.functionCost = (0..<nf).map(functionCost)
    }

    /// Whether an expression's evaluation can record a runtime error (defines followed).
    func mayRaise(_ t: Typed) -> Bool { Self.mayRaise(t, defines: defineMayRaise, functions: functionMayRaise) }

    /// `mayRaise` from what is known of each define and function (`Program` keeps it too).
    static func mayRaise(_ t: Typed, defines: [Bool], functions: [Bool]) -> Bool {
        switch t.ir {
        case .builtin(let b, _) where b == .singleton || b == .raiseError: return true
        case .define(let i): return defines[i]
        case .function(let i, let args): return functions[i] || args.contains { mayRaise($0, defines: defines, functions: functions) }
        default: return children(t.ir).contains { mayRaise($0, defines: defines, functions: functions) }
        }
    }

    /// Functions whose results are kept per member and argument values: the ones that record no
    /// error (a kept result would not record it again) and do enough work to pay for a lookup.
    /// Calls are otherwise pure: a body reads only its arguments, the member, parameters,
    /// `episode` and defines (cached per member already).
    func memoizable(_ i: Int) -> Bool {
        !functionRaises[i] && functionCost[i] >= 12
    }
}

/// The direct sub-expressions of a node.
func children(_ ir: IR) -> [Typed] {
    switch ir {
    case .constant, .parameter, .define, .local, .member, .episode: return []
    case .field(let b, _): return [b]
    case .not(let x): return [x]
    case .and(let x, let y), .or(let x, let y), .xor(let x, let y), .implies(let x, let y): return [x, y]
    case .conditional(let c, let x, let y): return [c, x, y]
    case .caseWhen(let arms, let other): return arms.flatMap { [$0.0, $0.1] } + [other]
    case .list(let items): return items
    case .interval(let lo, _, let hi, _): return [lo, hi]
    case .query(let q): return [q.source] + [q.filter, q.sort, q.map].compactMap { $0 }
    case .timing(_, let x, let y, let offset): return [x, y] + (offset.map { [$0] } ?? [])
    case .builtin(_, let args), .external(_, let args), .function(_, let args): return args
    case .inValueSet(let x, _), .isType(let x, _), .asType(let x, _): return [x]
    }
}

/// Results of one memoized function for one member: an open-addressing table keyed by the
/// argument values, compared by identity of content (records, codes and concepts by reference,
/// numbers by bits, strings by their UTF-8 bytes): two keys match only when no expression could
/// tell the arguments apart. Probed straight from the callee's locals, so a hit copies nothing.
struct MemoTable {
    let arity: Int
    private var capacity = 0
    private var count = 0
    private var hashes: UnsafeMutablePointer<Int>? = nil  // 0: empty slot
    private var keys: UnsafeMutablePointer<Value>? = nil  // capacity * arity
    private var values: UnsafeMutablePointer<Value>? = nil
    /// The occupied slots in insertion order (`count` of them; the table is at most half
    /// full), so emptying the table visits only those.
    private var occupied: UnsafeMutablePointer<Int32>? = nil

    /// The last interval hashed as a first argument and the hash state after it. The value is
    /// kept (retained), so a first argument with the same bits is the same value (its box can
    /// not have been freed and reused): `month` passed on by call after call is hashed once.
    /// (A cell of its own, allocated on first use: the table stays a trivial struct, which
    /// `memos[i].find1` reads without retains.)
    private var lastInterval: UnsafeMutablePointer<Value>? = nil
    private var lastState: UInt64 = 0

    /// Results found and results computed since the context was made (not reset per member),
    /// and whether the table is bypassed: a function whose results are (almost) never asked for
    /// again (`category_paid_in(month, k)` in a summary run, once per month and category) is
    /// called without hashing, probing and inserting. Memoized functions are pure and record no
    /// error, so a call that runs the body gives what a kept result would.
    var hits = 0
    private(set) var misses = 0
    private(set) var bypassed = false

    init(arity: Int) { self.arity = arity }

    /// Counts a computed result: every 4,096 of them, when fewer than one call in 64 found a
    /// kept result, the table is emptied and bypassed from then on (for this context).
    @inline(__always)
    mutating func noteMiss() {
        misses += 1
        if misses & 4095 == 0, hits &* 64 < misses {
            bypassed = true
            removeAll()
        }
    }

    /// The hash state after the first argument (`memoHash` from the initial state).
    @inline(__always)
    mutating func stateAfterFirst(_ a0: UnsafePointer<Value>) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        guard case .interval = a0.pointee else {
            memoHash(a0, &h)
            return h
        }
        if let lastInterval, sameBits(a0, lastInterval) { return lastState }
        memoHash(a0, &h)
        if lastInterval == nil {
            lastInterval = .allocate(capacity: 1)
            lastInterval!.initialize(to: a0.pointee)
        } else {
            lastInterval!.pointee = a0.pointee
        }
        lastState = h
        return h
    }

    @inline(__always)
    static func hash(_ args: UnsafePointer<Value>, _ n: Int) -> Int {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for k in 0..<n { memoHash(args + k, &h) }
        return finish(h)
    }

    @inline(__always)
    static func finish(_ h: UInt64) -> Int {
        let r = Int(truncatingIfNeeded: h ^ (h >> 29))
        return r == 0 ? 1 : r
    }

    /// `find` of a one-argument function, the argument read where it is.
    @inline(__always)
    func find1(_ a0: UnsafePointer<Value>, hash: Int) -> Value? {
        guard let hashes, let keys, let values else { return nil }
        let mask = capacity - 1
        var i = hash & mask
        while hashes[i] != 0 {
            if hashes[i] == hash, memoSame(keys + i, a0) { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    /// `find` of a two-argument function, the arguments read where they are.
    @inline(__always)
    func find2(_ a0: UnsafePointer<Value>, _ a1: UnsafePointer<Value>, hash: Int) -> Value? {
        guard let hashes, let keys, let values else { return nil }
        let mask = capacity - 1
        var i = hash & mask
        while hashes[i] != 0 {
            if hashes[i] == hash, memoSame(keys + 2 * i, a0), memoSame(keys + 2 * i + 1, a1) { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    func find(_ args: UnsafePointer<Value>, hash: Int) -> Value? {
        guard let hashes, let keys, let values else { return nil }
        let mask = capacity - 1
        var i = hash & mask
        while hashes[i] != 0 {
            if hashes[i] == hash {
                let key = keys + i * arity
                var same = true
                for k in 0..<arity where !memoSame(key + k, args + k) { same = false; break }
                if same { return values[i] }
            }
            i = (i + 1) & mask
        }
        return nil
    }

    mutating func insert(_ args: UnsafePointer<Value>, hash: Int, _ v: Value) {
        if (count + 1) * 2 > capacity { grow() }
        let mask = capacity - 1
        var i = hash & mask
        while hashes![i] != 0 { i = (i + 1) & mask }
        hashes![i] = hash
        for k in 0..<arity { keys![i * arity + k] = args[k] }
        values![i] = v
        occupied![count] = Int32(truncatingIfNeeded: i)
        count += 1
    }

    private mutating func grow() {
        let old = (capacity, hashes, keys, values)
        let oldOccupied = occupied
        capacity = max(16, capacity * 2)
        occupied = .allocate(capacity: capacity / 2 + 1)
        hashes = .allocate(capacity: capacity)
        hashes!.initialize(repeating: 0, count: capacity)
        keys = .allocate(capacity: capacity * max(arity, 1))
        keys!.initialize(repeating: .null, count: capacity * max(arity, 1))
        values = .allocate(capacity: capacity)
        values!.initialize(repeating: .null, count: capacity)
        count = 0
        if let oh = old.1, let ok = old.2, let ov = old.3 {
            for i in 0..<old.0 where oh[i] != 0 { insert(ok + i * arity, hash: oh[i], ov[i]) }
            free(old.0, oh, ok, ov)
        }
        oldOccupied?.deallocate()
    }

    private func free(_ capacity: Int, _ h: UnsafeMutablePointer<Int>, _ k: UnsafeMutablePointer<Value>, _ v: UnsafeMutablePointer<Value>) {
        h.deallocate()
        k.deinitialize(count: capacity * max(arity, 1))
        k.deallocate()
        v.deinitialize(count: capacity)
        v.deallocate()
    }

    /// Forgets every result (keeps the storage).
    mutating func removeAll() {
        guard count > 0, let hashes, let keys, let values else { return }
        // Only the occupied slots hold values: those are emptied.
        guard let occupied else { return }
        for k in 0..<count {
            let i = Int(occupied[k])
            hashes[i] = 0
            if arity > 0 { (keys + i * arity).update(repeating: .null, count: arity) }
            values[i] = .null
        }
        count = 0
    }

    func release() {
        if let hashes, let keys, let values { free(capacity, hashes, keys, values) }
        occupied?.deallocate()
    }

    /// Frees the table for good (`release`, and the kept interval).
    mutating func destroy() {
        release()
        if let lastInterval {
            lastInterval.deinitialize(count: 1)
            lastInterval.deallocate()
        }
        lastInterval = nil
    }

    /// Empty for the next member: storage of a usual size is kept; a table a heavy member grew
    /// large is freed, so that light members after it do not pay for clearing it.
    mutating func reset() {
        if capacity > 1024 {
            release()
            (hashes, keys, values, occupied, capacity, count) = (nil, nil, nil, nil, 0, 0)
        } else {
            removeAll()
        }
    }
}

@inline(__always)
private func mix(_ h: inout UInt64, _ x: UInt64) {
    h = (h ^ x) &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 32
}

/// `memoHash` of a value in place: the common keys hashed without copying the value out.
@inline(__always)
func memoHash(_ p: UnsafePointer<Value>, _ h: inout UInt64) {
    switch p.pointee {
    case .record(let r): mix(&h, 11); mix(&h, UInt64(UInt(bitPattern: ObjectIdentifier(r))))
    case .code(let c): mix(&h, 7); mix(&h, UInt64(UInt(bitPattern: ObjectIdentifier(c))))
    case .integer(let i): mix(&h, 2); mix(&h, UInt64(bitPattern: Int64(i)))
    case .temporal(let t): mixTemporal(&h, t)
    case .interval(let i):
        // A month or a period: both bounds dates, hashed as `memoHash` of the value would.
        guard case .temporal(let lo) = i.low, case .temporal(let hi) = i.high else { return memoHash(p.pointee, &h) }
        mix(&h, 9)
        mixTemporal(&h, lo)
        mixTemporal(&h, hi)
        mix(&h, (i.lowClosed ? 2 : 0) | (i.highClosed ? 1 : 0))
    default: memoHash(p.pointee, &h)
    }
}

/// A date-time's part of a memo hash: its instant, precision and whether it is a date.
@inline(__always)
private func mixTemporal(_ h: inout UInt64, _ t: Temporal) {
    mix(&h, 5); mix(&h, UInt64(bitPattern: t.millis)); mix(&h, UInt64(t.precision.rawValue) << 1 | (t.isDate ? 1 : 0))
}

/// Whether two date-times are the same memo key (the same instant, precision and kind).
@inline(__always)
private func identicalTemporals(_ x: Temporal, _ y: Temporal) -> Bool {
    x.millis == y.millis && x.precision == y.precision && x.isDate == y.isDate
}

func memoHash(_ v: Value, _ h: inout UInt64) {
    switch v {
    case .null: mix(&h, 0)
    case .boolean(let b): mix(&h, b ? 11 : 12)
    case .integer(let i): mix(&h, 2); mix(&h, UInt64(bitPattern: Int64(i)))
    case .decimal(let d): mix(&h, 3); mix(&h, d.bitPattern)
    case .string(let s): memoHashString(digest: stringDigest(s), &h)
    case .temporal(let t): mixTemporal(&h, t)
    case .quantity(let q): mix(&h, 6); mix(&h, q.value.bitPattern)
    case .code(let c): mix(&h, 7); mix(&h, UInt64(UInt(bitPattern: ObjectIdentifier(c))))
    case .concept(let c): mix(&h, 8); mix(&h, UInt64(UInt(bitPattern: ObjectIdentifier(c))))
    case .interval(let i):
        mix(&h, 9); memoHash(i.low, &h); memoHash(i.high, &h); mix(&h, (i.lowClosed ? 2 : 0) | (i.highClosed ? 1 : 0))
    case .list(let xs): mix(&h, 10); mix(&h, UInt64(xs.count)); for x in xs { memoHash(x, &h) }
    case .record(let r): mix(&h, 11); mix(&h, UInt64(UInt(bitPattern: ObjectIdentifier(r))))
    }
}

/// `memoIdentical` of two values in place: the common keys (records, codes, numbers, dates)
/// compared without copying either value out of its storage.
@inline(__always)
func memoSame(_ a: UnsafePointer<Value>, _ b: UnsafePointer<Value>) -> Bool {
    // The same bits are the same value (the same record, box or buffer, both alive): an interval
    // passed on from call to call is not copied out of its box twice to be compared.
    if sameBits(a, b) { return true }
    switch a.pointee {
    case .record(let x): if case .record(let y) = b.pointee { return x === y } else { return false }
    case .code(let x): if case .code(let y) = b.pointee { return x === y } else { return false }
    case .integer(let x): if case .integer(let y) = b.pointee { return x == y } else { return false }
    case .temporal(let x):
        if case .temporal(let y) = b.pointee { return identicalTemporals(x, y) }
        return false
    case .interval(let x):
        guard case .interval(let y) = b.pointee else { return false }
        if case .temporal(let xl) = x.low, case .temporal(let xh) = x.high, case .temporal(let yl) = y.low, case .temporal(let yh) = y.high {
            return x.lowClosed == y.lowClosed && x.highClosed == y.highClosed && identicalTemporals(xl, yl) && identicalTemporals(xh, yh)
        }
        return memoIdentical(a.pointee, b.pointee)
    default: return memoIdentical(a.pointee, b.pointee)
    }
}

func memoIdentical(_ a: Value, _ b: Value) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.boolean(let x), .boolean(let y)): return x == y
    case (.integer(let x), .integer(let y)): return x == y
    case (.decimal(let x), .decimal(let y)): return x.bitPattern == y.bitPattern
    case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
    case (.temporal(let x), .temporal(let y)): return identicalTemporals(x, y)
    case (.quantity(let x), .quantity(let y)): return x.value.bitPattern == y.value.bitPattern && x.unit.utf8.elementsEqual(y.unit.utf8)
    case (.code(let x), .code(let y)): return x === y
    case (.concept(let x), .concept(let y)): return x === y
    case (.interval(let x), .interval(let y)):
        return x.lowClosed == y.lowClosed && x.highClosed == y.highClosed && memoIdentical(x.low, y.low) && memoIdentical(x.high, y.high)
    case (.list(let xs), .list(let ys)): return xs.count == ys.count && zip(xs, ys).allSatisfy { memoIdentical($0, $1) }
    case (.record(let x), .record(let y)): return x === y
    default: return false
    }
}

/// Whether two values have the same bits: then they are the same value (the same scalar, or
/// references to the same object, alive while either value is). Different bits may still be
/// the same value (`memoSame` decides).
@inline(__always)
func sameBits(_ a: UnsafePointer<Value>, _ b: UnsafePointer<Value>) -> Bool {
    let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
    let n = MemoryLayout<Value>.size
    var i = 0
    while i + 8 <= n {
        if x.load(fromByteOffset: i, as: UInt64.self) != y.load(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if x.load(fromByteOffset: i, as: UInt8.self) != y.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

/// A string's part of a memo hash: its digest, mixed in (a constant argument's digest is
/// computed once, when the call is compiled).
@inline(__always)
func memoHashString(digest: UInt64, _ h: inout UInt64) {
    mix(&h, 4)
    mix(&h, digest)
}

/// FNV-1a of a string's first 24 UTF-8 bytes (longer strings share a digest when those agree:
/// keys are still compared in full).
func stringDigest(_ s: String) -> UInt64 {
    var d: UInt64 = 0xCBF2_9CE4_8422_2325
    var n = 0
    for b in s.utf8 {
        d = (d ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        n += 1
        if n == 24 { break }
    }
    return d
}
