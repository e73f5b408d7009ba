/// Type rules for operators, timing phrases, queries and calls.
extension Checker {
    func checkUnary(_ op: UnaryOperator, _ x: Expr, _ r: SourceRange, _ b: Body) -> Typed {
        let t = check(x, b)
        switch op {
        case .not:
            expect(t, .boolean, "the operand of 'not'", b)
            return Typed(.not(t), .boolean, r)
        case .negate:
            if !(t.type.isNumeric || t.type == .quantity) {
                error("type-mismatch", "cannot negate \(t.type)", t.range, unit: b.unit)
            }
            return Typed(.builtin(.negate, [t]), t.type, r)
        case .exists:
            return Typed(.builtin(.exists, [t]), .boolean, r)
        case .startOf, .endOf:
            guard t.type.isTiming else {
                error("type-mismatch", "'\(op.rawValue)' needs an interval or a date-time, not \(t.type)", t.range, unit: b.unit)
                return Typed(.constant(.null), .any, r)
            }
            return Typed(.builtin(op == .startOf ? .start : .end, [t]), t.type.timingPoint, r)
        case .dateOf:
            guard t.type.isTemporal || t.type == .any else {
                error("type-mismatch", "'date of' needs a date-time, not \(t.type)", t.range, unit: b.unit,
                      hint: t.type.isTiming ? "take a point first: date of latest(x), date of end of x" : nil)
                return Typed(.constant(.null), .any, r)
            }
            return Typed(.builtin(.dateOf, [t]), .date, r)
        }
    }

