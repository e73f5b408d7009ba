import Foundation
import TallyEngine
import TallyLanguage

/// Why a resource cannot be mapped: a stable reason code (`bad-date`, `bad-field`, ...) and a
/// message that names the element (`Encounter.period.start`).
struct FHIRMappingError: Error {
    var code: String
    var message: String
    init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// One JSON object of a resource with its element path, read with typed accessors. An absent
/// element (or JSON `null`) reads as nil; an element of the wrong JSON type is a `bad-field`
/// error, so malformed input is reported, never read as missing.
struct FHIRElement {
    let json: [String: Any]
    /// Where the element is, kept as a chain and spelt out only for messages.
    let location: FHIRPath
    /// Shares equal codes and concepts across one load.
    let interner: FHIRInterner

    init(_ json: [String: Any], path: String, interner: FHIRInterner = FHIRInterner()) {
        self.json = json
        self.location = FHIRPath(parent: nil, key: path, index: nil)
        self.interner = interner
    }

    init(_ json: [String: Any], location: FHIRPath, interner: FHIRInterner) {
        self.json = json
        self.location = location
        self.interner = interner
    }

    /// The element path for messages: `Observation.component[1].valueQuantity`.
    var path: String { location.description }

    func has(_ key: String) -> Bool { json[key].map { !FHIRElement.isNull($0) } ?? false }

    /// JSON `null`. Compares the dynamic type: `x is NSNull` would bridge a Swift dictionary or
    /// array to Foundation first, which dominates the load time on Linux.
    @inline(__always) static func isNull(_ v: Any) -> Bool { type(of: v) == NSNull.self }

    func at(_ key: String) -> String { path + "." + key }

    private func raw(_ key: String) -> Any? {
        guard let v = json[key], !FHIRElement.isNull(v) else { return nil }
        return v
    }

    private func wrong(_ key: String, _ expected: String) -> FHIRMappingError {
        FHIRMappingError("bad-field", "\(at(key)): expected \(expected), found \(FHIRElement.describe(json[key] as Any))")
    }

    static func describe(_ v: Any) -> String {
        switch v {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case let n as NSNumber: return isBoolean(n) ? "a boolean" : "a number"
        default: return "a value of another type"
        }
    }

    /// JSONSerialization gives booleans and numbers both as NSNumber; booleans have type `c`.
    static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard let s = v as? String else { throw wrong(key, "a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, FHIRElement.isBoolean(n) else { throw wrong(key, "true or false") }
        return n.boolValue
    }

    func decimal(_ key: String) throws -> Double? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, !FHIRElement.isBoolean(n) else { throw wrong(key, "a number") }
        return n.doubleValue
    }

    func integer(_ key: String) throws -> Int? {
        guard let v = raw(key) else { return nil }
        guard let n = v as? NSNumber, !FHIRElement.isBoolean(n), let i = Int(exactly: n.doubleValue) else {
            throw wrong(key, "an integer")
        }
        return i
    }

    func element(_ key: String) throws -> FHIRElement? {
        guard let v = raw(key) else { return nil }
        guard let o = v as? [String: Any] else { throw wrong(key, "an object") }
        return FHIRElement(o, location: FHIRPath(parent: location, key: key, index: nil), interner: interner)
    }

    /// An array of objects (FHIR JSON writes repeating elements as arrays, even of one).
    func elements(_ key: String) throws -> [FHIRElement] {
        guard let v = raw(key) else { return [] }
        guard let a = v as? [Any] else { throw wrong(key, "an array") }
        return try a.enumerated().map { i, x in
            guard let o = x as? [String: Any] else {
                throw FHIRMappingError("bad-field", "\(at(key))[\(i)]: expected an object, found \(FHIRElement.describe(x))")
            }
            return FHIRElement(o, location: FHIRPath(parent: location, key: key, index: i), interner: interner)
        }
    }

    /// The number of entries of a repeating element, whatever they hold.
    func count(_ key: String) throws -> Int {
        guard let v = raw(key) else { return 0 }
        guard let a = v as? [Any] else { throw wrong(key, "an array") }
        return a.count
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = raw(key) else { return [] }
        guard let a = v as? [Any] else { throw wrong(key, "an array") }
        return try a.enumerated().map { i, x in
            guard let s = x as? String else {
                throw FHIRMappingError("bad-field", "\(at(key))[\(i)]: expected a string, found \(FHIRElement.describe(x))")
            }
            return s
        }
    }

    /// The element of a choice `prefix[x]` that is present (`onsetDateTime` gives `DateTime`),
    /// nil when none is. Two present at once is a `bad-field` error.
    func choice(_ prefix: String) throws -> String? {
        var found: [String] = []
        for key in json.keys where key.hasPrefix(prefix) && key.count > prefix.count && has(key) {
            let suffix = key.dropFirst(prefix.count)
            if let c = suffix.first, c.isUppercase { found.append(String(suffix)) }
        }
        guard found.count <= 1 else {
            throw FHIRMappingError("bad-field", "\(path): more than one \(prefix)[x]: \(found.sorted().map { prefix + $0 }.joined(separator: ", "))")
        }
        return found.first
    }

    // MARK: - Dates

    /// A FHIR `dateTime` or `instant` (`2025`, `2025-03`, `2025-03-01`, `2025-03-01T10:30:00Z`).
    func dateTime(_ key: String) throws -> Temporal? {
        guard let text = try string(key) else { return nil }
        switch Temporal.parse(text) {
        case .success(let t): return t
        case .failure(let e): throw FHIRMappingError("bad-date", "\(at(key)): '\(text)' is not a date-time: \(e.message)")
        }
    }

