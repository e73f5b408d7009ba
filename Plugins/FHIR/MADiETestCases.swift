import Foundation
import TallyEngine

/// Test cases as MADiE exports them: a folder per case holding the patient's FHIR resources and
/// one MeasureReport (type individual) whose group populations are the expected counts.
/// Loose files beside the case folders (`cases.txt`, copies of resources) are ignored.
public struct MADiETestCases: TestCaseSource {
    public init() {}
    public var format: String { "madie" }

    public func canRead(directory: String) -> Bool {
        caseFolders(directory).contains { measureReport(in: $0) != nil }
    }

    public func cases(in directory: String) throws -> [ExpectedCase] {
        let names = caseNames(directory)
        return try caseFolders(directory).compactMap { folder in
            guard let reportPath = measureReport(in: folder) else { return nil }
            return try expectedCase(folder: folder, report: reportPath, names: names)
        }
    }

    func caseFolders(_ directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.sorted().map { (directory as NSString).appendingPathComponent($0) }.filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue
        }
    }

    func measureReport(in folder: String) -> String? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.sorted().first { $0.hasPrefix("MeasureReport") && $0.hasSuffix(".json") }
            .map { (folder as NSString).appendingPathComponent($0) }
    }

    /// `cases.txt` (MADiE's README.txt) maps case folder ids to readable test-case names.
    func caseNames(_ directory: String) -> [String: String] {
        var names: [String: String] = [:]
        for file in ["cases.txt", "README.txt"] {
            guard let text = try? String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8) else { continue }
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { names[parts[0]] = parts[1] }
            }
        }
        return names
    }

    func expectedCase(folder: String, report path: String, names: [String: String]) throws -> ExpectedCase {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Rejection(file: path, code: "bad-json", message: "the MeasureReport is not valid JSON")
        }
        var expected: [PopulationKind: Int] = [:]
        for group in json["group"] as? [[String: Any]] ?? [] {
            for population in group["population"] as? [[String: Any]] ?? [] {
                let coding = ((population["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first
                guard let code = coding?["code"] as? String,
                      let kind = PopulationKind.allCases.first(where: { $0.fhirCode == code }) else {
                    throw Rejection(file: path, code: "unknown-population", message: "unknown population code in the MeasureReport")
                }
                expected[kind] = population["count"] as? Int ?? 0
            }
        }
        let period = json["period"] as? [String: Any]
        let id = (folder as NSString).lastPathComponent
        let name = names[id].map { "\($0) [\(id)]" } ?? id
        return ExpectedCase(name: name, dataPath: folder, expected: expected,
                            periodStart: period?["start"] as? String, periodEnd: period?["end"] as? String)
    }
}
