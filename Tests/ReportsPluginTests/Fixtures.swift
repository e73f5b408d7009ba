import Foundation
@testable import TallyEngine
import TallyLanguage
import TallyTestSupport
import XCTest

/// A small run built in memory: a member-basis proportion measure with strata, supplemental data
/// and a target; an episode-basis inverse measure (lower is better); a continuous-variable
/// measure with an observation. Names hold commas, quotes and markup so the golden files show
/// the quoting and escaping of each format.
enum Fixtures {
    static let period = "2025-01-01..2025-12-31"

    /// A summary with the measure's populations at zero, as `MeasureSummary.init(_:)` makes one.
    static func summary(_ measure: String, title: String?, scoring: String, improvement: String?, target: Double?,
                        episodeBasis: Bool = false, populations: [PopulationKind], observations: [String: String] = [:]) -> MeasureSummary {
        var counts: [String: Int] = [:]
        for p in populations { counts[p.rawValue] = 0 }
        var json: [String: Any] = [
            "measure": measure, "scoring": scoring, "episodeBasis": episodeBasis, "members": 0, "subjects": 0,
            "counts": counts, "strata": [String: Any](), "observations": observations.mapValues { aggregate -> [String: Any] in
                aggregate == "median" ? ["count": 0, "partials": [Double](), "values": [Double]()] : ["count": 0, "partials": [Double]()]
            },
            "aggregates": observations, "membersWithErrors": 0, "errorSamples": [String](),
        ]
        if let title { json["title"] = title }
        if let improvement { json["improvement"] = improvement }
        if let target { json["target"] = target }
        let data = try! JSONSerialization.data(withJSONObject: json)
        return try! JSONDecoder().decode(MeasureSummary.self, from: data)
    }

    static func subject(_ member: String, scoring: String, _ raw: [PopulationKind: Bool], episode: (Int, String)? = nil,
                        strata: [(String, Value)] = [], observations: [(String, Value)] = []) -> SubjectResult {
        let membership = PopulationMembership.cascade(scoring: scoring) { raw[$0] }
        let inIP = membership[.initial]
        return SubjectResult(memberID: member, episode: episode?.0, episodeID: episode?.1, populations: membership,
                             strata: strata.map { (name: $0.0, value: inIP ? $0.1 : .null) },
                             observations: observations.map { (name: $0.0, value: inIP ? $0.1 : .null) })
    }

    static let female = Value.code(Code(system: "http://hl7.org/fhir/administrative-gender", code: "F", display: "Female"))
    static let male = Value.code(Code(system: "http://hl7.org/fhir/administrative-gender", code: "M", display: "Male"))

    // MARK: - Breast cancer screening: member basis, proportion, target 80 %.

    static let bcsProportion: [PopulationKind] = [.initial, .denominator, .denominatorExclusion, .denominatorException, .numerator,
                                                  .numeratorExclusion]

    static func bcsMembers() -> [MemberEvaluation] {
        // (member, age group, in IP, excluded, in numerator, payer)
        let rows: [(String, String, Bool, Bool, Bool, Value)] = [
            ("M001", "52-64", true, false, true, .list([.string("medicare")])),
            ("M002", "52-64", true, false, false, .list([.string("commercial")])),
            ("M003", "65-74, rural", true, true, false, .list([.string("medicare"), .string("medicaid")])),
            ("M004", "52-64", false, false, false, .null),
            ("M005", "65-74, rural", true, false, true, .list([.string("medicare")])),
            ("M 006", "65-74, rural", true, false, false, .list([.string("commercial")])),
        ]
        return rows.map { id, age, ip, excluded, numerator, payer in
            let s = subject(id, scoring: "proportion", [.initial: ip, .denominator: true, .denominatorExclusion: excluded, .numerator: numerator],
                            strata: [("age_group", .string(age))])
            return MemberEvaluation(memberID: id, subjects: [s], supplemental: [(name: "sex", value: female), (name: "payer", value: payer)],
                                    errors: [])
        }
    }

    // MARK: - Readmissions: episode basis, lower is better, target 15 %.

    static func readmissionMembers() -> [MemberEvaluation] {
        // (member, [(episode id, in numerator = readmitted)])
        let rows: [(String, [(String, Bool)])] = [
            ("M001", [("E-101", false), ("E-102", true)]),
            ("M002", []),
            ("M003", [("E-301", false)]),
            ("M004", [("E-401", false), ("E-402", false)]),
            ("M005", [("E-501", true)]),
            ("M 006", [("E-601", false)]),
        ]
        return rows.map { id, episodes in
            let subjects = episodes.enumerated().map { i, e in
                subject(id, scoring: "proportion", [.initial: true, .denominator: true, .numerator: e.1], episode: (i, e.0))
            }
            return MemberEvaluation(memberID: id, subjects: subjects, supplemental: [(name: "sex", value: id == "M004" ? male : female)],
                                    errors: id == "M005" ? ["division by zero in 'ratio'"] : [])
        }
    }