    /// A FHIR `date` (no time of day).
    func date(_ key: String) throws -> Temporal? {
        guard let t = try dateTime(key) else { return nil }
        guard t.isDate else {
            throw FHIRMappingError("bad-date", "\(at(key)): '\(try string(key) ?? "")' is not a date (a time of day is not allowed)")
        }
        return t
    }

    // MARK: - Data types

    /// A Coding as a code; nil without a `code`. A coding without a system gets the empty system.
    func coding() throws -> Code? {
        guard let code = try string("code") else { return nil }
        return interner.code(system: try string("system") ?? "", code: code, display: try string("display"))
    }

    /// A CodeableConcept: every coding with a code, plus the text.
    func codeableConcept() throws -> Concept {
        interner.concept(codes: try elements("coding").compactMap { try $0.coding() }, text: try string("text"))
    }

    func concept(_ key: String) throws -> Concept? { try element(key)?.codeableConcept() }

    func concepts(_ key: String) throws -> [Concept] { try elements(key).map { try $0.codeableConcept() } }

    func conceptValue(_ key: String) throws -> Value { try concept(key).map { .concept($0) } ?? .null }

    func conceptsValue(_ key: String) throws -> Value {
        has(key) ? .list(try concepts(key).map { .concept($0) }) : .null
    }

    /// The code of a status-like CodeableConcept (`clinicalStatus`): the coding in `system` when
    /// there is one, else the first coding's code.
    func statusCode(_ key: String, system: String) throws -> Value {
        guard let codings = try element(key)?.elements("coding") else { return .null }
        let chosen = try codings.first { try $0.string("system") == system } ?? codings.first
        return try chosen?.string("code").map { .string($0) } ?? .null
    }

    /// A Quantity as FHIRHelpers converts it: the unit is `code`, else `unit`, else `'1'`; no
    /// `value` gives nil. The comparator (`<`, `>=`, ...) is returned beside it.
    func quantityParts() throws -> (quantity: Quantity?, comparator: String?) {
        guard let v = try decimal("value") else { return (nil, nil) }
        let unit = try string("code") ?? string("unit") ?? "1"
        return (Quantity(v, unit), try string("comparator"))
    }

    func quantity(_ key: String) throws -> Value {
        guard let q = try element(key)?.quantityParts().quantity else { return .null }
        return .quantity(q)
    }

    /// A Period as an interval (libraries.md §2.1, §6): both ends closed; no end is a closed null
    /// end (the end of time); no start is an open null start (unknown).
    func periodValue() throws -> IntervalValue {
        let start = try dateTime("start"), end = try dateTime("end")
        if let s = start, let e = end, s.compare(e) == 1 {
            throw FHIRMappingError("bad-date", "\(path): start \(s) is after end \(e)")
        }
        return IntervalValue(low: start.map { .temporal($0) } ?? .null, lowClosed: start != nil,
                             high: end.map { .temporal($0) } ?? .null, highClosed: true)
    }

    func period(_ key: String) throws -> Value {
        guard let p = try element(key) else { return .null }
        return .interval(try p.periodValue())
    }

    func dateTimeValue(_ key: String) throws -> Value { try dateTime(key).map { .temporal($0) } ?? .null }

    func stringValue(_ key: String) throws -> Value { try string(key).map { .string($0) } ?? .null }

    func boolValue(_ key: String) throws -> Value { try bool(key).map { .boolean($0) } ?? .null }

    func integerValue(_ key: String) throws -> Value { try integer(key).map { .integer($0) } ?? .null }

    /// Compact JSON text of an element, for value types the model has no type for.
    func jsonText(_ key: String) -> String {
        guard let v = raw(key) else { return "" }
        if let s = v as? String { return s }
        guard JSONSerialization.isValidJSONObject(v),
              let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys]) else { return "\(v)" }
        return String(decoding: d, as: UTF8.self)
    }
}

/// An element's place in its resource, spelt out only when a message needs it.
final class FHIRPath: CustomStringConvertible {
    let parent: FHIRPath?
    let key: String
    let index: Int?

    init(parent: FHIRPath?, key: String, index: Int?) {
        self.parent = parent
        self.key = key
        self.index = index
    }

    var description: String {
        var s = parent.map { $0.description + "." + key } ?? key
        if let index { s += "[\(index)]" }
        return s
    }
}

/// Equal codes and concepts read in one load share one object (both are immutable), which
/// saves most of the memory a large panel's coded fields take: a panel repeats few codes.
final class FHIRInterner {
    private var codes: [String: Code] = [:]
    private var concepts: [String: Concept] = [:]

    func code(system: String, code: String, display: String?) -> Code {
        let key = system + "|" + code + "|" + (display ?? "\u{0}")
        if let c = codes[key] { return c }
        let c = Code(system: system, code: code, display: display)
        codes[key] = c
        return c
    }

    func concept(codes list: [Code], text: String?) -> Concept {
        var key = text ?? "\u{0}"
        for c in list { key += "\u{1}" + c.key + "|" + (c.display ?? "\u{0}") }
        if let c = concepts[key] { return c }
        let c = Concept(codes: list, text: text)
        concepts[key] = c
        return c
    }
}
