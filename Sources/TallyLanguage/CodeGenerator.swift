/// Turns the typed IR into closures. Constant sub-expressions (parameters included: a program is
/// compiled for one set of parameter values) are folded; value sets become hashed sets.
struct CodeGenerator {
    let checker: Checker
    /// The file of the body being compiled, set only when recording clause coverage.
    var file: SourceFile? = nil
    /// Errors and costs of the bodies, for memoized calls and early exits (nil: neither).
    var analysis: BodyAnalysis? = nil
    /// Numbers the queries answered from a per-member index (shared by the copies of the generator).
    let indexSites = SiteCounter()

    func program() -> Program {
        var g = self
        if checker.input.coverage == nil { g.analysis = BodyAnalysis(checker) }
        return g.makeProgram()
    }

    private func makeProgram() -> Program {
        let c = checker
        let defineEvals = c.defines.map { Compiled(run: compileDefine($0)) }
        let functionEvals = c.functions.map { f in
            guard c.input.coverage != nil else { return Compiled(run: compile(f.typed!)) }
            var g = self
            g.file = c.units[f.unit].source.file
            return Compiled(run: g.compile(f.typed!))
        }
        let defines = c.defines.map { d in
            DefineInfo(name: d.name, role: d.role, type: d.typed!.type, file: c.units[d.unit].source.file.path, range: d.expr.range,
                       isRoot: d.unit == 0, body: d.typed!, dependencies: d.dependencies.sorted(), dependsOnEpisode: d.usesEpisode)
        }
        let functions = c.functions.map { f in
            FunctionInfo(name: f.name, parameters: f.params.map { ($0.0.text, $0.1) }, result: f.typed!.type,
                         file: c.units[f.unit].source.file.path, body: f.typed!)
        }
        return Program(info: c.info, parameters: c.parameters.map { ParameterInfo(name: $0.name, type: $0.type, value: $0.value) },
                       defines: defines, functions: functions, valueSets: c.valueSets, codes: c.codes,
                       sources: c.units.map(\.source.file), schema: c.input.schema,
                       defineEvals: defineEvals, defineFrameSizes: c.defines.map(\.frameSize),
                       functionEvals: functionEvals, functionFrameSizes: c.functions.map(\.frameSize),
                       functionMemoized: c.functions.indices.map { analysis?.memoizable($0) ?? false },
                       functionEpisodeDependent: c.functions.map(\.usesEpisode), recordsCoverage: c.input.coverage != nil,
                       definesKeptAcrossMembers: analysis?.defineMemberIndependent, indexSites: indexSites.count,
                       raises: analysis.map { (defines: $0.defineMayRaise, functions: $0.functionMayRaise) })
    }

    /// The value of an expression that needs no member, or nil.
    static func constantValue(_ t: Typed) -> Value? {
        switch t.ir {
        case .constant(let v): return v
        case .builtin(let b, let args):
            let vs = args.compactMap(constantValue)
            guard vs.count == args.count, b != .singleton, b != .raiseError else { return nil }
            return applyBuiltin(b, vs, scratchContext)
        case .interval(let lo, let lc, let hi, let hc):
            guard let l = constantValue(lo), let h = constantValue(hi) else { return nil }
            return .interval(IntervalValue(low: l, lowClosed: lc, high: h, highClosed: hc))
        case .list(let items):
            let vs = items.compactMap(constantValue)
            return vs.count == items.count ? .list(vs) : nil
        default:
            return nil
        }
    }

    func constant(_ t: Typed) -> Value? {
        if case .parameter(let i) = t.ir { return checker.parameters[i].value }
        switch t.ir {
        case .builtin(let b, let args) where b != .singleton && b != .raiseError:
            let vs = args.compactMap(constant)
            return vs.count == args.count ? applyBuiltin(b, vs, CodeGenerator.scratchContext) : nil
        case .interval(let lo, let lc, let hi, let hc):
            guard let l = constant(lo), let h = constant(hi) else { return nil }
            return .interval(IntervalValue(low: l, lowClosed: lc, high: h, highClosed: hc))
        case .list(let items):
            let vs = items.compactMap(constant)
            return vs.count == items.count ? .list(vs) : nil
        default:
            return CodeGenerator.constantValue(t)
        }
    }

