/// A readable, deterministic S-expression dump of a syntax tree, one declaration per line; the
/// parser tests compare these dumps. Names print bare, literals as written, and every other
/// node as `(kind operands...)`:
///
///     define a = x during day of period and b
///
/// dumps as
///
///     (define a (binary and (timing during day (name x) (name period)) (name b)))
///
/// Parentheses in the source leave no node; types print as written (`List<Encounter>`).
public func dumpAST(_ unit: SourceUnit) -> String {
    unit.decls.map { dumpDecl($0.kind) + "\n" }.joined()
}

/// The dump of one expression, as in `(binary + 1 (name x))`.
public func dumpAST(_ expr: Expr) -> String {
    switch expr.kind {
    case .null: return "null"
    case .boolean(let v): return v ? "true" : "false"
    case .integer(let t), .decimal(let t): return t
    case .string(let s): return quoted(s)
    case .temporal(let t): return "@" + t
    case .quantity(let n, let u): return "(quantity \(n) '\(u)')"
    case .name(let n): return "(name \(n))"
    case .call(let f, let args): return node("call", [f.text] + args.map(dumpAST))
    case .member(let base, let field): return node("member", [dumpAST(base), field.text])
    case .index(let base, let i): return node("index", [dumpAST(base), dumpAST(i)])
    case .unary(let op, let x): return node("unary", [word(op.rawValue), dumpAST(x)])
    case .binary(let op, let x, let y): return node("binary", [word(op.rawValue), dumpAST(x), dumpAST(y)])
    case .timing(let p, let x, let y): return node("timing", dumpPhrase(p) + [dumpAST(x), dumpAST(y)])
    case .isNull(let x, let negated): return node(negated ? "is-not-null" : "is-null", [dumpAST(x)])
    case .isType(let x, let t): return node("is", [dumpAST(x), dumpType(t)])
    case .asType(let x, let t): return node("as", [dumpAST(x), dumpType(t)])
    case .list(let items): return node("list", items.map(dumpAST))
    case .interval(let lc, let lo, let hi, let hc):
        return node("interval", [(lc ? "closed" : "open") + "-" + (hc ? "closed" : "open"), dumpAST(lo), dumpAST(hi)])
    case .range(let lo, let hi): return node("range", [dumpAST(lo), dumpAST(hi)])
    case .conditional(let c, let a, let b): return node("if", [dumpAST(c), dumpAST(a), dumpAST(b)])
    case .caseWhen(let arms, let other):
        return node("case", arms.map { node("when", [dumpAST($0.0), dumpAST($0.1)]) } + [node("else", [dumpAST(other)])])
    case .query(let q):
        var parts = [dumpAST(q.source)]
        if let a = q.alias { parts.append("(as \(a.text))") }
        if let f = q.filter { parts.append(node("where", [dumpAST(f)])) }
        if let s = q.sort { parts.append(node("sort", [dumpAST(s), q.descending ? "desc" : "asc"])) }
        if let m = q.map { parts.append(node("return", [dumpAST(m)])) }
        return node("query", parts)
    }
}

/// `starts`/`ends`, the relation, the precision, then the offset and its mode.
private func dumpPhrase(_ p: TimingPhrase) -> [String] {
    var parts: [String] = []
    if let b = p.leftBoundary { parts.append(b == .start ? "starts" : "ends") }
    parts.append(p.swapped ? "included-in" : word(p.relation.rawValue))
    if let prec = p.precision { parts.append(prec.word) }
    if let o = p.offset { parts.append(dumpAST(o)) }
    if p.offsetMode != .exactly { parts.append(word(p.offsetMode.rawValue)) }
    return parts
}

private func dumpDecl(_ kind: DeclKind) -> String {
    switch kind {
    case .header(let isLibrary, let name, let title, let meta):
        var parts = [name.text]
        if let title { parts.append(quoted(title)) }
        for (m, _) in meta {
            switch m {
            case .version(let v): parts.append(node("version", [quoted(v)]))
            case .steward(let v): parts.append(node("steward", [quoted(v)]))
            case .owner(let v): parts.append(node("owner", [quoted(v)]))
            case .description(let v): parts.append(node("description", [quoted(v)]))
            case .gap(let v): parts.append(node("gap", [quoted(v)]))
            case .scoring(let v): parts.append(node("scoring", [v]))
            case .improvement(let v): parts.append(node("improvement", [v]))
            case .target(let v): parts.append(node("target", [v]))
            case .basisMember: parts.append("(basis member)")
            case .basisEpisode(let e): parts.append(node("basis", ["episode", dumpAST(e)]))
            }
        }
        return node(isLibrary ? "library" : "measure", parts)
    case .use(let path, _, let alias):
        return node("use", [quoted(path)] + (alias.map { ["as", $0.text] } ?? []))
    case .parameter(let name, let type, let value):
        return node("parameter", [name.text] + (type.map { [":", dumpType($0)] } ?? []) + (value.map { [dumpAST($0)] } ?? []))
    case .valueset(let name, let url): return node("valueset", [name.text, quoted(url)])
    case .code(let name, let system, _, let code, let display):
        let sys = system.contains(":") || system.contains("/") ? quoted(system) : system
        return node("code", [name.text, sys, quoted(code)] + (display.map { ["display", quoted($0)] } ?? []))
    case .define(let name, let e): return node("define", [name.text, dumpAST(e)])
    case .function(let name, let params, let result, let body):
        let ps = "(" + params.map { "(\($0.name.text) : \(dumpType($0.type)))" }.joined(separator: " ") + ")"
        return node("function", [name.text, ps] + (result.map { [":", dumpType($0)] } ?? []) + [dumpAST(body)])
    case .population(let name, let e): return node("population", [name.text, dumpAST(e)])
    case .observation(let name, let e, let agg): return node("observation", [name.text, dumpAST(e), "aggregate", agg.rawValue])
    case .stratify(let name, let e): return node("stratify", [name.text, dumpAST(e)])
    case .supplemental(let name, let e): return node("supplemental", [name.text, dumpAST(e)])
    }
}

private func dumpType(_ t: TypeSyntax) -> String {
    switch t {
    case .named(let n): return n.text
    case .generic(let n, let args): return n.text + "<" + args.map(dumpType).joined(separator: ", ") + ">"
    }
}

private func node(_ head: String, _ parts: [String]) -> String {
    "(" + ([head] + parts).joined(separator: " ") + ")"
}

/// Operator spellings with spaces become one word: `not in` → `not-in`.
private func word(_ s: String) -> String {
    String(s.map { $0 == " " ? "-" : $0 })
}

private func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