    func checkBinary(_ op: BinaryOperator, _ x: Expr, _ y: Expr, _ r: SourceRange, _ b: Body) -> Typed {
        switch op {
        case .and, .or, .xor, .implies:
            let tx = check(x, b), ty = check(y, b)
            expect(tx, .boolean, "the left operand of '\(op.rawValue)'", b)
            expect(ty, .boolean, "the right operand of '\(op.rawValue)'", b)
            let ir: IR = op == .and ? .and(tx, ty) : op == .or ? .or(tx, ty) : op == .xor ? .xor(tx, ty) : .implies(tx, ty)
            return Typed(ir, .boolean, r)
        case .membership, .notMembership:
            let t = checkMembership(check(x, b), y, r, b)
            return op == .notMembership ? Typed(.not(t), .boolean, r) : t
        case .contains:
            let tx = check(x, b), ty = check(y, b)
            if let elem = tx.type.elementType {
                compatible(ty, elem, "an item of \(tx.type)", b)
                return Typed(.builtin(.inList, [ty, tx]), .boolean, r)
            }
            if let p = tx.type.pointType {
                compatible(ty, p, "a point of \(tx.type)", b)
                return Typed(.builtin(.inInterval, [ty, tx]), .boolean, r)
            }
            error("type-mismatch", "'contains' needs a list or an interval on the left, not \(tx.type)", tx.range, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        default:
            break
        }
        let tx = check(x, b), ty = check(y, b)
        switch op {
        case .equal, .notEqual, .equivalent, .notEquivalent:
            let codeLike: (TypeRef) -> Bool = { [.code, .concept, .list(.concept), .list(.code)].contains($0) }
            if !(op == .equivalent || op == .notEquivalent) || !(codeLike(tx.type) && codeLike(ty.type)) {
                compatible(ty, tx.type, "the right side of '\(op.rawValue)'", b)
            }
            let builtin: Builtin = [.equal: .equal, .notEqual: .notEqual, .equivalent: .equivalent, .notEquivalent: .notEquivalent][op]!
            return Typed(.builtin(builtin, [tx, ty]), .boolean, r)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            if !tx.type.isOrdered { error("type-mismatch", "\(tx.type) values cannot be ordered with '\(op.rawValue)'", tx.range, unit: b.unit) }
            else if !ty.type.isOrdered { error("type-mismatch", "\(ty.type) values cannot be ordered with '\(op.rawValue)'", ty.range, unit: b.unit) }
            else { compatible(ty, tx.type, "the right side of '\(op.rawValue)'", b) }
            let builtin: Builtin = [.less: .less, .lessOrEqual: .lessOrEqual, .greater: .greater, .greaterOrEqual: .greaterOrEqual][op]!
            return Typed(.builtin(builtin, [tx, ty]), .boolean, r)
        case .union, .intersect, .except:
            guard tx.type.elementType != nil || tx.type == .any else {
                error("type-mismatch", "'\(op.rawValue)' needs lists, not \(tx.type)", tx.range, unit: b.unit,
                      hint: "to combine conditions use 'or' / 'and'")
                return Typed(.constant(.null), .any, r)
            }
            guard let common = TypeRef.common(tx.type, ty.type) else {
                error("type-mismatch", "cannot \(op.rawValue) \(tx.type) with \(ty.type)", r, unit: b.unit)
                return Typed(.constant(.null), .any, r)
            }
            let builtin: Builtin = op == .union ? .union : op == .intersect ? .intersect : .except
            return Typed(.builtin(builtin, [tx, ty]), common, r)
        case .concatenate:
            expect(tx, .string, "the left operand of '&'", b)
            expect(ty, .string, "the right operand of '&'", b)
            return Typed(.builtin(.concatenate, [tx, ty]), .string, r)
        default:
            return arithmetic(op, tx, ty, r, b)
        }
    }

    func arithmetic(_ op: BinaryOperator, _ x: Typed, _ y: Typed, _ r: SourceRange, _ b: Body) -> Typed {
        let builtin: Builtin = [.add: .add, .subtract: .subtract, .multiply: .multiply, .divide: .divide, .div: .div, .mod: .mod][op]!
        let result: TypeRef?
        switch (op, x.type, y.type) {
        case (_, .any, _), (_, _, .any): result = x.type == .any ? y.type : x.type
        case (.add, .string, .string): result = .string
        case (.add, .date, .quantity), (.subtract, .date, .quantity): result = .date
        case (.add, .dateTime, .quantity), (.subtract, .dateTime, .quantity): result = .dateTime
        case (.add, .quantity, .quantity), (.subtract, .quantity, .quantity): result = .quantity
        case (.multiply, .quantity, let t) where t.isNumeric, (.multiply, let t, .quantity) where t.isNumeric: result = .quantity
        case (.divide, .quantity, let t) where t.isNumeric: result = .quantity
        case (.divide, .quantity, .quantity): result = .decimal
        case (.div, .integer, .integer): result = .integer
        case (.divide, let a, let c) where a.isNumeric && c.isNumeric: result = .decimal
        case (_, .integer, .integer) where op != .div: result = .integer
        case (_, let a, let c) where a.isNumeric && c.isNumeric && op != .div: result = .decimal
        default: result = nil
        }
        guard let result else {
            var hint: String?
            if x.type.isTemporal && y.type.isNumeric { hint = "give the number a unit: 3 days, 6 months" }
            if x.type.isTemporal && y.type.isTemporal { hint = "use days_between(a, b) or years_between(a, b)" }
            error("type-mismatch", "cannot apply '\(op.rawValue)' to \(x.type) and \(y.type)", r, unit: b.unit, hint: hint)
            return Typed(.constant(.null), .any, r)
        }
        if case .constant(.quantity(let q)) = y.ir, x.type.isTemporal, CalendarUnit(unit: q.unit) == nil {
            error("invalid-unit", "'\(q.unit)' is not a calendar unit", y.range, unit: b.unit,
                  hint: "dates move by years, months, weeks, days, hours, minutes, seconds or milliseconds")
        }
        return Typed(.builtin(builtin, [x, y]), result, r)
    }

    /// Reports when `t` cannot be compared with a value of type `other`.
    @discardableResult
    func compatible(_ t: Typed, _ other: TypeRef, _ what: String, _ b: Body) -> Bool {
        if TypeRef.common(t.type, other) != nil { return true }
        if t.type.isNumeric && other.isNumeric { return true }
        if t.type.isTemporal && other.isTemporal { return true }
        error("type-mismatch", "\(what) must be \(other), not \(t.type)", t.range, unit: b.unit)
        return false
    }

    func checkMembership(_ tx: Typed, _ y: Expr, _ r: SourceRange, _ b: Body) -> Typed {
        // `x in ValueSet` and `x in CodeName` resolve the right side as a symbol, not a value.
        if case .name(let n) = y.kind, !b.locals.contains(where: { $0.name == n }), let s = lookup(n, y.range, b) {
            if case .valueSet(let vs) = s { return valueSetTest(tx, vs, r, b) }
        }
        if case .member(let base, let field) = y.kind, case .name(let alias) = base.kind,
           let imp = units[b.unit].imports.first(where: { $0.alias == alias }),
           case .valueSet(let vs)? = units[imp.unit].scope[field.text] {
            return valueSetTest(tx, vs, r, b)
        }
        let ty = check(y, b)
        if ty.type == .code {
            codeOperand(tx, b)
            return Typed(.builtin(.equivalent, [tx, ty]), .boolean, r)
        }
        if let elem = ty.type.elementType {
            compatible(tx, elem, "the left side of 'in'", b)
            return Typed(.builtin(.inList, [tx, ty]), .boolean, r)
        }
        if let p = ty.type.pointType {
            if tx.type.pointType != nil {
                return Typed(.timing(TimingSpec(leftBoundary: nil, relation: .during, precision: nil, offsetMode: .exactly), tx, ty, offset: nil), .boolean, r)
            }
            compatible(tx, p, "the left side of 'in'", b)
            return Typed(.builtin(.inInterval, [tx, ty]), .boolean, r)
        }
        error("type-mismatch", "'in' needs a list, an interval, a value set or a code on the right, not \(ty.type)", ty.range, unit: b.unit)
        return Typed(.constant(.null), .any, r)
    }

    func codeOperand(_ t: Typed, _ b: Body) {
        let ok: [TypeRef] = [.code, .concept, .list(.concept), .list(.code), .string, .any]
        if !ok.contains(t.type) {
            error("type-mismatch", "a code test needs a Code or Concept, not \(t.type)", t.range, unit: b.unit)
        }
    }

    func valueSetTest(_ tx: Typed, _ vs: Int, _ r: SourceRange, _ b: Body) -> Typed {
        codeOperand(tx, b)
        return Typed(.inValueSet(tx, valueSet: vs), .boolean, r)
    }

    func checkTiming(_ phrase: TimingPhrase, _ x: Expr, _ y: Expr, _ r: SourceRange, _ b: Body) -> Typed {
        // `A included in B` parses as `A during B`; `swapped` only records the spelling.
        let tx = check(x, b), ty = check(y, b)
        for t in [tx, ty] where !t.type.isTiming {
            error("type-mismatch", "timing phrases compare date-times or intervals, not \(t.type)", t.range, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        }
        compatible(Typed(.constant(.null), ty.type.timingPoint, ty.range), tx.type.timingPoint, "the right side of the timing phrase", b)
        var offset: Typed?
        if let o = phrase.offset {
            offset = check(o, b)
            if case .constant(.quantity(let q))? = offset?.ir, tx.type.timingPoint.isTemporal, CalendarUnit(unit: q.unit) == nil {
                error("invalid-unit", "'\(q.unit)' is not a calendar unit", o.range, unit: b.unit,
                      hint: "use years, months, weeks, days, hours, minutes or seconds")
            }
        }
        let spec = TimingSpec(leftBoundary: phrase.leftBoundary, relation: phrase.relation, precision: phrase.precision,
                              offsetMode: phrase.offsetMode)
        return Typed(.timing(spec, tx, ty, offset: offset), .boolean, r)
    }

    // MARK: Queries

    func checkQuery(_ q: Query, _ r: SourceRange, _ b: Body) -> Typed {
        let source = check(q.source, b)
        guard let elem = source.type.elementType else {
            error("not-a-list", "a query needs a list, not \(source.type)", q.source.range, unit: b.unit,
                  hint: "wrap a single value in a list: [x] where ...")
            return Typed(.constant(.null), .any, r)
        }
        let slot = b.newSlot()
        b.locals.append(("it", slot, elem))
        // With an alias, fields are reached through it; without one, they are visible bare.
        if let alias = q.alias { b.locals.append((alias.text, slot, elem)) } else { b.items.append((slot, elem)) }
        defer {
            if q.alias == nil { b.items.removeLast() }
            b.locals.removeLast(q.alias == nil ? 1 : 2)
        }
        var filter: Typed?
        if let f = q.filter {
            let t = check(f, b)
            expect(t, .boolean, "a 'where' condition", b)
            filter = t
        }
        var sort: Typed?
        if let s = q.sort {
            let t = check(s, b)
            if !t.type.isOrdered { error("type-mismatch", "cannot sort by \(t.type) values", t.range, unit: b.unit) }
            sort = t
        }
        var map: Typed?
        if let m = q.map { map = check(m, b) }
        let ir = QueryIR(source: source, local: slot, filter: filter, sort: sort, descending: q.descending, map: map)
        return Typed(.query(ir), .list(map?.type ?? elem), r)
    }

    // MARK: Calls

    func checkCall(_ name: Name, _ args: [Expr], _ r: SourceRange, _ b: Body) -> Typed {
        let n = name.text
        if let dot = n.firstIndex(of: ".") {
            return checkQualifiedCall(String(n[..<dot]), String(n[n.index(after: dot)...]), name, args, r, b)
        }
        // A record list filtered by a value set or code: conditions(Diabetes).
        let root = input.schema.root
        if args.count == 1, lookup(n, name.range, b) == nil, let slot = root.slot(of: n),
           case .list(.record(let kindName)) = root.fields[slot].type {
            return sourceFilter(slot, kindName, args[0], r, b)
        }
        if let s = lookup(n, name.range, b) {
            guard case .functions(let fs) = s else {
                error("not-a-function", "'\(n)' is not a function", name.range, unit: b.unit)
                return Typed(.constant(.null), .any, r)
            }
            return callUser(fs, name, args.map { check($0, b) }, r, b)
        }
        let typedArgs = args.map { check($0, b) }
        if let t = checkBuiltinCall(n, typedArgs, r, b) { return t }
        let overloads = input.functions.overloads(n)
        if !overloads.isEmpty { return callExternal(overloads, name, typedArgs, r, b) }
        var names = Array(builtinFunctionNames) + input.functions.names
        names += units[b.unit].scope.compactMap { if case .functions = $0.value { return $0.key } else { return nil } }
        error("unknown-function", "unknown function '\(n)'", name.range, unit: b.unit,
              hint: closestName(to: n, in: names).map { "did you mean '\($0)'?" })
        return Typed(.constant(.null), .any, r)
    }

    /// `Alias.function(args)`: a function of a library used with an alias.
    func checkQualifiedCall(_ alias: String, _ function: String, _ name: Name, _ args: [Expr], _ r: SourceRange, _ b: Body) -> Typed {
        guard let imp = units[b.unit].imports.first(where: { $0.alias == alias }) else {
            error("unknown-name", "unknown library alias '\(alias)'", name.range, unit: b.unit,
                  hint: closestName(to: alias, in: units[b.unit].imports.compactMap(\.alias)).map { "did you mean '\($0)'?" })
            return Typed(.constant(.null), .any, r)
        }
        guard case .functions(let fs)? = units[imp.unit].scope[function] else {
            let functions = units[imp.unit].scope.compactMap { if case .functions = $0.value { return $0.key } else { return nil } }
            error("unknown-function", "library '\(alias)' has no function '\(function)'", name.range, unit: b.unit,
                  hint: closestName(to: function, in: functions).map { "did you mean '\($0)'?" })
            return Typed(.constant(.null), .any, r)
        }
        return callUser(fs, name, args.map { check($0, b) }, r, b)
    }

    func sourceFilter(_ slot: Int, _ kindName: String, _ arg: Expr, _ r: SourceRange, _ b: Body) -> Typed {
        let root = input.schema.root
        let kind = input.schema.kind(kindName)!
        let listType = root.fields[slot].type
        let source = Typed(.field(Typed(.member, .record(root.name), r), slot: slot), listType, r)
        guard let codeField = kind.primaryCode, let codeSlot = kind.slot(of: codeField) else {
            error("no-primary-code", "\(kindName) records have no primary code to filter on", r, unit: b.unit,
                  hint: "filter with a query instead: \(root.fields[slot].name) where ...")
            return source
        }
        let local = b.newSlot()
        let item = Typed(.local(local), .record(kindName), r)
        let code = Typed(.field(item, slot: codeSlot), kind.fields[codeSlot].type, r)
        let test: Typed
        if case .name(let n) = arg.kind, case .valueSet(let vs)? = lookup(n, arg.range, b) {
            test = Typed(.inValueSet(code, valueSet: vs), .boolean, arg.range)
        } else if case .member(let base, let field) = arg.kind, case .name(let alias) = base.kind,
                  let imp = units[b.unit].imports.first(where: { $0.alias == alias }),
                  case .valueSet(let vs)? = units[imp.unit].scope[field.text] {
            test = Typed(.inValueSet(code, valueSet: vs), .boolean, arg.range)
        } else {
            let t = check(arg, b)
            guard t.type == .code || t.type == .any else {
                error("type-mismatch", "\(root.fields[slot].name)(...) takes a value set or a code, not \(t.type)", arg.range, unit: b.unit)
                return source
            }
            test = Typed(.builtin(.equivalent, [code, t]), .boolean, arg.range)
        }
        let q = QueryIR(source: source, local: local, filter: test, sort: nil, descending: false, map: nil)
        return Typed(.query(q), listType, r)
    }

    func callUser(_ candidates: [Int], _ name: Name, _ args: [Typed], _ r: SourceRange, _ b: Body) -> Typed {
        let matching = candidates.filter { i in
            functions[i].params.count == args.count && zip(args, functions[i].params).allSatisfy { $0.type.isAssignable(to: $1.1) }
        }
        guard let f = matching.first else {
            let shapes = candidates.map { i in name.text + "(" + functions[i].params.map { "\($0.0.text): \($0.1)" }.joined(separator: ", ") + ")" }
            if candidates.count == 1, functions[candidates[0]].params.count != args.count {
                let n = functions[candidates[0]].params.count
                error("argument-count", "'\(name.text)' takes \(n) argument\(n == 1 ? "" : "s"), not \(args.count)",
                      r, unit: b.unit, hint: "declared as " + shapes[0])
            } else {
                error("argument-type", "no '\(name.text)' takes (" + args.map(\.type.description).joined(separator: ", ") + ")",
                      r, unit: b.unit, hint: "declared as " + shapes.joined(separator: " or "))
            }
            return Typed(.constant(.null), .any, r)
        }
        if functions[f].state == .checking {
            error("recursion", "function '\(name.text)' calls itself", name.range, unit: b.unit,
                  hint: "functions cannot be recursive; measures must always terminate")
            return Typed(.constant(.null), .any, r)
        }
        let t = checkFunction(f) ?? .any
        if functions[f].usesEpisode { b.usesEpisode = true }
        // Defines the function reads become dependencies of the caller.
        return Typed(.function(f, args), t, r)
    }

    func callExternal(_ overloads: [FunctionDefinition], _ name: Name, _ args: [Typed], _ r: SourceRange, _ b: Body) -> Typed {
        if let f = overloads.first(where: { f in
            f.parameters.count == args.count && zip(args, f.parameters).allSatisfy { $0.type.isAssignable(to: $1) }
        }) {
            return Typed(.external(f, args), f.result, r)
        }
        let shapes = overloads.map(\.signature)
        if overloads.allSatisfy({ $0.parameters.count != args.count }) {
            let n = overloads[0].parameters.count
            error("argument-count", "'\(name.text)' takes \(n) argument\(n == 1 ? "" : "s"), not \(args.count)", r, unit: b.unit,
                  hint: shapes.joined(separator: " or "))
        } else {
            error("argument-type", "no '\(name.text)' takes (" + args.map(\.type.description).joined(separator: ", ") + ")", r, unit: b.unit,
                  hint: shapes.joined(separator: " or "))
        }
        return Typed(.constant(.null), .any, r)
    }
}
