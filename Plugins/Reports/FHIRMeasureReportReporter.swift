import TallyEngine
import TallyLanguage

/// FHIR R4 MeasureReport (`--format fhir`).
///
/// - `measurereport-summary.json`: a Bundle (type `collection`) with one `summary` MeasureReport
///   per measure: population counts, the measure score, strata.
/// - with member-level data only (PHI, mode 0600): `measurereport-subject-list.json`, a Bundle of
///   `subject-list` MeasureReports whose populations (and strata) reference contained List
///   resources of Patient references; `measurereport-individual.ndjson`, one `individual`
///   MeasureReport per member per measure.
///
/// Measures are named by the canonical `https://tally.example/Measure/<name>`. The output is
/// deterministic: no `date`, sorted keys, and ids derived from measure and member names.
public struct FHIRMeasureReportReporter: Reporter {
    public init() {}
    public var format: String { "fhir" }

    /// The canonical base of Tally's measures: `measure` is this followed by the measure's name.
    public static let measureBase = "https://tally.example/Measure/"
    /// The identifier system of member ids that are not valid FHIR ids (so cannot be `Patient/<id>`).
    public static let memberIdentifierSystem = "https://tally.example/member-id"

    static let populationSystem = "http://terminology.hl7.org/CodeSystem/measure-population"
    static let improvementSystem = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
    static let dataAbsentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

    public func render(_ r: RunResult) -> [ReportFile] {
        let period = Self.period(r.period)
        var files = [ReportFile(name: "measurereport-summary.json",
                                contents: bundle("tally-summary", r.summaries.map { summary($0, period) }).pretty)]
        if r.isMemberLevel {
            let pairs = r.measuresWithMembers
            files.append(ReportFile(name: "measurereport-subject-list.json",
                                    contents: bundle("tally-subject-list", pairs.map { subjectList($0, $1, period) }).pretty,
                                    containsPHI: true))
            var ndjson = ""
            for (s, ms) in pairs {
                for m in ms {
                    ndjson += individual(s, m, period).compact
                    ndjson += "\n"
                }
            }
            files.append(ReportFile(name: "measurereport-individual.ndjson", contents: ndjson, containsPHI: true))
        }
        return files
    }

    // MARK: - Resources

    func bundle(_ id: String, _ resources: [JSON]) -> JSON {
        .obj([
            "resourceType": .string("Bundle"),
            "id": .string(id),
            "type": .string("collection"),
            "entry": resources.isEmpty ? nil : .array(resources.map { .obj(["resource": $0]) }),
        ])
    }

    /// The elements every MeasureReport of a measure shares.
    func report(_ s: MeasureSummary, type: String, id: String, period: (start: String, end: String)?, group: JSON,
                subject: JSON? = nil, contained: [JSON] = []) -> JSON {
        .obj([
            "resourceType": .string("MeasureReport"),
            "id": .string(id),
            "contained": contained.isEmpty ? nil : .array(contained),
            "status": .string("complete"),
            "type": .string(type),
            "measure": .string(Self.measureBase + Self.urlSegment(s.measure)),
            "subject": subject,
            "period": period.map { .obj(["start": .string($0.start), "end": .string($0.end)]) }
                ?? .obj(["extension": .array([.obj(["url": .string(Self.dataAbsentReason), "valueCode": .string("unknown")])])]),
            "improvementNotation": s.improvement.flatMap { i in
                i == "increase" || i == "decrease" ? .obj(["coding": .array([.obj([
                    "system": .string(Self.improvementSystem), "code": .string(i), "display": .string(i == "increase" ? "Increased score indicates improvement" : "Decreased score indicates improvement"),
                ])])]) : nil
            },
            "group": .array([group]),
        ])
    }

