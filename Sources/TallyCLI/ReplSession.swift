import Foundation
import TallyEngine
import TallyLanguage

/// A measure or library loaded with `--measures` or `.load`.
struct ReplMeasure {
    var path: String
    var source: SourceFile
    var program: Program
    var evaluator: MeasureEvaluator
    var name: String { program.info.name }
    var isLibrary: Bool { program.info.isLibrary }
}

/// A declaration typed in the session (`define`, `population`, `use`, `valueset`, ...).
struct ReplDeclaration {
    /// What a later declaration replaces: `define x`, `population numerator`, `use "path"`.
    var key: String
    var name: String?
    var text: String
    var isPopulation: Bool
}

/// Everything a REPL session holds: the panel, the measures, the definitions typed so far,
/// the member in focus and the output settings.
final class ReplSession {
    let registry: PluginRegistry
    var options: MeasureOptions
    var dataOptions: DataOptions
    var workspace: MeasureWorkspace
    var valueSets: ValueSetStore

    var panel: Panel?
    var panelPath: String?
    var measures: [ReplMeasure] = []
    /// The loaded measure whose definitions queries and new definitions see (`.focus`).
    var focus: Int?
    /// A header typed in the session (`measure Draft "..." scoring proportion`).
    var header: String?
    var declarations: [ReplDeclaration] = []
    /// The member expressions evaluate for (`.member ID`); nil for the whole panel.
    var member: Record?

    var mode = ReplMode.table
    var timer = false
    var output: FileHandle?
    var outputPath: String?
    /// The name diagnostics give the input: `<input>` when typed, `<stdin>` or a path in scripts.
    var inputName = "<input>"
    /// True when typing at a terminal (errors then show no script line).
    var interactive = false

    static let sessionPath = "<session>"

    init(registry: PluginRegistry, options: MeasureOptions, dataOptions: DataOptions) throws {
        self.registry = registry
        self.options = options
        self.dataOptions = dataOptions
        let (store, errors) = ValueSetStore.load(directories: options.valueSetPaths, sources: registry.valueSetSources.map(\.source))
        for e in errors { writeErr("\(e): error\n") }
        self.valueSets = store
        var parameters: [String: Value] = [:]
        if let p = try options.periodValue() { parameters["period"] = p }
        // `use` paths typed in the session are found from the working folder too.
        self.workspace = MeasureWorkspace(functions: registry.functionTable, valueSets: store, parameterValues: parameters,
                                          libraryRoots: options.libraryRoots + [FileManager.default.currentDirectoryPath])
    }

    var schema: RecordSchema { CanonicalSchema.schema }
    var renderer: ReplRenderer { ReplRenderer(schema: schema, mode: mode) }

    // MARK: Output

    /// Results go to `.output` (standard output by default); errors always to standard error.
    func out(_ s: String) {
        if let output { output.write(Data(s.utf8)) } else { writeOut(s) }
    }

    func err(_ s: String) { writeErr(s) }

    // MARK: The session as a file

    /// The session's declarations as one source file: the focused measure (or the typed or
    /// default header) followed by every declaration typed, and `extra` at the end.
    func sessionSource(declarations decls: [ReplDeclaration]? = nil, extra: String = "")
        -> (file: SourceFile, extraOffset: Int, extraLine: Int) {
        let decls = decls ?? declarations
        var text: String
        var path = Self.sessionPath
        if let f = focus {
            text = String(decoding: measures[f].source.bytes, as: UTF8.self)
            path = measures[f].path
        } else {
            text = header ?? defaultHeader(decls)
        }
        if !text.hasSuffix("\n") { text += "\n" }
        for d in decls { text += d.text + (d.text.hasSuffix("\n") ? "" : "\n") }
        let extraOffset = text.utf8.count
        let extraLine = text.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        text += extra
        return (SourceFile(path: path, text: text), extraOffset, extraLine)
    }

    /// `library Session` until populations are typed, then a measure header whose scoring
    /// the populations satisfy: proportion with initial, denominator and numerator;
    /// continuous-variable with initial and measure_population; cohort with initial.
    func defaultHeader(_ decls: [ReplDeclaration]) -> String {
        let pops = Set(decls.filter(\.isPopulation).compactMap(\.name))
        guard pops.contains("initial") else { return "library Session\n" }
        let scoring = pops.isSuperset(of: ["denominator", "numerator"]) ? "proportion"
            : pops.contains("measure_population") && decls.contains(where: { $0.text.hasPrefix("observation") }) ? "continuous-variable"
            : "cohort"
        return "measure Session\n  scoring \(scoring)\n"
    }

