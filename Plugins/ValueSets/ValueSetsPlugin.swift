import Foundation
import TallyEngine
import TallyLanguage

/// Value sets from FHIR ValueSet JSON (as VSAC publishes them) and from CSV code lists.
public struct ValueSetsPlugin: TallyPlugin {
    public init() {}
    public var name: String { "valuesets" }
    public var summary: String { "value sets from FHIR ValueSet JSON (expansion or compose) and CSV code lists" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(valueSetSource: FHIRValueSetSource(), from: name)
        registry.add(valueSetSource: CSVCodeListSource(), from: name)
    }
}

/// A FHIR ValueSet resource (or a Bundle of them): the expansion's codes, or the concepts
/// listed in `compose.include` when there is no expansion.
public struct FHIRValueSetSource: ValueSetSource {
    public init() {}
    public var format: String { "fhir-valueset-json" }
    public func canRead(path: String) -> Bool { path.hasSuffix(".json") }

    public func read(path: String) throws -> [ValueSetDefinition] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValueSetError(file: path, reason: "cannot read the file")
        }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data) } catch {
            throw ValueSetError(file: path, reason: "invalid JSON")
        }
        guard let object = json as? [String: Any] else { throw ValueSetError(file: path, reason: "expected a JSON object") }
        switch object["resourceType"] as? String {
        case "ValueSet": return [try valueSet(object, path)]
        case "Bundle":
            let entries = object["entry"] as? [[String: Any]] ?? []
            return try entries.compactMap { $0["resource"] as? [String: Any] }
                .filter { $0["resourceType"] as? String == "ValueSet" }
                .map { try valueSet($0, path) }
        default:
            // Other JSON files in a value-set folder are not value sets.
            return []
        }
    }

    func valueSet(_ o: [String: Any], _ path: String) throws -> ValueSetDefinition {
        guard let url = (o["url"] as? String) ?? (o["id"] as? String) else {
            throw ValueSetError(file: path, reason: "ValueSet has neither url nor id")
        }
        var codes: [Code] = []
        if let expansion = o["expansion"] as? [String: Any] {
            collect(expansion["contains"] as? [[String: Any]] ?? [], into: &codes)
        } else if let compose = o["compose"] as? [String: Any] {
            for include in compose["include"] as? [[String: Any]] ?? [] {
                guard let system = include["system"] as? String else { continue }
                for c in include["concept"] as? [[String: Any]] ?? [] {
                    if let code = c["code"] as? String { codes.append(Code(system: system, code: code, display: c["display"] as? String)) }
                }
            }
        }
        return ValueSetDefinition(url: url, name: (o["name"] as? String) ?? (o["title"] as? String), codes: codes)
    }

    func collect(_ contains: [[String: Any]], into codes: inout [Code]) {
        for c in contains {
            if let system = c["system"] as? String, let code = c["code"] as? String {
                codes.append(Code(system: system, code: code, display: c["display"] as? String))
            }
            collect(c["contains"] as? [[String: Any]] ?? [], into: &codes)
        }
    }
}

/// CSV code lists with a header naming the value set, code system, code and (optionally)
/// display columns. Code systems may be aliases (`icd10cm`, `cpt`, ...) or URLs.
public struct CSVCodeListSource: ValueSetSource {
    public init() {}
    public var format: String { "csv-code-list" }
    public func canRead(path: String) -> Bool { path.hasSuffix(".csv") }

    static let valueSetColumns = ["value_set_id", "valueset", "value_set", "valueset_id", "oid"]
    static let systemColumns = ["code_system", "system", "codesystem"]

    public func read(path: String) throws -> [ValueSetDefinition] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValueSetError(file: path, reason: "cannot read the file") }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }  // byte-order mark from spreadsheet exports
        // `\r\n` is one Character in Swift: split on any newline.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw ValueSetError(file: path, reason: "empty file") }
        let columns = splitCSVLine(header).map { $0.lowercased().trimmingCharacters(in: .whitespaces) }
        func column(_ names: [String], _ what: String) throws -> Int {
            guard let i = columns.firstIndex(where: names.contains) else {
                throw ValueSetError(file: path, line: 1, reason: "missing column \(what) (one of: \(names.joined(separator: ", ")))")
            }
            return i
        }
        let vsCol = try column(Self.valueSetColumns, "value set id")
        let sysCol = try column(Self.systemColumns, "code system")
        let codeCol = try column(["code"], "code")
        let displayCol = columns.firstIndex(of: "display")
        var order: [String] = []
        var byURL: [String: [Code]] = [:]
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = splitCSVLine(line).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == columns.count else {
                throw ValueSetError(file: path, line: n + 1, reason: "expected \(columns.count) fields, found \(fields.count)")
            }
            let system = codeSystemURL(fields[sysCol])
            guard system.contains(":") || system.contains("/") else {
                throw ValueSetError(file: path, line: n + 1, reason: "unknown code system '\(fields[sysCol])'")
            }
            let url = fields[vsCol]
            if byURL[url] == nil { order.append(url) }
            byURL[url, default: []].append(Code(system: system, code: fields[codeCol], display: displayCol.map { fields[$0] }))
        }
        return order.map { ValueSetDefinition(url: $0, name: $0, codes: byURL[$0]!) }
    }
}

/// Splits one CSV line with RFC 4180 quoting (no embedded newlines in code lists).
func splitCSVLine(_ line: String) -> [String] {
    var fields: [String] = []
    var current = ""
    var quoted = false
    var chars = line.makeIterator()
    while let c = chars.next() {
        if quoted {
            if c == "\"" {
                if let n = chars.next() {
                    if n == "\"" { current.append("\"") } else { quoted = false; if n == "," { fields.append(current); current = "" } else { current.append(n) } }
                } else { quoted = false }
            } else { current.append(c) }
        } else if c == "\"" { quoted = true }
        else if c == "," { fields.append(current); current = "" }
        else { current.append(c) }
    }
    fields.append(current)
    return fields
}
