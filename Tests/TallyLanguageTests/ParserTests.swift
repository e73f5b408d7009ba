import XCTest
@testable import TallyLanguage

/// Parser tests compare `dumpAST` output, so a failure shows the whole shape that was built.
final class ParserTests: XCTestCase {
    /// The dump of one expression; the expression must parse without diagnostics.
    func expr(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let r = Parser.parseExpression(SourceFile(path: "t.measure", text: text))
        XCTAssertEqual(r.diagnostics.map(\.message), [], "for: \(text)", file: file, line: line)
        return r.expr.map { dumpAST($0) } ?? "<no expression>"
    }

    /// Checks a table of `source → dump` pairs, reporting each mismatch at its own line.
    func check(_ cases: [(String, String)], file: StaticString = #filePath, line: UInt = #line) {
        for (source, dump) in cases {
            XCTAssertEqual(expr(source, file: file, line: line), dump, "for: \(source)", file: file, line: line)
        }
    }

    func parse(_ text: String) -> (dump: String, diagnostics: [Diagnostic]) {
        let r = Parser.parse(SourceFile(path: "t.measure", text: text))
        return (dumpAST(r.unit), r.diagnostics)
    }

    /// Diagnostics as `code line:column message`.
    func summary(_ ds: [Diagnostic]) -> [String] {
        ds.map { "\($0.code) \($0.range.lowerBound) \($0.message)" }
    }

    /// The diagnostics of one expression that must not parse.
    func exprErrors(_ text: String) -> [String] {
        let r = Parser.parseExpression(SourceFile(path: "t.measure", text: text))
        XCTAssertTrue(r.expr == nil, "parsed: \(text.prefix(60))")
        return summary(r.diagnostics)
    }

    // MARK: Literals and primaries

