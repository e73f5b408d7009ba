#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TallyEngine
import TallyLanguage

/// Why a row is rejected: a stable reason code and a message naming the column and value.
///
/// Reason codes: `column-count`, `missing-value`, `bad-date`, `bad-number`, `bad-value`,
/// `unknown-code-system`, `duplicate-line`, `end-before-start`, `claim-member-mismatch`,
/// `panel-mismatch` (observation.csv blood-pressure panels, after the last row); per file
/// `missing-column`, `unterminated-quote`, `unreadable`; per member `no-member` (MemberAssembler).
struct RowError: Error {
    var code: String
    var message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// State shared by the tables of one load: the members being assembled, what was rejected, and
/// the interned strings and codes.
final class LoadContext {
    let options: LoadOptions
    var report = LoadReport()
    var assembler: MemberAssembler
    let strings = Interner()
    let systems = CodeSystems()
    /// The file being read, as rejections name it.
    var file = ""

    /// The member of the previous lookup (rows of one member are usually together).
    private var last = RepeatedBytes<MemberAssembler.Builder>()

    /// Set when lines count from the first row of a part of the file rather than from the file's
    /// start (`OnePassLoad`): the numbers become the file's lines once the earlier parts are counted.
    let relativeLines: RelativeLines?

    init(options: LoadOptions, relativeLines: RelativeLines? = nil) {
        self.options = options
        self.assembler = MemberAssembler(keeping: options.recordTests)
        self.relativeLines = relativeLines
    }

    /// Whether a record of `info`'s kind for the member `list`, with this code's concept in its
    /// `field`, can pass some query of the run (`RecordTest.mayKeep`); when not, it is counted as
    /// left out and the caller does not make it. Asked after the row is checked, so a row left
    /// out is still rejected for what is wrong with it, and its member is still noted (a member
    /// without a patient row is rejected with every record read for it). Each code's answer is
    /// kept with the code; the member is looked up only for a record left out.
    func mayKeep(_ code: CodeSystems.CodeEntry, list: Int, field: Int, _ info: KindInfo,
                 of member: @autoclosure () -> MemberAssembler.Builder) -> Bool {
        if mayPass(code, list: list, field: field) { return true }
        member().countLeftOut(kind: info.kind)
        return false
    }

    /// The run's test of encounters when it reads only the fields a loader fills first (status,
    /// class, type, setting, diagnoses), so an encounter can be tested before the rest of it is
    /// made; nil when there is no test or it reads other fields.
    lazy var earlyEncounterTest: RecordTest? = {
        let K = EncounterSlot.all
        return assembler.test(forList: MemberSlot.all.encounters)
            .flatMap { $0.fields.isSubset(of: [K.status, K.klass, K.type, K.setting, K.diagnoses]) ? $0 : nil }
    }()

    /// `mayKeep` without counting: whether the list's test (none: yes) can pass a record with
    /// this code in `field`. Each code's answer is kept with the code.
    func mayPass(_ code: CodeSystems.CodeEntry, list: Int, field: Int) -> Bool {
        guard let test = assembler.test(forList: list) else { return true }
        let bit: UInt64 = 1 << UInt64(list)
        if code.tested & bit == 0 {
            code.tested |= bit
            if test.mayKeep(code.conceptValue, field: field) { code.passed |= bit }
        }
        return code.passed & bit != 0
    }

    /// A line number as a rejection's message names it (marked for rewriting when lines are relative).
    func lineText(_ line: Int) -> String { relativeLines?.mark(line) ?? String(line) }

    /// Records a rejection, or throws it under `--strict`.
    func reject(_ line: Int?, _ code: String, _ message: String) throws {
        let r = Rejection(file: file, line: line, code: code, message: message)
        if options.strict { throw r }
        report.rejections.append(r)
    }

