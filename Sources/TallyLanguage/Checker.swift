/// Resolves names and types across a measure and its libraries and produces the typed IR.
///
/// Definitions are checked on first use, which both orders them and finds recursion: meeting a
/// definition that is still being checked means a cycle.
final class Checker {
    let input: CompilationInput
    var diagnostics: [Diagnostic] = []
    var units: [Unit] = []
    var defines: [DefineEntry] = []
    var functions: [FunctionEntry] = []
    var valueSets: [ValueSetInfo] = []
    var codes: [(String, Code)] = []
    var parameters: [ParameterEntry] = []
    var info: MeasureInfo
    var episodeType: TypeRef?
    /// Definitions and functions being checked, innermost last: a cycle is read off it, and
    /// its length bounds how deep definitions may refer to each other.
    var checking: [String] = []
    static let maximumReferenceDepth = 100

    enum Symbol {
        case define(Int), functions([Int]), valueSet(Int), code(Int), parameter(Int)
    }

    struct Unit {
        var source: SourceUnit
        var scope: [String: Symbol] = [:]
        var imports: [(alias: String?, unit: Int)] = []
        var isLibrary: Bool
    }

    enum State { case unchecked, checking, done }

    struct DefineEntry {
        var name: String
        var role: DefineRole
        var unit: Int
        var nameRange: SourceRange
        var expr: Expr
        var state = State.unchecked
        var typed: Typed?
        var frameSize = 0
        var dependencies: Set<Int> = []
        var usesEpisode = false
    }

    struct FunctionEntry {
        var name: String
        var unit: Int
        var nameRange: SourceRange
        var params: [(Name, TypeRef)]
        var declaredResult: TypeRef?
        var body: Expr
        var state = State.unchecked
        var typed: Typed?
        var frameSize = 0
        var usesEpisode = false
    }

    struct ParameterEntry {
        var name: String
        var type: TypeRef
        var value: Value
    }

    /// What is in scope while checking one body.
    final class Body {
        let unit: Int
        var locals: [(name: String, slot: Int, type: TypeRef)] = []
        /// The current query item, whose fields are visible by bare name.
        var items: [(slot: Int, type: TypeRef)] = []
        var nextSlot = 0
        var maxSlots = 0
        var dependencies: Set<Int> = []
        var usesEpisode = false
        var depth = 0
        init(unit: Int) { self.unit = unit }

        func newSlot() -> Int {
            nextSlot += 1
            maxSlots = max(maxSlots, nextSlot)
            return nextSlot - 1
        }
    }

    init(input: CompilationInput) {
        self.input = input
        self.info = MeasureInfo(name: "", isLibrary: true, file: input.file.path)
    }

    func error(_ code: String, _ message: String, _ range: SourceRange, unit: Int, hint: String? = nil) {
        diagnostics.append(Diagnostic(.error, code: code, message: message, file: units[unit].source.file.path, range: range, hint: hint))
    }

    // MARK: Loading files

    func run() {
        var loading: [String] = []
        _ = load(input.file, loading: &loading, usedFrom: nil)
        guard !units.isEmpty else { return }
        readHeader()
        registerParameters()
        typeEpisodes()
        for i in defines.indices { _ = checkDefine(i) }
        for i in functions.indices { _ = checkFunction(i) }
        checkPopulations()
    }

    /// Parses a file and the libraries it uses; returns its unit index.
    func load(_ file: SourceFile, loading: inout [String], usedFrom: (unit: Int, range: SourceRange)?) -> Int? {
        if let existing = units.firstIndex(where: { $0.source.file.path == file.path }) {
            if loading.contains(file.path), let from = usedFrom {
                error("library-cycle", "libraries use each other in a cycle: " + (loading + [file.path]).joined(separator: " → "),
                      from.range, unit: from.unit)
                return nil
            }
            return existing
        }
        let parsed = Parser.parse(file)
        diagnostics += parsed.diagnostics
        let header = parsed.unit.header
        var isLibrary = true
        if case .header(let lib, _, _, _)? = header?.kind { isLibrary = lib }
        units.append(Unit(source: parsed.unit, isLibrary: isLibrary))
        let u = units.count - 1
        if header == nil, usedFrom == nil || !parsed.unit.decls.isEmpty || parsed.diagnostics.isEmpty {
            let start = parsed.unit.decls.first?.range.lowerBound ?? SourceLocation(line: 1, column: 1, offset: 0)
            let end = SourceLocation(line: start.line, column: start.column + 1, offset: start.offset + 1)
            if !parsed.diagnostics.hasErrors || parsed.unit.decls.isEmpty {
                error("missing-header", "a measure file starts with 'measure NAME' or 'library NAME'", start..<end, unit: u,
                      hint: "add a first line such as: measure MyMeasure \"Title\"")
            }
        } else if let h = header, parsed.unit.decls.first.map({ $0.range != h.range }) ?? false {
            error("misplaced-header", "the 'measure' or 'library' line must come first", h.range, unit: u)
        }
        for extra in parsed.unit.decls.filter({ if case .header = $0.kind { return true } else { return false } }).dropFirst() {
            error("duplicate-header", "a file holds one measure or library; this is a second header", extra.range, unit: u,
                  hint: "put each measure in its own file")
        }
        loading.append(file.path)
        defer { loading.removeLast() }
        for decl in parsed.unit.decls {
            register(decl, unit: u, loading: &loading)
        }
        return u
    }

