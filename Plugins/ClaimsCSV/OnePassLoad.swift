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

/// Loads a folder in parts reading each file once, taking its files to be in `person_id` order
/// (as extracts written member by member are) and checking that as it goes.
///
/// Part boundaries are person ids sampled from a few rows at evenly spaced offsets of each file;
/// each file is cut where the rows of each boundary id begin, found by bisecting byte offsets.
/// Parts are then read and handed over as they are loaded (on up to `jobs` threads), each
/// checking what a scan of the whole file would have checked before:
///
/// - order: every row's person id is at least the one before it and within the part's range;
/// - cuts: a part other than the last ends where a row ends (a cut inside a quoted field shows
///   as a quote that never closes);
/// - shared keys: a claim id that two parts both have belongs to two members;
/// - line numbers: a part counts lines from its first row; once every part is read, its
///   rejections are moved to the file's lines.
///
/// A part is handed over as soon as it is read: whatever a later check finds, the load starts
/// over, so no part waits for another.
///
/// When a check fails the load gives up (`run` returns nil) and the caller starts over the
/// careful way, scanning each file first (`RangePlan`) or splitting it by hash; parts already
/// handed over belong to attempt 0 and are replaced (`PanelPart.attempt`). So the report and the
/// members are always those of a whole load. Not used under `--strict`, whose first rejection
/// must be the first in file order.
struct OnePassLoad {
    let folder: String
    let options: LoadOptions
    /// The tables read (indexes into `ClaimsCSVLoader.tables`, in reading order).
    let tables: [Int]
    let parts: Int
    let jobs: Int
    /// Marks the lines that rejection messages name (parts count lines from their first row).
    private let lineMarks = RelativeLines()

    /// One file's cuts.
    struct File {
        let table: Int
        let path: String
        let columns: Columns
        /// Where the rows begin (after the header), on which line, and where the file ends.
        let start: Int
        let startLine: Int
        let end: Int
        /// Where each part starts, and the end (`parts + 1` offsets).
        var cuts: [Int] = []
    }

