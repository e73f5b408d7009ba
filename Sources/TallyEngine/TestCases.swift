import TallyLanguage

/// One test case with expected population counts, such as a MADiE export folder: a folder of
/// FHIR resources for one patient and a MeasureReport holding the expectations.
public struct ExpectedCase: Sendable {
    public var name: String
    /// The folder (or file) holding the case's member data, loaded with the panel loaders.
    public var dataPath: String
    /// Expected count per population (0 or 1 per member-basis case).
    public var expected: [PopulationKind: Int]
    /// The measurement period the expectations were computed for, as written in the case.
    public var periodStart: String?
    public var periodEnd: String?

    public init(name: String, dataPath: String, expected: [PopulationKind: Int], periodStart: String? = nil, periodEnd: String? = nil) {
        self.name = name
        self.dataPath = dataPath
        self.expected = expected
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// Finds expected-result test cases in a folder (MADiE exports, say).
public protocol TestCaseSource: Sendable {
    var format: String { get }
    /// Whether the folder holds cases this source reads.
    func canRead(directory: String) -> Bool
    /// Every case in the folder; loose files beside case folders are ignored.
    func cases(in directory: String) throws -> [ExpectedCase]
}

// MARK: - Hand-written test files

/// A test file written by hand next to a measure (`*.tests.yaml`): the measure it tests, the
/// period and value sets to run it with, and its cases, each one member built as canonical records.
public struct TestFile: Sendable {
    /// The test file itself.
    public var path: String
    /// The measure file, resolved relative to the test file's folder.
    public var measurePath: String
    /// Where the measure was named in the test file, for errors about it.
    public var measureLocation: TestFileLocation
    /// The measurement period (a closed date-time interval of whole days), or nil for the
    /// measure's own default.
    public var period: Value?
    /// Value-set folders, resolved relative to the test file's folder.
    public var valueSetPaths: [String]
    public var cases: [TestFileCase]

    public init(path: String, measurePath: String, measureLocation: TestFileLocation, period: Value? = nil,
                valueSetPaths: [String] = [], cases: [TestFileCase] = []) {
        self.path = path
        self.measurePath = measurePath
        self.measureLocation = measureLocation
        self.period = period
        self.valueSetPaths = valueSetPaths
        self.cases = cases
    }
}

/// A line and column in a test file (1-based; columns in UTF-8 bytes, as everywhere in Tally).
public struct TestFileLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// One case of a test file: a member and what is expected of them.
public struct TestFileCase: @unchecked Sendable {
    public var name: String
    public var location: TestFileLocation
    /// The member record (kind `Member` of `CanonicalSchema`), with every record list filled.
    public var member: Record
    /// Expected populations; the ones not listed are not checked.
    public var expected: [(population: PopulationKind, expectation: PopulationExpectation, location: TestFileLocation)]
    /// Expected values of named defines.
    public var defines: [DefineExpectation]

    public init(name: String, location: TestFileLocation, member: Record,
                expected: [(population: PopulationKind, expectation: PopulationExpectation, location: TestFileLocation)] = [],
                defines: [DefineExpectation] = []) {
        self.name = name
        self.location = location
        self.member = member
        self.expected = expected
        self.defines = defines
    }
}

/// What a case expects of one population.
public enum PopulationExpectation: Sendable, Equatable, CustomStringConvertible {
    /// In the population (for an episode-basis measure: with at least one episode) or not.
    case member(Bool)
    /// The number of subjects in it: 0 or 1 for a member-basis measure, episodes otherwise.
    case count(Int)

    /// Whether `count` subjects in the population meet the expectation.
    public func holds(count: Int) -> Bool {
        switch self {
        case .member(let b): return b == (count > 0)
        case .count(let n): return n == count
        }
    }

    public var description: String {
        switch self {
        case .member(let b): return b ? "true" : "false"
        case .count(let n): return String(n)
        }
    }
}

/// The expected value of a named define.
public struct DefineExpectation: Sendable {
    public indirect enum Expected: Sendable, CustomStringConvertible {
        /// The value as the language writes it (`Value.description`); a string may be written
        /// without quotes and a date or date-time without `@`.
        case text(String)
        /// A list with this many items.
        case count(Int)
        /// A list whose items are, in order, as given.
        case items([Expected])

        public var description: String {
            switch self {
            case .text(let t): return t
            case .count(let n): return "count \(n)"
            case .items(let xs): return "[" + xs.map(\.description).joined(separator: ", ") + "]"
            }
        }

        /// Whether a value meets the expectation.
        public func matches(_ v: Value) -> Bool {
            switch self {
            case .count(let n):
                if case .list(let xs) = v { return xs.count == n }
                return false
            case .items(let expected):
                guard case .list(let xs) = v, xs.count == expected.count else { return false }
                return zip(expected, xs).allSatisfy { $0.matches($1) }
            case .text(let t):
                if v.description == t { return true }
                switch v {
                case .string(let s): return s == t
                case .temporal(let d): return d.description == t
                default: return false
                }
            }
        }
    }

    public var name: String
    public var expected: Expected
    public var location: TestFileLocation

    public init(name: String, expected: Expected, location: TestFileLocation) {
        self.name = name
        self.expected = expected
        self.location = location
    }
}

/// A malformed test file: where and why.
public struct TestFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var location: TestFileLocation?
    public var reason: String

    public init(file: String, location: TestFileLocation?, reason: String) {
        self.file = file
        self.location = location
        self.reason = reason
    }

    /// `file:line:col: error: reason`, as compiler diagnostics read.
    public var description: String { "\(file)\(location.map { ":\($0)" } ?? ""): error: \(reason)" }
}

/// Reads hand-written test files of one format.
public protocol TestFileReader: Sendable {
    /// A short name, such as `tally-yaml`.
    var format: String { get }
    /// Whether this reader reads the file (by its name, such as `*.tests.yaml`).
    func canRead(path: String) -> Bool
    /// The file's cases with their members built. Throws `TestFileError` for malformed input.
    func read(path: String) throws -> TestFile
}