    func register(_ decl: Decl, unit u: Int, loading: inout [String]) {
        func declare(_ name: Name, _ symbol: Symbol) {
            if let existing = units[u].scope[name.text] {
                // Function overloads share a name; anything else is a duplicate.
                if case .functions(let fs) = existing, case .functions(let new) = symbol {
                    units[u].scope[name.text] = .functions(fs + new)
                    return
                }
                error("duplicate-definition", "'\(name.text)' is already defined in this file", name.range, unit: u,
                      hint: "rename one of the two definitions")
                return
            }
            units[u].scope[name.text] = symbol
        }
        switch decl.kind {
        case .header: break
        case .use(let path, let pathRange, let alias):
            switch input.loadLibrary(path, units[u].source.file) {
            case .found(let file):
                if let lib = load(file, loading: &loading, usedFrom: (u, pathRange)) {
                    if !units[lib].isLibrary {
                        error("use-of-measure", "'\(path)' is a measure, not a library", pathRange, unit: u,
                              hint: "move shared definitions into a file that starts with 'library'")
                    }
                    units[u].imports.append((alias?.text, lib))
                }
            case .notFound(let tried):
                error("library-not-found", "library '\(path)' not found", pathRange, unit: u,
                      hint: tried.isEmpty ? nil : "looked for " + tried.joined(separator: ", "))
            }
        case .parameter(let name, let type, let value):
            parameterDecls.append((name, type, value, u))
        case .valueset(let name, let url):
            let codes = input.valueSets.codes(for: url)
            if codes == nil, !input.valueSets.isEmpty {
                error("unknown-valueset", "value set '\(name.text)' (\(url)) is not loaded", decl.range, unit: u,
                      hint: "pass the folder that holds it with --valuesets DIR")
            }
            valueSets.append(ValueSetInfo(name: name.text, reference: url, codes: codes ?? [], loaded: codes != nil))
            declare(name, .valueSet(valueSets.count - 1))
        case .code(let name, let system, let systemRange, let code, let display):
            let url = codeSystemURL(system)
            if !url.contains(":") && !url.contains("/") {
                error("unknown-code-system", "unknown code system '\(system)'", systemRange, unit: u,
                      hint: closestName(to: system, in: codeSystemAliases.keys).map { "did you mean '\($0)'?" }
                        ?? "use a canonical URL in quotes, or one of: loinc, snomed, icd10cm, icd10pcs, cpt, hcpcs, rxnorm, ndc, cvx")
            }
            codes.append((name.text, Code(system: url, code: code, display: display)))
            declare(name, .code(codes.count - 1))
        case .define(let name, let e):
            addDefine(name, .define, e, unit: u, declare: declare)
        case .function(let name, let params, let result, let body):
            let ps = params.map { ($0.name, resolveType($0.type, unit: u)) }
            functions.append(FunctionEntry(name: name.text, unit: u, nameRange: name.range, params: ps,
                                           declaredResult: result.map { resolveType($0, unit: u) }, body: body))
            declare(name, .functions([functions.count - 1]))
        case .population(let name, let e):
            if !populationNames.contains(name.text) {
                error("unknown-population", "unknown population '\(name.text)'", name.range, unit: u,
                      hint: closestName(to: name.text, in: populationNames).map { "did you mean '\($0)'?" }
                        ?? "populations are: " + populationNames.joined(separator: ", "))
            }
            addDefine(name, .population(name.text), e, unit: u, declare: declare)
        case .observation(let name, let e, let agg):
            addDefine(name, .observation(agg), e, unit: u, declare: declare)
        case .stratify(let name, let e):
            addDefine(name, .stratifier, e, unit: u, declare: declare)
        case .supplemental(let name, let e):
            addDefine(name, .supplemental, e, unit: u, declare: declare)
        }
    }

    var parameterDecls: [(Name, TypeSyntax?, Expr?, Int)] = []

