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
