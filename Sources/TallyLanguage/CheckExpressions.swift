/// Type rules for expressions. Each rule reports its own errors and returns a node typed `Any`
/// on failure, so one mistake is reported once and does not cascade.
extension Checker {
    func check(_ e: Expr, _ b: Body) -> Typed {
        b.depth += 1
        defer { b.depth -= 1 }
        let r = e.range
        switch e.kind {
        case .null: return Typed(.constant(.null), .any, r)
        case .boolean(let v): return Typed(.constant(.boolean(v)), .boolean, r)
        case .integer(let text):
            guard let v = Int(text) else {
                error("invalid-number", "integer \(text) is too large", r, unit: b.unit, hint: "write it as a decimal: \(text).0")
                return Typed(.constant(.null), .any, r)
            }
            return Typed(.constant(.integer(v)), .integer, r)
        case .decimal(let text): return Typed(.constant(.decimal(Double(text) ?? 0)), .decimal, r)
        case .string(let s): return Typed(.constant(.string(s)), .string, r)
        case .temporal(let text):
            switch Temporal.parse(text) {
            case .success(let t): return Typed(.constant(.temporal(t)), t.isDate ? .date : .dateTime, r)
            case .failure(let f):
                error("invalid-date", "invalid date '@\(text)': \(f.message)", r, unit: b.unit,
                      hint: "dates are written @YYYY-MM-DD, date-times @YYYY-MM-DDThh:mm:ss.fffZ")
                return Typed(.constant(.null), .any, r)
            }
        case .quantity(let number, let unit):
            let v = Double(number) ?? 0
            if unit.isEmpty || unit.contains(" ") {
                error("invalid-unit", "invalid unit '\(unit)'", r, unit: b.unit, hint: "write a UCUM unit such as 'mg/dL' or '%'")
            }
            return Typed(.constant(.quantity(Quantity(v, unit))), .quantity, r)
        case .name(let n): return resolveName(n, r, b)
        case .member(let base, let field): return checkMember(base, field, r, b)
        case .call(let name, let args): return checkCall(name, args, r, b)
        case .index(let base, let i):
            let tb = check(base, b), ti = check(i, b)
            guard let elem = tb.type.elementType else {
                error("not-a-list", "only a list can be indexed, not \(tb.type)", base.range, unit: b.unit)
                return Typed(.constant(.null), .any, r)
            }
            expect(ti, .integer, "an index", b)
            return Typed(.builtin(.index, [tb, ti]), elem, r)
        case .unary(let op, let x): return checkUnary(op, x, r, b)
        case .binary(let op, let x, let y): return checkBinary(op, x, y, r, b)
        case .timing(let phrase, let x, let y): return checkTiming(phrase, x, y, r, b)
        case .isNull(let x, let negated):
            return Typed(.builtin(negated ? .isNotNull : .isNull, [check(x, b)]), .boolean, r)
        case .isType(let x, let t):
            return Typed(.isType(check(x, b), resolveType(t, unit: b.unit)), .boolean, r)
        case .asType(let x, let t):
            let target = resolveType(t, unit: b.unit)
            return Typed(.asType(check(x, b), target), target, r)
        case .list(let items):
            let typed = items.map { check($0, b) }
            var elem: TypeRef = .any
            for t in typed {
                guard let c = TypeRef.common(elem, t.type) else {
                    error("type-mismatch", "list items must share a type: \(elem) and \(t.type)", t.range, unit: b.unit)
                    break
                }
                elem = c
            }
            return Typed(.list(typed), .list(elem), r)
        case .interval(let lowClosed, let lo, let hi, let highClosed):
            return makeInterval(check(lo, b), lowClosed, check(hi, b), highClosed, r, b)
        case .range(let lo, let hi):
            return makeInterval(check(lo, b), true, check(hi, b), true, r, b)
        case .conditional(let c, let x, let y):
            let tc = check(c, b)
            expect(tc, .boolean, "an 'if' condition", b)
            let tx = check(x, b), ty = check(y, b)
            return Typed(.conditional(tc, tx, ty), branchType([tx, ty], b), r)
        case .caseWhen(let arms, let other):
            var typedArms: [(Typed, Typed)] = []
            for (c, v) in arms {
                let tc = check(c, b)
                expect(tc, .boolean, "a 'when' condition", b)
                typedArms.append((tc, check(v, b)))
            }
            let to = check(other, b)
            return Typed(.caseWhen(typedArms, to), branchType(typedArms.map(\.1) + [to], b), r)
        case .query(let q): return checkQuery(q, r, b)
        }
    }

    func branchType(_ branches: [Typed], _ b: Body) -> TypeRef {
        var t: TypeRef = .any
        for x in branches {
            guard let c = TypeRef.common(t, x.type) else {
                error("type-mismatch", "branches have different types: \(t) and \(x.type)", x.range, unit: b.unit,
                      hint: "every branch must give the same type")
                return .any
            }
            t = c
        }
        return t
    }

