import Foundation
import TallyEngine
import TallyLanguage
import XCTest

/// Defines with the same meaning in several measures of a run are evaluated once per member:
/// which defines share a slot, and that sharing changes no result and loses no runtime error.
final class SharedDefineTests: XCTestCase {
    func program(_ text: String, parameters: [String: Value] = [:]) throws -> Program {
        let result = Compilation.compile(CompilationInput(file: SourceFile(path: "m.measure", text: text), schema: CanonicalSchema.schema,
                                                          parameterValues: parameters))
        return try XCTUnwrap(result.program, DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
    }

    func member(_ id: String, born: String, encounters: [String]) -> Record {
        var assembler = MemberAssembler()
        let b = assembler.member(id)
        b.seen = true
        if case .success(let t) = Temporal.parse(born) { b.setField(CanonicalSchema.slot("Member", "birth_date"), .temporal(t)) }
        for (n, day) in encounters.enumerated() {
            let e = CanonicalSchema.newRecord("Encounter")
            e.fields[CanonicalSchema.slot("Encounter", "id")] = .string("\(id)-\(n)")
            if case .success(let t) = Temporal.parse(day + "T00:00:00.000Z") {
                e.fields[CanonicalSchema.slot("Encounter", "period")] = .interval(IntervalValue(low: .temporal(t), high: .temporal(t.adding(1, .day))))
            }
            b.add(e, list: CanonicalSchema.slot("Member", "encounters"))
        }
        return try! assembler.finish(report: LoadReport(), options: LoadOptions()).members[0]
    }

    /// A measure with the library-like defines every copy has, and its own numerator.
    func measure(_ name: String, numerator: String, extra: String = "") -> String {
        """
        measure \(name) "\(name)"
          scoring proportion
        parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
        define age = years_between(member.birth_date, end of period)
        define visits = encounters as e where e.period during day of period
        define only_visit = singleton(visits)
        \(extra)
        population initial = age >= 18
        population denominator = initial
        population numerator = \(numerator)
        """
    }

    func testSameMeaningSharesASlotAndDifferentMeaningDoesNot() throws {
        let a = try program(measure("A", numerator: "exists visits"))
        let b = try program(measure("B", numerator: "count(visits) > 1"))
        // The same text over another period means something else.
        let c = try program(measure("C", numerator: "exists visits"),
                            parameters: ["period": .interval(IntervalValue(low: .temporal(Temporal(year: 2024)), high: .temporal(Temporal(year: 2024, month: 12, day: 31))))])
        let table = SharedDefines([a, b, c])
        func slot(_ p: Program, _ i: Int) -> Bool { table.slots(ofProgram: i).isShared(p.defineIndex("age")!) }
        XCTAssertTrue(table.slots(ofProgram: 0).isShared(a.defineIndex("visits")!))
        XCTAssertTrue(table.slots(ofProgram: 1).isShared(b.defineIndex("visits")!))
        XCTAssertFalse(table.slots(ofProgram: 2).isShared(c.defineIndex("visits")!))
        // A define that can record a runtime error is never shared: each measure records it.
        XCTAssertFalse(table.slots(ofProgram: 0).isShared(a.defineIndex("only_visit")!))
        // Populations reading `initial` of their own measure are the same where the text is.
        XCTAssertTrue(table.slots(ofProgram: 0).isShared(a.defineIndex("initial")!))
        XCTAssertFalse(table.slots(ofProgram: 0).isShared(a.defineIndex("numerator")!))
        XCTAssertFalse(table.slots(ofProgram: 2).isShared(c.defineIndex("age")!))
        XCTAssertTrue(slot(a, 0))
        // One program alone shares nothing.
        XCTAssertEqual(SharedDefines([a]).count, 0)
    }

    func testSharingChangesNoResultAndKeepsErrors() throws {
        let sources = [measure("A", numerator: "only_visit is not null or exists visits"),
                       measure("B", numerator: "count(visits) > 1 and only_visit is null"),
                       measure("C", numerator: "age < 60 or exists visits")]
        let evaluators = try sources.map { MeasureEvaluator(program: try program($0)) }
        let members = (0..<700).map { i in
            member(String(format: "m%04d", i), born: "\(1930 + i % 90)-03-01",
                   encounters: Array(["2025-02-01", "2025-06-01", "2024-11-01"].prefix(i % 4)))
        }
        let (together, keptTogether) = PanelRunner(jobs: 1).run(evaluators, on: members, keepMembers: true)
        for (i, e) in evaluators.enumerated() {
            let (alone, keptAlone) = PanelRunner(jobs: 1).run([e], on: members, keepMembers: true)
            XCTAssertEqual(together[i], alone[0])
            XCTAssertEqual(keptTogether[i].map(\.errors), keptAlone[0].map(\.errors))
            XCTAssertEqual(keptTogether[i].map { $0.subjects.map { $0.populations[.numerator] } },
                           keptAlone[0].map { $0.subjects.map { $0.populations[.numerator] } })
        }
        // Members with two visits this year record the `singleton` error in every measure that reads it.
        XCTAssertTrue(keptTogether[0].contains { !$0.errors.isEmpty })
        XCTAssertEqual(keptTogether[0].map(\.errors.isEmpty), keptTogether[1].map(\.errors.isEmpty))
        XCTAssertEqual(PanelRunner(jobs: 2).run(evaluators, on: members).summaries, together)
    }

    func testSharedStoreIsPerMember() throws {
        let a = try program(measure("A", numerator: "exists visits"))
        let b = try program(measure("B", numerator: "exists visits and age > 40"))
        let table = SharedDefines([a, b])
        let store = SharedDefineValues(table)
        let visits = a.defineIndex("visits")!
        let young = member("y", born: "2000-01-01", encounters: ["2025-02-01"])
        let old = member("o", born: "1950-01-01", encounters: [])
        XCTAssertEqual(a.evaluation(member: young, sharing: table.slots(ofProgram: 0), store: store).value(ofDefine: visits).asList.count, 1)
        store.clear()
        XCTAssertEqual(b.evaluation(member: old, sharing: table.slots(ofProgram: 1), store: store).value(ofDefine: b.defineIndex("visits")!).asList.count, 0)
    }

    /// A context reused member after member (define cache, memo tables and episode reset) gives
    /// what a fresh context per member gives.
    func testReusedContextGivesFreshResults() throws {
        let episodes = MeasureEvaluator(program: try program("""
            measure V "Visits followed by another within 60 days"
              scoring proportion
              basis episode of encounters
            function visits_after(d: DateTime): List<Encounter> =
              encounters as x where start of x.period after d and start of x.period 60 days or less after d
            define later = visits_after(end of episode.period)
            population initial = true
            population denominator = initial
            population numerator = exists later and count(visits_after(@2024-01-01T00:00:00.000Z)) > 1
            """))
        let plain = MeasureEvaluator(program: try program(measure("A", numerator: "only_visit is not null or exists visits")))
        let members = (0..<300).map { i in
            member(String(format: "r%04d", i), born: "\(1940 + i % 70)-05-01",
                   encounters: Array(["2025-01-10", "2025-02-01", "2025-06-01", "2024-11-01"].prefix(i % 5)))
        }
        for e in [episodes, plain] {
            let ctx = e.context()
            for m in members {
                let fresh = e.evaluate(m), reused = e.evaluate(m, reusing: ctx)
                XCTAssertEqual(fresh.subjects.map { $0.populations[.numerator] }, reused.subjects.map { $0.populations[.numerator] })
                XCTAssertEqual(fresh.subjects.map(\.episodeID), reused.subjects.map(\.episodeID))
                XCTAssertEqual(fresh.errors, reused.errors)
            }
        }
    }
}
