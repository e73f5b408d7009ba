/// How serious a finding is. Errors stop a measure from compiling; warnings do not.
public enum Severity: String, Sendable, Codable {
    case error, warning, note
}

/// One finding about a source file: where, what, and (where it helps) how to fix it.
///
/// The language core returns diagnostics as data and never prints; `DiagnosticRenderer` turns
/// them into the text people read.
public struct Diagnostic: Sendable, Hashable {
    public var severity: Severity
    /// A stable identifier from the message catalogue, such as `unknown-name`.
    public var code: String
    public var message: String
    public var file: String
    public var range: SourceRange
    public var hint: String?

    public init(_ severity: Severity, code: String, message: String, file: String, range: SourceRange, hint: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.file = file
        self.range = range
        self.hint = hint
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
}

/// Renders diagnostics the way compilers do:
///
///     Measures/x.measure:3:15: error: unknown name 'encounter'
///        3 | define a = exists encounter
///          |                   ^~~~~~~~~
///          = hint: did you mean 'encounters'?
public struct DiagnosticRenderer: Sendable {
    public var sources: [String: SourceFile]

    public init(sources: [SourceFile]) {
        var map: [String: SourceFile] = [:]
        for s in sources { map[s.path] = s }
        self.sources = map
    }

    /// Lines wider than this are shown as a window around the caret.
    public static let maximumLineWidth = 100

    public func render(_ d: Diagnostic) -> String {
        let start = d.range.lowerBound
        var out = "\(d.file):\(start.line):\(start.column): \(d.severity.rawValue): \(d.message)\n"
        if let source = sources[d.file] {
            let bytes = source.lineBytes(start.line)
            let cells = displayCells(bytes)
            // The caret covers the whole range on the first line, at least one column.
            let caretStart = min(max(start.column - 1, 0), bytes.count)
            let caretEnd = max(d.range.upperBound.line == start.line ? d.range.upperBound.column - 1 : bytes.count, caretStart + 1)
            let first = cells.firstIndex { $0.offset >= caretStart } ?? cells.count
            let last = cells.firstIndex { $0.offset >= caretEnd } ?? cells.count
            // A long line is cut to a window around the caret, marked with "...".
            var lo = 0, hi = cells.count
            if cells.count > DiagnosticRenderer.maximumLineWidth {
                lo = max(0, min(first - DiagnosticRenderer.maximumLineWidth / 3, cells.count - DiagnosticRenderer.maximumLineWidth))
                hi = lo + DiagnosticRenderer.maximumLineWidth
            }
            let shown = (lo > 0 ? "..." : "") + cells[lo..<hi].map(\.text).joined() + (hi < cells.count ? "..." : "")
            let prefix = (lo > 0 ? 3 : 0) + first - lo
            let width = max(1, min(last, hi) - first)
            let gutter = String(start.line)
            let pad = String(repeating: " ", count: gutter.count)
            out += " \(gutter) | \(shown)\n"
            out += " \(pad) | \(String(repeating: " ", count: prefix))^\(String(repeating: "~", count: width - 1))\n"
            if let hint = d.hint { out += " \(pad) = hint: \(hint)\n" }
        } else if let hint = d.hint {
            out += "  = hint: \(hint)\n"
        }
        return out
    }

    public func render(_ ds: [Diagnostic]) -> String { ds.map(render).joined() }

    /// The display columns of a line: one per UTF-8 sequence (an invalid byte shows as U+FFFD),
    /// with tabs and control characters shown as a space. `offset` is the byte offset in the line.
    private func displayCells(_ bytes: ArraySlice<UInt8>) -> [(offset: Int, text: String)] {
        var cells: [(offset: Int, text: String)] = []
        let all = Array(bytes)
        var i = 0
        while i < all.count {
            let len = Lexer.sequenceLength(all, at: i)
            let c = all[i]
            let text = c < 0x20 || c == 0x7F ? " " : len == 1 && c >= 0x80 ? "\u{FFFD}" : String(decoding: all[i..<i + len], as: UTF8.self)
            cells.append((i, text))
            i += len
        }
        return cells
    }
}

/// Finds the closest known spelling to an unknown name, for "did you mean" hints.
public func closestName(to name: String, in candidates: some Sequence<String>) -> String? {
    let target = Array(name.lowercased().utf8)
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(target, Array(c.lowercased().utf8))
        let limit = max(1, min(3, target.count / 3 + 1))
        if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
    }
    return best?.0
}

func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    if abs(a.count - b.count) > 3 { return 99 }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
