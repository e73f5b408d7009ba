/// What a compilation needs: the file, the record schema and functions the engine provides, the
/// value sets loaded, parameter overrides, and a way to find `use`d libraries.
public struct CompilationInput {
    public var file: SourceFile
    public var schema: RecordSchema
    public var functions: FunctionTable
    public var valueSets: any ValueSetProvider
    /// Values that override parameter defaults (such as `period` from `--period 2025`).
    public var parameterValues: [String: Value]
    /// Finds a library by the path written in `use`, relative to the using file.
    public var loadLibrary: (_ path: String, _ from: SourceFile) -> LibraryLookup
    /// When set, the compiled program counts the outcome of every clause into it (clause
    /// coverage); nil (the default) compiles exactly as fast as ever.
    public var coverage: CoverageRecorder?

    public init(file: SourceFile, schema: RecordSchema, functions: FunctionTable = FunctionTable(),
                valueSets: any ValueSetProvider = NoValueSets(), parameterValues: [String: Value] = [:],
                loadLibrary: @escaping (String, SourceFile) -> LibraryLookup = { _, _ in .notFound(tried: []) },
                coverage: CoverageRecorder? = nil) {
        self.file = file
        self.schema = schema
        self.functions = functions
        self.valueSets = valueSets
        self.parameterValues = parameterValues
        self.loadLibrary = loadLibrary
        self.coverage = coverage
    }
}

public enum LibraryLookup {
    case found(SourceFile)
    case notFound(tried: [String])
}

/// The result of compiling: a program when there were no errors, and every diagnostic.
public struct CompilationResult {
    public var program: Program?
    public var diagnostics: [Diagnostic]
    /// Every source file read, for rendering diagnostics.
    public var sources: [SourceFile]
}

public enum Compilation {
    /// Parses, checks and compiles a measure or library file and the libraries it uses.
    ///
    ///     let result = Compilation.compile(CompilationInput(file: file, schema: schema))
    ///     if let program = result.program { ... } else { print(renderer.render(result.diagnostics)) }
    public static func compile(_ input: CompilationInput) -> CompilationResult {
        let checker = Checker(input: input)
        checker.run()
        let diagnostics = checker.diagnostics.sorted { a, b in
            a.file == b.file ? a.range.lowerBound < b.range.lowerBound : a.file == input.file.path || (b.file != input.file.path && a.file < b.file)
        }
        var program: Program?
        if !diagnostics.hasErrors {
            program = CodeGenerator(checker: checker).program()
        }
        return CompilationResult(program: program, diagnostics: diagnostics, sources: checker.units.map(\.source.file))
    }

    /// Compiles and evaluates one expression without a member: the expression tests and
    /// `tally -c` use this for constant expressions.
    public static func evaluate(_ text: String, schema: RecordSchema = RecordSchema(kinds: [RecordKind(name: "Member", fields: [])], rootKind: "Member"),
                                functions: FunctionTable = FunctionTable()) -> Result<Value, Diagnostics> {
        let source = "library expression\ndefine result =\n" + text
        let file = SourceFile(path: "<expression>", text: source)
        let result = compile(CompilationInput(file: file, schema: schema, functions: functions))
        guard let program = result.program else { return .failure(Diagnostics(items: result.diagnostics)) }
        let rootIndex = schema.index(of: schema.rootKind)!
        let member = Record.make(kind: rootIndex, count: schema.root.fields.count)
        let ctx = program.evaluation(member: member)
        let v = ctx.value(ofDefine: program.defineIndex("result")!)
        return .success(v)
    }
}

/// Diagnostics as an error value.
public struct Diagnostics: Error, Sendable {
    public var items: [Diagnostic]
}
