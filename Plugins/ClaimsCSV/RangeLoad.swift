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

/// Parts of a folder whose table files are all in `person_id` order (as extracts written member
/// by member are): each part is a range of person ids, read straight from a byte range of every
/// file, so no part files are written.
///
/// Every file is first scanned once (files on parallel threads) to check the order and the
/// whole-file keys, exactly as a split does (same rejections, in file order), and to sample
/// where person ids begin. Part boundaries are person ids at about equal bytes; each file is cut
/// at the first row of each boundary id. Rows rejected by the scan are skipped by the parts
/// (found by line), so each is counted once. A file out of order (one row's id below the one
/// before) stops the scans: the folder is split by hash instead (`PartitionedLoad`).
struct RangePlan {
    /// One file's part of the plan.
    struct File {
        let table: Int
        let path: String
        let columns: Columns
        /// Lines the scan rejected (broken rows, shared-key rejections): skipped by the parts.
        let skip: Set<Int>
        /// Where the rows begin (after the header) and end.
        let start: (offset: Int, line: Int)
        let end: Int
        /// Where each part starts in the file, and the file's end (`parts + 1` cuts).
        var cuts: [(offset: Int, line: Int)] = []
    }

    var files: [File]
    /// The scans' load report: files read, rows rejected while scanning.
    var report: LoadReport
    var parts: Int

    /// Scans the tables' files; nil when one of them is not in person order.
    static func make(folder: String, tables: [Int], options: LoadOptions, parts wanted: Int, jobs: Int) throws -> RangePlan? {
        let stop = StopFlag()
        let scans = try Parallel.map(tables.count, threads: jobs) { k -> Scan? in
            try scan(ClaimsCSVLoader.tables[tables[k]], table: tables[k], folder: folder, options: options, parts: wanted, stop: stop)
        }
        guard !stop.isSet else { return nil }
        var report = LoadReport()
        var files: [File] = []
        var samples: [Sample] = []
        for case let s? in scans {
            report.merge(s.report)
            if let f = s.file { files.append(f) }
            samples += s.samples
        }
        let bounds = boundaries(samples.map { ($0.id, $0.bytes) }, parts: wanted)
        let scanned = files
        files = try Parallel.map(scanned.count, threads: jobs) { i -> File in
            var f = scanned[i]
            try cut(&f, samples: samples.filter { $0.file == f.table }, at: bounds)
            return f
        }
        return RangePlan(files: files, report: report, parts: bounds.count + 1)
    }

    /// Loads part `p`: every file's rows in its range, mapped as a folder of their own would be.
    func loadPart(_ p: Int, options: LoadOptions) throws -> Panel {
        let ctx = LoadContext(options: options)
        for f in files where f.cuts[p].offset < f.cuts[p + 1].offset {
            guard let reader = CSVReader(path: f.path, from: f.cuts[p].offset, to: f.cuts[p + 1].offset, line: f.cuts[p].line) else {
                throw Rejection(file: f.path, code: "unreadable", message: "cannot open the file again: \(String(cString: strerror(errno)))")
            }
            ctx.file = f.path
            try read(ClaimsCSVLoader.tables[f.table], reader, f, ctx)
        }
        return try ctx.assembler.finish(report: ctx.report, options: options)
    }

    private func read<T: Table>(_ type: T.Type, _ reader: CSVReader, _ f: File, _ ctx: LoadContext) throws {
        try TableReader.read(T.self, reader: reader, columns: f.columns, context: ctx, skipping: f.skip)
    }

    // MARK: Scanning

    private struct Sample {
        let file: Int
        /// The person id whose rows begin here; nil for the end of the file.
        let id: [UInt8]?
        let offset: Int
        let line: Int
        /// Bytes of the file from the previous sample to this one (rows of lower ids).
        let bytes: Int
    }

    private struct Scan {
        var file: File?
        var report: LoadReport
        var samples: [Sample]
    }

