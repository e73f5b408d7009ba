import TallyEngine
import TallyLanguage

/// CSV for spreadsheets and loaders (RFC 4180: CRLF line ends; fields holding a comma, a quote
/// or a line break are quoted, quotes doubled).
///
/// - `summary.csv`: one row per measure and one per stratum beneath it.
/// - with member-level data only (PHI, mode 0600): `members.csv`, one row per subject (member, or
///   episode on episode basis) per measure; `gaps.csv`, the care-gap worklists.
public struct CSVReporter: Reporter {
    public init() {}
    public var format: String { "csv" }

    public func render(_ r: RunResult) -> [ReportFile] {
        var files = [ReportFile(name: "summary.csv", contents: summary(r))]
        if r.isMemberLevel {
            files.append(ReportFile(name: "members.csv", contents: members(r), containsPHI: true))
            files.append(ReportFile(name: "gaps.csv", contents: gaps(r), containsPHI: true))
        }
        return files
    }

    func summary(_ r: RunResult) -> String {
        var rows = [["measure", "stratifier", "stratum"] + PopulationKind.allCases.map(\.rawValue)
            + ["rate", "target", "gap_to_target", "members_to_target"]]
        for s in r.summaries {
            func counts(_ c: [String: Int]) -> [String] {
                PopulationKind.allCases.map { k in s.counts[k.rawValue] == nil ? "" : String(c[k.rawValue] ?? 0) }
            }
            let rate = s.rate
            rows.append([s.measure, "", ""] + counts(s.counts) + [
                rate.map(decimal6) ?? "", s.target.map(decimal6) ?? "", s.gapToTarget(rate).map(decimal6) ?? "",
                r.membersToTarget[s.measure].map(String.init) ?? "",
            ])
            for (name, values) in s.sortedStrata {
                for (value, c) in values {
                    rows.append([s.measure, name, value] + counts(c) + [s.rate(c).map(decimal6) ?? "", "", "", ""])
                }
            }
        }
        return csv(rows)
    }

    func members(_ r: RunResult) -> String {
        let pairs = r.measuresWithMembers
        var strataNames = Set<String>(), supplementalNames = Set<String>(), observationNames = Set<String>()
        for (s, ms) in pairs {
            observationNames.formUnion(s.observations.keys)
            for m in ms {
                supplementalNames.formUnion(m.supplemental.map(\.name))
                for subject in m.subjects { strataNames.formUnion(subject.strata.map(\.name)) }
            }
        }
        let strata = strataNames.sorted(), supplemental = supplementalNames.sorted(), observations = observationNames.sorted()
        var rows = [["measure", "member", "episode"] + PopulationKind.allCases.map(\.rawValue)
            + strata.map { "stratifier." + $0 } + observations.map { "observation." + $0 } + supplemental.map { "supplemental." + $0 }]
        for (s, ms) in pairs {
            let kinds = Set(s.populationKinds)
            for m in ms {
                let sde = Dictionary(m.supplemental.map { ($0.name, cellText($0.value)) }, uniquingKeysWith: { a, _ in a })
                for subject in m.subjects {
                    let byStratifier = Dictionary(subject.strata.map { ($0.name, stratumText($0.value, subject) ?? "") },
                                                  uniquingKeysWith: { a, _ in a })
                    let observed = Dictionary(subject.observations.map { ($0.name, cellText($0.value)) }, uniquingKeysWith: { a, _ in a })
                    var row = [s.measure, m.memberID, subject.episodeID ?? subject.episode.map { String($0 + 1) } ?? ""]
                    row += PopulationKind.allCases.map { k in kinds.contains(k) ? (subject.populations[k] ? "1" : "0") : "" }
                    row += strata.map { byStratifier[$0] ?? "" }
                    row += observations.map { observed[$0] ?? "" }
                    row += supplemental.map { sde[$0] ?? "" }
                    rows.append(row)
                }
            }
        }
        return csv(rows)
    }

    func gaps(_ r: RunResult) -> String {
        var rows = [["measure", "member", "episode", "provider", "practice", "action", "due"]]
        for s in r.summaries {
            for g in r.gapList(s.measure)?.gaps ?? [] {
                rows.append([g.measure, g.member, g.episode ?? "", g.provider ?? "", g.practice ?? "", g.action ?? "", g.due ?? ""])
            }
        }
        return csv(rows)
    }
}

/// Rows as RFC 4180 CSV.
func csv(_ rows: [[String]]) -> String {
    var out = ""
    for row in rows {
        out += row.map(csvField).joined(separator: ",")
        out += "\r\n"
    }
    return out
}

func csvField(_ s: String) -> String {
    guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingAll("\"", "\"\"") + "\""
}