    /// Evaluation context for folding constants: nothing it runs reads a member.
    static let scratchContext: EvaluationContext = {
        let schema = RecordSchema(kinds: [RecordKind(name: "Member", fields: [])], rootKind: "Member")
        let empty = Program(info: MeasureInfo(name: "", isLibrary: true, file: ""), parameters: [], defines: [], functions: [],
                            valueSets: [], codes: [], sources: [], schema: schema, defineEvals: [], defineFrameSizes: [],
                            functionEvals: [], functionFrameSizes: [])
        return EvaluationContext(program: empty, member: nil)
    }()

    /// A define body; with clause coverage, registered before its clauses (so a body that is
    /// itself a clause, such as `not X`, is reported under the define's name) and counted.
    func compileDefine(_ d: Checker.DefineEntry) -> Eval {
        guard let coverage = checker.input.coverage else { return compile(d.typed!) }
        var g = self
        g.file = checker.units[d.unit].source.file
        let valueKind: CoverageRecorder.ValueKind
        switch d.typed!.type {
        case .boolean: valueKind = .boolean
        case .list: valueKind = .list
        default: valueKind = .other
        }
        let id = coverage.register(.define, file: g.file!, range: d.expr.range, location: d.nameRange.lowerBound,
                                   name: d.name, valueKind: valueKind)
        let e = g.compile(d.typed!)
        if case .not = d.typed!.ir, constant(d.typed!) == nil { return e }  // the `not` node counts it
        return { f in
            let v = e(f)
            coverage.record(id, v, as: valueKind)
            return v
        }
    }

    /// With clause coverage, wraps a Boolean clause to count its outcomes; otherwise returns the
    /// closure unchanged. Constant clauses and `not` nodes (which count themselves) are not wrapped.
    func probe(_ t: Typed, _ e: @escaping Eval, _ kind: CoverageRecorder.Kind) -> Eval {
        guard let coverage = checker.input.coverage, let file else { return e }
        if case .not = t.ir, kind != .not { return e }
        if constant(t) != nil { return e }
        let id = coverage.register(kind, file: file, range: t.range)
        return { f in
            let v = e(f)
            coverage.record(id, v)
            return v
        }
    }

    /// A chain operand: `a and b and c` counts `a`, `b` and `c`, not the inner `a and b`.
    func operand(_ t: Typed, of kind: CoverageRecorder.Kind) -> Eval {
        let e = compile(t)
        guard checker.input.coverage != nil else { return e }
        switch (t.ir, kind) {
        case (.and, .and), (.or, .or): return e
        default: return probe(t, e, kind)
        }
    }