    /// The builder of the member whose id the bytes hold. `line` is where a record of theirs
    /// was read, reported if the member never appears in patient or eligibility rows.
    @inline(__always)
    func member(_ id: Bytes, line: Int) -> MemberAssembler.Builder {
        if let b = last.value(for: id) { return b }
        let s = strings.intern(id)
        let b = assembler.member(s)
        assembler.noteSource(s, file: file, line: line)
        last.set(id, b)
        return b
    }

    /// Interned text of a field; nil when empty.
    @inline(__always)
    func text(_ b: Bytes) -> String? { b.isEmpty ? nil : strings.intern(b) }

    private let lowerTable = ByteTable<String>(capacity: 64)
    private let paddedTable = ByteTable<String>(capacity: 64)

    /// Interned lower-case text of a field; nil when empty.
    func lowercased(_ b: Bytes) -> String? { b.isEmpty ? nil : lowerTable.value(b) { ByteParse.string($0).lowercased() } }

    /// Interned text left-padded with zeros to `n` characters (`450` → `0450`).
    func padded(_ b: Bytes, _ n: Int) -> String { paddedTable.value(b, tag: UInt64(n)) { ByteParse.string($0).leftPadded(n) } }
}

/// A file's header: column names (trimmed, lower-cased) to field positions.
struct Columns {
    let names: [String]
    private let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var m: [String: Int] = [:]
        for (i, n) in names.enumerated() where m[n] == nil { m[n] = i }
        index = m
    }

    /// The position of a column, or -1 when the file has no such column (reads as empty).
    func callAsFunction(_ name: String) -> Int { index[name] ?? -1 }

    func has(_ name: String) -> Bool { index[name] != nil }

    /// Numbered columns `prefix1`, `prefix2`, ... (`diagnosis_code_1` ...) in number order, with
    /// -1 for gaps, up to the highest number present.
    func numbered(_ prefix: String) -> [Int] {
        var found: [Int: Int] = [:]
        for (i, n) in names.enumerated() where n.hasPrefix(prefix) {
            if let k = Int(n.dropFirst(prefix.count)), k >= 1, k <= 999, found[k] == nil { found[k] = i }
        }
        guard let top = found.keys.max() else { return [] }
        return (1...top).map { found[$0] ?? -1 }
    }
}

/// The current row, read through the header's column positions. Typed accessors throw a
/// `RowError` naming the column and the bad value.
struct Row {
    let reader: CSVReader
    let columns: Columns
    /// The last date read from each column: dates repeat on a claim's lines and a member's rows.
    private let dates: DateMemo

    init(reader: CSVReader, columns: Columns) {
        self.reader = reader
        self.columns = columns
        dates = DateMemo(columns: columns.names.count)
    }

    var line: Int { reader.rowLine }

    /// Whether the columns `c[k...]` are all empty, when `k` is at or past `tail`
    /// (`consecutiveTail(c)`): from there they are consecutive columns of the file, in order, so
    /// one look at their spans tells (`CSVReader.allEmpty`); a loop over numbered code columns
    /// stops there. False (keep looking one by one) before the tail.
    @inline(__always)
    func restEmpty(_ c: [Int], from k: Int, tail: Int) -> Bool {
        let last = c.count - 1
        return k >= tail && k <= last && reader.allEmpty(c[k], c[last])
    }

    /// The first index from which the column positions `c` run consecutively upwards (`c[j + 1]
    /// == c[j] + 1`) to the end: numbered columns in a header's own order, but not in one that
    /// lists them out of order or apart.
    static func consecutiveTail(_ c: [Int]) -> Int {
        var k = c.count - 1
        while k > 0 && c[k - 1] + 1 == c[k] { k -= 1 }
        return max(0, k)
    }

    @inline(__always) func bytes(_ c: Int) -> Bytes { reader.field(c) }
    @inline(__always) func has(_ c: Int) -> Bool { !reader.field(c).isEmpty }
    /// Whether the field is empty (a quick test on the raw span first: most are).
    @inline(__always) func isEmpty(_ c: Int) -> Bool { reader.isEmpty(c) }

    func name(_ c: Int) -> String { c >= 0 && c < columns.names.count ? columns.names[c] : "?" }