    /// Loads and hands over the parts; nil when a check failed and the load must start over.
    func run(_ body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport? {
        let (planned, headers) = try openFiles()
        let bounds: [[UInt8]], files: [File]
        do {
            bounds = try boundaries(planned)
            files = try Parallel.map(planned.count, threads: jobs) { i -> File in
                var f = planned[i]
                f.cuts = try CutFinder(f).cuts(at: bounds)
                return f
            }
        } catch is CutFinder.NoLineFeed {
            return nil
        }
        let count = bounds.count + 1
        let shared = SharedParts(files: files.count)
        let reports = try Parallel.map(count, threads: jobs) { p -> PartReport? in
            try loadPart(p, of: count, files: files, bounds: bounds, shared: shared, body: body)
        }
        guard !shared.givenUp else { return nil }
        var report = headers
        var firstLines = files.map(\.startLine)
        for r in reports {
            guard let r else { return nil }
            report.addCounts(r.report)
            report.rejections += r.report.rejections.map { r in
                // Lines counted from the part's first row, moved to the file's.
                guard let i = files.firstIndex(where: { $0.path == r.file }) else { return r }
                var moved = r
                moved.line = r.line.map { $0 + firstLines[i] - 1 }
                moved.message = lineMarks.resolve(r.message, firstLine: firstLines[i])
                return moved
            }
            for i in files.indices { firstLines[i] += r.lines[i] }
        }
        report.sortRejections()
        return report
    }

    /// What a part read: its load report (lines counted from its first row in each file) and the
    /// lines it spans in each file.
    private struct PartReport {
        var report: LoadReport
        var lines: [Int]
    }

    // MARK: Planning

    /// Opens each table's file and reads its header; the report names the files and any header
    /// rejection, as a whole load's would.
    private func openFiles() throws -> ([File], LoadReport) {
        let ctx = LoadContext(options: options)
        var files: [File] = []
        for t in tables {
            if let f = try openFile(ClaimsCSVLoader.tables[t], table: t, ctx) { files.append(f) }
        }
        return (files, ctx.report)
    }

    private func openFile<T: Table>(_ type: T.Type, table: Int, _ ctx: LoadContext) throws -> File? {
        guard let reader = try TableReader.open(T.self, folder: folder, context: ctx, chunkSize: 64 << 10),
              let columns = try TableReader.header(T.self, reader, ctx) else { return nil }
        return File(table: table, path: ctx.file, columns: columns, start: reader.nextRowOffset, startLine: reader.line,
                    end: TableReader.fileSize(ctx.file))
    }

    /// Person ids that split the files' bytes into about `parts` equal ranges, from ids sampled
    /// at evenly spaced offsets of each file (more samples in larger files).
    private func boundaries(_ files: [File]) throws -> [[UInt8]] {
        let total = files.reduce(0) { $0 + $1.end - $1.start }
        guard parts > 1, total > 0 else { return [] }
        var samples: [(id: [UInt8]?, bytes: Int)] = []
        for f in files where f.end > f.start {
            let probe = CutFinder(f)
            let n = min(8192, max(2, parts * 32 * (f.end - f.start) / total))
            var previous = f.start
            var misses = 0
            // A file whose rows lack person ids for long stretches is sampled no further.
            for k in 1...n where misses < 64 {
                let at = f.start + (f.end - f.start) * k / (n + 1)
                guard let (row, id) = probe.firstRow(from: try probe.rowStart(atOrAfter: at), to: f.end) else {
                    misses += 1
                    continue
                }
                guard row > previous else { continue }
                samples.append((id, row - previous))
                previous = row
            }
            samples.append((nil, f.end - previous))
        }
        return RangePlan.boundaries(samples, parts: parts)
    }

    // MARK: Parts

    /// Reads part `p` of every file, checks its shared keys against the other parts', and hands
    /// it over; nil when the load gives up.
    private func loadPart(_ p: Int, of count: Int, files: [File], bounds: [[UInt8]], shared: SharedParts,
                          body: @Sendable (PanelPart) throws -> Void) throws -> PartReport? {
        let ctx = LoadContext(options: options, relativeLines: lineMarks)
        var lines = [Int](repeating: 0, count: files.count)
        var keys: [[UInt64]] = Array(repeating: [], count: files.count)
        for (i, f) in files.enumerated() where f.cuts[p] < f.cuts[p + 1] {
            guard !shared.givenUp else { return nil }
            guard let reader = CSVReader(path: f.path, from: f.cuts[p], to: f.cuts[p + 1], line: 1) else {
                shared.giveUp()
                throw Rejection(file: f.path, code: "unreadable", message: "cannot open the file again: \(String(cString: strerror(errno)))")
            }
            ctx.file = f.path
            let range = PersonRange(column: f.columns("person_id"), from: p > 0 ? bounds[p - 1] : nil, below: p < bounds.count ? bounds[p] : nil)
            do {
                keys[i] = try read(ClaimsCSVLoader.tables[f.table], reader, f, ctx, range)
            } catch is PersonRange.Outside {
                shared.giveUp()
                return nil
            }
            // A quote still open at a cut means the cut is inside a row; a failed read, that the
            // rest of the file was not read.
            if reader.readError != 0 || (p < count - 1 && reader.metUnclosedQuote) {
                shared.giveUp()
                return nil
            }
            lines[i] = reader.line - 1
        }
        let panel = try ctx.assembler.finish(report: ctx.report, options: options)
        guard shared.add(keys) else { return nil }
        try body(PanelPart(index: p, of: count, members: panel.members, concurrent: jobs > 1 && count > 1))
        return PartReport(report: panel.report, lines: lines)
    }

    /// Reads a file's rows of one part; returns the hashes of the shared keys first seen in it.
    private func read<T: Table>(_ type: T.Type, _ reader: CSVReader, _ f: File, _ ctx: LoadContext, _ range: PersonRange) throws -> [UInt64] {
        let keys = KeyCheck(T.sharedKey, f.columns, context: ctx)
        try TableReader.read(T.self, reader: reader, columns: f.columns, context: ctx, keys: keys, range: range)
        return keys?.firstSeen ?? []
    }
}

/// What the parts of a one-pass load share: the shared keys of the parts read so far, by file,
/// and whether the load has given up.
private final class SharedParts: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var seen: [HashedKeys<Void>]