    func compile(_ t: Typed) -> Eval {
        if let v = constant(t) { return { _ in v } }
        switch t.ir {
        case .constant(let v): return { _ in v }
        case .parameter(let i):
            let v = checker.parameters[i].value
            return { _ in v }
        case .define(let i): return { f in f.withContext { $0.value(ofDefine: i) } }
        case .local(let slot): return { f in f.locals[slot] }
        case .member: return { f in f.ctx.member.map { .record($0) } ?? .null }
        case .episode: return { f in f.ctx.episode }
        case .field(let base, let slot):
            if case .member = base.ir {
                // Read through the context's member slot, without retaining the member.
                return { f in f.withContext { $0.memberSlot.pointee?.fields[slot] ?? .null } }
            }
            if case .local(let local) = base.ir {
                // A field of the current query item: the most common read on the hot path.
                return { f in
                    if case .record(let r) = f.locals[local] { return r.fields[slot] }
                    return .null
                }
            }
            let b = compile(base)
            return { f in
                if case .record(let r) = b(f) { return r.fields[slot] }
                return .null
            }
        case .not(let x):
            let e = compile(x)
            return probe(t, { f in
                if case .boolean(let v) = e(f) { return .boolean(!v) }
                return .null
            }, .not)
        case .and(let x, let y):
            let l = operand(x, of: .and), r = operand(y, of: .and)
            return { f in
                let a = l(f).asBool
                if a == false { return .boolean(false) }
                return Value(threeValuedAnd(a, r(f).asBool))
            }
        case .or(let x, let y):
            let l = operand(x, of: .or), r = operand(y, of: .or)
            return { f in
                let a = l(f).asBool
                if a == true { return .boolean(true) }
                return Value(threeValuedOr(a, r(f).asBool))
            }
        case .xor(let x, let y):
            let l = operand(x, of: .xor), r = operand(y, of: .xor)
            return { f in
                guard let a = l(f).asBool, let b = r(f).asBool else { return .null }
                return .boolean(a != b)
            }
        case .implies(let x, let y):
            let l = operand(x, of: .implies), r = operand(y, of: .implies)
            return { f in
                let a = l(f).asBool
                if a == false { return .boolean(true) }
                return Value(threeValuedOr(a.map { !$0 }, r(f).asBool))
            }
        case .conditional(let c, let x, let y):
            let ec = probe(c, compile(c), .ifCondition), ex = compile(x), ey = compile(y)
            return { f in ec(f).isTrue ? ex(f) : ey(f) }
        case .caseWhen(let arms, let other):
            if let fused = caseOnOneSubject(arms, other) { return fused }
            // Compiled in source order (coverage numbers clauses as they come), then chained from
            // the last arm: each arm captures the rest, so no array of closures is walked (and
            // retained) per evaluation.
            let compiled = arms.map { (condition: probe($0.0, compile($0.0), .when), value: compile($0.1)) }
            var chain = compile(other)
            for arm in compiled.reversed() {
                let condition = arm.condition, value = arm.value, rest = chain
                chain = { f in condition(f).isTrue ? value(f) : rest(f) }
            }
            return chain
        case .list(let items):
            let es = items.map { Compiled(run: compile($0)) }
            return { f in .list(es.map { $0.run(f) }) }
        case .interval(let lo, let lc, let hi, let hc):
            let l = compile(lo), h = compile(hi)
            return { f in .interval(IntervalValue(low: l(f), lowClosed: lc, high: h(f), highClosed: hc)) }
        case .query(let q): return compileQuery(q)
        case .timing(let spec, let x, let y, let offset):
            let l = compile(x), r = compile(y)
            if let offset {
                let o = compile(offset)
                return { f in evaluateTiming(spec, l(f), r(f), offset: o(f)) }
            }
            if let right = constant(y) {
                // A constant right side (the measurement period, say) is read once.
                return { f in
                    let left = l(f)
                    return fastTiming(spec, left, right) ?? evaluateTiming(spec, left, right, offset: .null)
                }
            }
            if analysis != nil, let read = inPlaceRead(y) {
                // A local (a month `m`) or a define (`s.period overlaps month`) on the right: its
                // bounds are read where it is, in the locals or the define cache.
                return { f in
                    let left = l(f), right = address(f, read)!
                    return timing(spec, left, right: right, bounds: knownTemporalBounds(at: right))
                }
            }
            return { f in evaluateTiming(spec, l(f), r(f), offset: .null) }
        case .builtin(let b, let args): return compileBuiltin(b, args)
        case .external(let def, let args):
            let es = args.map { Compiled(run: compile($0)) }
            let impl = def.implementation
            let propagates = def.propagatesNull
            return { f in
                let vs = es.map { $0.run(f) }
                if propagates, vs.contains(where: \.isNull) { return .null }
                return impl(vs)
            }
        case .function(let i, let args):
            if let inlined = inlinedCall(i, args) { return compile(inlined) }
            let size = max(checker.functions[i].frameSize, args.count)
            let memoized = analysis?.memoizable(i) ?? false
            if memoized, let direct = directMemoizedCall(i, size: size, args) { return direct }
            // One and two arguments (most calls) are captured one by one: no array to walk.
            switch args.count {
            case 1:
                let a0 = compile(args[0])
                return { f in f.withContext { $0.call(function: i, size: size, memoized: memoized, count: 1) { $0[0] = a0(f) } } }
            case 2:
                let a0 = compile(args[0]), a1 = compile(args[1])
                return { f in f.withContext { $0.call(function: i, size: size, memoized: memoized, count: 2) { $0[0] = a0(f); $0[1] = a1(f) } } }
            default:
                let es = args.map { Compiled(run: compile($0)) }
                return { f in
                    f.ctx.call(function: i, size: size, memoized: memoized, count: es.count) { locals in
                        for k in es.indices { locals[k] = es[k].run(f) }
                    }
                }
            }
        case .inValueSet(let x, let vs):
            if let fused = fusedValueSetTest(x, checker.valueSets[vs].codes) { return fused }
            let codes = CodeSet(checker.valueSets[vs].codes)
            let e = compile(x)
            return { f in
                let v = e(f)
                return v.isNull ? .null : .boolean(inValueSet(v, codes))
            }
        case .isType(let x, let type):
            let e = compile(x)
            let kind = recordKindIndex(type)
            return { f in .boolean(matches(e(f), type, kind)) }
        case .asType(let x, let type):
            let e = compile(x)
            let kind = recordKindIndex(type)
            return { f in
                let v = e(f)
                return matches(v, type, kind) ? v : .null
            }
        }
    }

