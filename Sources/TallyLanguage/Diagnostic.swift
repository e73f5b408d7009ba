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

    public func render(_ d: Diagnostic) -> String {
        let start = d.range.lowerBound
        var out = "\(d.file):\(start.line):\(start.column): \(d.severity.rawValue): \(d.message)\n"
        if let source = sources[d.file] {
            let lineText = source.lineText(start.line)
            let gutter = String(start.line)
            let pad = String(repeating: " ", count: gutter.count)
            out += " \(gutter) | \(printable(lineText))\n"
            let lineBytes = Array(lineText.utf8)
            let caretStart = min(start.column - 1, lineBytes.count)
            // The caret covers the whole range on the first line.
            var caretEnd = d.range.upperBound.line == start.line
                ? d.range.upperBound.column - 1 : lineBytes.count
            caretEnd = min(max(caretEnd, caretStart + 1), max(lineBytes.count, caretStart + 1))
            let prefix = columnsOf(lineBytes[0..<caretStart])
            let width = max(1, columnsOf(lineBytes[caretStart..<min(caretEnd, lineBytes.count)]))
            out += " \(pad) | \(String(repeating: " ", count: prefix))^\(String(repeating: "~", count: width - 1))\n"
            if let hint = d.hint { out += " \(pad) = hint: \(hint)\n" }
        } else if let hint = d.hint {
            out += "  = hint: \(hint)\n"
        }
        return out
    }

    public func render(_ ds: [Diagnostic]) -> String { ds.map(render).joined() }

    /// Display columns of a byte slice: tabs and control bytes are shown as one space, and a
    /// UTF-8 sequence takes one column.
    private func columnsOf(_ bytes: ArraySlice<UInt8>) -> Int {
        bytes.reduce(0) { $0 + (($1 & 0xC0) == 0x80 ? 0 : 1) }
    }

    private func printable(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
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
