/// Built-ins compiled without building an argument array, and aggregates over a query fused
/// with it (no intermediate list). Each fast path computes exactly what `applyBuiltin` does.

/// One-argument built-ins that need no evaluation context.
func unaryFastPath(_ b: Builtin) -> ((Value) -> Value)? {
    switch b {
    case .start: return startValue
    case .end: return endValue
    case .exists:
        return { x in
            if case .list(let xs) = x { return .boolean(xs.contains { !$0.isNull }) }
            return .boolean(!x.isNull)
        }
    case .count:
        return { x in
            switch x {
            case .list(let xs): return .integer(xs.reduce(0) { $0 + ($1.isNull ? 0 : 1) })
            case .null: return .integer(0)
            default: return .integer(1)
            }
        }
    case .isNull: return { x in .boolean(x.isNull) }
    case .isNotNull: return { x in .boolean(!x.isNull) }
    case .first: return { x in x.asList.first ?? .null }
    case .last: return { x in x.asList.last ?? .null }
    case .sum: return { x in sum(x.asList) }
    case .dateOf:
        return { x in
            guard case .temporal(let t) = x else { return .null }
            return .temporal(t.truncated(to: .day))
        }
    case .latest:
        return { x in
            let e = endValue(x)
            return e.isNull ? startValue(x) : e
        }
    case .length:
        return { x in
            switch x {
            case .string(let s): return .integer(s.count)
            case .list(let xs): return .integer(xs.count)
            default: return .null
            }
        }
    case .coalesce:
        return { x in
            if case .list(let xs) = x { return xs.first { !$0.isNull } ?? .null }
            return x
        }
    default: return nil
    }
}

extension CodeGenerator {
    /// `exists`, `count` and `sum` of a query, fused with it. `exists` stops at the first item
    /// kept, so only when skipping the rest cannot lose a runtime error; a sort key is not
    /// evaluated when it cannot record one (order does not change these aggregates).
    func fusedQuery(_ b: Builtin, _ q: QueryIR) -> Eval? {
        guard let analysis, b == .exists || b == .count || b == .sum else { return nil }
        if let sort = q.sort, b == .sum || analysis.mayRaise(sort) { return nil }  // a sum's order is its rounding
        if b == .exists, [q.filter, q.map].contains(where: { $0.map(analysis.mayRaise) ?? false }) { return nil }
        if b == .sum, let grouped = groupedSum(q) { return grouped }
        if b != .sum, let hoisted = invariantTimingQuery(b, q) { return hoisted }
        let source = compile(q.source)
        let slot = q.local
        let filter = q.filter.map(compile)
        let map = q.map.map(compile)
        switch b {
        case .exists:
            return { f in
                var found = false
                forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                    if let filter, !filter(f).isTrue { return true }
                    found = map.map { !$0(f).isNull } ?? !item.pointee.isNull
                    return !found
                }
                return .boolean(found)
            }
        case .count:
            return { f in
                var n = 0
                forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                    if let filter, !filter(f).isTrue { return true }
                    if map.map({ !$0(f).isNull }) ?? !item.pointee.isNull { n += 1 }
                    return true
                }
                return .integer(n)
            }
        default:
            // sum: the same left-to-right additions as `sum` over the built list.
            return { f in
                var result: Value = .null
                forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                    if let filter, !filter(f).isTrue { return true }
                    let x = map.map { $0(f) } ?? item.pointee
                    if !x.isNull { result = result.isNull ? x : arithmetic(result, x, sign: 1) }
                    return true
                }
                return result
            }
        }
    }
}

