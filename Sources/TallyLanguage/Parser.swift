/// A recursive-descent parser with one function per precedence level (see docs/language.md).
///
/// On an error the parser records a diagnostic and skips to the next declaration, so one run
/// reports every independent error in a file.
public struct Parser {
    var tokens: [Token]
    var index = 0
    let file: SourceFile
    var diagnostics: [Diagnostic] = []
    var depth = 0
    /// Greater than zero while parsing a query clause: a bare term there does not start a
    /// nested query (so `return` and `sort` belong to the outer query); parentheses reset it.
    var clauseDepth = 0

    /// Deeper nesting is reported instead of risking the stack.
    public static let maximumNesting = 200

    struct Failure: Error { var diagnostic: Diagnostic }

    public init(file: SourceFile) {
        self.file = file
        let lexed = Lexer.tokenize(file)
        // Invalid tokens were reported by the lexer. Stray characters (empty text) are skipped;
        // malformed literals stay, and parse as null placeholders.
        self.tokens = lexed.tokens.filter { $0.kind != .invalid || !$0.text.isEmpty }
        self.diagnostics = lexed.diagnostics
    }

    /// Parses a whole file.
    public static func parse(_ file: SourceFile) -> (unit: SourceUnit, diagnostics: [Diagnostic]) {
        var p = Parser(file: file)
        let decls = p.parseFile()
        return (SourceUnit(file: file, decls: decls), p.diagnostics)
    }

    /// Parses one expression (the REPL and tests use this); the whole input must be consumed.
    public static func parseExpression(_ file: SourceFile) -> (expr: Expr?, diagnostics: [Diagnostic]) {
        var p = Parser(file: file)
        do {
            let e = try p.parseExpr()
            if p.current.kind != .endOfInput { throw p.unexpected("the end of the expression") }
            return (e, p.diagnostics)
        } catch let f as Failure {
            return (nil, p.diagnostics + [f.diagnostic])
        } catch {
            return (nil, p.diagnostics)
        }
    }

    // MARK: Tokens

    var current: Token { tokens[index] }
    func peek(_ n: Int = 1) -> Token { tokens[min(index + n, tokens.count - 1)] }
    var previousEnd: SourceLocation { index > 0 ? tokens[index - 1].range.upperBound : current.range.lowerBound }

    @discardableResult
    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func failure(_ code: String, _ message: String, at range: SourceRange, hint: String? = nil) -> Failure {
        Failure(diagnostic: Diagnostic(.error, code: code, message: message, file: file.path, range: range, hint: hint))
    }

    func unexpected(_ expected: String, hint: String? = nil) -> Failure {
        if current.kind == .endOfInput {
            // Point just past the last token: that is where something is missing.
            var at = current.range
            if index > 0 {
                let end = previousEnd
                at = end..<SourceLocation(line: end.line, column: end.column + 1, offset: end.offset + 1)
            }
            return failure("unexpected-end", "unexpected end of input; expected \(expected)", at: at, hint: hint)
        }
        return failure("unexpected-token", "expected \(expected), found \(current)", at: current.range, hint: hint)
    }

    mutating func accept(keyword: String) -> Bool {
        if current.is(keyword) { advance(); return true }
        return false
    }

    mutating func accept(symbol: String) -> Bool {
        if current.isSymbol(symbol) { advance(); return true }
        return false
    }

    mutating func accept(word: String) -> Bool {
        if current.isWord(word) { advance(); return true }
        return false
    }

    mutating func expect(symbol: String, _ what: String? = nil) throws {
        if !accept(symbol: symbol) { throw unexpected(what ?? "'\(symbol)'") }
    }

    mutating func expect(keyword: String) throws {
        if !accept(keyword: keyword) { throw unexpected("'\(keyword)'") }
    }

    mutating func expectName(_ what: String) throws -> Name {
        guard current.kind == .identifier else {
            if current.kind == .keyword {
                throw failure("reserved-word", "'\(current.text)' is a reserved word and cannot be used as \(what)", at: current.range,
                              hint: "quote it with back-ticks: `\(current.text)`")
            }
            throw unexpected(what)
        }
        let t = advance()
        return Name(text: t.text, range: t.range)
    }