    private static func scan<T: Table>(_ type: T.Type, table: Int, folder: String, options: LoadOptions, parts: Int, stop: StopFlag) throws -> Scan? {
        let ctx = LoadContext(options: options)
        guard let rows = try SourceRows(T.self, folder: folder, context: ctx) else { return Scan(report: ctx.report, samples: []) }
        let reader = rows.reader
        var skip: Set<Int> = []
        var samples: [Sample] = []
        var previous: [UInt8] = []
        let start = (offset: reader.nextRowOffset, line: reader.line)
        var sampled = start.offset
        // Samples close enough that finding a cut reads little (about 1/128 of a part's bytes).
        let spacing = min(4 << 20, max(16 << 10, TableReader.fileSize(ctx.file) / max(1, parts * 128)))
        var count = 0
        while true {
            let at = reader.nextRowOffset
            guard let ok = try rows.next() else { break }
            count += 1
            if count & 4095 == 0, stop.isSet { return nil }
            guard ok, try rows.keysHold() else { skip.insert(reader.rowLine); continue }
            // A row without a person id is rejected by its table wherever it is: it has no order.
            let id = rows.person
            guard !id.isEmpty else { continue }
            let order = PersonRange.compare(id, previous)
            if order < 0 {
                stop.set()
                return nil
            }
            if order > 0 {
                if at - sampled >= spacing {
                    samples.append(Sample(file: table, id: Array(id), offset: at, line: reader.rowLine, bytes: at - sampled))
                    sampled = at
                }
                previous.removeAll(keepingCapacity: true)
                previous.append(contentsOf: id)
            }
        }
        try TableReader.finishFile(reader, ctx)
        let end = reader.nextRowOffset
        samples.append(Sample(file: table, id: nil, offset: end, line: reader.line, bytes: end - sampled))
        return Scan(file: File(table: table, path: ctx.file, columns: rows.columns, skip: skip, start: start, end: end), report: ctx.report, samples: samples)
    }

    // MARK: Cutting

    /// Person ids that split the sampled bytes into about `parts` equal ranges (ascending,
    /// distinct). Each sample is the id whose rows begin at a place in a file, with the bytes of
    /// that file since the sample before (rows of lower ids); nil for a file's end.
    static func boundaries(_ samples: [(id: [UInt8]?, bytes: Int)], parts: Int) -> [[UInt8]] {
        let total = samples.reduce(0) { $0 + $1.bytes }
        guard parts > 1, total > 0 else { return [] }
        let ids = samples.compactMap { s in s.id.map { ($0, s.bytes) } }.sorted { PersonRange.compare($0.0, $1.0) < 0 }
        var out: [[UInt8]] = []
        var sum = 0
        var next = 1
        for (id, bytes) in ids {
            // The bytes before a sample are rows of lower ids: with them, `id` ends a range.
            sum += bytes
            while next < parts, sum >= total * next / parts {
                if out.last.map({ PersonRange.compare($0, id) < 0 }) ?? true { out.append(id) }
                next += 1
            }
        }
        return out
    }

    /// Sets a file's cuts: its first row, the first row of each boundary id, and its end.
    private static func cut(_ f: inout File, samples: [Sample], at bounds: [[UInt8]]) throws {
        var cuts = [f.start]
        for b in bounds {
            // Start from the last sample below the boundary, or the last cut: a row start with a known line.
            var from = cuts.last!
            if let s = samples.last(where: { $0.offset > from.offset && $0.id.map({ PersonRange.compare($0, b) < 0 }) == true }) {
                from = (s.offset, s.line)
            }
            cuts.append(try firstRow(f, from: from, atLeast: b))
        }
        cuts.append((f.end, 0))
        f.cuts = cuts
    }

    /// The first row at or after `from` whose person id is at least `b`; the end when there is
    /// none. Rows the scan rejected are passed over.
    private static func firstRow(_ f: File, from: (offset: Int, line: Int), atLeast b: [UInt8]) throws -> (offset: Int, line: Int) {
        guard from.offset < f.end, let r = CSVReader(path: f.path, from: from.offset, to: f.end, line: from.line) else { return (f.end, 0) }
        let person = f.columns("person_id")
        while true {
            let at = r.nextRowOffset
            switch r.next() {
            case .end: return (f.end, 0)
            case .unterminatedQuote: continue
            case .row:
                if f.skip.contains(r.rowLine) { continue }
                let id = r.field(person)
                if !id.isEmpty, PersonRange.compare(id, b) >= 0 { return (at, r.rowLine) }
            }
        }
    }
}

/// Set by the scan that finds a file out of order, so the others stop early.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