    /// Compiles a source. While drafting, populations the scoring requires but not yet typed
    /// are stood in for by `false` (in the compiled program only, never in what `.save` writes).
    func compile(_ file: SourceFile) -> CompilationResult {
        let result = workspace.compile(file)
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard result.program == nil, !errors.isEmpty, errors.allSatisfy({ $0.code == "missing-population" }) else { return result }
        let parsed = Parser.parse(file).unit
        var scoring = "cohort"
        var declared = Set<String>()
        for d in parsed.decls {
            switch d.kind {
            case .header(_, _, _, let meta):
                for (m, _) in meta { if case .scoring(let s) = m { scoring = s } }
            case .population(let n, _): declared.insert(n.text)
            default: break
            }
        }
        let required: [String]
        switch scoring {
        case "proportion", "ratio": required = ["initial", "denominator", "numerator"]
        case "continuous-variable", "continuous_variable": required = ["initial", "measure_population"]
        default: required = ["initial"]
        }
        var text = String(decoding: file.bytes, as: UTF8.self)
        for p in required where !declared.contains(p) { text += "\npopulation \(p) = false" }
        if scoring.hasPrefix("continuous"), !parsed.decls.contains(where: { if case .observation = $0.kind { return true } else { return false } }) {
            text += "\nobservation __draft = 0 aggregate count"
        }
        var patched = workspace.compile(SourceFile(path: file.path, text: text + "\n"))
        if patched.program == nil { return result }
        patched.diagnostics.removeAll { $0.severity == .error }
        return patched
    }

    // MARK: Declarations

    /// Adds the declarations of an input to the session after checking them as part of the
    /// session's file; a declaration with the name of an earlier one replaces it.
    func declare(_ input: ReplInput) throws {
        let parsed = Parser.parse(SourceFile(path: inputName, bytes: input.bytes))
        var typedHeader: String?
        var added: [ReplDeclaration] = []
        for d in parsed.unit.decls {
            let range = d.range.lowerBound.offset..<d.range.upperBound.offset
            let text = input.text(range)
            switch d.kind {
            case .header:
                if let f = focus {
                    throw ReplError("the session is built on measure \(measures[f].name)", range: range,
                                    hint: "give .focus none to draft a new measure or library")
                }
                typedHeader = input.text(0..<range.upperBound)
            case .use(let path, _, _):
                added.append(ReplDeclaration(key: "use \(path)", name: nil, text: text, isPopulation: false))
            case .population(let n, _):
                added.append(ReplDeclaration(key: "population \(n.text)", name: n.text, text: text, isPopulation: true))
            default:
                let name = d.kind.name?.text ?? ""
                added.append(ReplDeclaration(key: "name \(name)", name: name, text: text, isPopulation: false))
            }
        }
        // A declaration replaces an earlier one of the same name (or the same `use` path).
        let keys = Set(added.map(\.key))
        let kept = declarations.filter { !keys.contains($0.key) }
        let typed = String(decoding: input.bytes, as: UTF8.self) + "\n"
        let file: SourceFile
        let region: ReplSourceMap.Region
        if typedHeader != nil {
            // A typed header starts the file: the input first, then the declarations kept.
            file = SourceFile(path: Self.sessionPath, text: typed + kept.map { $0.text + "\n" }.joined())
            region = .init(offset: 0, line: 1, length: input.bytes.count)
        } else {
            let source = sessionSource(declarations: kept, extra: typed)
            file = source.file
            region = .init(offset: source.extraOffset, line: source.extraLine, length: input.bytes.count)
        }
        let result = compile(file)
        let map = ReplSourceMap(input: input, regions: [region], displayName: inputName)
        try report(result.diagnostics, map: map, sourceFiles: result.sources)
        if let typedHeader { header = typedHeader + "\n" }
        declarations = kept + added
    }