    func testLiterals() {
        check([
            ("null", "null"),
            ("true", "true"),
            ("false", "false"),
            ("42", "42"),
            ("3.14", "3.14"),
            (#""a \"q\" \\ \n""#, #""a \"q\" \\ \n""#),
            ("@2025-03-01T10:30:00Z", "@2025-03-01T10:30:00Z"),
            ("140 'mm[Hg]'", "(quantity 140 'mm[Hg]')"),
            ("3 days", "(quantity 3 'day')"),
            ("1 year", "(quantity 1 'year')"),
            ("2.5 hours", "(quantity 2.5 'hour')"),
            ("x", "(name x)"),
            ("`two words`", "(name two words)"),
        ])
    }

    func testListsIntervalsAndRanges() {
        check([
            ("[]", "(list)"),
            ("[1, 2, 3]", "(list 1 2 3)"),
            ("[[1], []]", "(list (list 1) (list))"),
            ("interval[1, 5]", "(interval closed-closed 1 5)"),
            ("interval(a, b]", "(interval open-closed (name a) (name b))"),
            ("interval[@2025-01-01, @2026-01-01)", "(interval closed-open @2025-01-01 @2026-01-01)"),
            ("interval(start of p, end of p + 1 day)",
             "(interval open-open (unary start-of (name p)) (binary + (unary end-of (name p)) (quantity 1 'day')))"),
            ("18..85", "(range 18 85)"),
            ("a in 1 + 1..2 * 3", "(binary in (name a) (range (binary + 1 1) (binary * 2 3)))"),
        ])
    }

    func testCallsMembersAndIndexes() {
        check([
            ("f()", "(call f)"),
            ("f(a, 1, g(b))", "(call f (name a) 1 (call g (name b)))"),
            ("age_at(end of period)", "(call age_at (unary end-of (name period)))"),
            ("a.b.c", "(member (member (name a) b) c)"),
            ("e.`where`", "(member (name e) where)"),
            ("e.code", "(member (name e) code)"),
            ("xs[0]", "(index (name xs) 0)"),
            ("xs[i + 1].period.low", "(member (member (index (name xs) (binary + (name i) 1)) period) low)"),
            ("f(x).y[2]", "(index (member (call f (name x)) y) 2)"),
            ("Lib.name", "(member (name Lib) name)"),
            // A bracket after a space starts a list, not an index.
            ("a in [1, 2]", "(binary in (name a) (list 1 2))"),
        ])
    }

    func testConditionals() {
        check([
            ("if a then 1 else 2", "(if (name a) 1 2)"),
            ("if a then if b then 1 else 2 else 3", "(if (name a) (if (name b) 1 2) 3)"),
            ("if a or b then x + 1 else y", "(if (binary or (name a) (name b)) (binary + (name x) 1) (name y))"),
            ("case when a then 1 else 0 end", "(case (when (name a) 1) (else 0))"),
            ("case when x < 18 then \"child\" when x < 65 then \"adult\" else \"senior\" end",
             #"(case (when (binary < (name x) 18) "child") (when (binary < (name x) 65) "adult") (else "senior"))"#),
        ])
    }

    func testNullTestsAndTypes() {
        check([
            ("x is null", "(is-null (name x))"),
            ("x is not null", "(is-not-null (name x))"),
            ("x.y is not null and z is null", "(binary and (is-not-null (member (name x) y)) (is-null (name z)))"),
            ("value is Quantity", "(is (name value) Quantity)"),
            ("value as Quantity < 140 'mm[Hg]'", "(binary < (as (name value) Quantity) (quantity 140 'mm[Hg]'))"),
            ("x as List<Encounter>", "(as (name x) List<Encounter>)"),
            ("x as Interval<DateTime>", "(as (name x) Interval<DateTime>)"),
            ("not x is null", "(unary not (is-null (name x)))"),
        ])
    }

    // MARK: Precedence

    /// One case per row of the precedence table in docs/language.md, and associativity.
    func testPrecedenceTable() {
        check([
            // 1 implies < 2 or/xor < 3 and < 4 not < 5 comparisons
            ("a implies b or c", "(binary implies (name a) (binary or (name b) (name c)))"),
            ("a or b implies c", "(binary implies (binary or (name a) (name b)) (name c))"),
            ("a implies b implies c", "(binary implies (binary implies (name a) (name b)) (name c))"),
            ("a or b and c", "(binary or (name a) (binary and (name b) (name c)))"),
            ("a and b xor c", "(binary xor (binary and (name a) (name b)) (name c))"),
            ("a xor b or c", "(binary or (binary xor (name a) (name b)) (name c))"),
            ("not a and b", "(binary and (unary not (name a)) (name b))"),
            ("not not a", "(unary not (unary not (name a)))"),
            ("not a = b", "(unary not (binary = (name a) (name b)))"),
            ("a and not b or c", "(binary or (binary and (name a) (unary not (name b))) (name c))"),
            // 5: every comparison form, left-associative
            ("a = b", "(binary = (name a) (name b))"),
            ("a != b", "(binary != (name a) (name b))"),
            ("a ~ b", "(binary ~ (name a) (name b))"),
            ("a !~ b", "(binary !~ (name a) (name b))"),
            ("a < b", "(binary < (name a) (name b))"),
            ("a <= b", "(binary <= (name a) (name b))"),
            ("a > b", "(binary > (name a) (name b))"),
            ("a >= b", "(binary >= (name a) (name b))"),
            ("a in b", "(binary in (name a) (name b))"),
            ("a not in b", "(binary not-in (name a) (name b))"),
            ("a contains b", "(binary contains (name a) (name b))"),
            ("a = b = c", "(binary = (binary = (name a) (name b)) (name c))"),
            ("a < b is null", "(is-null (binary < (name a) (name b)))"),
            // 5 comparisons < 6 set operations
            ("a = b union c", "(binary = (name a) (binary union (name b) (name c)))"),
            ("a union b intersect c except d",
             "(binary except (binary intersect (binary union (name a) (name b)) (name c)) (name d))"),
            // 6 set operations < 7 ranges < 8 additive
            ("a union b..c", "(binary union (name a) (range (name b) (name c)))"),
            ("1..2 + 3", "(range 1 (binary + 2 3))"),
            // 8 additive < 9 multiplicative
            ("a + b * c", "(binary + (name a) (binary * (name b) (name c)))"),
            ("a * b + c", "(binary + (binary * (name a) (name b)) (name c))"),
            ("a - b - c", "(binary - (binary - (name a) (name b)) (name c))"),
            ("a & b + c", "(binary + (binary & (name a) (name b)) (name c))"),
            ("a / b div c mod d", "(binary mod (binary div (binary / (name a) (name b)) (name c)) (name d))"),
            // 9 multiplicative < 10 prefix operators < 11 postfix
            ("-a * b", "(binary * (unary - (name a)) (name b))"),
            ("- -a", "(unary - (unary - (name a)))"),
            ("exists a.b", "(unary exists (member (name a) b))"),
            ("exists a and b", "(binary and (unary exists (name a)) (name b))"),
            ("start of x + 1 day", "(binary + (unary start-of (name x)) (quantity 1 'day'))"),
            ("end of x.period", "(unary end-of (member (name x) period))"),
            ("date of end of x", "(unary date-of (unary end-of (name x)))"),
            ("-f(x)[0]", "(unary - (index (call f (name x)) 0))"),
            // Parentheses override, and leave no node.
            ("(a or b) and c", "(binary and (binary or (name a) (name b)) (name c))"),
            ("a * (b + c)", "(binary * (name a) (binary + (name b) (name c)))"),
            ("((x))", "(name x)"),
        ])
    }

    // MARK: Queries

    func testQueries() {
        check([
            (#"encounters where status = "finished" and type in OfficeVisit"#,
             #"(query (name encounters) (where (binary and (binary = (name status) "finished") (binary in (name type) (name OfficeVisit)))))"#),
            ("encounters as e where e.period during day of period sort by start of e.period desc",
             "(query (name encounters) (as e) (where (timing during day (member (name e) period) (name period))) (sort (unary start-of (member (name e) period)) desc))"),
            ("observations where code ~ Systolic return value",
             "(query (name observations) (where (binary ~ (name code) (name Systolic))) (return (name value)))"),
            ("xs sort by x", "(query (name xs) (sort (name x) asc))"),
            ("xs sort by x asc return y", "(query (name xs) (sort (name x) asc) (return (name y)))"),
            ("xs return x.y", "(query (name xs) (return (member (name x) y)))"),
            ("xs as x return x", "(query (name xs) (as x) (return (name x)))"),
            ("conditions(Diabetes) where onset before end of period",
             "(query (call conditions (name Diabetes)) (where (timing before (name onset) (unary end-of (name period)))))"),
            // A clause extends as far as it can; parentheses end a query.
            ("xs where a and b", "(query (name xs) (where (binary and (name a) (name b))))"),
            ("(xs where a) union ys", "(binary union (query (name xs) (where (name a))) (name ys))"),
            ("exists xs where a", "(unary exists (query (name xs) (where (name a))))"),
            ("count(xs where a) > 1", "(binary > (call count (query (name xs) (where (name a)))) 1)"),
            // Nested queries in parentheses, brackets or arguments.
            ("xs where exists (ys where b)", "(query (name xs) (where (unary exists (query (name ys) (where (name b))))))"),
            ("xs where count(ys where b) > 0",
             "(query (name xs) (where (binary > (call count (query (name ys) (where (name b)))) 0)))"),
            ("xs return [ys where b]", "(query (name xs) (return (list (query (name ys) (where (name b))))))"),
            // Inside a clause a bare term is not a query: `sort` and `return` belong to the outer one.
            ("xs where exists ys sort by z", "(query (name xs) (where (unary exists (name ys))) (sort (name z) asc))"),
            ("xs as x where x.a > 1 return x.b",
             "(query (name xs) (as x) (where (binary > (member (name x) a) 1)) (return (member (name x) b)))"),
        ])
    }

    func testNestedQueriesNeedParentheses() {
        let hint = "write: xs where exists (ys where ...); a query's clauses come in the order where, sort by, return"
        for (text, message) in [
            ("xs where exists ys where b", "nested-query 1:20 a query inside a 'where' clause needs parentheses"),
            ("xs where a where b", "nested-query 1:12 a query inside a 'where' clause needs parentheses"),
            ("xs sort by ys where b", "nested-query 1:15 a query inside a 'sort by' clause needs parentheses"),
            ("xs return ys where b", "nested-query 1:14 a query inside a 'return' clause needs parentheses"),
            ("xs return y sort by z", "nested-query 1:13 a query inside a 'return' clause needs parentheses"),
        ] {
            XCTAssertEqual(exprErrors(text), [message], text)
            XCTAssertEqual(Parser.parseExpression(SourceFile(path: "t", text: text)).diagnostics.first?.hint, hint)
        }
    }

    // MARK: Timing phrases

    /// Every form of the timing grammar in docs/language.md.
    func testTimingPhrases() {
        check([
            ("a during b", "(timing during (name a) (name b))"),
            ("a during day of b", "(timing during day (name a) (name b))"),
            ("a in day of b", "(timing during day (name a) (name b))"),
            ("a in month of b", "(timing during month (name a) (name b))"),
            ("a included in b", "(timing included-in (name a) (name b))"),
            ("a included in year of b", "(timing included-in year (name a) (name b))"),
            ("a includes b", "(timing includes (name a) (name b))"),
            ("a includes day of b", "(timing includes day (name a) (name b))"),
            ("a overlaps b", "(timing overlaps (name a) (name b))"),
            ("a overlaps month of b", "(timing overlaps month (name a) (name b))"),
            ("a before b", "(timing before (name a) (name b))"),
            ("a after b", "(timing after (name a) (name b))"),
            ("a before day of b", "(timing before day (name a) (name b))"),
            ("a after start of b", "(timing after (name a) (unary start-of (name b)))"),
            ("a before day of end of b", "(timing before day (name a) (unary end-of (name b)))"),
            ("a 3 days before b", "(timing before (quantity 3 'day') (name a) (name b))"),
            ("a 1 year or less after b", "(timing after (quantity 1 'year') or-less (name a) (name b))"),
            ("a 6 months or more before start of b",
             "(timing before (quantity 6 'month') or-more (name a) (unary start-of (name b)))"),
            ("a 90 days before day of b", "(timing before day (quantity 90 'day') (name a) (name b))"),
            ("a 2 'wk' after b", "(timing after (quantity 2 'wk') (name a) (name b))"),
            ("a on or before b", "(timing on-or-before (name a) (name b))"),
            ("a on or after day of end of b", "(timing on-or-after day (name a) (unary end-of (name b)))"),
            ("a same day as b", "(timing same-as day (name a) (name b))"),
            ("a same month or before b", "(timing same-or-before month (name a) (name b))"),
            ("a same year or after start of b", "(timing same-or-after year (name a) (unary start-of (name b)))"),
            ("a within 3 days of b", "(timing within (quantity 3 'day') (name a) (name b))"),
            ("a within 1 hour of start of b", "(timing within (quantity 1 'hour') (name a) (unary start-of (name b)))"),
            // starts / ends / occurs name the left operand's boundary.
            ("a starts during b", "(timing starts during (name a) (name b))"),
            ("a ends before end of b", "(timing ends before (name a) (unary end-of (name b)))"),
            ("a occurs during b", "(timing during (name a) (name b))"),
            ("a starts 3 days or less before start of b",
             "(timing starts before (quantity 3 'day') or-less (name a) (unary start-of (name b)))"),
            ("a ends within 30 days of end of b", "(timing ends within (quantity 30 'day') (name a) (unary end-of (name b)))"),
            ("a starts same day as b", "(timing starts same-as day (name a) (name b))"),
            ("a ends on or after b", "(timing ends on-or-after (name a) (name b))"),
            // Timing binds like a comparison: below `and`, above set operations and arithmetic.
            ("a during b and c", "(binary and (timing during (name a) (name b)) (name c))"),
            ("start of a + 1 day before b", "(timing before (binary + (unary start-of (name a)) (quantity 1 'day')) (name b))"),
            ("x.period overlaps interval[start of p, start of p + 6 months)",
             "(timing overlaps (member (name x) period) (interval closed-open (unary start-of (name p)) (binary + (unary start-of (name p)) (quantity 6 'month'))))"),
            // Plain `in` is membership; `in day of` is timing.
            ("a in b", "(binary in (name a) (name b))"),
        ])
    }

    func testTimingPhraseErrors() {
        XCTAssertEqual(exprErrors("a starts b"),
                       ["unexpected-token 1:10 expected a timing relation (during, before, after, overlaps, ...), found name 'b'"])
        XCTAssertEqual(exprErrors("a same as b"), ["unexpected-token 1:8 expected a precision (year, month, day, ...) after 'same', found 'as'"])
        XCTAssertEqual(exprErrors("a same day b"), ["unexpected-token 1:12 expected 'as', 'or before' or 'or after', found name 'b'"])
        XCTAssertEqual(exprErrors("a within 3 of b"), ["expected-quantity 1:10 expected a quantity with a unit"])
        XCTAssertEqual(exprErrors("a 3 days b"), ["unexpected-token 1:10 expected 'before' or 'after', found name 'b'"])
    }

    // MARK: Declarations

    func testHeaderMetadata() {
        let r = parse("""
            measure CMS165 "Controlling High Blood Pressure"
              version "0.1.000"
              steward "CMS"
              owner "Ambulatory quality"
              description "Adults with hypertension"
              scoring proportion
              basis member
              improvement increase
              target 0.75
            """)
        XCTAssertEqual(summary(r.diagnostics), [])
        XCTAssertEqual(r.dump, """
            (measure CMS165 "Controlling High Blood Pressure" (version "0.1.000") (steward "CMS") (owner "Ambulatory quality") \
            (description "Adults with hypertension") (scoring proportion) (basis member) (improvement increase) (target 0.75))

            """)
        XCTAssertEqual(parse("measure M scoring continuous-variable").dump, "(measure M (scoring continuous-variable))\n")
        XCTAssertEqual(parse("measure M scoring continuous_variable").dump, "(measure M (scoring continuous-variable))\n")
        XCTAssertEqual(parse("library Common \"Shared\" version \"1\"").dump, "(library Common \"Shared\" (version \"1\"))\n")
        XCTAssertEqual(parse("measure M basis episode of encounters where status = \"finished\" improvement decrease").dump,
                       "(measure M (basis episode (query (name encounters) (where (binary = (name status) \"finished\")))) (improvement decrease))\n")
    }

    func testHeaderErrors() {
        XCTAssertEqual(summary(parse("measure M scoring prevalence").diagnostics),
                       ["invalid-metadata 1:19 unknown scoring 'prevalence'"])
        XCTAssertEqual(summary(parse("measure M improvement better").diagnostics),
                       ["invalid-metadata 1:23 improvement must be 'increase' or 'decrease', not 'better'"])
        XCTAssertEqual(summary(parse("measure M target high").diagnostics),
                       ["unexpected-token 1:18 expected a target rate such as 0.75, found name 'high'"])
        XCTAssertEqual(summary(parse("measure M basis person").diagnostics),
                       ["unexpected-token 1:17 expected 'member' or 'episode of ...', found name 'person'"])
        XCTAssertEqual(summary(parse("measure where").diagnostics),
                       ["reserved-word 1:9 'where' is a reserved word and cannot be used as a measure name"])
        XCTAssertEqual(summary(parse("define a = 1\nversion \"2\"").diagnostics),
                       ["misplaced-metadata 2:1 'version' belongs to the measure header"])
    }

    func testDeclarations() {
        let r = parse("""
            library Common
            use "../lib/common"
            use "lib/other" as Other
            parameter period = interval[@2025-01-01, @2026-01-01)
            parameter cutoff: Integer
            parameter limit: Decimal = 2.5
            valueset Diabetes = "urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001"
            code Systolic = loinc "8480-6"
            code Custom = "http://example.org/codes" "X-1" display "Custom code"
            define adults = age_at(end of period) >= 18
            define function twice(x: Integer): Integer = x * 2
            function label(e: Encounter, n: Integer) = e.status & to_string(n)
            function none() = null
            population initial = exists encounters
            observation minutes = duration aggregate median
            stratify band = if adults then "adult" else "child"
            supplemental sex = member.sex
            """)
        XCTAssertEqual(summary(r.diagnostics), [])
        XCTAssertEqual(r.dump, #"""
            (library Common)
            (use "../lib/common")
            (use "lib/other" as Other)
            (parameter period (interval closed-open @2025-01-01 @2026-01-01))
            (parameter cutoff : Integer)
            (parameter limit : Decimal 2.5)
            (valueset Diabetes "urn:oid:2.16.840.1.113883.3.464.1003.103.12.1001")
            (code Systolic loinc "8480-6")
            (code Custom "http://example.org/codes" "X-1" display "Custom code")
            (define adults (binary >= (call age_at (unary end-of (name period))) 18))
            (function twice ((x : Integer)) : Integer (binary * (name x) 2))
            (function label ((e : Encounter) (n : Integer)) (binary & (member (name e) status) (call to_string (name n))))
            (function none () null)
            (population initial (unary exists (name encounters)))
            (observation minutes (name duration) aggregate median)
            (stratify band (if (name adults) "adult" "child"))
            (supplemental sex (member (name member) sex))

            """#)
    }

    func testDeclarationsNeedNoNewlines() {
        // Layout is free: a declaration ends where the next begins.
        let r = parse("library L define a = 1 define b = a + 1 code c = loinc \"1\" define d = c")
        XCTAssertEqual(summary(r.diagnostics), [])
        XCTAssertEqual(r.dump, "(library L)\n(define a 1)\n(define b (binary + (name a) 1))\n(code c loinc \"1\")\n(define d (name c))\n")
        // `code` and `version` stay usable as field names inside expressions.
        XCTAssertEqual(parse("library L\ndefine a = x.code = y.version").dump,
                       "(library L)\n(define a (binary = (member (name x) code) (member (name y) version)))\n")
    }

    func testDeclarationErrors() {
        XCTAssertEqual(summary(parse("define where = 1").diagnostics),
                       ["reserved-word 1:8 'where' is a reserved word and cannot be used as a definition name"])
        XCTAssertEqual(parse("define where = 1").diagnostics.first?.hint, "quote it with back-ticks: `where`")
        XCTAssertEqual(parse("define `where` = 1").dump, "(define where 1)\n")
        XCTAssertEqual(summary(parse("define a 1").diagnostics),
                       ["unexpected-token 1:10 expected '=' after the definition name, found '1'"])
        XCTAssertEqual(summary(parse("parameter p").diagnostics),
                       ["unexpected-end 1:12 unexpected end of input; expected ':' and a type, or '=' and a default value"])
        XCTAssertEqual(summary(parse("observation x = y aggregate average").diagnostics),
                       ["unexpected-token 1:29 expected one of median, mean, sum, min, max, count, found name 'average'"])
        XCTAssertEqual(summary(parse("observation x = y").diagnostics),
                       ["unexpected-end 1:18 unexpected end of input; expected 'aggregate' and one of median, mean, sum, min, max, count"])
        XCTAssertEqual(summary(parse("code x = 42 \"1\"").diagnostics),
                       ["unexpected-token 1:10 expected a code system (such as loinc or \"http://loinc.org\"), found '42'"])
        XCTAssertEqual(summary(parse("function f(x) = x").diagnostics),
                       ["unexpected-token 1:13 expected ':' and the parameter's type, found ')'"])
        XCTAssertEqual(summary(parse("42").diagnostics),
                       ["unexpected-token 1:1 expected a declaration (define, population, valueset, code, use, ...), found '42'"])
    }

    func testUnexpectedEndPointsPastTheLastToken() {
        let r = parse("define a =\n  1 +\n\n")
        XCTAssertEqual(summary(r.diagnostics), ["unexpected-end 2:6 unexpected end of input; expected an expression"])
        XCTAssertEqual(r.diagnostics[0].range.upperBound.column, 7)
    }

    /// Three independent syntax errors in three declarations: three diagnostics, and the valid
    /// declarations around them still parse.
    func testErrorRecoveryReportsEachDeclaration() {
        let r = parse("""
            measure M "Recovery"
              scoring cohort
            define a = 1 +
            define ok1 = 1
            define b = (2
            define ok2 = [1, 2]
            define c = ]
            population initial = true
            """)
        XCTAssertEqual(summary(r.diagnostics), [
            "unexpected-token 4:1 expected an expression, found 'define'",
            "unexpected-token 6:1 expected ')' to close the parenthesis, found 'define'",
            "unexpected-token 7:12 expected an expression, found ']'",
        ])
        XCTAssertEqual(r.diagnostics[0].hint, "the previous declaration looks incomplete")
        XCTAssertEqual(r.dump, """
            (measure M "Recovery" (scoring cohort))
            (define ok1 1)
            (define ok2 (list 1 2))
            (population initial true)

            """)
    }

    func testRecoveryResumesAtCodeDeclarations() {
        // `code` is not reserved: recovery resumes at it when it starts a line and is followed by a name.
        let r = parse("define a = ]\ncode X = loinc \"1\"\ndefine b = x.code")
        XCTAssertEqual(summary(r.diagnostics), ["unexpected-token 1:12 expected an expression, found ']'"])
        XCTAssertEqual(r.dump, "(code X loinc \"1\")\n(define b (member (name x) code))\n")
    }

    func testLexicalErrorsDoNotStopParsing() {
        // A stray character is skipped, an unterminated string ends at the line end, and a
        // malformed literal reads as null: each is one error, with no cascade.
        let r = parse("define a = 1 $ + 2\ndefine b = \"open\ndefine c = 12abc + @\ndefine d = [1, 2x]")
        XCTAssertEqual(summary(r.diagnostics), [
            "unexpected-character 1:14 unexpected character '$'",
            "unterminated-string 2:12 unterminated string",
            "invalid-number 3:12 invalid number '12abc'",
            "invalid-date 3:20 expected a date or date-time after '@'",
            "invalid-number 4:16 invalid number '2x'",
        ])
        XCTAssertEqual(r.dump, "(define a (binary + 1 2))\n(define b \"open\")\n(define c (binary + null null))\n(define d (list 1 null))\n")
    }

    func testDumpIsDeterministicAndCoversRanges() {
        let text = "define a = x during day of period and b"
        let r = Parser.parse(SourceFile(path: "t.measure", text: text))
        XCTAssertEqual(dumpAST(r.unit), "(define a (binary and (timing during day (name x) (name period)) (name b)))\n")
        XCTAssertEqual(dumpAST(r.unit), parse(text).dump)
        guard case .define(let name, let e) = r.unit.decls[0].kind else { return XCTFail("not a define") }
        XCTAssertEqual(r.unit.file.text(name.range), "a")
        XCTAssertEqual(r.unit.file.text(e.range), "x during day of period and b")
        XCTAssertEqual(r.unit.file.text(r.unit.decls[0].range), text)
        // Parentheses are part of the range of the expression they enclose.
        let p = Parser.parseExpression(SourceFile(path: "t", text: "(a + b) * c"))
        guard case .binary(_, let left, _)? = p.expr?.kind else { return XCTFail("not binary") }
        XCTAssertEqual(left.range.lowerBound.column, 1)
        XCTAssertEqual(left.range.upperBound.column, 8)
    }

    func testNestingLimit() {
        let limit = Parser.maximumNesting
        // Well inside the limit: parses.
        XCTAssertEqual(expr(String(repeating: "(", count: 50) + "1" + String(repeating: ")", count: 50)), "1")
        XCTAssertEqual(expr(Array(repeating: "1", count: 100).joined(separator: " + ")).filter { $0 == "(" }.count, 99)
        // Past it: one too-deep error.
        for text in [
            String(repeating: "(", count: limit) + "1" + String(repeating: ")", count: limit),
            String(repeating: "not ", count: limit + 1) + "x",
            String(repeating: "-", count: limit + 1) + "1",
            String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1),
            Array(repeating: "x", count: limit + 2).joined(separator: " or "),
            Array(repeating: "x", count: limit + 2).joined(separator: " = "),
            "x" + String(repeating: ".y", count: limit + 1),
        ] {
            XCTAssertEqual(exprErrors(text).map { String($0.prefix(8)) }, ["too-deep"], String(text.prefix(40)))
        }
    }
}