    mutating func expectString(_ what: String) throws -> Token {
        guard current.kind == .string else { throw unexpected(what) }
        return advance()
    }

    // MARK: Declarations

    mutating func parseFile() -> [Decl] {
        var decls: [Decl] = []
        while current.kind != .endOfInput {
            let before = index
            do {
                decls.append(try parseDecl(isFirst: decls.isEmpty))
            } catch let f as Failure {
                diagnostics.append(f.diagnostic)
                synchronize(from: before)
            } catch {}
        }
        return decls
    }

    /// Skips to the next token that can start a declaration.
    mutating func synchronize(from start: Int) {
        if index == start { advance() }
        while current.kind != .endOfInput {
            if current.kind == .keyword, declarationWords.contains(current.text) { return }
            if current.startsLine, current.isWord("code"), peek().kind == .identifier { return }
            advance()
        }
    }

    static let metaWords: Set<String> = ["version", "steward", "owner", "description", "scoring", "basis", "improvement", "target", "gap"]

    mutating func parseDecl(isFirst: Bool) throws -> Decl {
        let start = current.range.lowerBound
        let kind: DeclKind
        let word = current.text
        switch word {
        case "measure" where current.kind == .keyword, "library" where current.kind == .keyword:
            advance()
            let name = try expectName("a \(word) name")
            var title: String?
            if current.kind == .string { title = advance().text }
            var meta: [(MeasureMeta, SourceRange)] = []
            while current.kind == .identifier, Parser.metaWords.contains(current.text) {
                let mStart = current.range.lowerBound
                let m = try parseMeta()
                meta.append((m, mStart..<previousEnd))
            }
            kind = .header(isLibrary: word == "library", name: name, title: title, meta: meta)
        case "use" where current.kind == .keyword:
            advance()
            let path = try expectString("a library path in quotes")
            var alias: Name?
            if accept(keyword: "as") { alias = try expectName("an alias name") }
            kind = .use(path: path.text, pathRange: path.range, alias: alias)
        case "parameter" where current.kind == .keyword:
            advance()
            let name = try expectName("a parameter name")
            var type: TypeSyntax?
            if accept(symbol: ":") { type = try parseType() }
            var value: Expr?
            if accept(symbol: "=") { value = try parseExpr() }
            if type == nil && value == nil {
                throw unexpected("':' and a type, or '=' and a default value")
            }
            kind = .parameter(name, type, value)
        case "valueset" where current.kind == .keyword:
            advance()
            let name = try expectName("a value set name")
            try expect(symbol: "=")
            let url = try expectString("the value set's URL or OID in quotes")
            kind = .valueset(name, url: url.text)
        case "code" where current.kind == .identifier && peek().kind == .identifier:
            advance()
            let name = try expectName("a code name")
            try expect(symbol: "=")
            let system: Token
            if current.kind == .identifier || current.kind == .string { system = advance() } else {
                throw unexpected("a code system (such as loinc or \"http://loinc.org\")")
            }
            let code = try expectString("the code in quotes")
            var display: String?
            if accept(word: "display") { display = try expectString("a display string").text }
            kind = .code(name, system: system.text, systemRange: system.range, code: code.text, display: display)
        case "define" where current.kind == .keyword:
            advance()
            if current.is("function") { return try parseFunction(start: start) }
            let name = try expectName("a definition name")
            try expect(symbol: "=", "'=' after the definition name")
            kind = .define(name, try parseExpr())
        case "function" where current.kind == .keyword:
            return try parseFunction(start: start)
        case "population" where current.kind == .keyword:
            advance()
            let name = try expectName("a population name (initial, denominator, numerator, ...)")
            try expect(symbol: "=")
            kind = .population(name, try parseExpr())
        case "observation" where current.kind == .keyword:
            advance()
            let name = try expectName("an observation name")
            try expect(symbol: "=")
            let e = try parseExpr()
            guard accept(word: "aggregate") else {
                throw unexpected("'aggregate' and one of median, mean, sum, min, max, count")
            }
            guard let agg = PopulationAggregate(rawValue: current.text), current.kind == .identifier else {
                throw unexpected("one of median, mean, sum, min, max, count")
            }
            advance()
            kind = .observation(name, e, agg)
        case "stratify" where current.kind == .keyword:
            advance()
            let name = try expectName("a stratifier name")
            try expect(symbol: "=")
            kind = .stratify(name, try parseExpr())
        case "supplemental" where current.kind == .keyword:
            advance()
            let name = try expectName("a supplemental data name")
            try expect(symbol: "=")
            kind = .supplemental(name, try parseExpr())
        default:
            if current.kind == .identifier, Parser.metaWords.contains(current.text) {
                throw failure("misplaced-metadata", "'\(current.text)' belongs to the measure header", at: current.range,
                              hint: "put metadata lines right after the 'measure' line")
            }
            throw unexpected("a declaration (define, population, valueset, code, use, ...)")
        }
        return Decl(kind: kind, range: start..<previousEnd)
    }

