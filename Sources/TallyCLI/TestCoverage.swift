import Foundation
import TallyEngine
import TallyLanguage

/// Clause coverage of a `tally test` run, as text (one line per uncovered clause, with
/// `file:line:col`) and as a self-contained HTML page of the measures' source.
struct CoverageReport {
    let recorder: CoverageRecorder
    let clauses: [CoverageRecorder.Clause]
    let sources: [String: SourceFile]

    init(recorder: CoverageRecorder) {
        self.recorder = recorder
        self.sources = recorder.sources
        self.clauses = recorder.clauses.sorted { a, b in
            a.file != b.file ? a.file < b.file
                : a.location.offset != b.location.offset ? a.location.offset < b.location.offset : a.id < b.id
        }
    }

    var files: [String] {
        var seen = Set<String>()
        return clauses.map(\.file).filter { seen.insert($0).inserted }
    }

    static func percent(_ covered: Int, _ total: Int) -> String {
        total == 0 ? "100.0%" : String(format: "%.1f%%", Double(covered) * 100 / Double(total))
    }

    /// What is missing for a clause: nil when covered.
    static func gap(_ c: CoverageRecorder.Clause) -> String? {
        if c.covered { return nil }
        if !c.evaluated { return "never evaluated" }
        let (yes, no) = c.valueKind == .list ? ("non-empty", "empty") : ("true", "false")
        return c.neverTrue ? "never \(yes)" : "never \(no)"
    }

    /// `define NAME`, or the clause kind and its source text.
    func label(_ c: CoverageRecorder.Clause, limit: Int = 72) -> String {
        if c.kind == .define, let name = c.name { return "define \(name)" }
        var text = recorder.text(of: c)
        if text.count > limit { text = String(text.prefix(limit - 3)) + "..." }
        return "\(c.kind.rawValue) `\(text)`"
    }

    var text: String {
        let covered = clauses.filter(\.covered).count
        var out = "clause coverage: \(covered) of \(clauses.count) clauses covered (\(CoverageReport.percent(covered, clauses.count)))\n"
        for f in files {
            let mine = clauses.filter { $0.file == f }
            out += "  \(f): \(mine.filter(\.covered).count) of \(mine.count)\n"
        }
        for c in clauses {
            guard let gap = CoverageReport.gap(c) else { continue }
            out += "\(c.file):\(c.location.line):\(c.location.column): \(label(c)): \(gap)\n"
        }
        return out
    }

    // MARK: HTML

    static func cssClass(_ c: CoverageRecorder.Clause) -> String {
        if c.covered { return "ok" }
        if !c.evaluated { return "ne" }
        return c.neverTrue ? "nt" : "nf"
    }

    static func tooltip(_ c: CoverageRecorder.Clause) -> String {
        let gap = CoverageReport.gap(c).map { "\($0); " } ?? "covered; "
        let (yes, no) = c.valueKind == .list ? ("non-empty", "empty") : c.valueKind == .other ? ("evaluated", "-") : ("true", "false")
        return "\(c.kind.rawValue)\(c.name.map { " \($0)" } ?? ""): \(gap)\(yes) \(c.trueCount), \(no) \(c.falseCount), null \(c.nullCount)"
    }

    var html: String {
        let covered = clauses.filter(\.covered).count
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Tally clause coverage</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; }
            td, th { padding: 0.2em 0.8em; text-align: left; border-bottom: 1px solid #ddd; }
            pre { background: #fafafa; border: 1px solid #ddd; padding: 0.8em; line-height: 1.45; overflow-x: auto; }
            .ln { display: inline-block; width: 4em; color: #999; background: #fafafa; user-select: none; }
            .ok { border-bottom: 1px dotted #2a7; }
            .nt { background: #fcc; outline: 1px solid #e9a0a0; }
            .nf { background: #fe9; outline: 1px solid #e0c860; }
            .ne { background: #ddd; text-decoration: line-through #999; }
            .legend span { padding: 0 0.4em; margin-right: 1em; }
            ul.gaps { font-family: ui-monospace, monospace; font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>Clause coverage</h1>

            """
        out += "<p>\(covered) of \(clauses.count) clauses covered (\(CoverageReport.percent(covered, clauses.count))): "
        out += "a clause is covered when some test case made it true and some made it false.</p>\n"
        out += "<p class=\"legend\"><span class=\"nt\">never true</span><span class=\"nf\">never false</span>"
        out += "<span class=\"ne\">never evaluated</span><span class=\"ok\">covered</span></p>\n"
        out += "<table>\n<tr><th>File</th><th>Covered</th><th>Clauses</th><th></th></tr>\n"
        for (i, f) in files.enumerated() {
            let mine = clauses.filter { $0.file == f }
            let n = mine.filter(\.covered).count
            out += "<tr><td><a href=\"#file\(i)\">\(escapeHTML(f))</a></td><td>\(n)</td><td>\(mine.count)</td>"
            out += "<td>\(CoverageReport.percent(n, mine.count))</td></tr>\n"
        }
        out += "</table>\n"
        let gaps = clauses.filter { !$0.covered }
        if !gaps.isEmpty {
            out += "<h2>Not covered</h2>\n<ul class=\"gaps\">\n"
            for c in gaps {
                let place = "\(c.file):\(c.location.line):\(c.location.column)"
                out += "<li><a href=\"#c\(c.id)\">\(escapeHTML(place))</a> \(escapeHTML(label(c))): "
                out += "\(escapeHTML(CoverageReport.gap(c) ?? ""))</li>\n"
            }
            out += "</ul>\n"
        }
        for (i, f) in files.enumerated() {
            out += "<h2 id=\"file\(i)\">\(escapeHTML(f))</h2>\n<pre>"
            out += source(f)
            out += "</pre>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// The file's text with each clause in a span (nested as the clauses nest).
    func source(_ path: String) -> String {
        guard let file = sources[path] else { return "" }
        let bytes = file.bytes
        let mine = clauses.filter { $0.file == path }.sorted { a, b in
            a.range.lowerBound.offset != b.range.lowerBound.offset ? a.range.lowerBound.offset < b.range.lowerBound.offset
                : a.range.upperBound.offset > b.range.upperBound.offset
        }
        var out = "<span class=\"ln\">1</span>"
        var line = 1
        var pos = 0
        var stack: [Int] = []  // end offsets of open spans
        func emit(upTo end: Int) {
            guard end > pos else { return }
            let text = String(decoding: bytes[pos..<end], as: UTF8.self)
            var first = true
            for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if !first {
                    line += 1
                    out += "\n<span class=\"ln\">\(line)</span>"
                }
                first = false
                out += escapeHTML(String(part))
            }
            pos = end
        }
        func closeSpans(through offset: Int) {
            while let top = stack.last, top <= offset {
                emit(upTo: top)
                out += "</span>"
                stack.removeLast()
            }
        }
        for c in mine {
            let start = min(max(c.range.lowerBound.offset, pos), bytes.count)
            closeSpans(through: start)
            emit(upTo: start)
            let end = min(c.range.upperBound.offset, stack.last ?? bytes.count, bytes.count)
            guard end > start else { continue }
            out += "<span id=\"c\(c.id)\" class=\"\(CoverageReport.cssClass(c))\" title=\"\(escapeHTML(CoverageReport.tooltip(c)))\">"
            stack.append(end)
        }
        closeSpans(through: bytes.count)
        emit(upTo: bytes.count)
        return out
    }
}
