import Foundation
import TallyEngine
import TallyLanguage

/// The standard reports: a text summary table, JSON, CSV, FHIR R4 MeasureReport and HTML.
public struct ReportsPlugin: TallyPlugin {
    public init() {}
    public var name: String { "reports" }
    public var summary: String { "text summary, JSON, CSV, FHIR MeasureReport and HTML reports" }
    public func register(into registry: inout PluginRegistry) {
        registry.add(reporter: TextReporter(), from: name)
        registry.add(reporter: JSONReporter(), from: name)
        registry.add(reporter: CSVReporter(), from: name)
        registry.add(reporter: FHIRMeasureReportReporter(), from: name)
        registry.add(reporter: HTMLReporter(), from: name)
    }
}

/// The summary table people read on screen: populations, rate, target and gap per measure,
/// strata beneath, and the rejected-input counts.
public struct TextReporter: Reporter {
    public init() {}
    public var format: String { "text" }

    public func render(_ r: RunResult) -> [ReportFile] {
        let header = ["Measure", "Initial", "Denom", "Excl", "Except", "Numer", "Rate", "Target", "Gap"]
        var rows: [[String]] = []
        for s in r.summaries {
            rows.append(row(s.measure, s, s.counts))
            for (name, byValue) in s.strata.sorted(by: { $0.key < $1.key }) {
                for (value, counts) in byValue.sorted(by: { $0.key < $1.key }) {
                    rows.append(row("  \(name) = \(value)", s, counts, withTarget: false))
                }
            }
            for name in s.aggregates.keys.sorted() {
                let v = s.aggregate(name).map { formatNumber($0) } ?? "-"
                rows.append(["  \(name) (\(s.aggregates[name]!))", "", "", "", "", "", v, "", ""])
            }
        }
        var out = r.period.map { "Measurement period: \($0)\n" } ?? ""
        out += table(header, rows)
        let rejected = r.load.rejections.count
        out += "\nMembers: \(r.load.records["Member"] ?? 0). Rejected input: \(rejected)"
        if rejected > 0 { out += " (" + r.load.rejectedByReason.map { "\($0.reason) \($0.count)" }.joined(separator: ", ") + ")" }
        out += "\n"
        if !r.load.notRead.isEmpty { out += "Not read (no measure reads their records): \(r.load.notRead.joined(separator: ", ")).\n" }
        if let left = leftOutText(r.load) { out += "Left out (no query of the run can count them): \(left).\n" }
        for s in r.summaries where s.membersWithErrors > 0 {
            out += "\(s.measure): \(s.membersWithErrors) member(s) with evaluation errors, e.g. \(s.errorSamples[0])\n"
        }
        return [ReportFile(name: "summary.txt", contents: out)]
    }

    func row(_ label: String, _ s: MeasureSummary, _ c: [String: Int], withTarget: Bool = true) -> [String] {
        func n(_ k: PopulationKind) -> String { c[k.rawValue].map(String.init) ?? "-" }
        let rate = s.rate(c)
        var gap = ""
        if withTarget, let t = s.target, let rate {
            // The gap is how far the rate is from the target in the direction of improvement.
            let g = s.improvement == "decrease" ? rate - t : t - rate
            gap = g > 0 ? percent(g) : "met"
        }
        let isProportion = s.scoring == "proportion" || s.scoring == "ratio"
        let initial = c[PopulationKind.initial.rawValue].map(String.init) ?? "-"
        if !isProportion {
            let mp = s.scoring == "continuous-variable" ? n(.measurePopulation) : "-"
            return [label, initial, mp, s.scoring == "continuous-variable" ? n(.measurePopulationExclusion) : "-", "-", "-", "-", "", ""]
        }
        return [label, initial, n(.denominator), n(.denominatorExclusion), n(.denominatorException), n(.numerator),
                rate.map(percent) ?? "-", withTarget ? (s.target.map(percent) ?? "") : "", gap]
    }
}

func percent(_ x: Double) -> String {
    let v = (x * 1000).rounded() / 10
    return formatNumber(v) + "%"
}

func formatNumber(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return r == r.rounded() ? String(Int(r)) : String(r)
}