    func addDefine(_ name: Name, _ role: DefineRole, _ e: Expr, unit u: Int, declare: (Name, Symbol) -> Void) {
        defines.append(DefineEntry(name: name.text, role: role, unit: u, nameRange: name.range, expr: e))
        declare(name, .define(defines.count - 1))
    }

    let populationNames = ["initial", "denominator", "denominator_exclusion", "denominator_exception", "numerator",
                           "numerator_exclusion", "measure_population", "measure_population_exclusion"]

    // MARK: Header and parameters

    func readHeader() {
        guard case .header(let isLibrary, let name, let title, let meta)? = units[0].source.header?.kind else { return }
        info.name = name.text
        info.title = title
        info.isLibrary = isLibrary
        var seen: Set<String> = []
        for (m, range) in meta {
            let key: String
            switch m {
            case .version(let v): info.version = v; key = "version"
            case .steward(let v): info.steward = v; key = "steward"
            case .owner(let v): info.owner = v; key = "owner"
            case .description(let v): info.description = v; key = "description"
            case .gap(let v): info.gapAction = v; key = "gap"
            case .scoring(let v): info.scoring = v; key = "scoring"
            case .improvement(let v): info.improvement = v; key = "improvement"
            case .target(let v):
                key = "target"
                if let d = Double(v), d >= 0 { info.target = d } else {
                    error("invalid-metadata", "target must be a non-negative number", range, unit: 0)
                }
            case .basisMember: key = "basis"
            case .basisEpisode(let e):
                key = "basis"
                let name = Name(text: "episodes", range: e.range)
                defines.append(DefineEntry(name: name.text, role: .episodes, unit: 0, nameRange: e.range, expr: e))
                info.episodesDefine = defines.count - 1
            }
            if !seen.insert(key).inserted {
                error("duplicate-metadata", "'\(key)' is given twice", range, unit: 0)
            }
            if isLibrary, ["scoring", "basis", "target", "improvement", "gap"].contains(key) {
                error("library-metadata", "a library has no '\(key)'; only measures do", range, unit: 0)
            }
        }
        if !isLibrary, info.scoring == nil {
            error("missing-scoring", "measure '\(name.text)' does not declare its scoring", name.range, unit: 0,
                  hint: "add 'scoring proportion' (or ratio, continuous-variable, cohort) after the measure line")
        }
    }

    /// Types the episode list first (in member context, after parameters are known), so
    /// `episode` has a type in every other definition.
    func typeEpisodes() {
        if let e = info.episodesDefine {
            if let t = checkDefine(e) {
                if let elem = t.elementType { episodeType = elem } else {
                    error("not-a-list", "the episode basis must be a list (such as a list of encounters), not \(t)",
                          defines[e].expr.range, unit: 0)
                    episodeType = .any
                }
            }
        }
    }

    func registerParameters() {
        // The measure's own declaration comes first, so its default wins over its libraries'.
        let ordered = parameterDecls.filter { $0.3 == 0 } + parameterDecls.filter { $0.3 != 0 }
        for (name, typeSyntax, valueExpr, u) in ordered {
            let declared = typeSyntax.map { resolveType($0, unit: u) }
            var value: Value = .null
            var type = declared ?? .any
            if let e = valueExpr {
                let body = Body(unit: u)
                let typed = check(e, body)
                if let declared, !typed.type.isAssignable(to: declared) {
                    error("type-mismatch", "the default of parameter '\(name.text)' is \(typed.type), not \(declared)", e.range, unit: u)
                }
                if declared == nil { type = typed.type }
                if let v = CodeGenerator.constantValue(typed) { value = v } else if !diagnostics.hasErrors {
                    error("not-constant", "a parameter default must be a constant", e.range, unit: u,
                          hint: "use literals such as interval[@2025-01-01, @2025-12-31]")
                }
            }
            if let override = input.parameterValues[name.text] { value = override }
            if let existing = parameters.firstIndex(where: { $0.name == name.text }) {
                // The same parameter in a measure and its libraries is one parameter; the
                // measure's (first registered) default wins.
                if parameters[existing].type != type, type != .any, parameters[existing].type != .any {
                    error("type-mismatch", "parameter '\(name.text)' is \(type) here but \(parameters[existing].type) elsewhere", name.range, unit: u)
                }
                units[u].scope[name.text] = .parameter(existing)
                continue
            }
            parameters.append(ParameterEntry(name: name.text, type: type, value: value))
            if units[u].scope[name.text] != nil {
                error("duplicate-definition", "'\(name.text)' is already defined in this file", name.range, unit: u)
            } else {
                units[u].scope[name.text] = .parameter(parameters.count - 1)
            }
        }
    }

    // MARK: Populations

