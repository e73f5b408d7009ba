#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// `tally import`: reads a panel part by part with its loader and writes each part's members as
/// blocks as soon as the part arrives, so the whole panel is never in memory; parts may arrive
/// on several threads and in any order. Members keep the order of the parts (members sorted by
/// id within a part); `load` of the cache sorts them all by id.
struct PanelImport {
    let loader: any PanelLoader
    let membersPerBlock: Int

    func run(source: String, options: LoadOptions, jobs: Int, output: String) throws -> PanelWriteSummary {
        let started = Self.now()
        let writer: CacheWriter
        do {
            writer = try CacheWriter(output: output)
        } catch let e as CacheWriter.WriteError {
            throw Rejection(file: output, code: "unwritable", message: e.message)
        }
        do {
            let perBlock = membersPerBlock
            let report = try loader.loadParts(path: source, options: options, jobs: jobs) { part in
                try writer.add(part: part.index, attempt: part.attempt, Self.encode(part.members, perBlock: perBlock))
            }
            let files = try manifest(source: source, report: report, since: started)
            let meta = CacheMeta(format: loader.format, source: SourceFile.absolute(source), files: files, report: report)
            let bytes = try writer.finish(meta: meta)
            return PanelWriteSummary(members: Int(writer.members), records: writer.records, rejected: report.rejections.count, bytes: bytes)
        } catch {
            writer.abandon()
            if let e = error as? CacheWriter.WriteError { throw Rejection(file: output, code: e.code, message: e.message) }
            if let e = error as? BlockEncoder.EncodeError { throw Rejection(file: source, code: "unencodable", message: e.description) }
            throw error
        }
    }

    /// A part's members, sorted by id, as blocks of at most `perBlock` members.
    static func encode(_ members: [Record], perBlock: Int) throws -> CacheWriter.EncodedPart {
        let sorted = Panel.idOrder(members).map { $0.map { members[$0] } } ?? members
        var part = CacheWriter.EncodedPart()
        var start = 0
        while start < sorted.count {
            let end = min(sorted.count, start + perBlock)
            var encoder = BlockEncoder()
            for m in sorted[start..<end] { try encoder.add(m) }
            part.blocks.append(encoder.finish())
            part.memberCounts.append(end - start)
            part.records += encoder.records
            start = end
        }
        return part
    }

    /// The files the load read, as they are now: refused when one changed during the import
    /// (its modification time is after the import started), since the cache could hold a mix.
    /// A source folder is listed too: a file added to it (a table the load did not find) or
    /// removed from it changes its modification time, so the cache goes stale.
    private func manifest(source: String, report: LoadReport, since started: Int64) throws -> [SourceFile] {
        var paths = report.files
        var st = stat()
        if stat(source, &st) == 0, [S_IFREG, S_IFDIR].contains(st.st_mode & S_IFMT), !paths.contains(source) { paths.append(source) }
        var seen = Set<String>()
        var files: [SourceFile] = []
        for p in paths {
            let path = SourceFile.absolute(p)
            guard seen.insert(path).inserted else { continue }
            guard let f = SourceFile.current(path) else { throw CacheProblem.changedDuringImport(path, "it was removed") }
            if f.modified > started { throw CacheProblem.changedDuringImport(path, "it was modified") }
            files.append(f)
        }
        return files
    }

    /// Now, in nanoseconds since 1970 (the clock file modification times are in).
    static func now() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }
}