/// Aligns columns: the first left-aligned, the rest right-aligned.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    func line(_ r: [String]) -> String {
        r.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return i == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// The summaries as JSON, keys sorted, for programs (`summary.json`); with member-level data also
/// `members.json` and `gaps.json` (PHI, mode 0600).
public struct JSONReporter: Reporter {
    public init() {}
    public var format: String { "json" }
    public func render(_ r: RunResult) -> [ReportFile] {
        struct Report: Encodable {
            var period: String?
            var measures: [MeasureSummary]
            var rates: [String: Double?]
            var rejected: [String: Int]
            var notRead: [String]?
            var leftOut: [String: Int]?
            enum CodingKeys: String, CodingKey { case period, measures, rates, rejected, notRead = "not_read", leftOut = "left_out" }
        }
        let report = Report(period: r.period, measures: r.summaries,
                            rates: Dictionary(uniqueKeysWithValues: r.summaries.map { ($0.measure, $0.rate) }),
                            rejected: Dictionary(uniqueKeysWithValues: r.load.rejectedByReason.map { ($0.reason, $0.count) }),
                            notRead: r.load.notRead.isEmpty ? nil : r.load.notRead,
                            leftOut: r.load.leftOut.isEmpty ? nil : r.load.leftOut)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data()
        var files = [ReportFile(name: "summary.json", contents: String(decoding: data, as: UTF8.self) + "\n")]
        if r.isMemberLevel {
            files.append(ReportFile(name: "members.json", contents: members(r).pretty, containsPHI: true))
            files.append(ReportFile(name: "gaps.json", contents: gaps(r).pretty, containsPHI: true))
        }
        return files
    }

    /// Every subject's populations, strata and observations, and every member's supplemental data.
    func members(_ r: RunResult) -> JSON {
        .obj(["measures": .array(r.measuresWithMembers.map { s, ms in
            let kinds = s.populationKinds
            return .obj([
                "measure": .string(s.measure),
                "episodeBasis": .bool(s.episodeBasis),
                "members": .array(ms.map { m in
                    .obj([
                        "member": .string(m.memberID),
                        "subjects": .array(m.subjects.map { subject in
                            .obj([
                                "episode": subject.episodeID.map(JSON.string) ?? subject.episode.map { .int($0 + 1) },
                                "populations": .object(Dictionary(uniqueKeysWithValues: kinds.map { ($0.rawValue, JSON.bool(subject.populations[$0])) })),
                                "strata": subject.strata.isEmpty ? nil : .object(Dictionary(subject.strata.map {
                                    ($0.name, stratumText($0.value, subject).map(JSON.string) ?? .null)
                                }, uniquingKeysWith: { a, _ in a })),
                                "observations": subject.observations.isEmpty ? nil : .object(Dictionary(subject.observations.map {
                                    ($0.name, JSON($0.value))
                                }, uniquingKeysWith: { a, _ in a })),
                            ])
                        }),
                        "supplemental": m.supplemental.isEmpty ? nil : .object(Dictionary(m.supplemental.map { ($0.name, JSON($0.value)) },
                                                                                        uniquingKeysWith: { a, _ in a })),
                        "errors": m.errors.isEmpty && m.supplementalErrors.isEmpty ? nil : .array((m.errors + m.supplementalErrors).map(JSON.string)),
                    ])
                }),
            ])
        })])
    }

    /// The care-gap worklists of the proportion measures, with the gaps to close to reach each target.
    func gaps(_ r: RunResult) -> JSON {
        .obj(["measures": .array(r.summaries.compactMap { s in r.gapList(s.measure) }.map { list in
            .obj([
                "measure": .string(list.measure),
                "membersToTarget": list.membersToTarget.map(JSON.int),
                "gaps": .array(list.gaps.map { g in
                    .obj([
                        "measure": .string(g.measure), "member": .string(g.member), "episode": g.episode.map(JSON.string),
                        "provider": g.provider.map(JSON.string), "practice": g.practice.map(JSON.string),
                        "action": g.action.map(JSON.string), "due": g.due.map(JSON.string),
                    ])
                }),
            ])
        })])
    }
}