    func checkPopulations() {
        guard !info.isLibrary, let scoring = info.scoring else { return }
        let present = Set(defines.filter { $0.unit == 0 }.compactMap { d -> String? in
            if case .population(let p) = d.role { return p } else { return nil }
        })
        let required: [String]
        switch scoring {
        case "proportion", "ratio": required = ["initial", "denominator", "numerator"]
        case "continuous-variable": required = ["initial", "measure_population"]
        default: required = ["initial"]
        }
        let missing = required.filter { !present.contains($0) }
        let header = units[0].source.header!
        if !missing.isEmpty {
            error("missing-population", "\(scoring) scoring needs population" + (missing.count > 1 ? "s " : " ")
                  + missing.map { "'\($0)'" }.joined(separator: ", "), nameRange(header), unit: 0,
                  hint: "add: population \(missing[0]) = ...")
        }
        if scoring == "continuous-variable", !defines.contains(where: { if case .observation = $0.role { return $0.unit == 0 } else { return false } }) {
            error("missing-population", "continuous-variable scoring needs an 'observation ... aggregate ...'", nameRange(header), unit: 0)
        }
        for d in defines where d.unit == 0 {
            guard case .population(let p) = d.role, let t = d.typed?.type else { continue }
            if t != .boolean && t != .any {
                error("population-type", "population '\(p)' must be Boolean, not \(t)", d.expr.range, unit: 0,
                      hint: "use 'exists ...' to test a list")
            }
        }
    }

    func nameRange(_ header: Decl) -> SourceRange {
        if case .header(_, let n, _, _) = header.kind { return n.range }
        return header.range
    }

    // MARK: Definitions and functions

    func checkDefine(_ i: Int) -> TypeRef? {
        switch defines[i].state {
        case .done: return defines[i].typed?.type
        case .checking: return nil
        case .unchecked: break
        }
        if checking.count >= Checker.maximumReferenceDepth {
            error("too-deep", "definitions refer to each other more than \(Checker.maximumReferenceDepth) levels deep",
                  defines[i].nameRange, unit: defines[i].unit, hint: "flatten the chain of definitions")
            return nil
        }
        defines[i].state = .checking
        checking.append(defines[i].name)
        defer { checking.removeLast() }
        let body = Body(unit: defines[i].unit)
        let typed = check(defines[i].expr, body)
        defines[i].typed = typed
        defines[i].frameSize = body.maxSlots
        defines[i].dependencies = body.dependencies
        defines[i].usesEpisode = body.usesEpisode
        defines[i].state = .done
        return typed.type
    }

    func checkFunction(_ i: Int) -> TypeRef? {
        switch functions[i].state {
        case .done: return functions[i].typed?.type
        case .checking: return nil
        case .unchecked: break
        }
        if checking.count >= Checker.maximumReferenceDepth {
            error("too-deep", "functions call each other more than \(Checker.maximumReferenceDepth) levels deep",
                  functions[i].nameRange, unit: functions[i].unit, hint: "flatten the chain of functions")
            return nil
        }
        functions[i].state = .checking
        checking.append(functions[i].name)
        defer { checking.removeLast() }
        let f = functions[i]
        let body = Body(unit: f.unit)
        for (name, type) in f.params { body.locals.append((name.text, body.newSlot(), type)) }
        var typed = check(f.body, body)
        if let declared = f.declaredResult {
            if !typed.type.isAssignable(to: declared) {
                error("type-mismatch", "function '\(f.name)' returns \(typed.type), not the declared \(declared)", f.body.range, unit: f.unit)
            }
            typed.type = declared
        }
        functions[i].typed = typed
        functions[i].frameSize = body.maxSlots
        functions[i].usesEpisode = body.usesEpisode
        functions[i].state = .done
        return typed.type
    }

    func resolveType(_ t: TypeSyntax, unit u: Int) -> TypeRef {
        switch t {
        case .named(let n):
            if let b = builtinTypeNames[n.text] { return b }
            if input.schema.kind(n.text) != nil { return .record(n.text) }
            let known = Array(builtinTypeNames.keys) + input.schema.kinds.map(\.name)
            error("unknown-type", "unknown type '\(n.text)'", n.range, unit: u,
                  hint: closestName(to: n.text, in: known).map { "did you mean '\($0)'?" })
            return .any
        case .generic(let n, let args):
            let inner = args.map { resolveType($0, unit: u) }
            guard inner.count == 1, n.text == "List" || n.text == "Interval" else {
                error("unknown-type", "unknown generic type '\(n.text)<...>'", n.range, unit: u, hint: "use List<T> or Interval<T>")
                return .any
            }
            return n.text == "List" ? .list(inner[0]) : .interval(inner[0])
        }
    }
}
