/// A position in a source file. `line` and `column` are 1-based; `column` counts UTF-8 bytes
/// from the start of the line, the one column unit used everywhere in Tally.
public struct SourceLocation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// Byte offset from the start of the file.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
    public var description: String { "\(line):\(column)" }
}

/// A half-open range of source text: `lowerBound` is the first byte, `upperBound` one past the last.
public typealias SourceRange = Range<SourceLocation>

/// The text of one source file, kept as UTF-8 bytes with a line index for rendering.
public final class SourceFile: Sendable {
    /// The path shown in diagnostics.
    public let path: String
    public let bytes: [UInt8]
    /// Byte offset of the start of each line.
    public let lineStarts: [Int]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    public convenience init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The text of a 1-based line without its line terminator, with invalid UTF-8 replaced.
    public func lineText(_ line: Int) -> String {
        String(decoding: lineBytes(line), as: UTF8.self)
    }

    /// The bytes of a 1-based line without its line terminator (`\n` or `\r\n`).
    public func lineBytes(_ line: Int) -> ArraySlice<UInt8> {
        guard line >= 1, line <= lineStarts.count else { return [] }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// The location of a byte offset.
    public func location(at offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: offset - lineStarts[lo] + 1, offset: offset)
    }

    /// The source text covered by a range.
    public func text(_ range: SourceRange) -> String {
        let lo = max(0, min(range.lowerBound.offset, bytes.count))
        let hi = max(lo, min(range.upperBound.offset, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }
}
