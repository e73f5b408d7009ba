#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one field: a view into the reader's buffer, valid until the next row is read.
typealias Bytes = UnsafeBufferPointer<UInt8>

/// A streaming RFC 4180 reader over UTF-8 bytes.
///
/// It reads the file in chunks into one buffer (so memory stays bounded whatever the file size),
/// and splits rows into field spans without creating a String per field: callers look at the
/// bytes (`field(_:)`) and build only the values they keep. It handles commas, doubled quotes and
/// line breaks inside quoted fields, CRLF, LF or lone CR line ends, a UTF-8 byte-order mark, and a
/// missing final line break. Blank lines are skipped. Line numbers are 1-based physical lines: a
/// row's line is where it starts, so a row after a quoted field with embedded newlines has the
/// line a text editor shows.
///
/// Lenient on text after a closing quote (`"ab"c` reads as `abc`) and on a quote inside an
/// unquoted field (kept as a character), as most CSV writers and readers are. A quoted field
/// never closed before the end of the file is reported as `.unterminatedQuote`; the reader then
/// resumes on the line after the one the broken row started on, so one stray quote costs one row.
final class CSVReader {
    enum Event: Equatable {
        /// A row is available through `fieldCount` and `field(_:)`.
        case row
        /// A quoted field opened on `rowLine` is never closed.
        case unterminatedQuote
        case end
    }

    struct Span {
        var start: Int
        var end: Int
        /// A quoted field with doubled quotes or text after its closing quote: cleaned on first access.
        var raw: Bool
    }

    // A reader belongs to one thread, and its state is read and written for every row and field:
    // run-time exclusivity checks on these would cost more than the parsing (they did: a third of
    // the plain-row path).
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    @exclusivity(unchecked) private var count = 0
    @exclusivity(unchecked) private var pos = 0
    @exclusivity(unchecked) private var sourceDone = false
    @exclusivity(unchecked) private var fd: Int32 = -1
    @exclusivity(unchecked) private var memory: [UInt8] = []
    @exclusivity(unchecked) private var memoryOffset = 0
    /// Where the next read from the file starts, and where reading stops (a byte range of it).
    @exclusivity(unchecked) private var filePosition = 0
    @exclusivity(unchecked) private var fileEnd = Int.max
    /// The file offset of `buffer[0]`.
    @exclusivity(unchecked) private var bufferOffset = 0
    private let chunkSize: Int
    @exclusivity(unchecked) private var checkedBOM = false

    @exclusivity(unchecked) private var spans: UnsafeMutablePointer<Span>
    @exclusivity(unchecked) private var spanCapacity = 64
    /// The number of fields in the current row.
    @exclusivity(unchecked) private(set) var fieldCount = 0
    /// The number of fields of the current row whose bytes can be read (`field(_:)`): all of them,
    /// but for a plain row read under `spanLimit`.
    @exclusivity(unchecked) private var spanCount = 0
    /// How many leading fields of a plain row to locate; the others are only counted. A reader
    /// that needs only the first few columns (the scan of a file loaded in ranges) sets it after
    /// the header.
    @exclusivity(unchecked) var spanLimit = Int.max
    /// The physical line the next row starts on.
    @exclusivity(unchecked) private(set) var line = 1
    /// The 1-based line the current row (or the broken row) starts on.
    @exclusivity(unchecked) private(set) var rowLine = 1
    /// Set when reading the file failed part-way (the rows read before are kept).
    @exclusivity(unchecked) private(set) var readError: Int32 = 0
    /// Set once a quoted field was never closed (`.unterminatedQuote` was returned).
    @exclusivity(unchecked) private(set) var metUnclosedQuote = false
    /// Where the current row starts in the buffer (its bytes run to `pos`).
    @exclusivity(unchecked) private var rowStart = 0
    /// Whether the first field of every row is the line the row had in another file: set for the
    /// part files of a panel loaded in parts, so rejections name the line of the source file.
    @exclusivity(unchecked) var lineNumberColumn = false

