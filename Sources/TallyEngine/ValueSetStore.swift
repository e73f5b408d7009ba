import Foundation
import TallyLanguage

/// The value sets loaded for a run, found by canonical URL, `urn:oid:` or bare OID.
public struct ValueSetStore: ValueSetProvider {
    private var codesByKey: [String: Set<String>] = [:]
    public private(set) var definitions: [ValueSetDefinition] = []

    public init() {}

    /// `http://cts.nlm.nih.gov/fhir/ValueSet/2.16...`, `urn:oid:2.16...` and `2.16...` are the
    /// same value set; a `|version` suffix is ignored.
    public static func key(_ reference: String) -> String {
        var r = reference
        if let bar = r.firstIndex(of: "|") { r = String(r[..<bar]) }
        if r.hasPrefix("urn:oid:") { return String(r.dropFirst(8)) }
        if let slash = r.lastIndex(of: "/"), r.contains("/ValueSet/") { return String(r[r.index(after: slash)...]) }
        return r
    }

    public mutating func add(_ d: ValueSetDefinition) {
        definitions.append(d)
        codesByKey[ValueSetStore.key(d.url), default: []].formUnion(d.codes.map(\.key))
    }

    public func codes(for reference: String) -> Set<String>? { codesByKey[ValueSetStore.key(reference)] }
    public var isEmpty: Bool { codesByKey.isEmpty }
    public var count: Int { codesByKey.count }

    /// Loads every file under the folders that some source can read. Files no source reads are
    /// skipped; files a source fails to read are reported in `errors`.
    public static func load(directories: [String], sources: [any ValueSetSource]) -> (store: ValueSetStore, errors: [ValueSetError]) {
        var store = ValueSetStore()
        var errors: [ValueSetError] = []
        for dir in directories {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) else {
                errors.append(ValueSetError(file: dir, reason: "no such file or folder"))
                continue
            }
            let files = isDir.boolValue ? filesUnder(dir) : [dir]
            for file in files {
                guard let source = sources.first(where: { $0.canRead(path: file) }) else { continue }
                do {
                    for d in try source.read(path: file) { store.add(d) }
                } catch let e as ValueSetError {
                    errors.append(e)
                } catch {
                    errors.append(ValueSetError(file: file, reason: "\(error)"))
                }
            }
        }
        return (store, errors)
    }
}

/// Every regular file under a folder, sorted, so runs are deterministic.
public func filesUnder(_ dir: String) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
    var out: [String] = []
    while let rel = e.nextObject() as? String {
        let path = (dir as NSString).appendingPathComponent(rel)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { out.append(path) }
    }
    return out.sorted()
}
