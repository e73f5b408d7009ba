import Foundation
import TallyEngine
import TallyLanguage
import XCTest

/// Population semantics: the cascade per scoring, episode basis, stratifiers, observations,
/// summaries, merging and care gaps, on members built in memory.
final class EvaluationTests: XCTestCase {
    func compile(_ text: String) throws -> MeasureEvaluator {
        let result = Compilation.compile(CompilationInput(file: SourceFile(path: "m.measure", text: text), schema: CanonicalSchema.schema))
        let program = try XCTUnwrap(result.program, DiagnosticRenderer(sources: result.sources).render(result.diagnostics))
        return MeasureEvaluator(program: program)
    }

    /// A member with a birth date and encounters (start dates, each one day long).
    func member(_ id: String, born: String, encounters: [(String, String)] = [], attributedTo provider: String? = nil) -> Record {
        var assembler = MemberAssembler()
        let b = assembler.member(id)
        b.seen = true
        if case .success(let t) = Temporal.parse(born) { b.setField(CanonicalSchema.slot("Member", "birth_date"), .temporal(t)) }
        for (eid, day) in encounters {
            let e = CanonicalSchema.newRecord("Encounter")
            e.fields[CanonicalSchema.slot("Encounter", "id")] = .string(eid)
            e.fields[CanonicalSchema.slot("Encounter", "status")] = .string("finished")
            if case .success(let t) = Temporal.parse(day + "T00:00:00.000Z") {
                e.fields[CanonicalSchema.slot("Encounter", "period")] = .interval(IntervalValue(low: .temporal(t), high: .temporal(t.adding(1, .day))))
            }
            b.add(e, list: CanonicalSchema.slot("Member", "encounters"))
        }
        if let provider {
            let a = CanonicalSchema.newRecord("Attribution")
            a.fields[CanonicalSchema.slot("Attribution", "provider")] = .string(provider)
            a.fields[CanonicalSchema.slot("Attribution", "practice")] = .string("Main St")
            a.fields[CanonicalSchema.slot("Attribution", "program")] = .string("payer")
            b.add(a, list: CanonicalSchema.slot("Member", "attributions"))
        }
        return try! assembler.finish(report: LoadReport(), options: LoadOptions()).members[0]
    }

    static let proportion = """
        measure P "Proportion"
          scoring proportion
          improvement increase
          target 0.5
          gap "a visit before the end of the year"
        parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
        define age = years_between(member.birth_date, end of period)
        define visits = encounters as e where e.period during day of period
        population initial = age >= 18
        population denominator = initial
        population denominator_exclusion = age >= 80
        population numerator = exists visits
        population denominator_exception = age = 50
        stratify band = if age < 65 then "18-64" else "65+"
        """

    func testProportionCascade() throws {
        let e = try compile(Self.proportion)
        func flags(_ m: Record) -> [String] {
            let s = e.evaluate(m).subjects[0].populations
            return PopulationKind.allCases.filter { s[$0] }.map(\.rawValue)
        }
        XCTAssertEqual(flags(member("child", born: "2015-01-01", encounters: [("e", "2025-02-01")])), [])
        XCTAssertEqual(flags(member("met", born: "1970-01-01", encounters: [("e", "2025-02-01")])), ["initial", "denominator", "numerator"])
        // Excluded members never count in the numerator, even with a visit.
        XCTAssertEqual(flags(member("old", born: "1940-01-01", encounters: [("e", "2025-02-01")])), ["initial", "denominator", "denominator_exclusion"])
        // Exceptions apply only to members not in the numerator.
        XCTAssertEqual(flags(member("fifty-no-visit", born: "1975-06-01")), ["initial", "denominator", "denominator_exception"])
        XCTAssertEqual(flags(member("fifty-visit", born: "1975-06-01", encounters: [("e", "2025-03-01")])), ["initial", "denominator", "numerator"])
    }

