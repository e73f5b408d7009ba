#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TallyEngine
import TallyLanguage

/// Loads a claims CSV folder in parts of disjoint members, so a panel larger than memory is
/// loaded and evaluated part by part, on every core.
///
/// First each table file is split (tables on parallel threads): every well-formed row goes, with
/// the line it had, to the part file of its member (the FNV-mixed hash of `person_id`, modulo the
/// number of parts) in a scratch folder. Rows that are broken as CSV, or that break a shared key
/// (`SharedKey`), are rejected here, exactly as a whole load rejects them. Then each part is
/// loaded from its part files as a folder of its own would be (parts on parallel threads) and
/// handed over; its part files are deleted as they are read. The load report of the whole equals
/// the one a whole load gives: same files, record counts and rejections (in their canonical order).
struct PartitionedLoad {
    let folder: String
    let options: LoadOptions
    let parts: Int
    let jobs: Int

    /// About this much CSV goes to one part: its records take roughly four times as much memory.
    static let bytesPerPart = 32 << 20
    static let maximumParts = 256

    /// The number of parts for a folder: one per `bytesPerPart` (or `options.partSize`) of the
    /// table files the load reads, at most `maximumParts`.
    static func partCount(folder: String, options: LoadOptions = LoadOptions()) -> Int {
        let bytesPerPart = max(1, options.partSize ?? Self.bytesPerPart)
        var bytes = 0
        for t in ClaimsCSVLoader.selection(folder: folder, options: options).read {
            bytes += TableReader.fileSize(TableReader.path(folder, ClaimsCSVLoader.tables[t].fileName))
        }
        return min(maximumParts, max(1, (bytes + bytesPerPart - 1) / bytesPerPart))
    }

    /// Reads each file once when it can (`OnePassLoad`); when that gives up, starts over with a
    /// scan of each file and ranges (`RangePlan`), or by hash split when a file is out of order.
    func run(_ body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let (read, notRead) = ClaimsCSVLoader.selection(folder: folder, options: options)
        if !options.strict, var report = try OnePassLoad(folder: folder, options: options, tables: read, parts: parts, jobs: jobs).run(body) {
            report.notRead = notRead
            return report
        }
        // Parts handed over by the one-pass attempt are replaced by these.
        let attempt = options.strict ? 0 : 1
        return try startOver(read: read, notRead: notRead, attempt: attempt) { part in
            var part = part
            part.attempt = attempt
            try body(part)
        }
    }

    private func startOver(read: [Int], notRead: [String], attempt: Int, _ body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let tables = ClaimsCSVLoader.tables
        if let plan = try RangePlan.make(folder: folder, tables: read, options: options, parts: parts, jobs: jobs) {
            var report = plan.report
            report.notRead = notRead
            let partReports = try Parallel.map(plan.parts, threads: jobs) { p -> LoadReport in
                let panel = try plan.loadPart(p, options: options)
                try body(PanelPart(index: p, of: plan.parts, members: panel.members, concurrent: jobs > 1 && plan.parts > 1))
                return panel.report
            }
            return Self.merged(report, partReports)
        }
        let scratch = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // Split: one job per table file, largest first so the two largest do not run last.
        let size = { (t: Int) in TableReader.fileSize(TableReader.path(folder, tables[t].fileName)) }
        let order = read.sorted { size($0) > size($1) }
        let splits = try Parallel.map(order.count, threads: jobs) { k -> LoadReport in
            try split(tables[order[k]], table: order[k], scratch: scratch)
        }
        var report = LoadReport()
        report.notRead = notRead
        let byTable = Dictionary(uniqueKeysWithValues: zip(order, splits))
        for t in tables.indices { if let s = byTable[t] { report.merge(s) } }
        // Load each part from its files.
        let partReports = try Parallel.map(parts, threads: jobs) { p -> LoadReport in
            try loadPart(p, scratch: scratch, body: body)
        }
        return Self.merged(report, partReports)
    }

    /// The whole load's report: the files read and the rejections found before the parts, with
    /// the parts' records and rejections, in the canonical order.
    private static func merged(_ first: LoadReport, _ parts: [LoadReport]) -> LoadReport {
        var report = first
        for r in parts {
            report.addCounts(r)
            report.rejections += r.rejections
        }
        report.sortRejections()
        return report
    }