extension CodeGenerator {
    /// `x in ValueSet` for the common operands, without an intermediate value: a code field of
    /// the current query item, and `code("system", text)` with a constant system, which probes a
    /// table of the value set's codes in that system with the text itself (no Code is built:
    /// the key `system|text` is in the set exactly when `text` is in the system's part of it).
    func fusedValueSetTest(_ x: Typed, _ keys: Set<String>) -> Eval? {
        guard analysis != nil else { return nil }
        if case .field(let base, let slot) = x.ir, case .local(let local) = base.ir {
            let codes = CodeSet(keys)
            return { f in
                guard case .record(let r) = f.locals[local] else { return .null }
                // A code (the usual field) is probed where it is; anything else as before.
                switch r.fields[slot] {
                case .null: return .null
                case .code(let c): return .boolean(codes.contains(key: c.key, hash: c.keyHash))
                default:
                    let v = r.fields[slot]
                    return .boolean(inValueSet(v, codes))
                }
            }
        }
        if case .builtin(.makeCode, let args) = x.ir, args.count == 2, case .string(let system)? = constant(args[0]) {
            let prefix = codeSystemURL(system) + "|"
            let inSystem = CodeSet(Set(keys.compactMap { k -> String? in
                k.utf8.starts(with: prefix.utf8) ? String(k.utf8.dropFirst(prefix.utf8.count)) : nil
            }))
            let code = compile(args[1])
            return { f in
                guard case .string(let text) = code(f) else { return .null }
                return .boolean(inSystem.contains(key: text, hash: text.hashValue))
            }
        }
        return nil
    }
}

extension CodeGenerator {
    /// A call of a small function whose body has no locals of its own, with arguments that are
    /// cheap and pure to read (locals, fields of locals, constants, the member, defines that
    /// record no error), as the body with the arguments in place of the parameters: no frame and
    /// no call. Reading an argument where the body uses it (or not at all) gives the same values
    /// as reading it once before the call.
    func inlinedCall(_ i: Int, _ args: [Typed]) -> Typed? {
        guard let analysis, !analysis.memoizable(i) else { return nil }
        let fn = checker.functions[i]
        guard let body = fn.typed, fn.frameSize == args.count, args.allSatisfy(isCheapArgument) else { return nil }
        var t = substitute(body, args)
        t.type = body.type
        return t
    }

    private func isCheapArgument(_ t: Typed) -> Bool {
        switch t.ir {
        case .local, .constant, .parameter, .member, .episode: return true
        case .define(let d): return !(analysis?.defineMayRaise[d] ?? true)
        case .field(let base, _): return isCheapArgument(base)
        default: return false
        }
    }

    /// The expression with `local k` replaced by `args[k]` (the body has no other locals).
    private func substitute(_ t: Typed, _ args: [Typed]) -> Typed {
        func s(_ x: Typed) -> Typed { substitute(x, args) }
        var r = t
        switch t.ir {
        case .local(let k): return args[k]
        case .constant, .parameter, .define, .member, .episode: return t
        case .field(let b, let slot): r.ir = .field(s(b), slot: slot)
        case .not(let x): r.ir = .not(s(x))
        case .and(let x, let y): r.ir = .and(s(x), s(y))
        case .or(let x, let y): r.ir = .or(s(x), s(y))
        case .xor(let x, let y): r.ir = .xor(s(x), s(y))
        case .implies(let x, let y): r.ir = .implies(s(x), s(y))
        case .conditional(let c, let x, let y): r.ir = .conditional(s(c), s(x), s(y))
        case .caseWhen(let arms, let other): r.ir = .caseWhen(arms.map { (s($0.0), s($0.1)) }, s(other))
        case .list(let items): r.ir = .list(items.map(s))
        case .interval(let lo, let lc, let hi, let hc): r.ir = .interval(s(lo), lowClosed: lc, s(hi), highClosed: hc)
        case .query(var q):
            q.source = s(q.source)
            q.filter = q.filter.map(s)
            q.sort = q.sort.map(s)
            q.map = q.map.map(s)
            r.ir = .query(q)
        case .timing(let spec, let x, let y, let offset): r.ir = .timing(spec, s(x), s(y), offset: offset.map(s))
        case .builtin(let b, let xs): r.ir = .builtin(b, xs.map(s))
        case .external(let d, let xs): r.ir = .external(d, xs.map(s))
        case .function(let f, let xs): r.ir = .function(f, xs.map(s))
        case .inValueSet(let x, let vs): r.ir = .inValueSet(s(x), valueSet: vs)
        case .isType(let x, let type): r.ir = .isType(s(x), type)
        case .asType(let x, let type): r.ir = .asType(s(x), type)
        }
        return r
    }
}