    func summary(_ s: MeasureSummary, _ period: (start: String, end: String)?) -> JSON {
        let kinds = s.populationKinds
        let stratifiers: [JSON] = s.sortedStrata.map { name, values in
            .obj([
                "code": .array([.obj(["text": .string(name)])]),
                "stratum": .array(values.map { value, c in
                    .obj([
                        "value": .obj(["text": .string(value)]),
                        "population": .array(kinds.map { population($0, count: c[$0.rawValue] ?? 0) }),
                        "measureScore": s.rate(c).map(quantity),
                    ])
                }),
            ])
        }
        let group = JSON.obj([
            "population": .array(kinds.map { population($0, count: s.count($0)) }),
            "measureScore": score(s).map(quantity),
            "stratifier": stratifiers.isEmpty ? nil : .array(stratifiers),
        ])
        return report(s, type: "summary", id: Self.id([s.measure, "summary"]), period: period, group: group)
    }

    func subjectList(_ s: MeasureSummary, _ members: [MemberEvaluation], _ period: (start: String, end: String)?) -> JSON {
        let kinds = s.populationKinds
        // Population → subjects in it; stratifier → stratum → population → subjects.
        var lists: [PopulationKind: [JSON]] = [:]
        var strata: [String: [String: [PopulationKind: [JSON]]]] = [:]
        for m in members {
            for subject in m.subjects {
                let item = listEntry(m.memberID, subject)
                for k in kinds where subject.populations[k] {
                    lists[k, default: []].append(item)
                    for (name, value) in subject.strata {
                        guard let v = stratumText(value, subject) else { continue }
                        strata[name, default: [:]][v, default: [:]][k, default: []].append(item)
                    }
                }
            }
        }
        var contained: [JSON] = []
        func listReference(_ id: String, _ entries: [JSON]) -> JSON {
            contained.append(.obj([
                "resourceType": .string("List"), "id": .string(id), "status": .string("current"), "mode": .string("snapshot"),
                "entry": entries.isEmpty ? nil : .array(entries),
            ]))
            return .obj(["reference": .string("#" + id)])
        }
        let populations: [JSON] = kinds.map { k in
            let entries = lists[k] ?? []
            return population(k, count: entries.count, subjects: listReference(k.fhirCode, entries))
        }
        let stratifiers: [JSON] = s.sortedStrata.enumerated().map { i, stratifier in
            .obj([
                "code": .array([.obj(["text": .string(stratifier.stratifier)])]),
                "stratum": .array(stratifier.values.enumerated().map { j, v in
                    .obj([
                        "value": .obj(["text": .string(v.value)]),
                        "population": .array(kinds.map { k in
                            let entries = strata[stratifier.stratifier]?[v.value]?[k] ?? []
                            return population(k, count: entries.count, subjects: listReference("s\(i + 1)-v\(j + 1)-" + k.fhirCode, entries))
                        }),
                        "measureScore": s.rate(v.counts).map(quantity),
                    ])
                }),
            ])
        }
        let group = JSON.obj([
            "population": .array(populations),
            "measureScore": score(s).map(quantity),
            "stratifier": stratifiers.isEmpty ? nil : .array(stratifiers),
        ])
        return report(s, type: "subject-list", id: Self.id([s.measure, "subject-list"]), period: period, group: group,
                      contained: contained)
    }

    func individual(_ s: MeasureSummary, _ m: MemberEvaluation, _ period: (start: String, end: String)?) -> JSON {
        let t = s.tally(m)
        let kinds = s.populationKinds
        let stratifiers: [JSON] = t.sortedStrata.map { name, values in
            .obj([
                "code": .array([.obj(["text": .string(name)])]),
                "stratum": .array(values.map { value, c in
                    .obj(["value": .obj(["text": .string(value)]), "population": .array(kinds.map { population($0, count: c[$0.rawValue] ?? 0) })])
                }),
            ])
        }
        let group = JSON.obj([
            "population": .array(kinds.map { population($0, count: t.count($0)) }),
            "measureScore": s.scoring == "continuous-variable" ? score(t).map(quantity) : nil,
            "stratifier": stratifiers.isEmpty ? nil : .array(stratifiers),
        ])
        return report(s, type: "individual", id: Self.id([s.measure, "individual", m.memberID]), period: period, group: group,
                      subject: patient(m.memberID))
    }

    // MARK: - Elements