    // MARK: Splitting

    /// Splits one table file into part files; returns what it read and rejected.
    private func split<T: Table>(_ type: T.Type, table: Int, scratch: String) throws -> LoadReport {
        let ctx = LoadContext(options: options)
        guard let rows = try SourceRows(T.self, folder: folder, context: ctx) else { return ctx.report }
        let header = Array(("__line," + rows.columns.names.map(csvField).joined(separator: ",") + "\n").utf8)
        var writers = [PartWriter?](repeating: nil, count: parts)
        var raw: [UInt8] = []
        while let ok = try rows.next() {
            guard ok else { continue }
            // Copy the row before reading a field: reading a quoted field cleans it in place.
            raw.removeAll(keepingCapacity: true)
            raw.append(contentsOf: rows.reader.rawRow)
            guard try rows.keysHold() else { continue }
            let id = rows.person
            let p = id.isEmpty ? 0 : Int(KeyHash.of(id, 0) % UInt64(parts))
            if writers[p] == nil { writers[p] = PartWriter(path: partFile(scratch, table: table, part: p), header: header) }
            try writers[p]!.append(line: rows.reader.rowLine, row: raw)
        }
        try TableReader.finishFile(rows.reader, ctx)
        for w in writers { try w?.close() }
        return ctx.report
    }

    // MARK: Loading a part

    private func loadPart(_ p: Int, scratch: String, body: @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        let ctx = LoadContext(options: options)
        for (t, table) in ClaimsCSVLoader.tables.enumerated() {
            let file = partFile(scratch, table: t, part: p)
            guard let reader = CSVReader(path: file) else { continue }  // no rows of this part in this table
            reader.lineNumberColumn = true
            ctx.file = TableReader.path(folder, table.fileName)
            try readPart(table, reader, ctx)
            unlink(file)
        }
        let panel = try ctx.assembler.finish(report: ctx.report, options: options)
        try body(PanelPart(index: p, of: parts, members: panel.members, concurrent: jobs > 1 && parts > 1))
        return panel.report
    }

    private func readPart<T: Table>(_ type: T.Type, _ reader: CSVReader, _ ctx: LoadContext) throws {
        try TableReader.read(T.self, reader: reader, context: ctx, checkKeys: false)
    }

    // MARK: Files

    private func makeScratchFolder() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array(TableReader.path(base, "tally-parts-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Rejection(file: base, code: "unwritable", message: "cannot make a scratch folder for loading in parts: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    private func partFile(_ scratch: String, table: Int, part: Int) -> String { "\(scratch)/\(part)-\(table).csv" }
}

/// A column name as a CSV field (quoted when it holds a comma, quote or line break).
private func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}


/// Rows of one table for one part, buffered and appended to the part file.
final class PartWriter {
    private let path: String
    private var buffer: [UInt8] = []
    private var created = false
    static let flushBytes = 256 << 10

    init(path: String, header: [UInt8]) {
        self.path = path
        buffer = header
        buffer.reserveCapacity(Self.flushBytes + 4096)
    }

    /// Appends a row with its source line in front; the row gets a line end if it had none.
    func append(line: Int, row: [UInt8]) throws {
        appendNumber(line)
        buffer.append(0x2C)
        buffer.append(contentsOf: row)
        if let last = row.last, last != 0x0A, last != 0x0D { buffer.append(0x0A) }
        if buffer.count >= Self.flushBytes { try flush() }
    }

    func close() throws {
        try flush()
        buffer = []
    }

    private func appendNumber(_ n: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var k = 0
        var v = max(0, n)
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[k] = UInt8(48 + v % 10)
                v /= 10
                k += 1
            } while v > 0 && k < 12
            while k > 0 {
                k -= 1
                buffer.append(d[k])
            }
        }
    }

    /// Appends the buffer to the file (opened for each flush, so hundreds of parts never hold
    /// hundreds of open files).
    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | (created ? 0 : O_TRUNC), 0o600)
        guard fd >= 0 else { throw writeError() }
        created = true
        defer { Glibc.close(fd) }
        var written = 0
        while written < buffer.count {
            let r = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { throw writeError() }
            written += r
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeError() -> Rejection {
        Rejection(file: path, code: "unwritable", message: "cannot write a part file while loading in parts: \(String(cString: strerror(errno)))")
    }
}