// MARK: - Arguments and query items read in place

/// A value kept for the life of a compiled program at a fixed address, so that it can be read
/// in place (a constant argument of a memoized call). Written once, then only read.
final class ValueCell: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Value>
    init(_ v: Value) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: v)
    }
    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

/// Where the argument of a memoized call is read: a local of the caller, a constant and a
/// define's cached value in place, anything else evaluated into a temporary.
enum ArgumentRead {
    case local(Int)
    case constant(ValueCell)
    /// A define's value, read in the context's cache.
    case define(Int)
    case evaluated(Compiled)
}

extension CodeGenerator {
    /// How to read an operand in place, when it is a local or a define; nil for anything else.
    func inPlaceRead(_ t: Typed) -> ArgumentRead? {
        switch t.ir {
        case .local(let s): return .local(s)
        case .define(let d): return .define(d)
        default: return nil
        }
    }
}

@inline(__always)
func withArgument<R>(_ f: Frame, _ read: ArgumentRead, _ body: (UnsafePointer<Value>) -> R) -> R {
    if let p = address(f, read) { return body(p) }
    guard case .evaluated(let e) = read else { preconditionFailure("read in place") }
    var v = e.run(f)
    return withUnsafePointer(to: &v, body)
}

/// Where an argument read in place is (valid while the frame is and, for a define, until the
/// next `reset` or `setEpisode`); nil for one that must be evaluated.
@inline(__always)
func address(_ f: Frame, _ read: ArgumentRead) -> UnsafePointer<Value>? {
    switch read {
    case .local(let s): return UnsafePointer(f.locals + s)
    case .constant(let c): return UnsafePointer(c.pointer)
    case .define(let i): return f.withContext { $0.valueAddress(ofDefine: i) }
    case .evaluated: return nil
    }
}

/// Puts a list item in a query's local without retaining it: the list (held by the loop) keeps
/// the item alive, and nothing but the loop writes the local while it runs. `endLoan` puts
/// `.null` back without releasing the item. Before the first loan the local is emptied
/// normally (it may hold a value another query left there).
@inline(__always)
func lend(_ item: UnsafePointer<Value>, to local: UnsafeMutablePointer<Value>) {
    UnsafeMutableRawPointer(local).copyMemory(from: item, byteCount: MemoryLayout<Value>.size)
}

@inline(__always)
func endLoan(_ local: UnsafeMutablePointer<Value>) {
    local.initialize(to: .null)
}

/// Lends each item of `items` in turn to `local` (see `lend`; the local is null before and
/// after) and calls `body` with the item's address and index; `body` returns false to stop.
@inline(__always)
func forEachLent(_ items: [Value], to local: UnsafeMutablePointer<Value>, _ body: (UnsafePointer<Value>, Int) -> Bool) {
    items.withUnsafeBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        local.pointee = .null
        defer { endLoan(local) }
        for n in 0..<buffer.count {
            lend(base + n, to: local)
            if !body(base + n, n) { return }
        }
    }
}