    func testSummaryRateStrataMergeAndGaps() throws {
        let e = try compile(Self.proportion)
        let members = [
            member("a", born: "1970-01-01", encounters: [("e", "2025-02-01")], attributedTo: "1111111111"),
            member("b", born: "1960-01-01", attributedTo: "2222222222"),
            member("c", born: "1950-01-01", encounters: [("e", "2024-12-31")], attributedTo: "2222222222"),
            member("d", born: "1940-01-01"),
            member("f", born: "1975-06-01"),
        ]
        let (summaries, evaluations) = PanelRunner(jobs: 1).run([e], on: members, keepMembers: true)
        let s = summaries[0]
        XCTAssertEqual(s.count(.initial), 5)
        XCTAssertEqual(s.count(.denominatorExclusion), 1)
        XCTAssertEqual(s.count(.denominatorException), 1)
        XCTAssertEqual(s.count(.numerator), 1)
        // 1 / (5 − 1 excluded − 1 exception)
        XCTAssertEqual(s.rate!, 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(s.strata["band"]?["65+"]?["initial"], 3)
        XCTAssertEqual(s.strata["band"]?["18-64"]?["numerator"], 1)

        // Merging two halves gives the whole.
        var left = PanelRunner(jobs: 1).run([e], on: Array(members[..<2])).summaries[0]
        left.merge(PanelRunner(jobs: 1).run([e], on: Array(members[2...])).summaries[0])
        XCTAssertEqual(left, s)

        let gaps = CareGapList(evaluator: e, summary: s, evaluations: evaluations[0], members: members)
        XCTAssertEqual(gaps.gaps.map(\.member), ["b", "c"])
        XCTAssertEqual(gaps.gaps.first?.provider, "2222222222")
        XCTAssertEqual(gaps.gaps.first?.action, "a visit before the end of the year")
        XCTAssertEqual(gaps.gaps.first?.due, "2025-12-31")
        // Target 50% of 3 eligible needs 2 in the numerator: one more gap to close.
        XCTAssertEqual(gaps.membersToTarget, 1)
    }

    func testEpisodeBasisCountsEpisodes() throws {
        let e = try compile("""
            measure V "Visits followed by another within 30 days"
              scoring proportion
              basis episode of encounters
            define later = encounters as x where start of x.period after end of episode.period
              and start of x.period 30 days or less after end of episode.period
            population initial = true
            population denominator = initial
            population numerator = exists later
            """)
        let m = member("m", born: "1970-01-01", encounters: [("e1", "2025-01-01"), ("e2", "2025-01-20"), ("e3", "2025-03-30")])
        let r = e.evaluate(m)
        XCTAssertEqual(r.subjects.count, 3)
        XCTAssertEqual(r.subjects.map { $0.populations[.numerator] }, [true, false, false])
        XCTAssertEqual(r.subjects.map(\.episodeID), ["e1", "e2", "e3"])
    }


    func testEpisodesOfMonthsAreNamedByTheirDatesAndNumbersByPosition() throws {
        // A basis that reads the period (the member-month measures' `enrolled_months`): every
        // episode is an interval of dates, and reports name it by its bounds.
        let months = try compile("""
            measure M "Member months with a visit"
              scoring proportion
              basis episode of months
            parameter period = interval[@2025-01-01T00:00:00.000Z, @2025-12-31T23:59:59.999Z]
            define first_day = date(year(start of period), 2, 1)
            define months = [interval[first_day, first_day + 1 month - 1 day],
                             interval[first_day + 1 month, first_day + 2 months - 1 day]]
            population initial = true
            population denominator = initial
            population numerator = exists (encounters as x where date of start of x.period during episode)
            """)
        let m = member("m", born: "1970-01-01", encounters: [("e1", "2025-03-05")])
        let r = months.evaluate(m)
        XCTAssertEqual(r.subjects.map(\.episodeID), ["2025-02-01..2025-02-28", "2025-03-01..2025-03-31"])
        XCTAssertEqual(r.subjects.map { $0.populations[.numerator] }, [false, true])

        let numbers = try compile("""
            measure N "Numbered"
              scoring cohort
              basis episode of [3, 5]
            population initial = true
            """)
        let n = numbers.evaluate(m)
        XCTAssertEqual(n.subjects.map(\.episodeID), [nil, nil])
        XCTAssertEqual(n.subjects.map(\.episode), [0, 1])
    }
    func testContinuousVariableAndRatio() throws {
        let cv = try compile("""
            measure C "Visits per member"
              scoring continuous-variable
            population initial = true
            population measure_population = initial
            population measure_population_exclusion = count(encounters) = 0
            observation visits = count(encounters) aggregate median
            """)
        let members = [member("a", born: "1970-01-01", encounters: [("1", "2025-01-01")]),
                       member("b", born: "1970-01-01", encounters: [("1", "2025-01-01"), ("2", "2025-02-01"), ("3", "2025-03-01")]),
                       member("c", born: "1970-01-01")]
        let s = PanelRunner(jobs: 1).run([cv], on: members).summaries[0]
        XCTAssertEqual(s.count(.measurePopulation), 3)
        XCTAssertEqual(s.count(.measurePopulationExclusion), 1)
        XCTAssertEqual(s.observations["visits"]?.values, [1, 3])
        XCTAssertEqual(s.aggregate("visits"), 2)
        XCTAssertNil(s.rate)

        let ratio = try compile("""
            measure R "Members with visits, ratio"
              scoring ratio
            population initial = true
            population denominator = count(encounters) > 0
            population numerator = count(encounters) > 1
            """)
        let r = PanelRunner(jobs: 1).run([ratio], on: members).summaries[0]
        XCTAssertEqual(r.count(.denominator), 2)
        XCTAssertEqual(r.count(.numerator), 1)
        XCTAssertEqual(r.rate, 0.5)
    }

    func testThreadCountDoesNotChangeResults() throws {
        let e = try compile(Self.proportion)
        let members = (0..<3000).map { i in
            member(String(format: "m%05d", i), born: "\(1930 + i % 80)-01-01", encounters: i % 3 == 0 ? [("e", "2025-05-01")] : [])
        }
        let one = PanelRunner(jobs: 1).run([e], on: members).summaries
        let four = PanelRunner(jobs: 4).run([e], on: members).summaries
        XCTAssertEqual(one, four)
    }

    /// The runner counts by position and writes the summary once per chunk; that gives what
    /// `MeasureSummary.add` per member gives (counts, strata, observations in order, errors).
    func testRunnerCountsAsSummaryAddDoes() throws {
        let episodes = try compile("""
            measure E "Visits and the next visit"
              scoring continuous-variable
              basis episode of encounters
            define next = encounters as x where start of x.period after end of episode.period
            population initial = true
            population measure_population = initial
            population measure_population_exclusion = count(next) > 2
            observation gap_days = days_between(end of episode.period, start of first(next as n sort by start of n.period).period) aggregate median
            observation later = count(next) aggregate mean
            stratify any_later = if exists next then "yes" else "no"
            stratify lone = singleton(next) is null
            stratify start_day = days_between(@2025-01-01, start of episode.period)
            """)
        let proportion = try compile(Self.proportion)
        let members = (0..<1200).map { i in
            member(String(format: "t%05d", i), born: "\(1935 + i % 75)-02-01",
                   encounters: (0..<(i % 6)).map { ("e\($0)", String(format: "2025-%02d-%02d", 1 + $0 * 2, 1 + i % 27)) })
        }
        for e in [episodes, proportion] {
            var byMember = MeasureSummary(e)
            for m in members { byMember.add(e.evaluate(m)) }
            byMember.sortObservations()
            XCTAssertEqual(PanelRunner(jobs: 1).run([e], on: members).summaries[0], byMember)
            XCTAssertEqual(PanelRunner(jobs: 2).run([e, proportion], on: members).summaries[0], byMember)
        }
        XCTAssertGreaterThan(PanelRunner(jobs: 1).run([episodes], on: members).summaries[0].membersWithErrors, 0)
    }

    /// Populations are evaluated as the cascade asks for them: the numerator of a member outside
    /// the initial population is never evaluated, so its runtime error is not raised; inside, it is.
    func testCriteriaAreEvaluatedAsTheCascadeAsks() throws {
        let e = try compile("""
            measure L "Lazy"
              scoring proportion
            define visits = encounters as e where true
            population initial = count(visits) >= 3
            population denominator = initial
            population numerator = singleton(visits) is not null
            supplemental lone = singleton(visits)
            """)
        let outside = member("two-visits", born: "1970-01-01", encounters: [("a", "2025-02-01"), ("b", "2025-03-01")])
        let inside = member("three-visits", born: "1970-01-01", encounters: [("a", "2025-02-01"), ("b", "2025-03-01"), ("c", "2025-04-01")])
        XCTAssertEqual(e.evaluate(outside).errors, [])
        XCTAssertEqual(e.evaluate(inside).errors.count, 1)
        XCTAssertFalse(e.evaluate(inside).subjects[0].populations[.numerator])
        // Supplemental data is evaluated for member-level output only; its errors are kept apart,
        // so a summary counts the same errors with or without member-level output.
        let full = e.evaluate(outside)
        XCTAssertEqual(full.supplemental.map(\.name), ["lone"])
        XCTAssertEqual(full.supplementalErrors.count, 1, "two visits: not one")
        let both = e.evaluate(inside)
        XCTAssertEqual(both.errors.count, 1, "the numerator's")
        XCTAssertEqual(both.supplementalErrors.count, 1, "the supplemental's own")
        let runner = PanelRunner(jobs: 1)
        let summary = runner.run([e], on: [outside, inside]).summaries[0]
        let kept = runner.run([e], on: [outside, inside], keepMembers: true)
        XCTAssertEqual(kept.summaries[0], summary)
        XCTAssertEqual(summary.membersWithErrors, 1, "the member inside the initial population")
        XCTAssertEqual(kept.members[0].map { $0.supplemental.count }, [1, 1])
    }

    func testSupplementalErrorsAreNotCountedBySummaries() throws {
        let e = try compile("""
            measure S "Supplemental error"
              scoring proportion
            define visits = encounters as e where true
            population initial = true
            population denominator = initial
            population numerator = exists visits
            supplemental lone = singleton(visits)
            """)
        let members = [member("two", born: "1970-01-01", encounters: [("a", "2025-02-01"), ("b", "2025-03-01")])]
        let runner = PanelRunner(jobs: 1)
        let summary = runner.run([e], on: members).summaries[0]
        let kept = runner.run([e], on: members, keepMembers: true)
        XCTAssertEqual(summary.membersWithErrors, 0)
        XCTAssertEqual(kept.summaries[0], summary)
        XCTAssertEqual(kept.members[0][0].errors, [])
        XCTAssertEqual(kept.members[0][0].supplementalErrors.count, 1)
    }

    func testShardsCoverEveryMemberOnce() {
        let ids = (0..<1000).map { "member-\($0)" }
        let shards = (1...4).map { Shard("\($0)/4")! }
        for id in ids { XCTAssertEqual(shards.filter { $0.contains(id) }.count, 1) }
        XCTAssertNil(Shard("0/4"))
        XCTAssertNil(Shard("5/4"))
        XCTAssertNil(Shard("x"))
    }
}
