import Foundation
import TallyEngine
import TallyLanguage

/// The standard reports: a text summary table and JSON.
public struct ReportsPlugin: TallyPlugin {
    public init() {}
    public var name: String { "reports" }
    public var summary: String { "text summary and JSON reports" }
    public func register(into registry: inout PluginRegistry) {
        registry.add(reporter: TextReporter(), from: name)
        registry.add(reporter: JSONReporter(), from: name)
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

/// The summaries as JSON, keys sorted, for programs.
public struct JSONReporter: Reporter {
    public init() {}
    public var format: String { "json" }
    public func render(_ r: RunResult) -> [ReportFile] {
        struct Report: Encodable {
            var period: String?
            var measures: [MeasureSummary]
            var rates: [String: Double?]
            var rejected: [String: Int]
        }
        let report = Report(period: r.period, measures: r.summaries,
                            rates: Dictionary(uniqueKeysWithValues: r.summaries.map { ($0.measure, $0.rate) }),
                            rejected: Dictionary(uniqueKeysWithValues: r.load.rejectedByReason.map { ($0.reason, $0.count) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data()
        return [ReportFile(name: "summary.json", contents: String(decoding: data, as: UTF8.self) + "\n")]
    }
}
