/// Numbers things the generated code keeps per member (shared by the copies of a generator).
final class SiteCounter {
    var count = 0
    func next() -> Int {
        defer { count += 1 }
        return count
    }
}

/// One member's index of a list by a date key: the items with a non-null key, their keys in
/// ascending order (equal keys in list order) with their positions in the list. Built on the
/// first query of a member and dropped by `reset(member:)`.
final class DuringIndex {
    let items: [Value]
    /// The keys at their common precision (`Temporal.key(at:)`), sorted; `positions[n]` is the
    /// item whose key is `keys[n]`.
    let keys: [Int64]
    let positions: [Int32]
    /// The precision every non-null key has; nil when there is none.
    let precision: DatePrecision?
    /// False when a key is not a date-time or the keys' precisions differ (compared, such keys
    /// may be uncertain): every query of the member then takes the general path.
    let usable: Bool

    init(items: [Value], key: Eval, slot: Int, frame f: Frame) {
        var pairs: [(key: Int64, position: Int32)] = []
        var precision: DatePrecision? = nil
        var usable = true
        forEachLent(items, to: f.locals + slot) { _, n in
            switch key(f) {
            case .null: return true
            case .temporal(let t):
                if let p = precision, p != t.precision {
                    usable = false
                    return false
                }
                precision = t.precision
                pairs.append((t.key(at: t.precision), Int32(n)))
                return true
            default:
                usable = false
                return false
            }
        }
        if usable { pairs.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position } }
        self.items = items
        self.keys = pairs.map(\.key)
        self.positions = pairs.map(\.position)
        self.precision = precision
        self.usable = usable
    }

    /// The positions, in list order, of the items whose key is in `lo ... hi` (both at the
    /// index's precision), or nil when the bounds are not at that precision.
    func positions(from lo: Temporal, to hi: Temporal) -> [Int32]? {
        guard let p = precision else { return [] }  // no key is non-null: nothing is during anything
        guard lo.precision == p, hi.precision == p else { return nil }
        let l = lo.key(at: p), h = hi.key(at: p)
        if l > h { return [] }
        let first = lowerBound { $0 >= l }, end = lowerBound { $0 > h }
        if first >= end { return [] }
        var found = Array(positions[first..<end])
        if found.count > 1 { found.sort() }
        return found
    }

    /// The first index whose key satisfies `above` (keys ascending, `above` monotone).
    private func lowerBound(_ above: (Int64) -> Bool) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if above(keys[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

extension CodeGenerator {
    /// `xs as c where key(c) during m` (unsorted, no offset or precision), `xs` the same list
    /// for the whole member (a member field, or a define that reads no `episode` and records no
    /// error), `key` a function of the item alone that records no error, `m` a local bound
    /// outside the query or a define. The member's items are indexed by key once (on the first
    /// such query); each query then finds the items of `m`'s closed date bounds by binary
    /// search and keeps them in list order, as the walk does. An item whose key is null is never
    /// during anything, so it is left out of the index. Anything the index cannot answer
    /// exactly (a key that is not a date-time, keys or bounds of different precisions, open or
    /// null bounds) goes the general way, `compileQueryInInterval`.
    func compileIndexedDuring(_ q: QueryIR) -> Eval? {
        guard let analysis, q.sort == nil, let filter = q.filter, case .timing(let spec, let x, let y, nil) = filter.ir,
              spec.relation == .during, spec.precision == nil, constant(y) == nil,
              memberConstant(q.source), readsOnlyItem(x, q.local), !analysis.mayRaise(x),
              let general = compileQueryInInterval(q) else { return nil }
        let read: ArgumentRead
        switch y.ir {
        case .local(let s) where s != q.local: read = .local(s)
        case .define(let d) where !analysis.defineMayRaise[d]: read = .define(d)
        default: return nil
        }
        let site = indexSites.next()
        let source = compile(q.source), key = compile(x), map = q.map.map(compile), slot = q.local
        return { f in
            let index: DuringIndex = f.withContext { ctx in
                if let built = ctx.indexes![site] { return unsafeDowncast(built, to: DuringIndex.self) }
                let built = DuringIndex(items: source(f).asList, key: key, slot: slot, frame: f)
                ctx.indexes![site] = built
                return built
            }
            guard index.usable, let (lo, hi) = knownTemporalBounds(at: address(f, read)!),
                  let found = index.positions(from: lo, to: hi) else { return general(f) }
            if found.isEmpty { return .list([]) }
            var kept: [Value] = []
            kept.reserveCapacity(found.count)
            index.items.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                guard let map else {
                    for n in found { kept.append(base[Int(n)]) }
                    return
                }
                let local = f.locals + slot
                local.pointee = .null
                defer { endLoan(local) }
                for n in found {
                    lend(base + Int(n), to: local)
                    kept.append(map(f))
                }
            }
            return .list(kept)
        }
    }

    /// Whether an expression has one value for the whole member: a member field, or a define
    /// that reads no `episode` and records no error.
    func memberConstant(_ t: Typed) -> Bool {
        switch t.ir {
        case .member: return true
        case .field(let base, _): return memberConstant(base)
        case .define(let d): return !checker.defines[d].usesEpisode && !(analysis?.defineMayRaise[d] ?? true)
        default: return false
        }
    }

    /// Whether an expression reads nothing that changes while a member is evaluated but the
    /// query item `local`: no other local, no `episode`, no external function, no nested query.
    func readsOnlyItem(_ t: Typed, _ local: Int) -> Bool {
        switch t.ir {
        case .local(let s): return s == local
        case .episode, .external, .query: return false
        case .define(let d): return !checker.defines[d].usesEpisode
        case .function(let i, let args): return !checker.functions[i].usesEpisode && args.allSatisfy { readsOnlyItem($0, local) }
        default: return children(t.ir).allSatisfy { readsOnlyItem($0, local) }
        }
    }
}

/// The sums of one list grouped by a string key (`CodeGenerator.groupedSum`): the list kept (so
/// its storage, compared by address, cannot be another list's), each key with its sum.
final class GroupedSums {
    private(set) var list: [Value] = []
    private(set) var base: UnsafeRawPointer? = nil
    var keys: [String] = []
    var sums: [Value] = []
    /// False when a key is neither a string nor null: the general path answers.
    var usable = true

    /// Starts over for another list, keeping the storage.
    func start(_ list: [Value], at address: UnsafeRawPointer?) {
        self.list = list
        base = address
        keys.removeAll(keepingCapacity: true)
        sums.removeAll(keepingCapacity: true)
        usable = true
    }

    func sum(of key: String) -> Value {
        for n in keys.indices where keys[n] == key { return sums[n] }
        return .null
    }
}

extension CodeGenerator {
    /// `sum(xs as c where g(c) = k return v(c))` (unsorted; `k = g(c)` too), `g` and `v`
    /// functions of the item alone that record no error, `k` not reading the item: called with
    /// several `k` over the same list (`category_paid_in(m, k)` for six categories of one
    /// month's claims), one pass sums every group and the other calls read their group's sum.
    /// The pass adds each group's values in list order, as the walk of one `k` does, so every sum
    /// is the same; an item whose key is null is in no group (`null = k` keeps nothing). The
    /// last list seen is kept per call site and member; a key that is not a string (equality of
    /// other kinds is not a plain string comparison) or a `k` that is not one sends the call to
    /// the general path.
    func groupedSum(_ q: QueryIR) -> Eval? {
        guard let analysis, q.sort == nil, let filter = q.filter, case .builtin(.equal, let operands) = filter.ir,
              operands.count == 2 else { return nil }
        let slot = q.local
        func itemFree(_ t: Typed) -> Bool {
            switch t.ir {
            case .local(let s): return s != slot
            case .define(let d): return !analysis.defineMayRaise[d]
            case .constant: return true
            default: return false
            }
        }
        let g: Typed, k: Typed
        if readsOnlyItem(operands[0], slot), itemFree(operands[1]) { (g, k) = (operands[0], operands[1]) }
        else if readsOnlyItem(operands[1], slot), itemFree(operands[0]) { (g, k) = (operands[1], operands[0]) }
        else { return nil }
        guard !analysis.mayRaise(g), q.map.map({ readsOnlyItem($0, slot) && !analysis.mayRaise($0) }) ?? true,
              !analysis.mayRaise(q.source) else { return nil }
        let site = indexSites.next()
        let source = compile(q.source), key = compile(g), wanted = compile(k), map = q.map.map(compile)
        let test = compile(filter)
        func general(_ f: Frame, _ items: [Value]) -> Value {
            var result: Value = .null
            forEachLent(items, to: f.locals + slot) { item, _ in
                if !test(f).isTrue { return true }
                let x = map.map { $0(f) } ?? item.pointee
                if !x.isNull { result = result.isNull ? x : arithmetic(result, x, sign: 1) }
                return true
            }
            return result
        }
        return { f in
            let items = source(f).asList
            guard case .string(let k) = wanted(f), !items.isEmpty else { return general(f, items) }
            let groups: GroupedSums = f.withContext { ctx in
                let address = items.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
                let made: GroupedSums
                if let kept = ctx.indexes![site] {
                    made = unsafeDowncast(kept, to: GroupedSums.self)
                    if made.base == address { return made }
                } else {
                    made = GroupedSums()
                    ctx.indexes![site] = made
                }
                made.start(items, at: address)
                forEachLent(items, to: f.locals + slot) { item, _ in
                    let g: String
                    switch key(f) {
                    case .null: return true
                    case .string(let s): g = s
                    default:
                        made.usable = false
                        return false
                    }
                    let x = map.map { $0(f) } ?? item.pointee
                    var n = 0
                    while n < made.keys.count, made.keys[n] != g { n += 1 }
                    if n == made.keys.count {
                        made.keys.append(g)
                        made.sums.append(.null)
                    }
                    if !x.isNull { made.sums[n] = made.sums[n].isNull ? x : arithmetic(made.sums[n], x, sign: 1) }
                    return true
                }
                return made
            }
            return groups.usable ? groups.sum(of: k) : general(f, items)
        }
    }
}