    /// Opens a file; nil when it cannot be opened (`errno` says why).
    init?(path: String, chunkSize: Int = 1 << 20) {
        let f = open(path, O_RDONLY)
        guard f >= 0 else { return nil }
        fd = f
        self.chunkSize = max(16, chunkSize)
        capacity = self.chunkSize
        buffer = .allocate(capacity: capacity)
        spans = .allocate(capacity: spanCapacity)
    }

    /// Opens bytes `start..<end` of a file, whose first row starts at `start` on physical line
    /// `line` (a part of a file cut at row starts; no byte-order mark is looked for).
    convenience init?(path: String, from start: Int, to end: Int, line: Int, chunkSize: Int = 1 << 20) {
        self.init(path: path, chunkSize: chunkSize)
        filePosition = start
        bufferOffset = start
        fileEnd = end
        self.line = line
        rowLine = line
        checkedBOM = start > 0
    }

    /// Reads from memory (tests use a small chunk size to cross chunk boundaries everywhere).
    init(bytes: [UInt8], chunkSize: Int = 1 << 20) {
        memory = bytes
        self.chunkSize = max(1, chunkSize)
        capacity = max(16, self.chunkSize)
        buffer = .allocate(capacity: capacity)
        spans = .allocate(capacity: spanCapacity)
    }

    deinit {
        buffer.deallocate()
        spans.deallocate()
        if fd >= 0 { close(fd) }
    }

    // MARK: Reading rows

    /// Reads the next row.
    func next() -> Event {
        while true {
            switch parseRow() {
            case .needMore:
                refill()
            case .row:
                // A blank line is one empty unquoted field: not a row.
                if fieldCount == 1, spans[0].start == spans[0].end, !spans[0].raw, !quotedEmpty { continue }
                if lineNumberColumn { takeLineNumber() }
                return .row
            case .end:
                return .end
            case .unterminated:
                recoverFromUnterminatedQuote()
                metUnclosedQuote = true
                return .unterminatedQuote
            }
        }
    }

    private enum ParseResult { case row, end, needMore, unterminated }
    private var quotedEmpty = false

    /// Parses one row from `pos`. Commits `pos` and `line` only when the row is complete, so a
    /// row cut by the end of the buffer is parsed again from its start after a refill. The hot
    /// state lives in locals (the field list is written through a local pointer).
    private func parseRow() -> ParseResult {
        let buf = buffer
        let n = count
        let done = sourceDone
        var p = pos
        var ln = line
        if !checkedBOM {
            if n - p < 3 && !done { return .needMore }
            if n - p >= 3, buf[p] == 0xEF, buf[p + 1] == 0xBB, buf[p + 2] == 0xBF { p += 3; pos = p }
            checkedBOM = true
        }
        if p == n {
            if done { return .end }
            return .needMore
        }
        if parsePlainRow(p) { return .row }
        rowLine = ln
        let start = p
        var list = SpanList(spans, spanCapacity)
        var firstQuotedEmpty = false
        defer {
            spans = list.base
            spanCapacity = list.capacity
        }
        while true {
            // One field starting at p.
            if p < n, buf[p] == 0x22 {
                p += 1
                let start = p
                var raw = false
                var end = 0
                while true {
                    while p < n {
                        let c = buf[p]
                        if c == 0x22 { break }
                        if c == 0x0A { ln += 1 } else if c == 0x0D, p + 1 < n, buf[p + 1] != 0x0A { ln += 1 }
                        p += 1
                    }
                    if p >= n { return done ? .unterminated : .needMore }
                    // At a quote: doubled (an escaped quote) or closing.
                    if p + 1 >= n && !done { return .needMore }
                    if p + 1 < n && buf[p + 1] == 0x22 {
                        raw = true
                        p += 2
                        continue
                    }
                    end = p
                    p += 1
                    break
                }
                if p < n {
                    let c = buf[p]
                    if c != 0x2C && c != 0x0A && c != 0x0D {
                        // Text after the closing quote: keep it (`"ab"c` is `abc`).
                        raw = true
                        while p < n {
                            let d = buf[p]
                            if d == 0x2C || d == 0x0A || d == 0x0D { break }
                            p += 1
                        }
                        if p >= n && !done { return .needMore }
                        end = p
                    }
                } else if !done {
                    return .needMore
                }
                if start == end, list.count == 0 { firstQuotedEmpty = true }
                list.append(start, end, raw)
            } else {
                let start = p
                while p < n {
                    let c = buf[p]
                    if c > 0x2C { p += 1; continue }
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    p += 1
                }
                if p >= n && !done { return .needMore }
                list.append(start, p, false)
            }
            // After a field: a comma, a line end, or the end of the input.
            if p >= n { break }
            let c = buf[p]
            if c == 0x2C {
                p += 1
                continue
            }
            if c == 0x0D {
                if p + 1 >= n && !done { return .needMore }
                p += (p + 1 < n && buf[p + 1] == 0x0A) ? 2 : 1
            } else {
                p += 1
            }
            ln += 1
            break
        }
        fieldCount = list.count
        spanCount = list.count
        quotedEmpty = firstQuotedEmpty
        rowStart = start
        pos = p
        line = ln
        return .row
    }