    /// Prints warnings, and throws the rendered errors, with positions moved onto the input.
    func report(_ diagnostics: [Diagnostic], map: ReplSourceMap, sourceFiles: [SourceFile]) throws {
        var mapped: [Diagnostic] = []
        var elsewhere: [Diagnostic] = []
        var seen = Set<Diagnostic>()
        for d in diagnostics where seen.insert(d).inserted {
            if let m = map.map(d) { mapped.append(m) } else if d.severity == .error { elsewhere.append(d) }
        }
        var text = render(mapped, map)
        if !elsewhere.isEmpty, mapped.allSatisfy({ $0.severity != .error }) {
            text += DiagnosticRenderer(sources: sourceFiles).render(elsewhere)
        }
        let hasErrors = mapped.contains { $0.severity == .error } || !elsewhere.isEmpty
        if hasErrors { throw ReplDiagnosticsError(rendered: text) }
        if !text.isEmpty { err(text) }
    }

    /// Diagnostics rendered under the input. At a terminal the `<input>:1:7:` prefix is left
    /// out: the line and the caret say where.
    func render(_ ds: [Diagnostic], _ map: ReplSourceMap) -> String {
        let renderer = DiagnosticRenderer(sources: [map.renderSource])
        var out = ""
        for d in ds {
            var text = renderer.render(d)
            if interactive {
                let prefix = "\(d.file):\(d.range.lowerBound.line):\(d.range.lowerBound.column): "
                if text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
            }
            out += text
        }
        return out
    }

    /// An `unexpected-end` error just past the last thing typed, rendered like the language's.
    func diagnosticAtEnd(_ input: ReplInput, _ message: String) -> String {
        var end = input.bytes.count
        while end > 0, [0x20, 0x09, 0x0A, 0x0D].contains(input.bytes[end - 1]) { end -= 1 }
        let file = SourceFile(path: inputName, bytes: input.bytes)
        let at = file.location(at: end)
        let shift = input.firstLine - 1
        let lo = SourceLocation(line: at.line + shift, column: at.column, offset: at.offset + shift)
        let hi = SourceLocation(line: lo.line, column: lo.column + 1, offset: lo.offset + 1)
        let d = Diagnostic(.error, code: "unexpected-end", message: message, file: inputName, range: lo..<hi)
        return render([d], ReplSourceMap(input: input, regions: [], displayName: inputName))
    }

    // MARK: Queries

    /// A query compiled: the program and the define of each expression.
    struct CompiledQuery {
        var program: Program
        var defines: [Int]
    }

    /// Compiles expressions cut out of the input: the session's file, then one
    /// `define __qN =` per expression holding the input with everything else blanked.
    func compileExpressions(_ input: ReplInput, _ segments: [Range<Int>]) throws -> CompiledQuery {
        var extra = ""
        var regions: [ReplSourceMap.Region] = []
        let base = sessionSource()
        var offset = base.extraOffset
        var line = base.extraLine
        for (i, s) in segments.enumerated() {
            let head = "define __q\(i) =\n"
            extra += head
            offset += head.utf8.count
            line += 1
            regions.append(.init(offset: offset, line: line, length: input.bytes.count))
            let body = input.blanked(s)
            extra += String(decoding: body, as: UTF8.self) + "\n"
            offset += body.count + 1
            line += body.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }
        let source = sessionSource(extra: extra)
        let result = compile(source.file)
        let map = ReplSourceMap(input: input, regions: regions, displayName: inputName)
        try report(result.diagnostics, map: map, sourceFiles: result.sources)
        guard let program = result.program else { throw ReplError("the query did not compile") }
        let defines = segments.indices.map { program.defineIndex("__q\($0)")! }
        return CompiledQuery(program: program, defines: defines)
    }

    /// The session's file as a program (for completion, `.valuesets` and `.save`).
    func sessionProgram() -> Program? {
        compile(sessionSource().file).program
    }

    // MARK: Measures and data

