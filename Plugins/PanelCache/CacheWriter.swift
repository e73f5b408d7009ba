#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TallyEngine

/// Writes a panel cache file: the blocks of each part as the part arrives, in part-index order
/// whatever order the parts arrive in (a part that arrives early waits, encoded, until those
/// before it are written), then the meta section, the block index, and last the header.
///
/// Everything goes to a temporary file beside the output (mode 0600: it holds PHI), which is
/// renamed over the output only when complete, so a reader never sees a half-written cache.
final class CacheWriter: @unchecked Sendable {
    struct WriteError: Error {
        /// `unwritable`, or `bad-parts` when a loader hands over a part twice.
        var code = "unwritable"
        var message: String
    }

    /// One part's encoded blocks, with the number of members in each.
    struct EncodedPart {
        var blocks: [[UInt8]] = []
        var memberCounts: [Int] = []
        var records = 0
    }

    let output: String
    private let temporary: String
    private var fd: Int32
    private let lock = NSLock()
    private var offset: UInt64
    private var nextPart = 0
    private var pending: [Int: EncodedPart] = [:]
    private var index: [BlockEntry] = []
    private var attempt = 0
    private(set) var members: UInt64 = 0
    private(set) var records = 0

    init(output: String) throws {
        self.output = output
        let folder = (output as NSString).deletingLastPathComponent
        let name = (output as NSString).lastPathComponent
        var fd: Int32 = -1
        var candidate = ""
        for _ in 0..<16 {
            candidate = (folder.isEmpty ? "" : folder + "/") + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw WriteError(message: "cannot create \(candidate): \(String(cString: strerror(errno)))") }
        self.fd = fd
        temporary = candidate
        offset = 0
        // The header's place; written last, once its offsets and checksums are known.
        try append([UInt8](repeating: 0, count: CacheFormat.headerSize))
    }

    /// Hands over part `index`; writes it, and any parts waiting for it, when its turn has come.
    /// A part of a later attempt of the load (`PanelPart.attempt`) starts the file over.
    func add(part: Int, attempt: Int = 0, _ encoded: EncodedPart) throws {
        lock.lock()
        defer { lock.unlock() }
        if attempt > self.attempt { try startOver(attempt) }
        guard part >= nextPart, pending[part] == nil else { throw WriteError(code: "bad-parts", message: "the loader handed over part \(part) twice") }
        pending[part] = encoded
        while let p = pending.removeValue(forKey: nextPart) {
            try writePart(p)
            nextPart += 1
        }
    }

    /// Drops every block written or waiting: the file holds its header's place only again.
    private func startOver(_ attempt: Int) throws {
        guard ftruncate(fd, off_t(CacheFormat.headerSize)) == 0, lseek(fd, off_t(CacheFormat.headerSize), SEEK_SET) >= 0 else {
            throw failure("start over")
        }
        self.attempt = attempt
        offset = UInt64(CacheFormat.headerSize)
        nextPart = 0
        pending = [:]
        index = []
        members = 0
        records = 0
    }

    private func writePart(_ p: EncodedPart) throws {
        for (block, count) in zip(p.blocks, p.memberCounts) {
            index.append(BlockEntry(offset: offset, length: UInt64(block.count), firstMember: members, memberCount: UInt32(count)))
            try append(block)
            members += UInt64(count)
        }
        records += p.records
    }

    /// Writes what is left (parts a loader skipped numbers before, in index order), the meta
    /// section, the index and the header; then replaces the output. Returns the file's size.
    func finish(meta: CacheMeta) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        for part in pending.keys.sorted() { try writePart(pending.removeValue(forKey: part)!) }
        var h = CacheHeader()
        h.memberCount = members
        h.blockCount = UInt64(index.count)
        let metaBytes = meta.bytes
        h.metaOffset = offset
        h.metaLength = UInt64(metaBytes.count)
        h.metaChecksum = PanelChecksum.of(metaBytes)
        try append(metaBytes)
        var entries = ByteWriter(capacity: index.count * CacheFormat.indexEntrySize)
        for e in index {
            entries.u64(e.offset)
            entries.u64(e.length)
            entries.u64(e.firstMember)
            entries.u32(e.memberCount)
            entries.u32(0)
        }
        h.indexOffset = offset
        h.indexChecksum = PanelChecksum.of(entries.bytes)
        try append(entries.bytes)
        h.fileSize = offset
        let headerBytes = h.bytes
        let written = headerBytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == headerBytes.count else { throw failure("write") }
        guard fsync(fd) == 0 else { throw failure("flush") }
        close(fd)
        fd = -1
        guard rename(temporary, output) == 0 else {
            let e = failure("rename to \(output)")
            unlink(temporary)
            throw e
        }
        return Int(offset)
    }

    /// Removes the temporary file after a failure.
    func abandon() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 {
            close(fd)
            fd = -1
            unlink(temporary)
        }
    }

    private func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                done += n
            }
        }
        offset += UInt64(bytes.count)
    }

    private func failure(_ what: String) -> WriteError {
        WriteError(message: "cannot \(what) \(temporary): \(String(cString: strerror(errno)))")
    }
}