extension CodeGenerator {
    /// A memoized call of one or two arguments whose arguments are probed where they are: a hit
    /// pushes no frame and copies no argument (`EvaluationContext.callMemoized`).
    func directMemoizedCall(_ i: Int, size: Int, _ args: [Typed]) -> Eval? {
        func read(_ t: Typed) -> ArgumentRead {
            if let k = constant(t) { return .constant(ValueCell(k)) }
            return inPlaceRead(t) ?? .evaluated(Compiled(run: compile(t)))
        }
        switch args.count {
        case 1:
            switch read(args[0]) {
            case .local(let s):
                return { f in f.withContext { $0.callMemoized(function: i, size: size, f.locals + s) } }
            case let r0:
                return { f in withArgument(f, r0) { p0 in f.withContext { $0.callMemoized(function: i, size: size, p0) } } }
            }
        case 2:
            let r0 = read(args[0]), r1 = read(args[1])
            if case .constant(let c1) = r1, case .string(let k) = c1.pointer.pointee {
                // `category_paid_in(month, "inpatient")`: the constant's digest computed here.
                let digest = stringDigest(k)
                if case .local(let s0) = r0 {
                    return { f in f.withContext { $0.callMemoized(function: i, size: size, f.locals + s0, c1.pointer, digest: digest) } }
                }
                return { f in withArgument(f, r0) { p0 in f.withContext { $0.callMemoized(function: i, size: size, p0, c1.pointer, digest: digest) } } }
            }
            if case .local(let s0) = r0, case .constant(let c1) = r1 {
                return { f in f.withContext { $0.callMemoized(function: i, size: size, f.locals + s0, c1.pointer) } }
            }
            return { f in
                withArgument(f, r0) { p0 in withArgument(f, r1) { p1 in f.withContext { $0.callMemoized(function: i, size: size, p0, p1) } } }
            }
        default:
            return nil
        }
    }
}

extension CodeGenerator {
    /// `x = "text"`, `x != "text"` and `x in ["a", "b"]` (constant strings): a string operand is
    /// compared with `==` in place, as `Value.equal` compares two strings; anything else (null,
    /// another type) goes through the general operator.
    func stringConstantTest(_ b: Builtin, _ args: [Typed]) -> Eval? {
        switch b {
        case .equal, .notEqual:
            let operand: Typed, text: String, constantOnRight: Bool
            if case .string(let k)? = constant(args[1]) {
                (operand, text, constantOnRight) = (args[0], k, true)
            } else if case .string(let k)? = constant(args[0]) {
                (operand, text, constantOnRight) = (args[1], k, false)
            } else {
                return nil
            }
            let e = compile(operand)
            let k = Value.string(text)
            let negate = b == .notEqual
            return { f in
                let x = e(f)
                if case .string(let s) = x { return .boolean((s == text) != negate) }
                let r = constantOnRight ? Value.equal(x, k) : Value.equal(k, x)
                return Value(negate ? r.map { !$0 } : r)
            }
        case .inList:
            guard case .list(let items)? = constant(args[1]) else { return nil }
            let texts = items.compactMap(\.asString)
            guard texts.count == items.count, let general = binaryFastPath(.inList) else { return nil }
            let e = compile(args[0])
            let list = Value.list(items)
            return { f in
                let x = e(f)
                if case .string(let s) = x { return .boolean(texts.contains(s)) }
                return general(x, list)
            }
        default:
            return nil
        }
    }
}

