import TallyLanguage

/// A suite: the measures of a payer report with their parameters and contract targets.
///
///     suite MedicareQuality "Medicare Advantage quality, 2025"
///     period 2025
///     valuesets "../valuesets"
///     payer_type medicare
///     attribution payer
///     measure "../ecqm/CMS125.measure" target 0.80
///     measure "../ecqm/CMS165.measure" target 0.70
///
/// Lines: `suite NAME ["title"]` first; `period YEAR` or `period START END` (dates);
/// `valuesets "DIR"` (repeatable; relative to the suite file); member filters `payer X`,
/// `payer_type X`, `product_line X`, `plan X` (a member counts when an enrollment span that
/// overlaps the period matches every filter given); `attribution PROGRAM` (the attribution
/// program whose providers the report and care gaps show); and `measure "PATH" [target N]`.
/// `#` and `//` start comments.
public struct Suite: Sendable {
    public var name: String
    public var title: String?
    public var file: String
    public var period: (start: Temporal, end: Temporal)?
    public var valueSets: [String] = []
    public var filters: [(field: String, value: String)] = []
    public var attributionProgram: String?
    public var measures: [(path: String, target: Double?)] = []

    public static let filterFields = ["payer", "payer_type", "product_line", "plan"]

    /// Parses a suite; paths are resolved relative to the suite file's folder.
    public static func parse(_ source: SourceFile) -> (suite: Suite?, diagnostics: [Diagnostic]) {
        var suite = Suite(name: "", file: source.path)
        var diagnostics: [Diagnostic] = []
        let folder = directoryOf(source.path)
        for n in 1...source.lineStarts.count {
            let text = source.lineText(n)
            let words = splitWords(text)
            guard let first = words.first else { continue }
            let start = source.lineStarts[n - 1]
            func fail(_ message: String, _ word: Word? = nil, hint: String? = nil) {
                let w = word ?? first
                let lo = SourceLocation(line: n, column: w.column, offset: start + w.column - 1)
                let hi = SourceLocation(line: n, column: w.column + max(1, w.text.utf8.count), offset: start + w.column - 1 + max(1, w.text.utf8.count))
                diagnostics.append(Diagnostic(.error, code: "suite-syntax", message: message, file: source.path, range: lo..<hi, hint: hint))
            }
            let args = Array(words.dropFirst())
            if suite.name.isEmpty && first.text != "suite" {
                fail("a suite file starts with 'suite NAME'", hint: "add a first line such as: suite Quality2025 \"Quality measures 2025\"")
                return (nil, diagnostics)
            }
            switch first.text {
            case "suite":
                guard let name = args.first, !name.quoted else { fail("expected a suite name after 'suite'"); continue }
                suite.name = name.text
                suite.title = args.dropFirst().first?.text
            case "period":
                if args.count == 1, let year = Int(args[0].text), (1...9999).contains(year) {
                    suite.period = (Temporal.date(year, 1, 1).startOfDay, Temporal.date(year, 12, 31).endOfDay)
                } else if args.count == 2, case .success(let s) = Temporal.parse(args[0].text), case .success(let e) = Temporal.parse(args[1].text),
                          s.precision == .day, e.precision == .day, s.millis <= e.millis {
                    suite.period = (s.startOfDay, e.endOfDay)
                } else {
                    fail("expected 'period YEAR' or 'period START END' with dates such as 2025-01-01", args.first ?? first)
                }
            case "valuesets":
                guard args.count == 1 else { fail("expected one folder after 'valuesets'"); continue }
                suite.valueSets.append(resolve(args[0].text, in: folder))
            case let f where filterFields.contains(f):
                guard args.count == 1 else { fail("expected one value after '\(f)'"); continue }
                suite.filters.append((f, args[0].text))
            case "attribution":
                guard args.count == 1 else { fail("expected a program (such as payer) after 'attribution'"); continue }
                suite.attributionProgram = args[0].text
            case "measure":
                guard let path = args.first else { fail("expected a measure path after 'measure'"); continue }
                var target: Double?
                if args.count == 3, args[1].text == "target" {
                    guard let t = Double(args[2].text), t >= 0 else { fail("target must be a number such as 0.75", args[2]); continue }
                    target = t
                } else if args.count != 1 {
                    fail("expected 'measure \"PATH\" [target N]'", args[1]); continue
                }
                suite.measures.append((resolve(path.text, in: folder), target))
            default:
                let known = ["suite", "period", "valuesets", "attribution", "measure"] + filterFields
                fail("unknown suite line '\(first.text)'", hint: closestName(to: first.text, in: known).map { "did you mean '\($0)'?" })
            }
        }
        if suite.measures.isEmpty && !diagnostics.hasErrors {
            let loc = SourceLocation(line: 1, column: 1, offset: 0)
            diagnostics.append(Diagnostic(.error, code: "suite-syntax", message: "the suite names no measures", file: source.path,
                                          range: loc..<SourceLocation(line: 1, column: 2, offset: 1), hint: "add: measure \"path/to/M.measure\""))
        }
        return (diagnostics.hasErrors ? nil : suite, diagnostics)
    }

    /// Whether a member passes the suite's enrollment filters during the period.
    public func includes(_ member: Record) -> Bool {
        guard !filters.isEmpty else { return true }
        let schema = CanonicalSchema.self
        let spans = member.fields[schema.slot("Member", "enrollments")].asList.compactMap(\.asRecord)
        return spans.contains { span in
            if let p = period, case .interval(let iv) = span.fields[schema.slot("Enrollment", "period")] {
                let lo = iv.low.asTemporal, hi = iv.high.asTemporal
                if let hi, hi.compare(p.start, at: .day) ?? 0 < 0 { return false }
                if let lo, lo.compare(p.end, at: .day) ?? 0 > 0 { return false }
            }
            return filters.allSatisfy { f in
                span.fields[schema.slot("Enrollment", f.field)].asString?.lowercased() == f.value.lowercased()
            }
        }
    }
}

/// A word of a suite line and its 1-based column (in UTF-8 bytes).
struct Word {
    var text: String
    var column: Int
    var quoted: Bool
}

/// Splits a line into words and "quoted strings", stopping at a comment.
func splitWords(_ line: String) -> [Word] {
    var words: [Word] = []
    let bytes = Array(line.utf8)
    var i = 0
    while i < bytes.count {
        let c = bytes[i]
        if c == 0x20 || c == 0x09 { i += 1; continue }
        if c == UInt8(ascii: "#") || (c == UInt8(ascii: "/") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/")) { break }
        let start = i
        if c == UInt8(ascii: "\"") {
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += 1 }
            words.append(Word(text: String(decoding: bytes[(start + 1)..<min(i, bytes.count)], as: UTF8.self), column: start + 1, quoted: true))
            i += 1
        } else {
            while i < bytes.count, bytes[i] != 0x20, bytes[i] != 0x09 { i += 1 }
            words.append(Word(text: String(decoding: bytes[start..<i], as: UTF8.self), column: start + 1, quoted: false))
        }
    }
    return words
}

func directoryOf(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

func resolve(_ path: String, in folder: String) -> String {
    path.hasPrefix("/") ? path : normalize(folder + "/" + path)
}