    mutating func parseFunction(start: SourceLocation) throws -> Decl {
        try expect(keyword: "function")
        let name = try expectName("a function name")
        try expect(symbol: "(")
        var params: [Parameter] = []
        if !current.isSymbol(")") {
            repeat {
                let p = try expectName("a parameter name")
                try expect(symbol: ":", "':' and the parameter's type")
                params.append(Parameter(name: p, type: try parseType()))
            } while accept(symbol: ",")
        }
        try expect(symbol: ")")
        var result: TypeSyntax?
        if accept(symbol: ":") { result = try parseType() }
        try expect(symbol: "=")
        let body = try parseExpr()
        return Decl(kind: .function(name, params, result, body), range: start..<previousEnd)
    }

    mutating func parseMeta() throws -> MeasureMeta {
        let word = advance().text
        switch word {
        case "version": return .version(try expectString("a version string").text)
        case "steward": return .steward(try expectString("a steward name in quotes").text)
        case "owner": return .owner(try expectString("an owner name in quotes").text)
        case "description": return .description(try expectString("a description in quotes").text)
        case "gap": return .gap(try expectString("what closes a care gap, in quotes").text)
        case "improvement":
            let v = try expectName("increase or decrease")
            guard v.text == "increase" || v.text == "decrease" else {
                throw failure("invalid-metadata", "improvement must be 'increase' or 'decrease', not '\(v.text)'", at: v.range)
            }
            return .improvement(v.text)
        case "target":
            guard current.kind == .integer || current.kind == .decimal else { throw unexpected("a target rate such as 0.75") }
            return .target(advance().text)
        case "basis":
            if accept(word: "member") { return .basisMember }
            if accept(word: "episode") {
                try expect(keyword: "of")
                return .basisEpisode(try parseExpr())
            }
            throw unexpected("'member' or 'episode of ...'")
        default: // scoring
            let v = try expectName("proportion, ratio, continuous-variable or cohort")
            var text = v.text
            if text == "continuous", current.isSymbol("-"), peek().isWord("variable") {
                advance(); advance()
                text = "continuous-variable"
            }
            if text == "continuous_variable" { text = "continuous-variable" }
            guard ["proportion", "ratio", "continuous-variable", "cohort"].contains(text) else {
                throw failure("invalid-metadata", "unknown scoring '\(text)'", at: v.range,
                              hint: "use proportion, ratio, continuous-variable or cohort")
            }
            return .scoring(text)
        }
    }

    mutating func parseType() throws -> TypeSyntax {
        let name = try expectName("a type name")
        // Only the generic types take `<`: after any other type it is a comparison (`x as Integer < 3`).
        if name.text == "List" || name.text == "Interval", accept(symbol: "<") {
            var args = [try parseType()]
            while accept(symbol: ",") { args.append(try parseType()) }
            try expect(symbol: ">")
            return .generic(name, args)
        }
        return .named(name)
    }

    // MARK: Expressions, lowest precedence first

