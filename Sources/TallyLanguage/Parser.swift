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
        // Invalid tokens were reported by the lexer; the parser sees past them.
        self.tokens = lexed.tokens.filter { $0.kind != .invalid }
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
            return failure("unexpected-end", "unexpected end of input; expected \(expected)", at: current.range, hint: hint)
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

    static let metaWords: Set<String> = ["version", "steward", "owner", "description", "scoring", "basis", "improvement", "target"]

    mutating func parseDecl(isFirst: Bool) throws -> Decl {
        let start = current.range.lowerBound
        let kind: DeclKind
        let word = current.text
        switch word {
        case "measure", "library" where current.kind == .keyword:
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
        if accept(symbol: "<") {
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
        return try parseBinaryLevel(0)
    }

    /// Binary operator levels, lowest first; `not` sits between `and` and the comparisons.
    static let binaryLevels: [[(String, BinaryOperator)]] = [
        [("implies", .implies)],
        [("or", .or), ("xor", .xor)],
        [("and", .and)],
    ]

    mutating func parseBinaryLevel(_ level: Int) throws -> Expr {
        if level == Parser.binaryLevels.count { return try parseNot() }
        var left = try parseBinaryLevel(level + 1)
        while let op = Parser.binaryLevels[level].first(where: { current.is($0.0) })?.1 {
            advance()
            let right = try parseBinaryLevel(level + 1)
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
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

    mutating func parseComparison() throws -> Expr {
        var left = try parseSetOperation()
        while true {
            let start = left.range.lowerBound
            if current.kind == .symbol, let op = Parser.comparisonSymbols[current.text] {
                advance()
                let right = try parseSetOperation()
                left = Expr(.binary(op, left, right), start..<right.range.upperBound)
            } else if current.is("is") {
                advance()
                if accept(keyword: "null") {
                    left = Expr(.isNull(left, negated: false), start..<previousEnd)
                } else if current.is("not"), peek().is("null") {
                    advance(); advance()
                    left = Expr(.isNull(left, negated: true), start..<previousEnd)
                } else {
                    let t = try parseType()
                    left = Expr(.isType(left, t), start..<previousEnd)
                }
            } else if current.is("as") {
                advance()
                let t = try parseType()
                left = Expr(.asType(left, t), start..<previousEnd)
            } else if current.is("not"), peek().is("in") {
                advance(); advance()
                let right = try parseSetOperation()
                left = Expr(.binary(.notMembership, left, right), start..<right.range.upperBound)
            } else if current.is("contains") {
                advance()
                let right = try parseSetOperation()
                left = Expr(.binary(.contains, left, right), start..<right.range.upperBound)
            } else if current.is("in"), !isPrecisionOf(peek(), peek(2)) {
                advance()
                let right = try parseSetOperation()
                left = Expr(.binary(.membership, left, right), start..<right.range.upperBound)
            } else if let phrase = try parseTimingPhrase() {
                let right = try parseSetOperation()
                left = Expr(.timing(phrase, left, right), start..<right.range.upperBound)
            } else {
                return left
            }
        }
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
        while current.kind == .keyword, let op = Parser.setOperators[current.text] {
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
        while current.kind == .symbol, let op = ["+": BinaryOperator.add, "-": .subtract, "&": .concatenate][current.text] {
            advance()
            let right = try parseMultiplicative()
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func parseMultiplicative() throws -> Expr {
        var left = try parseUnary()
        while true {
            let op: BinaryOperator
            if current.isSymbol("*") { op = .multiply }
            else if current.isSymbol("/") { op = .divide }
            else if current.is("div") { op = .div }
            else if current.is("mod") { op = .mod }
            else { return left }
            advance()
            let right = try parseUnary()
            left = Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
        }
    }

    mutating func parseUnary() throws -> Expr {
        let start = current.range.lowerBound
        var op: UnaryOperator?
        if current.isSymbol("-") { advance(); op = .negate }
        else if current.is("exists") { advance(); op = .exists }
        else if current.kind == .identifier, ["start", "end", "date"].contains(current.text), peek().is("of") {
            op = current.text == "start" ? .startOf : current.text == "end" ? .endOf : .dateOf
            advance(); advance()
        }
        guard let op else { return try parsePostfix() }
        try enter()
        defer { depth -= 1 }
        let operand = try parseUnary()
        return Expr(.unary(op, operand), start..<operand.range.upperBound)
    }

    mutating func parsePostfix() throws -> Expr {
        var e = try parsePrimary()
        while true {
            if accept(symbol: ".") {
                let field: Name
                if current.kind == .identifier || current.kind == .keyword {
                    let t = advance()
                    field = Name(text: t.text, range: t.range)
                } else {
                    throw unexpected("a field name after '.'")
                }
                e = Expr(.member(e, field), e.range.lowerBound..<field.range.upperBound)
            } else if current.isSymbol("["), current.range.lowerBound.offset == e.range.upperBound.offset {
                advance()
                let i = try parseEnclosed()
                try expect(symbol: "]")
                e = Expr(.index(e, i), e.range.lowerBound..<previousEnd)
            } else {
                break
            }
        }
        let startsQuery = current.is("where") || current.is("sort") || current.is("return")
            || (current.is("as") && peek().kind == .identifier && (peek(2).is("where") || peek(2).is("sort") || peek(2).is("return")))
        return startsQuery && clauseDepth == 0 ? try parseQuery(source: e) : e
    }

    mutating func parseQuery(source: Expr) throws -> Expr {
        var q = Query(source: source, alias: nil, filter: nil, sort: nil, descending: false, map: nil)
        clauseDepth += 1
        defer { clauseDepth -= 1 }
        if accept(keyword: "as") { q.alias = try expectName("an alias") }
        if accept(keyword: "where") { q.filter = try parseExpr() }
        if current.is("where") {
            throw failure("nested-query", "a query inside a 'where' clause needs parentheses", at: current.range,
                          hint: "write: xs where exists (ys where ...)")
        }
        if accept(keyword: "sort") {
            try expect(keyword: "by")
            q.sort = try parseExpr()
            if accept(word: "desc") { q.descending = true } else { _ = accept(word: "asc") }
        }
        if accept(keyword: "return") { q.map = try parseExpr() }
        return Expr(.query(q), source.range.lowerBound..<previousEnd)
    }

    /// Parses a nested expression that stands on its own (inside brackets or an argument list).
    mutating func parseEnclosed() throws -> Expr {
        let saved = clauseDepth
        clauseDepth = 0
        defer { clauseDepth = saved }
        return try parseExpr()
    }

    mutating func parsePrimary() throws -> Expr {
        let t = current
        let start = t.range.lowerBound
        switch t.kind {
        case .integer, .decimal:
            advance()
            if current.kind == .unit {
                let u = advance()
                return Expr(.quantity(number: t.text, unit: u.text), start..<u.range.upperBound)
            }
            if current.kind == .identifier, let unit = calendarUnit(current.text) {
                advance()
                return Expr(.quantity(number: t.text, unit: unit), start..<previousEnd)
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
            if accept(symbol: "(") {
                var args: [Expr] = []
                if !current.isSymbol(")") {
                    repeat { args.append(try parseEnclosed()) } while accept(symbol: ",")
                }
                try expect(symbol: ")", "')' to close the argument list")
                return Expr(.call(Name(text: t.text, range: t.range), args), start..<previousEnd)
            }
            return Expr(.name(t.text), t.range)
        case .symbol where t.text == "(":
            advance()
            try enter()
            defer { depth -= 1 }
            let inner = try parseEnclosed()
            try expect(symbol: ")", "')' to close the parenthesis")
            return Expr(inner.kind, start..<previousEnd)
        case .symbol where t.text == "[":
            advance()
            try enter()
            defer { depth -= 1 }
            var items: [Expr] = []
            if !current.isSymbol("]") {
                repeat { items.append(try parseEnclosed()) } while accept(symbol: ",")
            }
            try expect(symbol: "]", "']' to close the list")
            return Expr(.list(items), start..<previousEnd)
        case .keyword:
            return try parseKeywordPrimary(t)
        default:
            throw unexpected("an expression")
        }
    }

    mutating func parseKeywordPrimary(_ t: Token) throws -> Expr {
        let start = t.range.lowerBound
        switch t.text {
        case "null": advance(); return Expr(.null, t.range)
        case "true", "false": advance(); return Expr(.boolean(t.text == "true"), t.range)
        case "interval":
            advance()
            let lowClosed: Bool
            if accept(symbol: "[") { lowClosed = true } else if accept(symbol: "(") { lowClosed = false } else {
                throw unexpected("'[' or '(' to open the interval")
            }
            try enter()
            defer { depth -= 1 }
            let low = try parseEnclosed()
            try expect(symbol: ",", "',' between the interval's bounds")
            let high = try parseEnclosed()
            let highClosed: Bool
            if accept(symbol: "]") { highClosed = true } else if accept(symbol: ")") { highClosed = false } else {
                throw unexpected("']' or ')' to close the interval")
            }
            return Expr(.interval(lowClosed: lowClosed, low, high, highClosed: highClosed), start..<previousEnd)
        case "if":
            advance()
            try enter()
            defer { depth -= 1 }
            let c = try parseExpr()
            try expect(keyword: "then")
            let a = try parseExpr()
            try expect(keyword: "else")
            let b = try parseExpr()
            return Expr(.conditional(c, a, b), start..<b.range.upperBound)
        case "case":
            advance()
            try enter()
            defer { depth -= 1 }
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
        default:
            if declarationWords.contains(t.text) {
                throw unexpected("an expression", hint: "the previous declaration looks incomplete")
            }
            throw unexpected("an expression")
        }
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
