#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory (PROT_READ, MAP_PRIVATE): blocks are decoded straight from
/// the page cache, without reading the file into buffers first, and pages no longer needed can
/// be dropped by the kernel. Unmapped when released.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    struct OpenError: Error {
        var reason: String
    }

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw OpenError(reason: "cannot open it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw OpenError(reason: "cannot stat it: \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw OpenError(reason: "it is not a regular file") }
        let size = Int(st.st_size)
        if size == 0 {
            // mmap refuses empty ranges; an empty file is simply no bytes.
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw OpenError(reason: "cannot map it into memory: \(String(cString: strerror(errno)))")
        }
        mapping = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// The bytes at `offset..<offset+length`, or nil when the range is not inside the file.
    func range(_ offset: UInt64, _ length: UInt64) -> UnsafeRawBufferPointer? {
        guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset)..<Int(offset + length)])
    }

    /// Lets the kernel drop the pages of a range that has been decoded, so a large cache read
    /// part by part does not stay resident (they are read again from the file if touched).
    /// Only whole pages inside the range are dropped.
    func release(_ offset: UInt64, _ length: UInt64) {
        guard let mapping, let r = range(offset, length), r.count > 0 else { return }
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page, end = (offset + length) / page * page
        guard page > 0, end > start else { return }
        _ = madvise(mapping + Int(start), Int(end - start), MADV_DONTNEED)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