    // MARK: - Length of stay: continuous variable, median.

    static func losMembers() -> [MemberEvaluation] {
        let rows: [(String, Bool, Value)] = [
            ("M001", true, .quantity(Quantity(3, "d"))), ("M002", false, .null), ("M003", true, .quantity(Quantity(5, "d"))),
            ("M004", true, .quantity(Quantity(2.5, "d"))), ("M005", true, .quantity(Quantity(8, "d"))), ("M 006", false, .null),
        ]
        return rows.map { id, ip, los in
            MemberEvaluation(memberID: id, subjects: [subject(id, scoring: "continuous-variable", [.initial: ip],
                                                              observations: [("length_of_stay", los)])],
                             supplemental: [], errors: [])
        }
    }

    static var load: LoadReport {
        var l = LoadReport()
        l.files = ["claims.csv", "members.csv"]
        l.records = ["Member": 6, "Claim": 41, "Encounter": 17]
        l.rejections = [
            Rejection(file: "claims.csv", line: 7, code: "bad-date", message: "bad date '2025-13-01'"),
            Rejection(file: "claims.csv", line: 12, code: "bad-date", message: "bad date ''"),
            Rejection(file: "members.csv", line: 3, code: "missing-member", message: "no member M999"),
        ]
        return l
    }

    /// The whole run; with `memberLevel`, also the members' evaluations and the care gaps.
    static func run(memberLevel: Bool, period: String? = Fixtures.period) -> RunResult {
        var bcs = summary("CMS125", title: "Breast Cancer Screening, \"BCS\" <2025> & more", scoring: "proportion",
                          improvement: "increase", target: 0.8, populations: bcsProportion)
        var readmit = summary("READMIT_30", title: "30-day readmissions", scoring: "proportion", improvement: "decrease",
                              target: 0.15, episodeBasis: true, populations: bcsProportion)
        var los = summary("LOS", title: nil, scoring: "continuous-variable", improvement: nil, target: nil,
                          populations: [.initial, .measurePopulation, .measurePopulationExclusion],
                          observations: ["length_of_stay": "median"])
        let members = [bcsMembers(), losMembers(), readmissionMembers()]
        for m in members[0] { bcs.add(m) }
        for m in members[1] { los.add(m) }
        for m in members[2] { readmit.add(m) }
        let summaries = [bcs, los, readmit]
        var result = RunResult(summaries: summaries, load: load, period: period)
        if memberLevel {
            result.members = members
            result.gaps = [gaps(bcs, members[0], action: "Order a mammogram; record it, or a bilateral mastectomy, by the due date"),
                           gaps(readmit, members[2], action: "Follow up within 7 days of discharge")]
        }
        return result
    }

    static func gaps(_ s: MeasureSummary, _ members: [MemberEvaluation], action: String) -> CareGapList {
        let inverse = s.improvement == "decrease"
        let practices = ["M001": ("Dr. Ada Lovelace", "Northside <Clinic>"), "M002": ("Dr. Grace Hopper", "Southside, Family Practice"),
                         "M005": ("Dr. Ada Lovelace", "Northside <Clinic>")]
        var list = try! JSONDecoder().decode(CareGapList.self, from: Data(#"{"measure": "\#(s.measure)", "gaps": []}"#.utf8))
        for m in members {
            for subject in m.subjects {
                let p = subject.populations
                guard p[.denominator], !p[.denominatorExclusion], !p[.denominatorException] else { continue }
                guard inverse ? p[.numerator] : !p[.numerator] else { continue }
                let (provider, practice) = practices[m.memberID].map { ($0.0 as String?, $0.1 as String?) } ?? (nil, nil)
                list.gaps.append(CareGap(measure: s.measure, member: m.memberID, episode: subject.episodeID, provider: provider,
                                         practice: practice, action: action, due: "2025-12-31"))
            }
        }
        list.membersToTarget = CareGapList.toTarget(s, inverse: inverse)
        return list
    }
}

/// `Tests/ReportsPluginTests/Golden` in the source tree.
let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

/// Compares a report with `Golden/<name>` byte for byte; with `TALLY_RECORD=1`, writes it instead.
func assertGolden(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
    try TallyTestSupport.assertGolden(actual, at: goldenDirectory.appendingPathComponent(name), file: file, line: line)
}

extension Array where Element == ReportFile {
    subscript(named name: String) -> ReportFile? { first { $0.name == name } }
}