    /// The field's bytes; a `missing-value` rejection when empty.
    func required(_ c: Int) throws -> Bytes {
        let b = reader.field(c)
        if b.isEmpty { throw RowError("missing-value", "\(name(c)) is empty") }
        return b
    }

    /// A String made for this row only (ids); nil when empty.
    func string(_ c: Int) -> String? {
        let b = reader.field(c)
        return b.isEmpty ? nil : ByteParse.string(b)
    }

    func date(_ c: Int) throws -> Temporal? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        if let t = dates.lookup(c, b) { return t }
        switch ByteParse.date(b) {
        case .success(let t):
            dates.store(c, b, t)
            return t
        case .failure(let f): throw RowError("bad-date", "\(name(c)) \(ByteParse.quoted(b)) is not a date: \(f.message)")
        }
    }

    func dateTime(_ c: Int) throws -> Temporal? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        switch ByteParse.dateTime(b) {
        case .success(let t): return t
        case .failure(let f): throw RowError("bad-date", "\(name(c)) \(ByteParse.quoted(b)) is not a date-time: \(f.message)")
        }
    }

    func amount(_ c: Int) throws -> Int64? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        guard let v = ByteParse.amount(b) else { throw RowError("bad-number", "\(name(c)) \(ByteParse.quoted(b)) is not an amount") }
        return v
    }

    func double(_ c: Int) throws -> Double? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        guard let v = ByteParse.double(b) else { throw RowError("bad-number", "\(name(c)) \(ByteParse.quoted(b)) is not a number") }
        return v
    }

    func integer(_ c: Int) throws -> Int? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        guard let v = ByteParse.integer(b) else { throw RowError("bad-number", "\(name(c)) \(ByteParse.quoted(b)) is not a whole number") }
        return v
    }

    func flag(_ c: Int) throws -> Bool? {
        let b = reader.field(c)
        if b.isEmpty { return nil }
        guard let v = ByteParse.flag(b) else {
            throw RowError("bad-value", "\(name(c)) \(ByteParse.quoted(b)) is not a flag (1/0, true/false, yes/no, y/n)")
        }
        return v
    }

    /// The code system of a code-type column; `fallback` when the field is empty.
    func system(_ c: Int, _ systems: CodeSystems, fallback: Int? = nil) throws -> Int? {
        let b = reader.field(c)
        if b.isEmpty { return fallback }
        guard let s = systems.system(type: b) else {
            throw RowError("unknown-code-system", "\(name(c)) \(ByteParse.quoted(b)) is not a known code type "
                + "(icd-10-cm, icd-10-pcs, hcpcs, cpt, loinc, snomed-ct, rxnorm, ndc, cvx, ... or a URL)")
        }
        return s
    }

    /// The interned code in column `c` (normalised for its system); a `bad-value` rejection when
    /// nothing is left of it (`--` as an NDC).
    func code(_ c: Int, _ system: Int, _ systems: CodeSystems) throws -> CodeSystems.CodeEntry {
        let b = reader.field(c)
        guard let entry = systems.code(system, b) else {
            throw RowError(b.isEmpty ? "missing-value" : "bad-value", "\(name(c)) \(ByteParse.quoted(b)) is not a code")
        }
        return entry
    }

    /// Rejects a span whose end is before its start.
    func checkOrder(_ start: Temporal?, _ end: Temporal?, _ startColumn: Int, _ endColumn: Int) throws {
        if let s = start, let e = end, e.millis < s.millis {
            throw RowError("end-before-start", "\(name(endColumn)) \(e) is before \(name(startColumn)) \(s)")
        }
    }
}

/// The last date parsed from each column, by its ten bytes (`YYYY-MM-DD`; other lengths are
/// always parsed). Only dates that parsed are kept, so a bad date is rejected every time.
final class DateMemo {
    private let keys: UnsafeMutablePointer<(UInt64, UInt16)>
    /// Nil until the column's first date is stored.
    private let values: UnsafeMutablePointer<Temporal?>
    private let count: Int

