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

    /// The positions of `members` in id order, or nil when they are in id order already (as
    /// parts of a panel, each sorted, often are when put together).
    public static func idOrder(_ members: [Record]) -> [Int]? {
        let ids = members.map(id(of:))
        if zip(ids, ids.dropFirst()).allSatisfy({ $0 <= $1 }) { return nil }
        return ids.indices.sorted { ids[$0] != ids[$1] ? ids[$0] < ids[$1] : $0 < $1 }
    }
}

/// What a load read, kept, and rejected. Nothing is dropped without being counted here.
public struct LoadReport: Sendable, Codable, Equatable {
    public var files: [String] = []
    /// Records kept, by record kind.
    public var records: [String: Int] = [:]
    /// Every rejected row or resource, in input order (file, line or resource id, reason).
    public var rejections: [Rejection] = []
    /// Input present but not read because it fills only member fields the run does not read
    /// (`LoadOptions.memberFields`): its rows are neither loaded nor checked.
    public var notRead: [String] = []
    /// Records read and valid but left out, by record kind, because no measure of the run can
    /// count them (`LoadOptions.recordTests`): not in `records`.
    public var leftOut: [String: Int] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey { case files, records, rejections, notRead, leftOut }

    // Reports and caches written before `notRead` existed decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        files = try c.decode([String].self, forKey: .files)
        records = try c.decode([String: Int].self, forKey: .records)
        rejections = try c.decode([Rejection].self, forKey: .rejections)
        notRead = try c.decodeIfPresent([String].self, forKey: .notRead) ?? []
        leftOut = try c.decodeIfPresent([String: Int].self, forKey: .leftOut) ?? [:]
    }

    /// Rejections counted by reason code, for reports.
    public var rejectedByReason: [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        for r in rejections { counts[r.code, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    public mutating func merge(_ other: LoadReport) {
        files += other.files
        notRead += other.notRead
        addCounts(other)
        rejections += other.rejections
    }

    /// Counts as left out records that `records` counts as kept (a loader that drops records
    /// after counting them, as the panel cache does with its stored report).
    public mutating func moveToLeftOut(_ counts: [String: Int]) {
        for (kind, n) in counts {
            records[kind, default: 0] -= n
            leftOut[kind, default: 0] += n
        }
    }

    /// Adds another part's counts of records kept and left out.
    public mutating func addCounts(_ other: LoadReport) {
        for (k, v) in other.records { records[k, default: 0] += v }
        for (k, v) in other.leftOut { leftOut[k, default: 0] += v }
    }

    /// Puts rejections in one order whatever order they were found in: by file (in `files`
    /// order), line, resource, reason and message. A panel loaded whole and one loaded in parts
    /// then give the same report.
    public mutating func sortRejections() {
        var fileOrder: [String: Int] = [:]
        for (i, f) in files.enumerated() where fileOrder[f] == nil { fileOrder[f] = i }
        func key(_ r: Rejection) -> (Int, Int, String, String, String) {
            (fileOrder[r.file] ?? Int.max, r.line ?? 0, r.resource ?? "", r.code, r.message)
        }
        rejections.sort { a, b in
            let x = key(a), y = key(b)
            if x.0 != y.0 { return x.0 < y.0 }
            if x.1 != y.1 { return x.1 < y.1 }
            if x.2 != y.2 { return x.2 < y.2 }
            if x.3 != y.3 { return x.3 < y.3 }
            return x.4 < y.4
        }
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
    /// About how many bytes of input go to one part in `loadParts` (nil: the loader's default).
    /// Smaller parts hold less in memory at once.
    public var partSize: Int?
    /// The member fields (`claims`, `attributions`, ...) the run reads; nil: all of them. A
    /// loader may skip input that fills only other fields, and names it in `LoadReport.notRead`.
    public var memberFields: Set<String>?
    /// Tests by member list (`observations`, ...): a record of the list that fails its test can
    /// pass no query of the run (`Program.recordNeeds`), so a loader may leave it out, counting
    /// it in `LoadReport.leftOut`. Lists not named keep every record.
    public var recordTests: [String: RecordTest]
    public init(strict: Bool = false, partSize: Int? = nil, memberFields: Set<String>? = nil,
                recordTests: [String: RecordTest] = [:]) {
        self.strict = strict
        self.partSize = partSize
        self.memberFields = memberFields
        self.recordTests = recordTests
    }

    /// Whether input that fills any of these member fields is needed.
    public func needs(anyOf fields: [String]) -> Bool {
        guard let memberFields else { return true }
        return fields.contains(where: memberFields.contains)
    }
}

extension LoadOptions {
    /// The record tests (`recordTests`) of a run of these programs that reads `memberFields`
    /// (`Program.memberFieldsRead` of them all, plus what the run itself reads; nil: everything):
    /// a list is tested only when every program that reads it reads it through queries that keep
    /// records by value set or text (`Program.recordNeeds`, combined); a list the run reads for itself (`runReads`: a suite's
    /// enrollments for its member filters, attributions for care-gap worklists) is not, whatever
    /// the programs do with it.
    public static func recordTests(for programs: [Program], memberFields: Set<String>?,
                                   runReads: Set<String> = []) -> [String: RecordTest] {
        guard let memberFields else { return [:] }
        var needs: [String: RecordNeed] = [:], whole: Set<String> = []
        var readByPrograms: Set<String> = []
        for p in programs {
            guard let read = p.memberFieldsRead else { return [:] }
            let own = p.recordNeeds
            for field in read {
                readByPrograms.insert(field)
                if let n = own[field] { needs[field, default: RecordNeed()].formUnion(n) } else { whole.insert(field) }
            }
        }
        whole.formUnion(memberFields.subtracting(readByPrograms))
        whole.formUnion(runReads)
        return needs.filter { !whole.contains($0.key) }.mapValues(\.test)
    }
}

extension LoadOptions {
    /// Leaves out of members already made (as the panel cache decodes them) the records
    /// `recordTests` fail, as `MemberAssembler` does while a loader reads, and returns how many
    /// of each kind.
    public func leaveOut(of members: [Record]) -> [String: Int] {
        if recordTests.isEmpty { return [:] }
        let tested = CanonicalSchema.member.fields.indices.compactMap { i in recordTests[CanonicalSchema.member.fields[i].name].map { (i, $0) } }
        var counts: [String: Int] = [:]
        for m in members {
            for (slot, test) in tested {
                guard case .list(let list) = m[slot] else { continue }
                let kept = list.filter { v in v.asRecord.map(test.keeps) ?? true }
                guard kept.count < list.count, let first = list.first?.asRecord else { continue }
                m[slot] = .list(kept)
                counts[CanonicalSchema.schema.kinds[first.kind].name, default: 0] += list.count - kept.count
            }
        }
        return counts
    }
}

/// Reads a folder or file of member data into a panel.
public protocol PanelLoader: Sendable {
    /// A short name used by `--input-format`, such as `claims-csv` or `fhir`.
    var format: String { get }
    /// Whether the path looks like this format (used when no format is given).
    func canLoad(path: String) -> Bool
    /// Loads the panel. Under `options.strict`, throws the first `Rejection`.
    func load(path: String, options: LoadOptions) throws -> Panel

    /// Loads the panel in parts of disjoint members, so a panel larger than memory can be
    /// evaluated part by part. `body` gets each part (its index, and a `Panel` of its members with
    /// an empty report) and may be called from up to `jobs` threads at once; parts are numbered
    /// from 0 and cover every member once in each attempt (`PanelPart.attempt`). Returns the
    /// report of the whole load, equal to the one `load` gives. The default loads everything and
    /// hands it over as part 0.
    func loadParts(path: String, options: LoadOptions, jobs: Int,
                   body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport
}

/// One part of a panel loaded part by part.
public struct PanelPart: @unchecked Sendable {
    public var index: Int
    /// How many parts the panel has (for progress: the members of the parts not yet loaded are
    /// not known ahead).
    public var of: Int
    public var members: [Record]
    /// Whether other parts are being evaluated at the same time (then a part is best evaluated
    /// on one thread).
    public var concurrent: Bool
    /// Which attempt at the load the part belongs to, from 0. A loader that reads its input once
    /// hands parts over before it has seen all of it, and may find later that it must start over
    /// another way (a file not in the order it took it to be in). Parts of a later attempt
    /// replace every part of the earlier ones: a caller drops what it gathered from an earlier
    /// attempt when a part of a later one arrives. Attempts do not overlap: every part of one has
    /// been handed over or given up before the next begins.
    public var attempt: Int

    public init(index: Int, of count: Int, members: [Record], concurrent: Bool, attempt: Int = 0) {
        self.index = index
        self.of = max(1, count)
        self.members = members
        self.concurrent = concurrent
        self.attempt = attempt
    }
}

extension PanelLoader {
    public func loadParts(path: String, options: LoadOptions, jobs: Int,
                          body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let panel = try load(path: path, options: options)
        try body(PanelPart(index: 0, of: 1, members: panel.members, concurrent: false))
        return panel.report
    }
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