    /// The field spans of the row being parsed, in the reader's storage (grown as needed). A local
    /// value while a row is parsed: no captured variables, no run-time exclusivity checks.
    private struct SpanList {
        var base: UnsafeMutablePointer<Span>
        var capacity: Int
        var count = 0

        init(_ base: UnsafeMutablePointer<Span>, _ capacity: Int) {
            self.base = base
            self.capacity = capacity
        }

        @inline(__always)
        mutating func append(_ start: Int, _ end: Int, _ raw: Bool) {
            if count == capacity { reserve(capacity * 2) }
            base[count] = Span(start: start, end: end, raw: raw)
            count += 1
        }

        /// Makes room for `n` spans in all (the spans so far kept).
        mutating func reserve(_ n: Int) {
            guard n > capacity else { return }
            var c = capacity
            while c < n { c *= 2 }
            let bigger = UnsafeMutablePointer<Span>.allocate(capacity: c)
            bigger.update(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity = c
        }
    }

    /// Parses the row at `p` when it is plain — it ends with a line feed in the buffer and holds
    /// no quote, and no carriage return but one right before the line feed — as most rows are:
    /// the line end is found with `memchr` and the commas eight bytes at a time. False (nothing
    /// changed) for any other row, which `parseRow` then reads byte by byte.
    @inline(__always)
    private func parsePlainRow(_ p: Int) -> Bool {
        let buf = buffer
        guard let lf = memchr(buf + p, 0x0A, count - p) else { return false }
        let lineEnd = p + (UnsafeRawPointer(lf) - UnsafeRawPointer(buf + p))
        let end = lineEnd > p && buf[lineEnd - 1] == 0x0D ? lineEnd - 1 : lineEnd
        guard memchr(buf + p, 0x22, end - p) == nil, memchr(buf + p, 0x0D, end - p) == nil else { return false }
        var list = SpanList(spans, spanCapacity)
        let limit = max(1, spanLimit)
        var counted = 0  // fields past the limit, counted but not located
        var fieldStart = p
        var i = p
        // Every field located (the usual read), in a row short enough that room for a field per
        // byte is made first: each comma is then one store, with no test of the room or limit.
        if limit >= end - p + 1, end - p < 1 << 16 {
            list.reserve(end - p + 1)
            let out = list.base
            var n = 0
            while i + 8 <= end {
                let t = UnsafeRawPointer(buf + i).loadUnaligned(as: UInt64.self) ^ 0x2C2C_2C2C_2C2C_2C2C
                var commas = ~(((t & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | t | 0x7F7F_7F7F_7F7F_7F7F)
                while commas != 0 {
                    let k = i &+ (commas.trailingZeroBitCount &>> 3)
                    out[n] = Span(start: fieldStart, end: k, raw: false)
                    n &+= 1
                    fieldStart = k &+ 1
                    commas &= commas &- 1
                }
                i &+= 8
            }
            while i < end {
                if buf[i] == 0x2C {
                    out[n] = Span(start: fieldStart, end: i, raw: false)
                    n &+= 1
                    fieldStart = i &+ 1
                }
                i &+= 1
            }
            out[n] = Span(start: fieldStart, end: end, raw: false)
            list.count = n + 1
            return finishPlainRow(&list, counted: 0, p, lineEnd)
        }
        // Locate the first `limit` fields.
        locating: while i + 8 <= end {
            // The exact "which bytes are zero" word test on the bytes XOR ',': one bit per comma.
            let t = UnsafeRawPointer(buf + i).loadUnaligned(as: UInt64.self) ^ 0x2C2C_2C2C_2C2C_2C2C
            var commas = ~(((t & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | t | 0x7F7F_7F7F_7F7F_7F7F)
            while commas != 0 {
                let k = i + (commas.trailingZeroBitCount >> 3)
                list.append(fieldStart, k, false)
                fieldStart = k + 1
                commas &= commas - 1
                if list.count == limit {
                    counted += commas.nonzeroBitCount
                    i += 8
                    break locating
                }
            }
            i += 8
        }
        if list.count == limit {
            // Only count the rest: each word's comma flags (one per byte) are added up lane by
            // lane, four words a step, and summed across lanes every seven steps (28 words),
            // before the sum of the eight lanes could pass 255.
            @inline(__always) func flags(_ at: Int) -> UInt64 {
                let t = UnsafeRawPointer(buf + at).loadUnaligned(as: UInt64.self) ^ 0x2C2C_2C2C_2C2C_2C2C
                return ~(((t & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | t | 0x7F7F_7F7F_7F7F_7F7F) &>> 7
            }
            var lanes: UInt64 = 0
            var steps = 0
            while i &+ 32 <= end {
                lanes &+= flags(i) &+ flags(i &+ 8) &+ flags(i &+ 16) &+ flags(i &+ 24)
                steps &+= 1
                if steps == 7 {
                    counted &+= Int(truncatingIfNeeded: (lanes &* 0x0101_0101_0101_0101) &>> 56)
                    lanes = 0
                    steps = 0
                }
                i &+= 32
            }
            while i &+ 8 <= end {
                lanes &+= flags(i)
                i &+= 8
            }
            counted &+= Int(truncatingIfNeeded: (lanes &* 0x0101_0101_0101_0101) &>> 56)
        }
        while i < end {
            if buf[i] == 0x2C {
                if list.count == limit { counted += 1 } else {
                    list.append(fieldStart, i, false)
                    fieldStart = i + 1
                }
            }
            i += 1
        }
        if list.count == limit { counted += 1 } else { list.append(fieldStart, end, false) }
        return finishPlainRow(&list, counted: counted, p, lineEnd)
    }

    @inline(__always)
    private func finishPlainRow(_ list: inout SpanList, counted: Int, _ p: Int, _ lineEnd: Int) -> Bool {
        spans = list.base
        spanCapacity = list.capacity
        fieldCount = list.count + counted
        spanCount = list.count
        quotedEmpty = false
        rowLine = line
        rowStart = p
        pos = lineEnd + 1
        line += 1
        return true
    }

    /// Keeps the unparsed bytes from `pos`, moves them to the front, and reads more, growing the
    /// buffer when one row fills it.
    private func refill() {
        if pos > 0 {
            bufferOffset += pos
            let keep = count - pos
            if keep > 0 { buffer.update(from: buffer + pos, count: keep) }
            count = keep
            pos = 0
        }
        if capacity - count < chunkSize / 2 || count == capacity {
            let newCapacity = max(capacity * 2, count + chunkSize)
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            bigger.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = bigger
            capacity = newCapacity
        }
        let room = min(capacity - count, chunkSize, fileEnd - filePosition)
        if fd >= 0 {
            while true {
                let r = room > 0 ? pread(fd, buffer + count, room, off_t(filePosition)) : 0
                if r > 0 { count += r; filePosition += r; return }
                if r < 0 && errno == EINTR { continue }
                if r < 0 { readError = errno }
                sourceDone = true
                return
            }
        } else {
            let take = min(room, memory.count - memoryOffset)
            if take > 0 {
                memory.withUnsafeBufferPointer { src in
                    (buffer + count).update(from: src.baseAddress! + memoryOffset, count: take)
                }
                memoryOffset += take
                count += take
            }
            if memoryOffset == memory.count { sourceDone = true }
        }
    }

    /// After an unterminated quote (found at the end of the input, so the rest of the file is in
    /// the buffer): resume after the first line end following the broken row's start.
    private func recoverFromUnterminatedQuote() {
        var p = pos
        while p < count, buffer[p] != 0x0A, buffer[p] != 0x0D { p += 1 }
        if p < count {
            p += (buffer[p] == 0x0D && p + 1 < count && buffer[p + 1] == 0x0A) ? 2 : 1
        }
        pos = p
        line = rowLine + 1
    }

    /// The file offset where the current row starts.
    var rowOffset: Int { bufferOffset + rowStart }

    /// The file offset after the current row (where the next one starts).
    var nextRowOffset: Int { bufferOffset + pos }

    /// The current row's bytes as they are in the file, line end included (valid until the next
    /// row is read, and only before a field of it is read: reading a quoted field cleans it in place).
    var rawRow: Bytes { Bytes(start: buffer + rowStart, count: pos - rowStart) }

    /// Reads the first field as the row's line (a header's first field is not a number: it keeps
    /// its own line).
    private func takeLineNumber() {
        let s = spans[0]
        guard s.end > s.start, !s.raw else { return }
        var n = 0
        for i in s.start..<s.end {
            let d = Int(buffer[i]) - 48
            guard d >= 0, d <= 9, n < Int(Int32.max) else { return }
            n = n * 10 + d
        }
        rowLine = n
    }

    // MARK: Fields

    /// The bytes of field `i` with surrounding blanks trimmed (empty when `i` is out of range).
    @inline(__always)
    func field(_ i: Int) -> Bytes {
        guard i >= 0, i < spanCount else { return Bytes(start: nil, count: 0) }
        if spans[i].raw { clean(i) }
        var s = spans[i].start, e = spans[i].end
        let b = buffer
        while s < e, b[s] == 0x20 || b[s] == 0x09 { s += 1 }
        while e > s, b[e - 1] == 0x20 || b[e - 1] == 0x09 { e -= 1 }
        return Bytes(start: b + s, count: e - s)
    }

    /// Whether field `i` is empty or blank (or out of range).
    @inline(__always)
    func isEmpty(_ i: Int) -> Bool {
        guard i >= 0, i < spanCount else { return true }
        if spans[i].start == spans[i].end { return true }
        return field(i).isEmpty
    }

    /// Whether fields `first...last` (consecutive columns) are all empty, as told from their spans
    /// alone: true only when nothing but the commas between them lies from the start of the first
    /// to the end of the last (so never for a blank or quoted field, which `isEmpty` decides).
    /// Rows list many numbered code columns, mostly trailing empties: one test skips them.
    @inline(__always)
    func allEmpty(_ first: Int, _ last: Int) -> Bool {
        guard first >= 0, first <= last, last < spanCount else { return false }
        return spans[last].end - spans[first].start == last - first
    }

    /// The untrimmed bytes of field `i` (for tests of the reader itself).
    func rawField(_ i: Int) -> Bytes {
        guard i >= 0, i < spanCount else { return Bytes(start: nil, count: 0) }
        if spans[i].raw { clean(i) }
        return Bytes(start: buffer + spans[i].start, count: spans[i].end - spans[i].start)
    }

    /// Undoubles quotes (and drops the closing quote of `"ab"c`) in place: the clean text is never
    /// longer than the raw text, and the row is never parsed again.
    private func clean(_ i: Int) {
        let b = buffer
        var r = spans[i].start, w = r
        let e = spans[i].end
        var quoted = true
        while r < e {
            let c = b[r]
            if quoted && c == 0x22 {
                if r + 1 < e && b[r + 1] == 0x22 { b[w] = 0x22; w += 1; r += 2; continue }
                quoted = false
                r += 1
                continue
            }
            b[w] = c
            w += 1
            r += 1
        }
        spans[i].end = w
        spans[i].raw = false
    }

    /// Field `i` as a String (tests and headers).
    func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }
}
