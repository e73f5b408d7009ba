#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// Claims and clinical CSV files in the column layout of The Tuva Project's input layer.
public struct ClaimsCSVPlugin: TallyPlugin {
    public init() {}
    public var name: String { "claims-csv" }
    public var summary: String {
        "claims and clinical CSV in the Tuva Project input layer: eligibility, claims, labs, attribution, clinical tables"
    }

    public func register(into registry: inout PluginRegistry) {
        registry.add(loader: ClaimsCSVLoader(), from: name)
    }
}

/// Reads a folder holding any subset of the Tuva input-layer tables into a panel.
///
/// Files are read in a fixed order (members first, then claims, then clinical tables), so the
/// same files give the same panel and the same rejections in the same order. Bad rows are
/// rejected with file, line, reason and a message naming the column; under `strict` the first
/// rejection is thrown.
public struct ClaimsCSVLoader: PanelLoader {
    public init() {}
    public var format: String { "claims-csv" }

    /// The tables, in the order they are read.
    public static let fileNames = tables.map { $0.fileName }

    static let tables: [any Table.Type] = [
        PatientTable.self, EligibilityTable.self, ProviderAttributionTable.self,
        MedicalClaimTable.self, PharmacyClaimTable.self,
        EncounterTable.self, LabResultTable.self, ConditionTable.self, ProcedureTable.self, ObservationTable.self,
        ImmunizationTable.self, MedicationTable.self,
    ]

    /// The tables a load reads (indexes into `tables`, in reading order), and the files present
    /// in the folder that it skips because they fill only member fields the run does not read.
    static func selection(folder: String, options: LoadOptions) -> (read: [Int], notRead: [String]) {
        var read: [Int] = [], notRead: [String] = []
        for (i, t) in tables.enumerated() {
            if t.isRead(with: options) {
                read.append(i)
            } else {
                var d = false
                if TableReader.fileExists(TableReader.path(folder, t.fileName), &d), !d { notRead.append(t.fileName) }
            }
        }
        return (read, notRead)
    }

    /// A folder with at least one of the table files.
    public func canLoad(path: String) -> Bool {
        var isDir = false
        guard TableReader.fileExists(path, &isDir), isDir else { return false }
        return Self.fileNames.contains { name in
            var d = false
            return TableReader.fileExists(TableReader.path(path, name), &d) && !d
        }
    }

    public func load(path: String, options: LoadOptions) throws -> Panel {
        try load(path: path, options: options, chunkSize: 1 << 20)
    }

    /// Large folders are loaded in parts (`PartitionedLoad`): one part per 32 MB of CSV (or
    /// `options.partSize`), loaded
    /// and handed over on up to `jobs` threads. Small folders are one part, loaded whole.
    public func loadParts(path: String, options: LoadOptions, jobs: Int,
                          body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        try loadParts(path: path, options: options, jobs: jobs, parts: PartitionedLoad.partCount(folder: path, options: options), body: body)
    }

    /// Loads in a given number of parts (tests use several parts on small folders).
    func loadParts(path: String, options: LoadOptions, jobs: Int, parts: Int,
                   body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        try checkFolder(path)
        guard parts > 1 else {
            let panel = try load(path: path, options: options)
            try body(PanelPart(index: 0, of: 1, members: panel.members, concurrent: false))
            return panel.report
        }
        return try PartitionedLoad(folder: path, options: options, parts: parts, jobs: jobs).run(body)
    }

    /// Loads with a given read-chunk size (tests use small chunks to cross buffer boundaries).
    func load(path: String, options: LoadOptions, chunkSize: Int) throws -> Panel {
        try checkFolder(path)
        let ctx = LoadContext(options: options)
        let (read, notRead) = Self.selection(folder: path, options: options)
        for t in read {
            try readTable(Self.tables[t], path, ctx, chunkSize)
        }
        ctx.report.notRead = notRead
        return try ctx.assembler.finish(report: ctx.report, options: options)
    }

    private func checkFolder(_ path: String) throws {
        var isDir = false
        guard TableReader.fileExists(path, &isDir), isDir else {
            throw Rejection(file: path, code: "not-a-folder", message: "claims CSV input is a folder of table files (\(Self.fileNames.joined(separator: ", ")))")
        }
        guard canLoad(path: path) else {
            throw Rejection(file: path, code: "no-tables", message: "the folder has none of the claims CSV tables (\(Self.fileNames.joined(separator: ", ")))")
        }
    }

    private func readTable<T: Table>(_ t: T.Type, _ folder: String, _ ctx: LoadContext, _ chunkSize: Int) throws {
        try TableReader.read(t, folder: folder, context: ctx, chunkSize: chunkSize)
    }

}