    func population(_ k: PopulationKind, count: Int, subjects: JSON? = nil) -> JSON {
        .obj([
            "code": .obj(["coding": .array([.obj([
                "system": .string(Self.populationSystem), "code": .string(k.fhirCode), "display": .string(Self.display(k)),
            ])])]),
            "count": .int(count),
            "subjectResults": subjects,
        ])
    }

    /// The measure score: the rate of a proportion or ratio measure, the aggregate of a
    /// continuous-variable measure's observation (when it has exactly one); nil otherwise.
    func score(_ s: MeasureSummary) -> Double? {
        if s.hasRate { return s.rate }
        if s.scoring == "continuous-variable", s.aggregates.count == 1, let name = s.aggregates.keys.first { return s.aggregate(name) }
        return nil
    }

    func quantity(_ x: Double) -> JSON { .obj(["value": .double(x)]) }

    /// `Patient/<id>`, or a logical reference by identifier when the member id is not a valid FHIR id.
    func patient(_ member: String) -> JSON {
        if Self.isValidID(member) { return .obj(["reference": .string("Patient/" + member)]) }
        return .obj([
            "type": .string("Patient"),
            "identifier": .obj(["system": .string(Self.memberIdentifierSystem), "value": .string(member)]),
        ])
    }

    /// A List entry for one subject: the patient, and on episode basis the episode as a flag.
    func listEntry(_ member: String, _ subject: SubjectResult) -> JSON {
        let episode = subject.episodeID ?? subject.episode.map { String($0 + 1) }
        return .obj(["item": patient(member), "flag": episode.map { .obj(["text": .string("episode " + $0)]) }])
    }

    static func display(_ k: PopulationKind) -> String {
        switch k {
        case .initial: return "Initial Population"
        case .denominator: return "Denominator"
        case .denominatorExclusion: return "Denominator Exclusion"
        case .denominatorException: return "Denominator Exception"
        case .numerator: return "Numerator"
        case .numeratorExclusion: return "Numerator Exclusion"
        case .measurePopulation: return "Measure Population"
        case .measurePopulationExclusion: return "Measure Population Exclusion"
        }
    }

    // MARK: - Ids and periods

    static func isValidID(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy(isIDByte)
    }

    static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E
    }

    /// A FHIR id (`[A-Za-z0-9\-.]{1,64}`) from names: joined with `-`, other characters replaced
    /// by `-`; when that changed anything or the id is too long, a hash of the names is appended
    /// so distinct names keep distinct ids.
    static func id(_ parts: [String]) -> String {
        let joined = parts.joined(separator: "-")
        let cleaned = String(decoding: joined.utf8.map { isIDByte($0) ? $0 : 0x2D }, as: UTF8.self)
        if cleaned == joined && isValidID(cleaned) { return cleaned }
        let h = String(fnv1a(parts.joined(separator: "\u{0}")), radix: 16)
        return String(cleaned.prefix(64 - 17)) + "-" + String(repeating: "0", count: 16 - h.count) + h
    }

    /// A name as a URL path segment (percent-encoding all but unreserved characters).
    static func urlSegment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if isIDByte(b) || b == 0x5F || b == 0x7E {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// Start and end dates from the run's period text (`2025-01-01..2025-12-31`, a year such as
    /// `2025`, or an interval with date-times, which are cut to their dates).
    static func period(_ text: String?) -> (start: String, end: String)? {
        guard let text else { return nil }
        var dates: [String] = []
        for token in text.replacingAll("..", " ").split(whereSeparator: { !($0.isASCII && ($0.isNumber || "-T:.Z+".contains($0))) }) {
            let date = String(token.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)[0])
            if isDate(date) { dates.append(date) }
        }
        if dates.count == 1, dates[0].count == 4 { return (dates[0] + "-01-01", dates[0] + "-12-31") }
        guard dates.count >= 2 else { return nil }
        return (dates[0], dates[1])
    }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    static func isDate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard [4, 7, 10].contains(b.count) else { return false }
        for (i, c) in b.enumerated() {
            if i == 4 || i == 7 { if c != 0x2D { return false } } else if !(c >= 0x30 && c <= 0x39) { return false }
        }
        return true
    }
}