    func recordKindIndex(_ t: TypeRef) -> Int? {
        if case .record(let k) = t { return checker.input.schema.index(of: k) }
        return nil
    }

    func compileBuiltin(_ b: Builtin, _ args: [Typed]) -> Eval {
        if args.count == 1, case .query(let q) = args[0].ir, let fused = fusedQuery(b, q) ?? firstOfQuery(b, q) { return fused }
        switch args.count {
        case 1:
            if analysis != nil, b == .start || b == .end, case .field(let base, let slot) = args[0].ir, case .local(let local) = base.ir {
                // `start of c.period`: the bound is read from the record's field in place.
                let isStart = b == .start
                return { f in
                    guard case .record(let r) = f.locals[local] else { return .null }
                    return r.fields.withUnsafeBufferPointer { isStart ? startValue(at: $0.baseAddress! + slot) : endValue(at: $0.baseAddress! + slot) }
                }
            }
            let a = compile(args[0])
            if let op = unaryFastPath(b) { return { f in op(a(f)) } }
            return { f in applyBuiltin(b, [a(f)], f.ctx) }
        case 2:
            let a = compile(args[0]), c = compile(args[1])
            if b == .makeCode, case .string(let system)? = constant(args[0]) {
                // code("revenue", l.revenue_code): the system's URL resolved once.
                let url = codeSystemURL(system)
                return { f in
                    guard case .string(let code) = c(f) else { return .null }
                    return .code(Code(system: url, code: code))
                }
            }
            if analysis != nil, let test = stringConstantTest(b, args) { return test }
            if let op = binaryFastPath(b) {
                // A constant operand (`setting_of(c) = "inpatient"`) is captured, not called.
                if let k = constant(args[1]) { return { f in op(a(f), k) } }
                if let k = constant(args[0]) { return { f in op(k, c(f)) } }
                return { f in op(a(f), c(f)) }
            }
            return { f in applyBuiltin(b, [a(f), c(f)], f.ctx) }
        default:
            let es = args.map { Compiled(run: compile($0)) }
            return { f in applyBuiltin(b, es.map { $0.run(f) }, f.ctx) }
        }
    }