    public mutating func parseExpr() throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumNesting {
            throw failure("too-deep", "expression nested too deeply (more than \(Parser.maximumNesting) levels)", at: current.range,
                          hint: "split it into several definitions")
        }
        return try parseLogical()
    }

    /// The logical operators and how strongly each binds: `implies` < `or` `xor` < `and`; `not`
    /// sits between `and` and the comparisons.
    static let logicalOperators: [String: (op: BinaryOperator, strength: Int)] = [
        "implies": (.implies, 0), "or": (.or, 1), "xor": (.xor, 1), "and": (.and, 2),
    ]

    /// The three logical levels in one loop (operator-precedence parsing, all left-associative),
    /// so that one frame, not three, stays on the stack while operands nest.
    mutating func parseLogical() throws -> Expr {
        var operands = [try parseNot()]
        var operators: [BinaryOperator] = []
        var strengths: [Int] = []
        var links = 0
        defer { depth -= links }
        while current.kind == .keyword, let (op, strength) = Parser.logicalOperators[current.text] {
            try deepen(&links)
            advance()
            while let last = strengths.last, last >= strength {
                strengths.removeLast()
                Parser.reduce(&operands, operators.removeLast())
            }
            operators.append(op)
            strengths.append(strength)
            operands.append(try parseNot())
        }
        while let op = operators.popLast() { Parser.reduce(&operands, op) }
        return operands[0]
    }

    /// Replaces the last two operands with the binary node joining them.
    static func reduce(_ operands: inout [Expr], _ op: BinaryOperator) {
        let right = operands.removeLast(), left = operands.removeLast()
        operands.append(Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound))
    }

    mutating func parseNot() throws -> Expr {
        if current.is("not") {
            let start = advance().range.lowerBound
            try enter()
            defer { depth -= 1 }
            let operand = try parseNot()
            return Expr(.unary(.not, operand), start..<operand.range.upperBound)
        }
        return try parseComparison()
    }

    /// One more link of an operator chain: a left-associative chain nests as deeply as it is
    /// long, and the checker and the evaluator walk it recursively, so it counts as nesting.
    mutating func deepen(_ links: inout Int) throws {
        try enter()
        links += 1
    }

    mutating func enter() throws {
        depth += 1
        if depth > Parser.maximumNesting {
            throw failure("too-deep", "expression nested too deeply (more than \(Parser.maximumNesting) levels)", at: current.range,
                          hint: "split it into several definitions")
        }
    }

    static let comparisonSymbols: [String: BinaryOperator] = [
        "=": .equal, "!=": .notEqual, "~": .equivalent, "!~": .notEquivalent,
        "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
    ]

    /// What follows a comparison's left operand: read by `comparisonStep()`, which consumes the
    /// operator words only, so that its large frame is not on the stack while operands nest.
    enum ComparisonStep {
        case binary(BinaryOperator)
        case timing(TimingPhrase)
        case isNull(negated: Bool)
        case isType(TypeSyntax)
        case asType(TypeSyntax)
    }

    mutating func parseComparison() throws -> Expr {
        var left = try parseSetOperation()
        var links = 0
        defer { depth -= links }
        while let step = try comparisonStep() {
            try deepen(&links)
            let start = left.range.lowerBound
            switch step {
            case .binary(let op):
                let right = try parseSetOperation()
                left = Expr(.binary(op, left, right), start..<right.range.upperBound)
            case .timing(let phrase):
                let right = try parseSetOperation()
                left = Expr(.timing(phrase, left, right), start..<right.range.upperBound)
            case .isNull(let negated): left = Expr(.isNull(left, negated: negated), start..<previousEnd)
            case .isType(let t): left = Expr(.isType(left, t), start..<previousEnd)
            case .asType(let t): left = Expr(.asType(left, t), start..<previousEnd)
            }
        }
        return left
    }

    /// Consumes a comparison operator (with `is null`, `as TYPE` and `is TYPE` whole), or
    /// returns nil and consumes nothing.
    mutating func comparisonStep() throws -> ComparisonStep? {
        if current.kind == .symbol, let op = Parser.comparisonSymbols[current.text] {
            advance()
            return .binary(op)
        }
        if accept(keyword: "is") {
            if accept(keyword: "null") { return .isNull(negated: false) }
            if current.is("not"), peek().is("null") {
                advance(); advance()
                return .isNull(negated: true)
            }
            return .isType(try parseType())
        }
        if accept(keyword: "as") { return .asType(try parseType()) }
        if current.is("not"), peek().is("in") {
            advance(); advance()
            return .binary(.notMembership)
        }
        if accept(keyword: "contains") { return .binary(.contains) }
        if current.is("in"), !isPrecisionOf(peek(), peek(2)) {
            advance()
            return .binary(.membership)
        }
        return try parseTimingPhrase().map { .timing($0) }
    }

    func isPrecisionOf(_ a: Token, _ b: Token) -> Bool {
        a.kind == .identifier && DatePrecision(word: a.text) != nil && b.is("of")
    }

    /// `day of` after a relation word.
    mutating func parsePrecisionOf() -> DatePrecision? {
        if isPrecisionOf(current, peek()) {
            let p = DatePrecision(word: advance().text)
            advance()
            return p
        }
        return nil
    }

    /// Parses a timing phrase if one starts here; returns nil (consuming nothing) otherwise.
    mutating func parseTimingPhrase() throws -> TimingPhrase? {
        let save = index
        var leftBoundary: Boundary?
        if accept(keyword: "starts") { leftBoundary = .start }
        else if accept(keyword: "ends") { leftBoundary = .end }
        else if accept(keyword: "occurs") { leftBoundary = nil }
        let hadModifier = index != save
        var phrase = TimingPhrase(leftBoundary: leftBoundary, relation: .during, precision: nil, offset: nil,
                                  offsetMode: .exactly, swapped: false)
        if accept(keyword: "during") || accept(keyword: "in") {
            phrase.relation = .during
            phrase.precision = parsePrecisionOf()
        } else if current.is("included"), peek().is("in") {
            advance(); advance()
            phrase.relation = .during
            phrase.swapped = true
            phrase.precision = parsePrecisionOf()
        } else if accept(keyword: "includes") {
            phrase.relation = .includes
            phrase.precision = parsePrecisionOf()
        } else if accept(keyword: "overlaps") {
            phrase.relation = .overlaps
            phrase.precision = parsePrecisionOf()
        } else if accept(keyword: "before") || accept(keyword: "after") {
            phrase.relation = tokens[index - 1].text == "before" ? .before : .after
            phrase.precision = parsePrecisionOf()
        } else if current.isWord("on"), peek().is("or"), peek(2).is("before") || peek(2).is("after") {
            advance(); advance()
            phrase.relation = advance().text == "before" ? .onOrBefore : .onOrAfter
            phrase.precision = parsePrecisionOf()
        } else if current.is("same") {
            advance()
            guard current.kind == .identifier, let p = DatePrecision(word: current.text) else {
                throw unexpected("a precision (year, month, day, ...) after 'same'")
            }
            advance()
            phrase.precision = p
            if accept(keyword: "as") { phrase.relation = .sameAs }
            else if accept(keyword: "or") {
                if accept(keyword: "before") { phrase.relation = .sameOrBefore }
                else if accept(keyword: "after") { phrase.relation = .sameOrAfter }
                else { throw unexpected("'before' or 'after'") }
                _ = accept(keyword: "as")
            } else { throw unexpected("'as', 'or before' or 'or after'") }
        } else if accept(keyword: "within") {
            phrase.relation = .within
            phrase.offset = try parseQuantityOperand()
            try expect(keyword: "of")
        } else if current.kind == .integer || current.kind == .decimal, isUnitToken(peek()) {
            let offset = try parseQuantityOperand()
            if current.is("or"), peek().isWord("less") || peek().isWord("more") {
                advance()
                phrase.offsetMode = advance().text == "less" ? .orLess : .orMore
            }
            guard accept(keyword: "before") || accept(keyword: "after") else { throw unexpected("'before' or 'after'") }
            phrase.relation = tokens[index - 1].text == "before" ? .before : .after
            phrase.offset = offset
            phrase.precision = parsePrecisionOf()
        } else {
            if hadModifier { throw unexpected("a timing relation (during, before, after, overlaps, ...)") }
            index = save
            return nil
        }
        return phrase
    }

    func isUnitToken(_ t: Token) -> Bool {
        t.kind == .unit || (t.kind == .identifier && calendarUnit(t.text) != nil)
    }

    mutating func parseQuantityOperand() throws -> Expr {
        guard current.kind == .integer || current.kind == .decimal else { throw unexpected("a quantity such as '3 days'") }
        let e = try parsePrimary()
        guard case .quantity = e.kind else {
            throw failure("expected-quantity", "expected a quantity with a unit", at: e.range, hint: "write '3 days'")
        }
        return e
    }

    static let setOperators: [String: BinaryOperator] = ["union": .union, "intersect": .intersect, "except": .except]

    mutating func parseSetOperation() throws -> Expr {
        var left = try parseRange()
        var links = 0
        defer { depth -= links }
        while current.kind == .keyword, let op = Parser.setOperators[current.text] {
            try deepen(&links)
            advance()
            let right = try parseRange()
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func parseRange() throws -> Expr {
        let left = try parseAdditive()
        if accept(symbol: "..") {
            let right = try parseAdditive()
            return Expr(.range(left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func parseAdditive() throws -> Expr {
        var left = try parseMultiplicative()
        var links = 0
        defer { depth -= links }
        while current.kind == .symbol, let op = ["+": BinaryOperator.add, "-": .subtract, "&": .concatenate][current.text] {
            try deepen(&links)
            advance()
            let right = try parseMultiplicative()
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func parseMultiplicative() throws -> Expr {
        var left = try parseUnary()
        var links = 0
        defer { depth -= links }
        while true {
            let op: BinaryOperator
            if current.isSymbol("*") { op = .multiply }
            else if current.isSymbol("/") { op = .divide }
            else if current.is("div") { op = .div }
            else if current.is("mod") { op = .mod }
            else { return left }
            try deepen(&links)
            advance()
            let right = try parseUnary()
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
    }

    mutating func parseUnary() throws -> Expr {
        let start = current.range.lowerBound
        guard let op = prefixOperator() else { return try parsePostfix() }
        try enter()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expr(.unary(op, operand), start..<operand.range.upperBound)
    }

    /// Consumes a prefix operator (`-`, `exists`, `start of`, `end of`, `date of`), if one is here.
    mutating func prefixOperator() -> UnaryOperator? {
        if current.isSymbol("-") { advance(); return .negate }
        if current.is("exists") { advance(); return .exists }
        if current.kind == .identifier, peek().is("of") {
            let op: UnaryOperator? = current.text == "start" ? .startOf : current.text == "end" ? .endOf : current.text == "date" ? .dateOf : nil
            if op != nil { advance(); advance() }
            return op
        }
        return nil
    }

    mutating func parsePostfix() throws -> Expr {
        try parsePostfixOperations(on: try parsePrimary())
    }

    /// `.field` and `[index]` after a primary, then query clauses.
    mutating func parsePostfixOperations(on primary: Expr) throws -> Expr {
        var e = primary
        var links = 0
        defer { depth -= links }
        while true {
            let isIndex = current.isSymbol("[") && current.range.lowerBound.offset == e.range.upperBound.offset
            guard current.isSymbol(".") || isIndex else { break }
            try deepen(&links)
            e = isIndex ? try parseIndex(on: e) : try parseMember(on: e)
        }
        let startsQuery = current.is("where") || current.is("sort") || current.is("return")
            || (current.is("as") && peek().kind == .identifier && (peek(2).is("where") || peek(2).is("sort") || peek(2).is("return")))
        return startsQuery && clauseDepth == 0 ? try parseQuery(source: e) : e
    }

    mutating func parseMember(on e: Expr) throws -> Expr {
        advance()
        guard current.kind == .identifier || current.kind == .keyword else { throw unexpected("a field name after '.'") }
        let t = advance()
        // `Alias.function(args)` calls a function of a library used with an alias.
        if case .name(let alias) = e.kind, current.isSymbol("(") {
            advance()
            let args = try parseArguments()
            return Expr(.call(Name(text: alias + "." + t.text, range: e.range.lowerBound..<t.range.upperBound), args),
                        e.range.lowerBound..<previousEnd)
        }
        return Expr(.member(e, Name(text: t.text, range: t.range)), e.range.lowerBound..<t.range.upperBound)
    }

    mutating func parseIndex(on e: Expr) throws -> Expr {
        advance()
        let i = try parseEnclosed()
        try expect(symbol: "]")
        return Expr(.index(e, i), e.range.lowerBound..<previousEnd)
    }

    mutating func parseQuery(source: Expr) throws -> Expr {
        var q = Query(source: source, alias: nil, filter: nil, sort: nil, descending: false, map: nil)
        clauseDepth += 1
        defer { clauseDepth -= 1 }
        if accept(keyword: "as") { q.alias = try expectName("an alias") }
        if accept(keyword: "where") {
            q.filter = try parseExpr()
            try rejectStrayClause(after: "where", allowed: ["sort", "return"])
        }
        if accept(keyword: "sort") {
            try expect(keyword: "by")
            q.sort = try parseExpr()
            if accept(word: "desc") { q.descending = true } else { _ = accept(word: "asc") }
            try rejectStrayClause(after: "sort by", allowed: ["return"])
        }
        if accept(keyword: "return") {
            q.map = try parseExpr()
            try rejectStrayClause(after: "return", allowed: [])
        }
        return Expr(.query(q), source.range.lowerBound..<previousEnd)
    }

    /// A clause word that cannot follow a clause belongs to a query written inside that clause
    /// without parentheses (or to clauses out of order): both need the same fix.
    mutating func rejectStrayClause(after clause: String, allowed: Set<String>) throws {
        guard current.kind == .keyword, ["where", "sort", "return"].contains(current.text), !allowed.contains(current.text) else { return }
        throw failure("nested-query", "a query inside a '\(clause)' clause needs parentheses", at: current.range,
                      hint: "write: xs where exists (ys where ...); a query's clauses come in the order where, sort by, return")
    }

    /// Parses a nested expression that stands on its own (inside brackets or an argument list).
    mutating func parseEnclosed() throws -> Expr {
        let saved = clauseDepth
        clauseDepth = 0
        defer { clauseDepth = saved }
        return try parseExpr()
    }

    /// Dispatches on the first token. Each form that nests has its own function, so that only
    /// small frames stay on the stack while an expression nests (debug builds give every
    /// temporary of a function its own stack slot).
    mutating func parsePrimary() throws -> Expr {
        switch current.kind {
        case .identifier where peek().isSymbol("("): return try parseCall()
        case .symbol where current.text == "(": return try parseParenthesized()
        case .symbol where current.text == "[": return try parseList()
        case .keyword where current.text == "interval": return try parseInterval()
        case .keyword where current.text == "if": return try parseConditional()
        case .keyword where current.text == "case": return try parseCase()
        default: return try parseLeaf()
        }
    }

    /// A literal or a name: the primaries that do not nest.
    mutating func parseLeaf() throws -> Expr {
        let t = current
        switch t.kind {
        case .integer, .decimal:
            advance()
            if current.kind == .unit {
                let u = advance()
                return Expr(.quantity(number: t.text, unit: u.text), t.range.lowerBound..<u.range.upperBound)
            }
            if current.kind == .identifier, let unit = calendarUnit(current.text) {
                advance()
                return Expr(.quantity(number: t.text, unit: unit), t.range.lowerBound..<previousEnd)
            }
            return Expr(t.kind == .integer ? .integer(t.text) : .decimal(t.text), t.range)
        case .string:
            advance()
            return Expr(.string(t.text), t.range)
        case .temporal:
            advance()
            return Expr(.temporal(t.text), t.range)
        case .identifier:
            advance()
            return Expr(.name(t.text), t.range)
        case .invalid:
            // A malformed literal, already reported: stand in null so that nothing cascades.
            advance()
            return Expr(.null, t.range)
        case .keyword where t.text == "null":
            advance()
            return Expr(.null, t.range)
        case .keyword where t.text == "true" || t.text == "false":
            advance()
            return Expr(.boolean(t.text == "true"), t.range)
        case .keyword where declarationWords.contains(t.text):
            throw unexpected("an expression", hint: "the previous declaration looks incomplete")
        default:
            throw unexpected("an expression")
        }
    }

    mutating func parseCall() throws -> Expr {
        let t = advance()
        advance()
        let args = try parseArguments()
        return Expr(.call(Name(text: t.text, range: t.range), args), t.range.lowerBound..<previousEnd)
    }

    /// The arguments after an opening parenthesis, through the closing one.
    mutating func parseArguments() throws -> [Expr] {
        var args: [Expr] = []
        if !current.isSymbol(")") {
            repeat { args.append(try parseEnclosed()) } while accept(symbol: ",")
        }
        try expect(symbol: ")", "')' to close the argument list")
        return args
    }

    /// Parentheses leave no node: the inner expression takes their range.
    mutating func parseParenthesized() throws -> Expr {
        let start = advance().range.lowerBound
        let inner = try parseEnclosed()
        try expect(symbol: ")", "')' to close the parenthesis")
        return Expr(inner.kind, start..<previousEnd)
    }

    mutating func parseList() throws -> Expr {
        let start = advance().range.lowerBound
        var items: [Expr] = []
        if !current.isSymbol("]") {
            repeat { items.append(try parseEnclosed()) } while accept(symbol: ",")
        }
        try expect(symbol: "]", "']' to close the list")
        return Expr(.list(items), start..<previousEnd)
    }

    mutating func parseInterval() throws -> Expr {
        let keyword = advance()
        let start = keyword.range.lowerBound
        let lowClosed: Bool
        if accept(symbol: "[") { lowClosed = true } else if accept(symbol: "(") { lowClosed = false } else {
            throw unexpected("'[' or '(' to open the interval")
        }
        let low = try parseEnclosed()
        // `interval(x)` with one argument is the function that turns a point into an interval.
        if !lowClosed, accept(symbol: ")") {
            return Expr(.call(Name(text: "interval", range: keyword.range), [low]), start..<previousEnd)
        }
        try expect(symbol: ",", "',' between the interval's bounds")
        let high = try parseEnclosed()
        let highClosed: Bool
        if accept(symbol: "]") { highClosed = true } else if accept(symbol: ")") { highClosed = false } else {
            throw unexpected("']' or ')' to close the interval")
        }
        return Expr(.interval(lowClosed: lowClosed, low, high, highClosed: highClosed), start..<previousEnd)
    }

    mutating func parseConditional() throws -> Expr {
        let start = advance().range.lowerBound
        let c = try parseExpr()
        try expect(keyword: "then")
        let a = try parseExpr()
        try expect(keyword: "else")
        let b = try parseExpr()
        return Expr(.conditional(c, a, b), start..<b.range.upperBound)
    }

    mutating func parseCase() throws -> Expr {
        let start = advance().range.lowerBound
        var arms: [(Expr, Expr)] = []
        while accept(keyword: "when") {
            let c = try parseExpr()
            try expect(keyword: "then")
            arms.append((c, try parseExpr()))
        }
        if arms.isEmpty { throw unexpected("'when'") }
        try expect(keyword: "else")
        let other = try parseExpr()
        guard accept(word: "end") else { throw unexpected("'end' to close the case") }
        return Expr(.caseWhen(arms, other), start..<previousEnd)
    }
}

/// The canonical spelling of a calendar unit word (`days` → `day`), or nil.
public func calendarUnit(_ word: String) -> String? {
    switch word {
    case "year", "years": return "year"
    case "month", "months": return "month"
    case "week", "weeks": return "week"
    case "day", "days": return "day"
    case "hour", "hours": return "hour"
    case "minute", "minutes": return "minute"
    case "second", "seconds": return "second"
    case "millisecond", "milliseconds": return "millisecond"
    default: return nil
    }
}