    init(columns: Int) {
        count = columns
        keys = .allocate(capacity: max(1, columns))
        keys.initialize(repeating: (0, 0), count: max(1, columns))
        values = .allocate(capacity: max(1, columns))
        values.initialize(repeating: nil, count: max(1, columns))
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    @inline(__always)
    private static func key(_ b: Bytes) -> (UInt64, UInt16) {
        let raw = UnsafeRawPointer(b.baseAddress!)
        return (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
    }

    /// The date last stored for the column when the bytes are the same ten bytes.
    @inline(__always)
    func lookup(_ c: Int, _ b: Bytes) -> Temporal? {
        guard b.count == 10, c >= 0, c < count else { return nil }
        let k = Self.key(b)
        return keys[c] == k ? values[c] : nil  // nil when nothing was stored yet
    }

    @inline(__always)
    func store(_ c: Int, _ b: Bytes, _ t: Temporal) {
        guard b.count == 10, c >= 0, c < count else { return }
        keys[c] = Self.key(b)
        values[c] = t
    }
}

/// One input table: its file name, required columns, and how a row maps into the model.
protocol Table: AnyObject {
    static var fileName: String { get }
    /// Required columns; each entry lists alternatives, one of which must be present.
    static var required: [[String]] { get }
    init(columns: Columns, context: LoadContext)
    /// Maps one row (throws `RowError` to reject it; records are added only when it succeeds).
    func row(_ r: Row) throws
    /// Called after the last row (claims are built here, from all their lines).
    func finish() throws
    /// An id that must agree across the whole file, whichever member a row is for.
    static var sharedKey: SharedKey? { get }
    /// The member fields this table's records go into: a run that reads none of them skips the
    /// file (`LoadOptions.memberFields`). Nil for tables that are always read (the member
    /// tables, which say who the members are).
    static var memberFields: [String]? { get }
}

extension Table {
    func finish() throws {}
    static var sharedKey: SharedKey? { nil }
    static var memberFields: [String]? { nil }

    /// Whether a load with these options reads this table.
    static func isRead(with options: LoadOptions) -> Bool { memberFields.map(options.needs(anyOf:)) ?? true }
}

enum TableReader {
    /// Reads one table file if the folder has it. Bad rows are rejected through the context.
    static func read<T: Table>(_ type: T.Type, folder: String, context ctx: LoadContext, chunkSize: Int = 1 << 20) throws {
        guard let reader = try open(T.self, folder: folder, context: ctx, chunkSize: chunkSize) else { return }
        try read(T.self, reader: reader, context: ctx)
    }

    /// Opens a table file if the folder has it, naming it in the report (and as the file of the
    /// context's rejections); nil when there is none, or (rejected as `unreadable`) when it
    /// cannot be opened.
    static func open<T: Table>(_ type: T.Type, folder: String, context ctx: LoadContext, chunkSize: Int = 1 << 20) throws -> CSVReader? {
        let path = Self.path(folder, T.fileName)
        var isDir = false
        guard fileExists(path, &isDir), !isDir else { return nil }
        ctx.file = path
        guard let reader = CSVReader(path: path, chunkSize: chunkSize) else {
            try ctx.reject(nil, "unreadable", "cannot open the file: \(String(cString: strerror(errno)))")
            return nil
        }
        ctx.report.files.append(path)
        return reader
    }

    /// Reads a table's rows into the context. `checkKeys` is off for the part files of a panel
    /// loaded in parts: their shared keys were checked when the source file was split.
    static func read<T: Table>(_ type: T.Type, reader: CSVReader, context ctx: LoadContext, checkKeys: Bool = true) throws {
        guard let columns = try header(T.self, reader, ctx) else { return }
        try read(T.self, reader: reader, columns: columns, context: ctx, keys: checkKeys ? KeyCheck(T.sharedKey, columns) : nil)
    }

    /// Reads a table's rows after its header. `skipping` names lines that were rejected already
    /// (when a file in person order is loaded in ranges, its scan checked them): they are passed
    /// over without a second rejection.
    /// A `range` stops the read (throwing `PersonRange.Outside`) at the first well-formed row
    /// whose person id is out of order or outside it.
    static func read<T: Table>(_ type: T.Type, reader: CSVReader, columns: Columns, context ctx: LoadContext,
                               keys: KeyCheck? = nil, skipping skip: Set<Int> = [], range: PersonRange? = nil) throws {
        let table = T(columns: columns, context: ctx)
        let row = Row(reader: reader, columns: columns)
        while let ok = try next(reader, width: columns.names.count, ctx, skipping: skip) {
            guard ok else { continue }
            try range?.admit(row)
            do {
                try keys?.check(row)
                try table.row(row)
            } catch let e as RowError {
                try ctx.reject(reader.rowLine, e.code, e.message)
            }
        }
        try finishFile(reader, ctx)
        try table.finish()
    }

    /// Reads the header row; nil (with the file's rows rejected and counted) when it is broken
    /// or lacks a required column, or when the file is empty.
    static func header<T: Table>(_ type: T.Type, _ reader: CSVReader, _ ctx: LoadContext) throws -> Columns? {
        let event = reader.next()
        if event == .unterminatedQuote {
            let headerLine = reader.rowLine
            var rows = 0
            while reader.next() != .end { rows += 1 }
            try ctx.reject(headerLine, "unterminated-quote", "the header has a quoted field that is never closed; "
                + "the file's \(rows) row\(rows == 1 ? " is" : "s are") skipped")
            return nil
        }
        guard event == .row else { return nil }  // an empty file has no rows to lose
        var names: [String] = []
        for i in 0..<reader.fieldCount { names.append(reader.string(i).lowercased()) }
        let columns = Columns(names)
        let missing = T.required.filter { alternatives in !alternatives.contains(where: columns.has) }
        if !missing.isEmpty {
            var rows = 0
            while reader.next() != .end { rows += 1 }
            let list = missing.map { $0.map { "'\($0)'" }.joined(separator: " or ") }.joined(separator: ", ")
            try ctx.reject(1, "missing-column", "missing required column\(missing.count == 1 ? "" : "s") \(list); "
                + "the file's \(rows) row\(rows == 1 ? " is" : "s are") skipped")
            return nil
        }
        return columns
    }

    /// Reads the next row: true when it is well formed, false when it was rejected (a quote never
    /// closed, or a field count other than the header's), nil at the end of the file.
    static func next(_ reader: CSVReader, width: Int, _ ctx: LoadContext, skipping skip: Set<Int> = []) throws -> Bool? {
        let event = reader.next()
        if event != .end, !skip.isEmpty, skip.contains(reader.rowLine) { return false }
        switch event {
        case .end:
            return nil
        case .unterminatedQuote:
            try ctx.reject(reader.rowLine, "unterminated-quote", "a quoted field that starts on this line is never closed")
            return false
        case .row:
            if reader.fieldCount != width {
                try ctx.reject(reader.rowLine, "column-count", "expected \(width) fields, as in the header, but found \(reader.fieldCount)")
                return false
            }
            return true
        }
    }

    /// Reports a read that stopped part-way.
    static func finishFile(_ reader: CSVReader, _ ctx: LoadContext) throws {
        if reader.readError != 0 {
            try ctx.reject(reader.line, "unreadable", "reading stopped at this line: \(String(cString: strerror(reader.readError)))")
        }
    }

    /// A file in a folder (the folder given with or without a trailing slash).
    static func path(_ folder: String, _ name: String) -> String { folder.hasSuffix("/") ? folder + name : folder + "/" + name }

    /// A file's size in bytes; 0 when it cannot be read.
    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    static func fileExists(_ path: String, _ isDir: inout Bool) -> Bool {
        var d: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &d) else { return false }
        isDir = d.boolValue
        return true
    }
}