    func compileQuery(_ q: QueryIR) -> Eval {
        if let indexed = compileIndexedDuring(q) { return indexed }
        if let hoisted = compileQueryInInterval(q) { return hoisted }
        let source = compile(q.source)
        let slot = q.local
        let filter = q.filter.map { probe($0, compile($0), .filter) }
        let sortKey = q.sort.map(compile)
        let descending = q.descending
        let map = q.map.map(compile)
        return { f in
            let items = source(f).asList
            var kept: [Value] = []
            var keys: [Value] = []
            // Items are lent from the list's storage to the local (no copy, no reference counting).
            forEachLent(items, to: f.locals + slot) { item, n in
                if let filter, !filter(f).isTrue { return true }
                if let sortKey { keys.append(sortKey(f)) }
                // Room for the rest once something is kept: a filter that keeps nothing allocates nothing.
                if kept.isEmpty { kept.reserveCapacity(items.count - n) }
                kept.append(map.map { $0(f) } ?? item.pointee)
                return true
            }
            if sortKey != nil {
                // Stable sort; nulls first ascending (last descending), as in CQL.
                let order = kept.indices.sorted { i, j in
                    let c = nullFirstCompare(keys[i], keys[j])
                    return c != 0 ? (descending ? c > 0 : c < 0) : i < j
                }
                kept = order.map { kept[$0] }
            }
            return .list(kept)
        }
    }
}

/// Binary operators that run without building an argument array.
func binaryFastPath(_ b: Builtin) -> ((Value, Value) -> Value)? {
    switch b {
    case .equal: return { x, y in Value(Value.equal(x, y)) }
    case .notEqual: return { x, y in Value(Value.equal(x, y).map { !$0 }) }
    case .equivalent: return { x, y in .boolean(Value.equivalent(x, y)) }
    case .less: return { x, y in Value(Value.compare(x, y).map { $0 < 0 }) }
    case .lessOrEqual: return { x, y in Value(Value.compare(x, y).map { $0 <= 0 }) }
    case .greater: return { x, y in Value(Value.compare(x, y).map { $0 > 0 }) }
    case .greaterOrEqual: return { x, y in Value(Value.compare(x, y).map { $0 >= 0 }) }
    case .add: return { x, y in arithmetic(x, y, sign: 1) }
    case .subtract: return { x, y in arithmetic(x, y, sign: -1) }
    case .multiply: return multiply
    case .divide: return divide
    case .coalesce: return { x, y in x.isNull ? y : x }
    case .yearsBetween: return { x, y in between(x, y, .year) }
    case .monthsBetween: return { x, y in between(x, y, .month) }
    case .daysBetween: return { x, y in between(x, y, .day) }
    case .hoursBetween: return { x, y in between(x, y, .hour) }
    case .minutesBetween: return { x, y in between(x, y, .minute) }
    case .inList:
        return { x, list in
            if x.isNull { return .null }
            var unknown = false
            for y in list.asList {
                switch Value.equal(x, y) {
                case true?: return .boolean(true)
                case nil: unknown = true
                default: break
                }
            }
            return unknown ? .null : .boolean(false)
        }
    case .inInterval:
        let during = TimingSpec(leftBoundary: nil, relation: .during, precision: nil, offsetMode: .exactly)
        return { x, y in
            if x.isNull || y.isNull { return .null }
            return evaluateTiming(during, x, y, offset: .null)
        }
    case .index:
        return { x, y in
            guard case .integer(let i) = y else { return .null }
            let xs = x.asList
            return i >= 0 && i < xs.count ? xs[i] : .null
        }
    case .startsWith:
        return { x, y in
            guard let s = x.asString, let p = y.asString else { return .null }
            return .boolean(s.hasPrefix(p))
        }
    case .endsWith:
        return { x, y in
            guard let s = x.asString, let p = y.asString else { return .null }
            return .boolean(s.hasSuffix(p))
        }
    default: return nil
    }
}

func nullFirstCompare(_ a: Value, _ b: Value) -> Int {
    switch (a.isNull, b.isNull) {
    case (true, true): return 0
    case (true, false): return -1
    case (false, true): return 1
    default: return Value.compare(a, b) ?? 0
    }
}