    init(files: Int) { seen = (0..<files).map { _ in HashedKeys<Void>() } }

    var givenUp: Bool { lock.withLock { stopped } }

    func giveUp() { lock.withLock { stopped = true } }

    /// Adds a part's keys (by file); false, giving up, when one is another part's too (in any
    /// order: a key in two parts is a claim of two members, or a line repeated across members).
    func add(_ keys: [[UInt64]]) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            for (i, hashes) in keys.enumerated() {
                for h in hashes where !seen[i].insert(h) {
                    stopped = true
                    return false
                }
            }
            return true
        }
    }
}

/// The person ids a part of a file may hold, in order: checked on each well-formed row.
final class PersonRange {
    /// A row out of order or outside the range: the load starts over.
    struct Outside: Error {}

    private let column: Int
    private let lower: [UInt8]?
    private let upper: [UInt8]?
    /// The previous row's id.
    private var previous = RepeatedBytes<Void>()

    /// Ids at least `lower` and below `upper` (nil: unbounded).
    init(column: Int, from lower: [UInt8]?, below upper: [UInt8]?) {
        self.column = column
        self.lower = lower
        self.upper = upper
    }

    /// Throws `Outside` unless the row's person id follows the previous one within the range. A
    /// row without a person id is its table's to reject.
    @inline(__always)
    func admit(_ row: Row) throws {
        let id = row.bytes(column)
        guard !id.isEmpty else { return }
        if previous.value(for: id) != nil { return }
        try admitNew(id)
    }

    private func admitNew(_ id: Bytes) throws {
        // Ids admitted are never empty: none before means this is the part's first.
        if !previous.bytes.isEmpty {
            guard Self.compare(id, previous.bytes) > 0 else { throw Outside() }
        } else if let lower, Self.compare(id, lower) < 0 {
            throw Outside()
        }
        if let upper, Self.compare(id, upper) >= 0 { throw Outside() }
        previous.set(id, ())
    }

    /// Byte order of two ids (the order `ORDER BY person_id` gives for ASCII ids).
    static func compare(_ a: Bytes, _ b: [UInt8]) -> Int {
        b.withUnsafeBufferPointer { y in
            let n = min(a.count, y.count)
            let c = n == 0 ? 0 : memcmp(a.baseAddress!, y.baseAddress!, n)
            if c != 0 { return c < 0 ? -1 : 1 }
            return a.count < y.count ? -1 : a.count > y.count ? 1 : 0
        }
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { compare($0, b) }
    }
}

/// Finds rows of one file from arbitrary byte offsets: where a row begins after an offset, its
/// person id, and the first row of each boundary id. A guess at a row start can be wrong (a line
/// break inside a quoted field): the parts' checks find that.
struct CutFinder {
    let file: OnePassLoad.File
    private let person: Int

    init(_ file: OnePassLoad.File) {
        self.file = file
        person = file.columns("person_id")
    }

    /// A file with no line feed in `CutFinder.reach` bytes (lines ended by a lone CR, or a row
    /// longer than that): it is not cut, the load takes the careful way.
    struct NoLineFeed: Error {}

    /// How far a probe reads to find a row start, or a row with a person id.
    static let reach = 1 << 20

    /// The offsets where each part of the file starts (the first row whose id is at least the
    /// boundary before it), and the file's end.
    func cuts(at bounds: [[UInt8]]) throws -> [Int] {
        var cuts = [file.start]
        for b in bounds { cuts.append(try firstRow(atLeast: b, from: cuts.last!)) }
        cuts.append(file.end)
        return cuts
    }