extension CodeGenerator {
    /// `first(Q sort by k)` and `last(Q sort by k)` in one pass, without building, keying and
    /// sorting the list: the item with the least key (the greatest descending) that comes first
    /// among equal keys for `first` (last for `last`) is the stable sort's first (last) item, and
    /// only its `return` is evaluated. `first(Q)` unsorted stops at the first item kept.
    ///
    /// Only when nothing in the query can record a runtime error (items the general path would
    /// map are not mapped here). The one pass holds for keys the sort orders totally: nulls, and
    /// otherwise keys all integers, all strings, all non-NaN decimals or all date-times of one
    /// precision; any other key (mixed kinds, precisions that compare uncertain, quantities)
    /// sends the query to the general path, evaluated again from the start (it records nothing).
    func firstOfQuery(_ b: Builtin, _ q: QueryIR) -> Eval? {
        guard let analysis, b == .first || b == .last else { return nil }
        // The source too: the general path, taken for keys not ordered totally, evaluates it again.
        if [q.source, q.filter, q.sort, q.map].contains(where: { $0.map(analysis.mayRaise) ?? false }) { return nil }
        let source = compile(q.source)
        let slot = q.local
        let filter = q.filter.map(compile)
        let map = q.map.map(compile)
        guard let sortKey = q.sort.map(compile) else {
            guard b == .first else { return nil }
            return { f in
                var result: Value = .null
                forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                    if let filter, !filter(f).isTrue { return true }
                    result = map.map { $0(f) } ?? item.pointee
                    return false
                }
                return result
            }
        }
        let general = compileQuery(q)
        let isFirst = b == .first
        // Replace the item kept so far when the new key (compared with its key) comes before it
        // in the sort (first), or not after it (last).
        let descending = q.descending
        return { f in
            var best: Value = .null, bestKey: Value = .null
            var found = false
            var keyClass = 0  // 0: no non-null key yet
            var total = true
            forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                if let filter, !filter(f).isTrue { return true }
                let k = sortKey(f)
                if !k.isNull {
                    let c = totalOrderClass(k)
                    if c == 0 || (keyClass != 0 && c != keyClass) { total = false; return false }
                    keyClass = c
                }
                if !found {
                    found = true
                    best = item.pointee
                    bestKey = k
                    return true
                }
                let c = nullFirstCompare(k, bestKey)
                let replace = isFirst ? (descending ? c > 0 : c < 0) : (descending ? c <= 0 : c >= 0)
                if replace {
                    best = item.pointee
                    bestKey = k
                }
                return true
            }
            if !total {
                let all = general(f).asList
                return (isFirst ? all.first : all.last) ?? .null
            }
            guard found else { return .null }
            guard let map else { return best }
            f.locals[slot] = best
            let v = map(f)
            f.locals[slot] = .null
            return v
        }
    }
}

/// Keys that `nullFirstCompare` orders totally among themselves share a class (non-zero): all
/// integers, all strings, all non-NaN decimals, or all date-times of one precision. 0 for any
/// other key.
@inline(__always)
func totalOrderClass(_ v: Value) -> Int {
    switch v {
    case .integer: return 1
    case .string: return 2
    case .decimal(let d): return d.isNaN ? 0 : 3
    case .temporal(let t): return 16 + Int(t.precision.rawValue)
    default: return 0
    }
}

extension CodeGenerator {
    /// `exists` and `count` of `xs as s where x(s) <timing> y` (no offset), `y` not reading the
    /// item and recording no error, and neither a constant nor read in place (those are cheap
    /// already): `enrolled_month(k)`'s `s.period overlaps period_month(k)`. `y` is evaluated once
    /// per query, before the walk, instead of once per item, and its bounds are read once.
    /// Nothing in the query records an error (`fusedQuery`), so evaluating `y` for an empty
    /// list, or once instead of per item, changes no result.
    func invariantTimingQuery(_ b: Builtin, _ q: QueryIR) -> Eval? {
        guard let analysis, b == .exists || b == .count, let filter = q.filter,
              case .timing(let spec, let x, let y, nil) = filter.ir,
              constant(y) == nil, inPlaceRead(y) == nil, !readsLocal(y, q.local), !analysis.mayRaise(y) else { return nil }
        let source = compile(q.source), left = compile(x), right = compile(y)
        let slot = q.local
        let map = q.map.map(compile)
        let exists = b == .exists
        return { f in
            var r = right(f)
            return withUnsafePointer(to: &r) { rp in
                let bounds = knownTemporalBounds(at: rp)
                var found = false
                var n = 0
                forEachLent(source(f).asList, to: f.locals + slot) { item, _ in
                    if !timing(spec, left(f), right: rp, bounds: bounds).isTrue { return true }
                    let kept = map.map { !$0(f).isNull } ?? !item.pointee.isNull
                    if exists {
                        found = kept
                        return !found
                    }
                    if kept { n += 1 }
                    return true
                }
                return exists ? .boolean(found) : .integer(n)
            }
        }
    }