func inValueSet(_ v: Value, _ codes: CodeSet) -> Bool {
    switch v {
    case .code(let c): return codes.contains(c)
    case .concept(let c): return c.codes.contains { codes.contains($0) }
    case .list(let xs): return xs.contains { inValueSet($0, codes) }
    case .string(let s): return codes.contains(key: s, hash: s.hashValue)
    default: return false
    }
}

/// A value set's `system|code` keys in an open-addressing table probed with each code's
/// precomputed hash, so a membership test hashes nothing on the per-member path.
struct CodeSet: Sendable {
    private let hashes: [Int]
    private let keys: [String?]
    private let mask: Int

    init(_ codes: Set<String>) {
        var capacity = 8
        while capacity < codes.count * 2 { capacity *= 2 }
        var hashes = [Int](repeating: 0, count: capacity)
        var keys = [String?](repeating: nil, count: capacity)
        for key in codes.sorted() {
            let h = CodeSet.slotHash(key.hashValue)
            var i = h & (capacity - 1)
            while keys[i] != nil { i = (i + 1) & (capacity - 1) }
            hashes[i] = h
            keys[i] = key
        }
        self.hashes = hashes
        self.keys = keys
        self.mask = capacity - 1
    }

    @inline(__always)
    func contains(_ code: Code) -> Bool { contains(key: code.key, hash: code.keyHash) }

    /// The hash kept per slot: never 0, which marks an empty slot.
    @inline(__always)
    static func slotHash(_ h: Int) -> Int { h == 0 ? 1 : h }

    /// Probes by the kept hashes; a key is read (and compared) only where the hash matches, so
    /// the walk copies no string.
    func contains(key: String, hash: Int) -> Bool {
        let h = CodeSet.slotHash(hash)
        var i = h & mask
        while hashes[i] != 0 {
            if hashes[i] == h, keys[i].unsafelyUnwrapped == key { return true }
            i = (i + 1) & mask
        }
        return false
    }
}

func matches(_ v: Value, _ t: TypeRef, _ kind: Int?) -> Bool {
    switch (v, t) {
    case (.null, _): return false
    case (_, .any): return true
    case (.boolean, .boolean), (.integer, .integer), (.decimal, .decimal), (.string, .string), (.quantity, .quantity),
         (.code, .code), (.concept, .concept), (.interval, .interval), (.list, .list):
        return true
    case (.integer, .decimal): return true
    case (.temporal(let x), .date): return x.isDate
    case (.temporal(let x), .dateTime): return !x.isDate
    case (.record(let r), .record): return r.kind == kind
    default: return false
    }
}

extension CodeGenerator {
    /// `xs as c where X during m` (any timing phrase without offset, unsorted) with `m` a local
    /// bound outside the query (a function's parameter, an outer item) or a define: `m` does not change
    /// while the loop runs, so its bounds are read once per query instead of once per item.
    /// Per item the test is what the timing node computes: the fast comparison of known date
    /// bounds, else `evaluateTiming`.
    func compileQueryInInterval(_ q: QueryIR) -> Eval? {
        guard let analysis, q.sort == nil, let filter = q.filter, case .timing(let spec, let x, let y, nil) = filter.ir,
              constant(y) == nil else { return nil }
        // The right side: a local bound outside the query, or a define that records no error
        // (read before the loop even when the list is empty: nothing can tell).
        let read: ArgumentRead
        switch y.ir {
        case .local(let s) where s != q.local: read = .local(s)
        case .define(let d) where !analysis.defineMayRaise[d]: read = .define(d)
        default: return nil
        }
        let source = compile(q.source), left = compile(x), map = q.map.map(compile), slot = q.local
        return { f in
            let items = source(f).asList
            let right = address(f, read)!
            let bounds = knownTemporalBounds(at: right)
            var kept: [Value] = []
            forEachLent(items, to: f.locals + slot) { item, n in
                if !timing(spec, left(f), right: right, bounds: bounds).isTrue { return true }
                if kept.isEmpty { kept.reserveCapacity(items.count - n) }
                kept.append(map.map { $0(f) } ?? item.pointee)
                return true
            }
            return .list(kept)
        }
    }
}