    /// The first row at or after `from` (a row start) whose id is at least `b`, bisecting byte
    /// offsets down to a few kilobytes and reading rows from there (in a file in order, up to
    /// the row at `hi`; a row start further on when ids are missing for a long stretch).
    private func firstRow(atLeast b: [UInt8], from: Int) throws -> Int {
        var lo = from, hi = file.end
        while hi - lo > 16 << 10 {
            let mid = lo + (hi - lo) / 2
            guard let (row, id) = firstRow(from: try rowStart(atOrAfter: mid), to: hi) else {
                hi = mid
                continue
            }
            if PersonRange.compare(id, b) < 0 { lo = row } else { hi = mid }
        }
        // Read no further than a little past `hi`: a guess inside a quoted field could otherwise
        // run on to the file's end.
        let bound = min(file.end, hi + 2 * Self.reach)
        guard let r = CSVReader(path: file.path, from: lo, to: bound, line: 1, chunkSize: 16 << 10) else { return file.end }
        while true {
            let at = r.nextRowOffset
            if at >= hi + Self.reach { return at }
            switch r.next() {
            case .end: return bound == file.end ? file.end : at
            case .unterminatedQuote: continue
            case .row:
                let id = r.field(person)
                if !id.isEmpty, PersonRange.compare(id, b) >= 0 { return at }
            }
        }
    }

    /// The first row with a person id starting at or after `from`, before `end` and within
    /// `reach` bytes: its offset and id.
    func firstRow(from: Int, to end: Int) -> (Int, [UInt8])? {
        let limit = min(end, from + Self.reach)
        guard from < limit, let r = CSVReader(path: file.path, from: from, to: min(file.end, limit + Self.reach), line: 1, chunkSize: 4 << 10) else {
            return nil
        }
        while r.nextRowOffset < limit {
            let at = r.nextRowOffset
            switch r.next() {
            case .end: return nil
            case .unterminatedQuote: continue
            case .row:
                let id = r.field(person)
                if !id.isEmpty { return (at, Array(id)) }
            }
        }
        return nil
    }

    /// Where the first row starting at or after `offset` begins, taking the byte after a line feed
    /// to start a row; the file's end when no line feed follows. Throws `NoLineFeed` when none is
    /// within `reach` bytes.
    func rowStart(atOrAfter offset: Int) throws -> Int {
        guard offset > file.start else { return file.start }
        let fd = open(file.path, O_RDONLY)
        guard fd >= 0 else { return file.end }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4 << 10)
        var at = offset - 1
        while at < file.end {
            guard at < offset + Self.reach else { throw NoLineFeed() }
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, min($0.count, file.end - at), off_t(at)) }
            guard n > 0 else { return file.end }
            if let k = buffer[0..<n].firstIndex(of: 0x0A) { return at + k + 1 }
            at += n
        }
        return file.end
    }
}

/// Line numbers in rejection messages of a part read on its own, which counts lines from its
/// first row: marked, so they can be moved to the file's lines once the earlier parts are counted.
/// A mark carries a number drawn for the load, so text from the data that looks like a mark is
/// left as it is.
struct RelativeLines: Sendable {
    private let open: String
    private let close = "\u{E001}"

    init(nonce: UInt64 = .random(in: 1...UInt64.max)) { open = "\u{E000}\(String(nonce, radix: 36)):" }

    func mark(_ line: Int) -> String { "\(open)\(line)\(close)" }

    /// The message with each marked line moved to the file's lines (the part's first row is on `firstLine`).
    func resolve(_ message: String, firstLine: Int) -> String {
        guard message.contains(open) else { return message }
        var out = ""
        var rest = Substring(message)
        while let a = rest.range(of: open), let b = rest[a.upperBound...].range(of: close),
              let n = Int(rest[a.upperBound..<b.lowerBound]) {
            out += rest[..<a.lowerBound]
            out += String(n + firstLine - 1)
            rest = rest[b.upperBound...]
        }
        return out + rest
    }
}
