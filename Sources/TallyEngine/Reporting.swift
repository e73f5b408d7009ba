import TallyLanguage

/// What a run produced, handed to reporters.
public struct RunResult: Sendable {
    public var summaries: [MeasureSummary]
    public var load: LoadReport
    /// The measurement period the run used, as text, when one was given or is shared.
    public var period: String?
    /// Member-level evaluations per measure (only with `--member-level`: they hold PHI).
    public var members: [[MemberEvaluation]]?
    /// Care-gap worklists of the proportion measures (only with `--member-level`).
    public var gaps: [CareGapList]?
    /// Gaps to close per measure to reach its target (no PHI: always present).
    public var membersToTarget: [String: Int]

    public init(summaries: [MeasureSummary], load: LoadReport, period: String? = nil, members: [[MemberEvaluation]]? = nil,
                gaps: [CareGapList]? = nil) {
        self.summaries = summaries
        self.load = load
        self.period = period
        self.members = members
        self.gaps = gaps
        var toTarget: [String: Int] = [:]
        for s in summaries {
            if let n = CareGapList.toTarget(s, inverse: s.improvement == "decrease") { toTarget[s.measure] = n }
        }
        self.membersToTarget = toTarget
    }
}

/// One file a reporter writes. `containsPHI` files are written with mode 0600.
public struct ReportFile: Sendable {
    public var name: String
    public var contents: String
    public var containsPHI: Bool
    public init(name: String, contents: String, containsPHI: Bool = false) {
        self.name = name
        self.contents = contents
        self.containsPHI = containsPHI
    }
}

/// Turns a run's results into report files (`--format NAME`).
public protocol Reporter: Sendable {
    var format: String { get }
    func render(_ result: RunResult) -> [ReportFile]
}
