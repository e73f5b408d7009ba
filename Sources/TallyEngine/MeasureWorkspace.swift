import Foundation
import TallyLanguage

/// Finds measure files and the libraries they `use`, and compiles them against the canonical
/// schema with the functions and value sets of a run.
public struct MeasureWorkspace {
    public var functions: FunctionTable
    public var valueSets: any ValueSetProvider
    public var parameterValues: [String: Value]
    /// Extra folders searched for `use "path"` after the using file's own folder.
    public var libraryRoots: [String]

    public init(functions: FunctionTable, valueSets: any ValueSetProvider = NoValueSets(), parameterValues: [String: Value] = [:],
                libraryRoots: [String] = []) {
        self.functions = functions
        self.valueSets = valueSets
        self.parameterValues = parameterValues
        self.libraryRoots = libraryRoots
    }

    /// Measure files named by paths: files as given, folders searched for `*.measure`.
    public static func measureFiles(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { missing.append(p); continue }
            if isDir.boolValue {
                files += filesUnder(p).filter { $0.hasSuffix(".measure") }
            } else {
                files.append(p)
            }
        }
        // The same file named twice (a folder and a file inside it) is checked once.
        var seen = Set<String>()
        return (files.filter { seen.insert(normalize($0)).inserted }, missing)
    }

    public static func readSource(_ path: String) -> SourceFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return SourceFile(path: path, bytes: [UInt8](data))
    }

    /// Resolves `use "lib/common"` from a file: its folder, then each library root, then each
    /// `Measures/` folder above it; `.measure` is added when missing.
    public func findLibrary(_ path: String, from file: SourceFile) -> LibraryLookup {
        let name = path.hasSuffix(".measure") ? path : path + ".measure"
        var roots = [(file.path as NSString).deletingLastPathComponent] + libraryRoots
        var dir = (file.path as NSString).deletingLastPathComponent
        while !dir.isEmpty, dir != "/", dir != "." {
            if (dir as NSString).lastPathComponent == "Measures" { roots.append(dir) }
            dir = (dir as NSString).deletingLastPathComponent
        }
        var tried: [String] = []
        for root in roots {
            let candidate = name.hasPrefix("/") ? name : normalize((root.isEmpty ? "." : root) + "/" + name)
            if tried.contains(candidate) { continue }
            tried.append(candidate)
            if let source = MeasureWorkspace.readSource(candidate) { return .found(source) }
        }
        return .notFound(tried: tried)
    }

    /// Compiles one file (a measure or a library).
    public func compile(_ file: SourceFile) -> CompilationResult {
        let input = CompilationInput(file: file, schema: CanonicalSchema.schema, functions: functions, valueSets: valueSets,
                                     parameterValues: parameterValues, loadLibrary: findLibrary)
        return Compilation.compile(input)
    }
}

/// Removes `.` and `x/..` components so the same file always has the same path.
func normalize(_ path: String) -> String {
    var parts: [String] = []
    for c in path.split(separator: "/", omittingEmptySubsequences: true) {
        if c == "." { continue }
        if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
        parts.append(String(c))
    }
    let joined = parts.joined(separator: "/")
    return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
}
