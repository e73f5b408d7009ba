import TallyLanguage

/// The members of a panel in the canonical model, and what loading them rejected.
///
/// Members are kept sorted by id, so everything computed from a panel is deterministic.
public final class Panel: @unchecked Sendable {
    public let members: [Record]
    public let report: LoadReport

    public init(members: [Record], report: LoadReport) {
        self.members = members
        self.report = report
    }

    /// The member's id (the `id` field of the root record).
    public static func id(of member: Record) -> String {
        member.fields[CanonicalSchema.memberID].asString ?? ""
    }
}

/// What a load read, kept, and rejected. Nothing is dropped without being counted here.
public struct LoadReport: Sendable, Codable, Equatable {
    public var files: [String] = []
    /// Records kept, by record kind.
    public var records: [String: Int] = [:]
    /// Every rejected row or resource, in input order (file, line or resource id, reason).
    public var rejections: [Rejection] = []

    public init() {}

    /// Rejections counted by reason code, for reports.
    public var rejectedByReason: [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        for r in rejections { counts[r.code, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public mutating func merge(_ other: LoadReport) {
        files += other.files
        for (k, v) in other.records { records[k, default: 0] += v }
        rejections += other.rejections
    }
}

/// One rejected row or resource: where it was and why.
public struct Rejection: Error, Sendable, Codable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var resource: String?
    /// A stable reason code such as `bad-date` or `missing-column`.
    public var code: String
    public var message: String

    public init(file: String, line: Int? = nil, resource: String? = nil, code: String, message: String) {
        self.file = file
        self.line = line
        self.resource = resource
        self.code = code
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let resource { place += " (\(resource))" }
        return "\(place): \(message)"
    }
}

/// How loaders treat bad input: strict stops at the first rejection (exit code 3); lenient
/// skips the row or resource and counts it.
public struct LoadOptions: Sendable {
    public var strict: Bool
    public init(strict: Bool = false) { self.strict = strict }
}

/// Reads a folder or file of member data into a panel.
public protocol PanelLoader: Sendable {
    /// A short name used by `--input-format`, such as `claims-csv` or `fhir`.
    var format: String { get }
    /// Whether the path looks like this format (used when no format is given).
    func canLoad(path: String) -> Bool
    /// Loads the panel. Under `options.strict`, throws the first `Rejection`.
    func load(path: String, options: LoadOptions) throws -> Panel
}

/// Writes a synthetic panel (`tally synth`).
public protocol PanelGenerator: Sendable {
    /// Output formats it writes, such as `csv` and `fhir`.
    var formats: [String] { get }
    /// Writes `members` members made from `seed` into `directory`; the same seed gives the same bytes.
    func generate(members: Int, seed: UInt64, format: String, directory: String) throws -> GeneratedPanel
}

public struct GeneratedPanel: Sendable {
    public var files: [String]
    public var members: Int
    public init(files: [String], members: Int) {
        self.files = files
        self.members = members
    }
}