    /// Whether an expression reads local `slot` (anywhere in it, nested queries included).
    func readsLocal(_ t: Typed, _ slot: Int) -> Bool {
        if case .local(let s) = t.ir { return s == slot }
        return children(t.ir).contains { readsLocal($0, slot) }
    }
}

extension CodeGenerator {
    /// `case when x = "a" then .. when x in ["b", "c"] then .. else .. end`: every arm tests the
    /// same subject `x` against constant strings (`setting_of(c)`'s `bill_type_class(c)`, asked
    /// up to three times). `x` is evaluated once, not once per arm tried: it reads only locals,
    /// fields, defines, `episode` and calls of the program's functions (pure), and records no
    /// error, so every arm would see the same value. Each test compares as `stringConstantTest`
    /// does (a string in place, anything else through the general operator); an arm is taken
    /// when its test is true, as the chain takes it.
    func caseOnOneSubject(_ arms: [(Typed, Typed)], _ other: Typed) -> Eval? {
        guard let analysis, arms.count >= 2 else { return nil }
        var subject: Typed? = nil
        var tests: [(Value) -> Bool] = []
        for (condition, _) in arms {
            guard case .builtin(let b, let args) = condition.ir, args.count == 2 else { return nil }
            let x: Typed, test: (Value) -> Bool
            switch b {
            case .equal:
                let text: String, onRight: Bool
                if case .string(let k)? = constant(args[1]) { (x, text, onRight) = (args[0], k, true) }
                else if case .string(let k)? = constant(args[0]) { (x, text, onRight) = (args[1], k, false) }
                else { return nil }
                let k = Value.string(text)
                test = { v in
                    if case .string(let s) = v { return s == text }
                    return (onRight ? Value.equal(v, k) : Value.equal(k, v)) == true
                }
            case .inList:
                guard case .list(let items)? = constant(args[1]), let general = binaryFastPath(.inList) else { return nil }
                let texts = items.compactMap(\.asString)
                guard texts.count == items.count else { return nil }
                let list = Value.list(items)
                x = args[0]
                test = { v in
                    if case .string(let s) = v { return texts.contains(s) }
                    return general(v, list).isTrue
                }
            default:
                return nil
            }
            if let subject {
                guard sameExpression(subject, x) else { return nil }
            } else {
                guard pureSubject(x), !analysis.mayRaise(x) else { return nil }
                subject = x
            }
            tests.append(test)
        }
        let e = compile(subject!)
        let values = arms.map { Compiled(run: compile($0.1)) }
        let otherwise = compile(other)
        return { f in
            let v = e(f)
            for n in tests.indices where tests[n](v) { return values[n].run(f) }
            return otherwise(f)
        }
    }

    /// Whether an expression reads only locals, fields, defines, `episode`, parameters,
    /// constants and calls of the program's functions of those.
    func pureSubject(_ t: Typed) -> Bool {
        switch t.ir {
        case .local, .define, .episode, .parameter, .constant, .member: return true
        case .field(let b, _): return pureSubject(b)
        case .function(_, let args): return args.allSatisfy(pureSubject)
        default: return false
        }
    }

    /// Structural equality of two `pureSubject` expressions.
    func sameExpression(_ a: Typed, _ b: Typed) -> Bool {
        switch (a.ir, b.ir) {
        case (.local(let x), .local(let y)), (.define(let x), .define(let y)), (.parameter(let x), .parameter(let y)):
            return x == y
        case (.episode, .episode), (.member, .member): return true
        case (.constant(let x), .constant(let y)):
            if case .string(let p) = x, case .string(let q) = y { return p == q }
            if case .integer(let p) = x, case .integer(let q) = y { return p == q }
            return false
        case (.field(let x, let s), .field(let y, let t)): return s == t && sameExpression(x, y)
        case (.function(let i, let xs), .function(let j, let ys)):
            return i == j && xs.count == ys.count && zip(xs, ys).allSatisfy { sameExpression($0, $1) }
        default: return false
        }
    }
}