    /// Compiles measure and library files; measures are added (replacing one of the same
    /// name), libraries become `use` lines of the session.
    @discardableResult
    func load(paths: [String], range: Range<Int>? = nil, focusSingle: Bool = true) throws -> [String] {
        let (files, missing) = MeasureWorkspace.measureFiles(paths)
        if let m = missing.first { throw ReplError("no such file or folder: \(m)", range: range) }
        if files.isEmpty { throw ReplError("no .measure files in \(paths.joined(separator: ", "))", range: range) }
        var loaded: [String] = []
        var failures = ""
        var lastMeasure: Int?
        for path in files {
            guard let source = MeasureWorkspace.readSource(path) else { throw ReplError("cannot read \(path)", range: range) }
            let result = workspace.compile(source)
            let errors = result.diagnostics.filter { $0.severity == .error }
            if !errors.isEmpty || result.program == nil {
                failures += DiagnosticRenderer(sources: result.sources).render(errors)
                continue
            }
            let program = result.program!
            if program.info.isLibrary {
                let use = "use \"\(path.hasSuffix(".measure") ? String(path.dropLast(8)) : path)\""
                if !declarations.contains(where: { $0.key == "use \(path)" || $0.text == use }) {
                    declarations.append(ReplDeclaration(key: "use \(path)", name: nil, text: use, isPopulation: false))
                }
                loaded.append("library \(program.info.name)")
                continue
            }
            let m = ReplMeasure(path: path, source: source, program: program, evaluator: MeasureEvaluator(program: program))
            if let i = measures.firstIndex(where: { $0.name == m.name }) {
                measures[i] = m
                lastMeasure = i
            } else {
                measures.append(m)
                lastMeasure = measures.count - 1
            }
            loaded.append("measure \(m.name)")
        }
        if focusSingle, let i = lastMeasure, loaded.filter({ $0.hasPrefix("measure") }).count == 1 {
            try? setFocus(i)
        }
        if !failures.isEmpty { throw ReplDiagnosticsError(rendered: failures) }
        return loaded
    }

    /// Focuses a measure: its definitions become visible to queries and new definitions.
    func setFocus(_ index: Int?) throws {
        let previous = focus
        focus = index
        let result = compile(sessionSource().file)
        if result.program == nil {
            focus = previous
            throw ReplDiagnosticsError(rendered: DiagnosticRenderer(sources: result.sources).render(result.diagnostics.filter { $0.severity == .error }))
        }
    }

    func measure(named name: String, range: Range<Int>?) throws -> ReplMeasure {
        if let m = measures.first(where: { $0.name == name }) ?? measures.first(where: { $0.name.lowercased() == name.lowercased() }) {
            return m
        }
        let known = measures.map(\.name)
        throw ReplError("no measure '\(name)' is loaded", range: range,
                        hint: closestName(to: name, in: known).map { "did you mean '\($0)'?" }
                            ?? (known.isEmpty ? "load one with .load FILE" : "loaded: " + known.joined(separator: ", ")))
    }

    func loadPanel(_ path: String, range: Range<Int>?) throws -> Panel {
        guard FileManager.default.fileExists(atPath: path) else { throw ReplError("no such file or folder: \(path)", range: range) }
        guard let loader = registry.loader(format: dataOptions.inputFormat, path: path) else {
            let formats = registry.loaders.map(\.loader.format).joined(separator: ", ")
            throw ReplError("cannot tell the format of \(path)", range: range, hint: "start with --input-format (one of: \(formats))")
        }
        do {
            return try loader.load(path: path, options: dataOptions.loadOptions)
        } catch let r as Rejection {
            throw ReplError("rejected input: \(r)", range: range)
        }
    }

    /// One line about a panel: members, records and rejections.
    static func panelSummary(_ panel: Panel, path: String) -> String {
        let r = panel.report
        let records = r.records.filter { $0.key != "Member" }.values.reduce(0, +)
        var s = "\(path): \(panel.members.count) member\(panel.members.count == 1 ? "" : "s"), \(records) records, \(r.rejections.count) rejected"
        if !r.rejections.isEmpty { s += " (" + r.rejectedByReason.map { "\($0.reason) \($0.count)" }.joined(separator: ", ") + ")" }
        return s + "\n"
    }

    /// The members queries run over: the focused member, or the whole panel.
    func queryMembers() -> [Record] {
        if let member { return [member] }
        return panel?.members ?? []
    }

    func findMember(_ id: String) -> Record? {
        guard let members = panel?.members else { return nil }
        // Members are sorted by id.
        var lo = 0, hi = members.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Panel.id(of: members[mid]) < id { lo = mid + 1 } else { hi = mid }
        }
        if lo < members.count, Panel.id(of: members[lo]) == id { return members[lo] }
        return members.first { Panel.id(of: $0) == id }
    }
}