    @discardableResult
    func expect(_ t: Typed, _ type: TypeRef, _ what: String, _ b: Body) -> Bool {
        if t.type.isAssignable(to: type) { return true }
        var hint: String?
        if type == .boolean, t.type.elementType != nil { hint = "use 'exists ...' to test whether a list has items" }
        error("type-mismatch", "\(what) must be \(type), not \(t.type)", t.range, unit: b.unit, hint: hint)
        return false
    }

    func makeInterval(_ lo: Typed, _ lc: Bool, _ hi: Typed, _ hc: Bool, _ r: SourceRange, _ b: Body) -> Typed {
        guard let point = TypeRef.common(lo.type, hi.type) else {
            error("type-mismatch", "interval bounds must share a type: \(lo.type) and \(hi.type)", r, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        }
        if !point.isOrdered {
            error("type-mismatch", "an interval needs ordered bounds (numbers, dates, quantities), not \(point)", r, unit: b.unit)
        }
        return Typed(.interval(lo, lowClosed: lc, hi, highClosed: hc), .interval(point), r)
    }

    // MARK: Names

    func resolveName(_ n: String, _ r: SourceRange, _ b: Body) -> Typed {
        if let local = b.locals.last(where: { $0.name == n }) {
            return Typed(.local(local.slot), local.type, r)
        }
        if let item = b.items.last, case .record(let kindName) = item.type, let kind = input.schema.kind(kindName),
           let slot = kind.slot(of: n) {
            if let hidden = outerName(n, b) {
                diagnostics.append(Diagnostic(.warning, code: "field-hides-name",
                    message: "'\(n)' here is the field \(kindName).\(n), which hides the \(hidden) '\(n)'",
                    file: units[b.unit].source.file.path, range: r,
                    hint: "name the item to reach both: ... as x where x.\(n) ... \(n)"))
            }
            return Typed(.field(Typed(.local(item.slot), item.type, r), slot: slot), kind.fields[slot].type, r)
        }
        if n == "episode", let t = episodeType {
            b.usesEpisode = true
            return Typed(.episode, t, r)
        }
        if let s = lookup(n, r, b) { return symbolValue(s, n, r, b) }
        if n == "member" { return Typed(.member, .record(input.schema.rootKind), r) }
        let root = input.schema.root
        if let slot = root.slot(of: n), root.fields[slot].type.elementType != nil {
            return Typed(.field(Typed(.member, .record(root.name), r), slot: slot), root.fields[slot].type, r)
        }
        if n == "episode" {
            error("no-episode", "'episode' is only defined in a measure with 'basis episode of ...'", r, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        }
        error("unknown-name", "unknown name '\(n)'", r, unit: b.unit, hint: suggestion(for: n, b))
        return Typed(.constant(.null), .any, r)
    }

    /// What a bare name would mean outside the current query, if anything (without reporting).
    func outerName(_ n: String, _ b: Body) -> String? {
        var symbols = [units[b.unit].scope[n]]
        for imp in units[b.unit].imports where imp.alias == nil { symbols.append(units[imp.unit].scope[n]) }
        for s in symbols.compactMap({ $0 }) {
            switch s {
            case .define: return "definition"
            case .parameter: return "parameter"
            case .code: return "code"
            case .valueSet: return "value set"
            case .functions: continue
            }
        }
        return nil
    }

    /// Looks a name up in the body's file, then in the libraries it uses without an alias.
    func lookup(_ n: String, _ r: SourceRange, _ b: Body) -> Symbol? {
        if let s = units[b.unit].scope[n] { return s }
        var found: [(Symbol, Int)] = []
        for imp in units[b.unit].imports where imp.alias == nil {
            if let s = units[imp.unit].scope[n] { found.append((s, imp.unit)) }
        }
        if found.count > 1 {
            let files = found.map { units[$0.1].source.file.path }
            error("ambiguous-name", "'\(n)' is defined in several libraries: " + files.joined(separator: ", "), r, unit: b.unit,
                  hint: "use one library with an alias ('use \"...\" as Lib') and write Lib.\(n)")
        }
        return found.first?.0
    }

    func symbolValue(_ s: Symbol, _ n: String, _ r: SourceRange, _ b: Body) -> Typed {
        switch s {
        case .define(let i):
            if defines[i].state == .checking {
                error("recursion", "'\(n)' refers to itself" + cycleDescription(i), r, unit: b.unit,
                      hint: "definitions cannot be recursive; measures must always terminate")
                return Typed(.constant(.null), .any, r)
            }
            let t = checkDefine(i) ?? .any
            b.dependencies.insert(i)
            if defines[i].usesEpisode { b.usesEpisode = true }
            return Typed(.define(i), t, r)
        case .parameter(let i): return Typed(.parameter(i), parameters[i].type, r)
        case .code(let i): return Typed(.constant(.code(codes[i].1)), .code, r)
        case .valueSet:
            error("valueset-as-value", "value set '\(n)' is not a value", r, unit: b.unit,
                  hint: "test membership with 'code in \(n)', or filter a list with conditions(\(n))")
            return Typed(.constant(.null), .any, r)
        case .functions:
            error("function-as-value", "'\(n)' is a function; call it with arguments: \(n)(...)", r, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        }
    }

    /// The cycle that leads back to a definition, read off the stack of definitions in progress.
    func cycleDescription(_ i: Int) -> String {
        guard let first = checking.lastIndex(of: defines[i].name) else { return "" }
        let chain = Array(checking[first...])
        return chain.count > 1 ? " through " + (chain + [defines[i].name]).joined(separator: " → ") : ""
    }

    func suggestion(for n: String, _ b: Body) -> String? {
        var names: [String] = b.locals.map(\.name) + Array(units[b.unit].scope.keys) + ["member"]
        for imp in units[b.unit].imports where imp.alias == nil { names += units[imp.unit].scope.keys }
        names += input.schema.root.fields.filter { $0.type.elementType != nil }.map(\.name)
        if let item = b.items.last, case .record(let k) = item.type, let kind = input.schema.kind(k) {
            names += kind.fields.map(\.name)
        }
        return closestName(to: n, in: names).map { "did you mean '\($0)'?" }
    }

    // MARK: Fields

    func checkMember(_ base: Expr, _ field: Name, _ r: SourceRange, _ b: Body) -> Typed {
        // `Alias.name` reaches into a library used with an alias.
        if case .name(let alias) = base.kind, !b.locals.contains(where: { $0.name == alias }),
           let imp = units[b.unit].imports.first(where: { $0.alias == alias }) {
            guard let s = units[imp.unit].scope[field.text] else {
                error("unknown-name", "library '\(alias)' has no definition '\(field.text)'", field.range, unit: b.unit,
                      hint: closestName(to: field.text, in: units[imp.unit].scope.keys).map { "did you mean '\($0)'?" })
                return Typed(.constant(.null), .any, r)
            }
            return symbolValue(s, field.text, r, b)
        }
        let tb = check(base, b)
        return fieldAccess(tb, field, r, b)
    }

    func fieldAccess(_ tb: Typed, _ field: Name, _ r: SourceRange, _ b: Body) -> Typed {
        switch tb.type {
        case .any: return Typed(.constant(.null), .any, r)
        case .record(let kindName):
            let kind = input.schema.kind(kindName)!
            guard let slot = kind.slot(of: field.text) else {
                error("unknown-field", "\(kindName) has no field '\(field.text)'", field.range, unit: b.unit,
                      hint: closestName(to: field.text, in: kind.fields.map(\.name)).map { "did you mean '\($0)'?" })
                return Typed(.constant(.null), .any, r)
            }
            return Typed(.field(tb, slot: slot), kind.fields[slot].type, r)
        case .list(let elem):
            // A path through a list maps over it, flattening list-valued fields.
            let slot = b.newSlot()
            b.items.append((slot, elem))
            let inner = fieldAccess(Typed(.local(slot), elem, tb.range), field, r, b)
            b.items.removeLast()
            let resultType: TypeRef = inner.type.elementType != nil ? inner.type : .list(inner.type)
            let q = QueryIR(source: tb, local: slot, filter: nil, sort: nil, descending: false, map: inner)
            let mapped = Typed(.query(q), .list(inner.type), r)
            return inner.type.elementType != nil ? Typed(.builtin(.flatten, [mapped]), resultType, r) : mapped
        case .interval(let p) where field.text == "low" || field.text == "high":
            return Typed(.builtin(field.text == "low" ? .start : .end, [tb]), p, r)
        case .quantity where field.text == "value" || field.text == "unit":
            return Typed(.builtin(field.text == "value" ? .quantityValue : .quantityUnit, [tb]), field.text == "value" ? .decimal : .string, r)
        case .code where ["system", "code", "display"].contains(field.text):
            return Typed(.builtin(.toString, [tb]), .string, r).with(codeField: field.text)
        default:
            error("unknown-field", "\(tb.type) has no field '\(field.text)'", field.range, unit: b.unit)
            return Typed(.constant(.null), .any, r)
        }
    }
}

extension Typed {
    /// Field access on a Code compiles to a small external function.
    func with(codeField name: String) -> Typed {
        guard case .builtin(_, let args) = ir else { return self }
        let def = FunctionDefinition(name: "code.\(name)", parameters: [.code], result: .string) { a in
            guard case .code(let c) = a[0] else { return .null }
            switch name {
            case "system": return .string(c.system)
            case "code": return .string(c.code)
            default: return c.display.map { .string($0) } ?? .null
            }
        }
        return Typed(.external(def, args), .string, range)
    }
}
