import TallyLanguage

/// A plugin adds formats, functions, value-set sources or reports to Tally. Plugins depend on
/// this module only, never on each other; the executable lists them in one place.
///
///     struct MyPlugin: TallyPlugin {
///         var name: String { "my-plugin" }
///         var summary: String { "adds double(Integer)" }
///         func register(into registry: inout PluginRegistry) {
///             registry.add(functions: [FunctionDefinition(name: "double", parameters: [.integer], result: .integer) { a in
///                 if case .integer(let i) = a[0] { return .integer(i * 2) } else { return .null }
///             }], from: name)
///         }
///     }
public protocol TallyPlugin: Sendable {
    var name: String { get }
    var summary: String { get }
    func register(into registry: inout PluginRegistry)
}

/// Reads value-set definitions from files it recognises.
public protocol ValueSetSource: Sendable {
    /// A short name, such as `fhir-valueset-json`.
    var format: String { get }
    /// Whether this source reads the file at `path` (by extension or content).
    func canRead(path: String) -> Bool
    /// The value sets a file defines. Throws `ValueSetError` with the file and reason.
    func read(path: String) throws -> [ValueSetDefinition]
}

/// A value set: its canonical URL (or OID), a name, and its codes.
public struct ValueSetDefinition: Sendable {
    public var url: String
    public var name: String?
    public var codes: [Code]
    public init(url: String, name: String? = nil, codes: [Code]) {
        self.url = url
        self.name = name
        self.codes = codes
    }
}

public struct ValueSetError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var reason: String
    public init(file: String, line: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

/// Everything the plugins provide, filled from an explicit list by the executable.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [(name: String, summary: String)] = []
    public private(set) var valueSetSources: [(plugin: String, source: any ValueSetSource)] = []
    public private(set) var functions: [(plugin: String, definition: FunctionDefinition)] = []
    public private(set) var loaders: [(plugin: String, loader: any PanelLoader)] = []
    public private(set) var generators: [(plugin: String, generator: any PanelGenerator)] = []
    public private(set) var reporters: [(plugin: String, reporter: any Reporter)] = []
    public private(set) var testCaseSources: [(plugin: String, source: any TestCaseSource)] = []
    public private(set) var testFileReaders: [(plugin: String, reader: any TestFileReader)] = []

    public init(plugins list: [any TallyPlugin] = []) {
        for p in list {
            plugins.append((p.name, p.summary))
            p.register(into: &self)
        }
    }

    public mutating func add(valueSetSource: any ValueSetSource, from plugin: String) {
        valueSetSources.append((plugin, valueSetSource))
    }

    public mutating func add(loader: any PanelLoader, from plugin: String) {
        loaders.append((plugin, loader))
    }

    public mutating func add(testCaseSource: any TestCaseSource, from plugin: String) {
        testCaseSources.append((plugin, testCaseSource))
    }

    public mutating func add(testFileReader: any TestFileReader, from plugin: String) {
        testFileReaders.append((plugin, testFileReader))
    }

    public mutating func add(reporter: any Reporter, from plugin: String) {
        reporters.append((plugin, reporter))
    }

    public mutating func add(generator: any PanelGenerator, from plugin: String) {
        generators.append((plugin, generator))
    }

    /// The loader for `--input-format NAME`, or the first that recognises the path.
    public func loader(format: String?, path: String) -> (any PanelLoader)? {
        if let format { return loaders.first { $0.loader.format == format }?.loader }
        return loaders.first { $0.loader.canLoad(path: path) }?.loader
    }

    public mutating func add(functions defs: [FunctionDefinition], from plugin: String) {
        functions += defs.map { (plugin, $0) }
    }

    /// The function table the checker sees.
    public var functionTable: FunctionTable { FunctionTable(functions.map(\.definition)) }
}
