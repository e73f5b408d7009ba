#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyEngine
import TallyLanguage

/// An opened panel cache: mapped, its header, meta section and block index checked, its blocks
/// decodable one at a time (and from several threads at once).
///
/// Opening checks everything that does not need the blocks themselves (magic, version, sizes,
/// schema, the checksums of the header, meta section and index, that every block lies inside
/// the file); each block's checksum is checked when the block is decoded.
final class CacheFile: @unchecked Sendable {
    let path: String
    let header: CacheHeader
    let meta: CacheMeta
    let blocks: [BlockEntry]
    private let file: MappedFile

    /// Whether the first bytes of the file at `path` are the cache magic (reads 8 bytes).
    static func hasMagic(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return false }
        var head = [UInt8](repeating: 0, count: CacheFormat.magic.count)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n == head.count && head == CacheFormat.magic
    }

    init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch let e as MappedFile.OpenError {
            throw CacheProblem.unreadable(path, e.reason)
        }
        let bytes = file.bytes
        header = try Self.readHeader(bytes, path)
        guard let metaBytes = file.range(header.metaOffset, header.metaLength), header.metaOffset >= UInt64(CacheFormat.headerSize) else {
            throw CacheProblem.corrupt(path, "the meta section", offset: header.metaOffset, "it lies outside the file")
        }
        guard PanelChecksum.of(metaBytes) == header.metaChecksum else {
            throw CacheProblem.sectionChecksum(path, "meta section", offset: header.metaOffset)
        }
        do {
            meta = try CacheMeta(decoding: metaBytes)
        } catch let e as DecodeError {
            throw CacheProblem.corrupt(path, "the meta section", offset: header.metaOffset + UInt64(e.offset), e.reason)
        }
        blocks = try Self.readIndex(file, header, path)
    }

    private static func readHeader(_ bytes: UnsafeRawBufferPointer, _ path: String) throws -> CacheHeader {
        let magic = CacheFormat.magic
        guard bytes.count >= magic.count else {
            if bytes.count > 0, Array(bytes) == Array(magic.prefix(bytes.count)) { throw CacheProblem.truncatedHeader(path, actual: bytes.count) }
            throw CacheProblem.notACache(path)
        }
        guard Array(bytes.prefix(magic.count)) == magic else { throw CacheProblem.notACache(path) }
        var r = ByteReader(bytes)
        r.position = magic.count
        // The version comes first: another version's header may not even have this size.
        guard let version = try? r.u32() else { throw CacheProblem.truncatedHeader(path, actual: bytes.count) }
        guard version == CacheFormat.version else { throw CacheProblem.version(path, version) }
        guard bytes.count >= CacheFormat.headerSize else { throw CacheProblem.truncatedHeader(path, actual: bytes.count) }
        let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: CacheFormat.headerSize - 8, as: UInt64.self))
        guard PanelChecksum.of(UnsafeRawBufferPointer(rebasing: bytes[0..<(CacheFormat.headerSize - 8)])) == stored else {
            throw CacheProblem.sectionChecksum(path, "header", offset: 0)
        }
        do {
            let headerSize = try r.u32()
            guard headerSize == UInt32(CacheFormat.headerSize) else {
                throw CacheProblem.corrupt(path, "the header", offset: 12, "header size \(headerSize) is not \(CacheFormat.headerSize)")
            }
            var h = CacheHeader()
            h.fileSize = try r.u64()
            h.schema = try r.u64()
            h.memberCount = try r.u64()
            h.blockCount = try r.u64()
            h.metaOffset = try r.u64()
            h.metaLength = try r.u64()
            h.metaChecksum = try r.u64()
            h.indexOffset = try r.u64()
            h.indexChecksum = try r.u64()
            if UInt64(bytes.count) < h.fileSize { throw CacheProblem.truncated(path, expected: h.fileSize, actual: bytes.count) }
            if UInt64(bytes.count) > h.fileSize {
                throw CacheProblem.corrupt(path, "the end of the file", offset: h.fileSize, "\(UInt64(bytes.count) - h.fileSize) bytes follow it")
            }
            guard h.schema == CacheFormat.schemaFingerprint else { throw CacheProblem.schema(path) }
            return h
        } catch let e as DecodeError {
            throw CacheProblem.corrupt(path, "the header", offset: UInt64(e.offset), e.reason)
        }
    }

    private static func readIndex(_ file: MappedFile, _ h: CacheHeader, _ path: String) throws -> [BlockEntry] {
        let entrySize = UInt64(CacheFormat.indexEntrySize)
        guard h.blockCount <= UInt64(file.bytes.count) / entrySize,
              let index = file.range(h.indexOffset, h.blockCount * entrySize),
              h.indexOffset >= UInt64(CacheFormat.headerSize)
        else {
            throw CacheProblem.corrupt(path, "the block index", offset: h.indexOffset, "\(h.blockCount) entries do not fit in the file")
        }
        guard PanelChecksum.of(index) == h.indexChecksum else { throw CacheProblem.sectionChecksum(path, "block index", offset: h.indexOffset) }
        var r = ByteReader(index)
        var entries: [BlockEntry] = []
        entries.reserveCapacity(Int(h.blockCount))
        var members: UInt64 = 0
        do {
            for i in 0..<Int(h.blockCount) {
                let at = h.indexOffset + UInt64(r.position)
                let e = BlockEntry(offset: try r.u64(), length: try r.u64(), firstMember: try r.u64(), memberCount: try r.u32())
                _ = try r.u32()
                guard e.offset >= UInt64(CacheFormat.headerSize), file.range(e.offset, e.length) != nil,
                      e.length >= UInt64(CacheFormat.blockHeaderSize)
                else {
                    throw CacheProblem.corrupt(path, "block \(i)'s index entry", offset: at, "bytes \(e.offset) (+\(e.length)) lie outside the file")
                }
                guard e.firstMember == members else {
                    throw CacheProblem.corrupt(path, "block \(i)'s index entry", offset: at, "its first member is \(e.firstMember), not \(members)")
                }
                members += UInt64(e.memberCount)
                entries.append(e)
            }
        } catch let e as DecodeError {
            throw CacheProblem.corrupt(path, "the block index", offset: h.indexOffset + UInt64(e.offset), e.reason)
        }
        guard members == h.memberCount else {
            throw CacheProblem.corrupt(path, "the block index", offset: h.indexOffset, "its blocks hold \(members) members, the header says \(h.memberCount)")
        }
        return entries
    }

    /// Throws when a source file has changed, or gone, since the cache was written.
    func checkSources() throws {
        let changes = meta.files.compactMap { $0.change() }
        if !changes.isEmpty { throw CacheProblem.stale(path, changes) }
    }

    /// The members of block `i`, after checking its checksum; `reading` as in `BlockDecoder.decode`.
    func members(ofBlock i: Int, reading fields: Set<String>? = nil) throws -> [Record] {
        let e = blocks[i]
        let bytes = file.range(e.offset, e.length)!  // checked when the index was read
        do {
            try BlockDecoder.verify(bytes)
        } catch {
            throw CacheProblem.checksum(path, block: i, of: blocks.count, offset: e.offset, length: e.length)
        }
        let members: [Record]
        do {
            members = try BlockDecoder.decode(bytes, reading: fields)
        } catch let d as DecodeError {
            throw CacheProblem.corrupt(path, "block \(i)", offset: e.offset + UInt64(d.offset), d.reason)
        }
        file.release(e.offset, e.length)
        guard members.count == Int(e.memberCount) else {
            throw CacheProblem.corrupt(path, "block \(i)", offset: e.offset, "it holds \(members.count) members, the index says \(e.memberCount)")
        }
        return members
    }
}
