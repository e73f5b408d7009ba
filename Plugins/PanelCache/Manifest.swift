#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// A source file (or the source folder) as `tally import` read it: where it is, how large and
/// when it was modified. A cache whose sources no longer match is refused, so a stale panel is
/// never evaluated.
struct SourceFile: Equatable {
    /// The path as given, made absolute.
    var path: String
    var size: Int64
    /// Modification time, nanoseconds since 1970.
    var modified: Int64

    /// The file (or folder) as it is now, or nil when it is missing (or neither).
    static func current(_ path: String) -> SourceFile? {
        var st = stat()
        guard stat(path, &st) == 0, [S_IFREG, S_IFDIR].contains(st.st_mode & S_IFMT) else { return nil }
        #if canImport(Darwin)
        let t = st.st_mtimespec
        #else
        let t = st.st_mtim
        #endif
        return SourceFile(path: path, size: Int64(st.st_size), modified: Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec))
    }

    /// What changed since `self` was recorded, or nil when nothing did.
    func change() -> String? {
        guard let now = SourceFile.current(path) else { return "\(path) has been removed or renamed" }
        var what: [String] = []
        if now.size != size { what.append("size \(size) → \(now.size) bytes") }
        if now.modified != modified { what.append("modified \(Self.time(modified)) → \(Self.time(now.modified))") }
        return what.isEmpty ? nil : "\(path) has changed (\(what.joined(separator: ", ")))"
    }

    /// ISO 8601 UTC with nanoseconds, so a change finer than a millisecond still shows.
    static func time(_ ns: Int64) -> String {
        let ms = ns >= 0 ? ns / 1_000_000 : (ns - 999_999) / 1_000_000
        let sub = ns - ms * 1_000_000
        let text = Temporal(millis: ms, precision: .millisecond, isDate: false).description
        let digits = String(sub)
        return String(text.dropLast()) + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }

    /// A path made absolute against the working directory, with `.` and `..` resolved textually.
    static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buffer, buffer.count).map { _ in String(cString: buffer) } ?? "."
            full = cwd + "/" + path
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}

/// The cache's meta section: the loader format, the source and its files, and the load report.
struct CacheMeta: Equatable {
    /// The format of the loader that read the source (`claims-csv`, `fhir`, ...).
    var format: String
    /// The source as given to `tally import`, made absolute.
    var source: String
    var files: [SourceFile]
    var report: LoadReport

    var bytes: [UInt8] {
        var w = ByteWriter(capacity: 4096)
        w.string(format)
        w.string(source)
        w.varint(files.count)
        for f in files {
            w.string(f.path)
            w.u64(UInt64(bitPattern: f.size))
            w.u64(UInt64(bitPattern: f.modified))
        }
        w.varint(report.files.count)
        for f in report.files { w.string(f) }
        let kinds = report.records.sorted { $0.key < $1.key }
        w.varint(kinds.count)
        for (kind, n) in kinds {
            w.string(kind)
            w.varint(UInt64(max(0, n)))
        }
        w.varint(report.rejections.count)
        for r in report.rejections {
            w.string(r.file)
            if let line = r.line { w.u8(1); w.signed(Int64(line)) } else { w.u8(0) }
            w.optionalString(r.resource)
            w.string(r.code)
            w.string(r.message)
        }
        return w.bytes
    }

    init(format: String, source: String, files: [SourceFile], report: LoadReport) {
        self.format = format
        self.source = source
        self.files = files
        self.report = report
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws {
        var r = ByteReader(bytes)
        format = try r.string()
        source = try r.string()
        let fileCount = try r.count(atMost: r.remaining, "source file count")
        files = []
        for _ in 0..<fileCount {
            let path = try r.string()
            let size = Int64(bitPattern: try r.u64()), modified = Int64(bitPattern: try r.u64())
            files.append(SourceFile(path: path, size: size, modified: modified))
        }
        report = LoadReport()
        for _ in 0..<(try r.count(atMost: r.remaining, "report file count")) { report.files.append(try r.string()) }
        for _ in 0..<(try r.count(atMost: r.remaining, "record kind count")) {
            let kind = try r.string()
            report.records[kind] = try r.count(atMost: Int.max, "record count")
        }
        let rejections = try r.count(atMost: r.remaining, "rejection count")
        report.rejections.reserveCapacity(rejections)
        for _ in 0..<rejections {
            let file = try r.string()
            var line: Int?
            switch try r.u8() {
            case 0: line = nil
            case 1: line = Int(truncatingIfNeeded: try r.signed())
            case let b: throw r.fail("line marker \(b) is neither 0 nor 1")
            }
            let resource = try r.optionalString()
            let code = try r.string(), message = try r.string()
            report.rejections.append(Rejection(file: file, line: line, resource: resource, code: code, message: message))
        }
        guard r.atEnd else { throw r.fail("\(r.remaining) bytes follow the load report") }
    }
}
