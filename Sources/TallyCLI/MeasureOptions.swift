import ArgumentParser
import Foundation
import TallyEngine
import TallyLanguage

/// Options of every command that compiles measures.
struct MeasureOptions: ParsableArguments {
    @Option(name: .customLong("valuesets"), help: ArgumentHelp("A folder (or file) of value sets: FHIR ValueSet JSON or CSV code lists. Repeatable.", valueName: "DIR"))
    var valueSetPaths: [String] = []

    @Option(name: .customLong("lib"), help: ArgumentHelp("A folder searched for `use`d libraries. Repeatable.", valueName: "DIR"))
    var libraryRoots: [String] = []

    @Option(help: ArgumentHelp("The measurement period as a calendar year, such as 2025.", valueName: "YEAR"))
    var period: Int?

    @Option(name: .customLong("period-start"), help: ArgumentHelp("Start of the measurement period (YYYY-MM-DD).", valueName: "DATE"))
    var periodStart: String?

    @Option(name: .customLong("period-end"), help: ArgumentHelp("End of the measurement period (YYYY-MM-DD), inclusive.", valueName: "DATE"))
    var periodEnd: String?

    func validate() throws {
        for path in valueSetPaths + libraryRoots where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no such file or folder: \(path)")
        }
        if period != nil, periodStart != nil || periodEnd != nil {
            throw ValidationError("give either --period or --period-start/--period-end, not both")
        }
        if (periodStart == nil) != (periodEnd == nil) {
            throw ValidationError("--period-start and --period-end go together")
        }
        _ = try periodValue()
    }

    /// The `period` parameter override, as a closed date-time interval covering whole days.
    func periodValue() throws -> Value? {
        if let year = period {
            guard (1...9999).contains(year) else { throw ValidationError("--period must be a year such as 2025, not \(year)") }
            return .interval(Temporal.wholeYear(year))
        }
        guard let s = periodStart, let e = periodEnd else { return nil }
        func day(_ text: String, _ option: String) throws -> Temporal {
            guard case .success(let t) = Temporal.parse(text), t.precision == .day else {
                throw ValidationError("\(option) must be a date such as 2025-01-01, not '\(text)'")
            }
            return t
        }
        let start = try day(s, "--period-start"), end = try day(e, "--period-end")
        guard start.millis <= end.millis else { throw ValidationError("--period-start \(s) is after --period-end \(e)") }
        return .interval(Temporal.wholeDays(start, end))
    }

    /// Loads value sets and builds the workspace; value-set read errors are returned for reporting.
    func workspace(_ registry: PluginRegistry) throws -> (MeasureWorkspace, [ValueSetError]) {
        let (store, errors) = ValueSetStore.load(directories: valueSetPaths, sources: registry.valueSetSources.map(\.source))
        var parameters: [String: Value] = [:]
        if let p = try periodValue() { parameters["period"] = p }
        let ws = MeasureWorkspace(functions: registry.functionTable, valueSets: store, parameterValues: parameters,
                                  libraryRoots: libraryRoots)
        return (ws, errors)
    }
}
