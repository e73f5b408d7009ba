import Foundation
import TallyEngine
import TallyLanguage

/// FHIR R4 member data: Bundles, folders of one-resource-per-file JSON, and bulk-export NDJSON,
/// mapped into the canonical model (docs/data-model.md, "FHIR R4").
public struct FHIRPlugin: TallyPlugin {
    public init() {}
    public var name: String { "fhir" }
    public var summary: String { "FHIR R4 member data: bundles, one-resource-per-file folders, bulk-export NDJSON" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(loader: FHIRLoader(), from: name)
        registry.add(testCaseSource: MADiETestCases(), from: name)
    }
}

/// Loads a FHIR R4 Bundle (`entry[].resource`), a folder read recursively (`*.json`, one
/// resource or a Bundle per file, and `*.ndjson`, one resource per line), or one such file.
///
/// Every resource read is accounted for: kept (counted by canonical kind in `records`), skipped
/// by design (`records["skipped:<Type>"]`, for resource types Tally does not map), or rejected
/// (a `Rejection` with the file, the NDJSON line, the resource and a reason code).
public struct FHIRLoader: PanelLoader {
    public init() {}
    public var format: String { "fhir" }

    /// A `.json` or `.ndjson` file, or a folder holding NDJSON or JSON with a `resourceType`.
    public func canLoad(path: String) -> Bool {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return false }
        guard isDir.boolValue else { return path.hasSuffix(".json") || path.hasSuffix(".ndjson") }
        for file in FHIRLoadRun.files(in: path) {
            if file.hasSuffix(".ndjson") { return true }
            if file.hasSuffix(".json"), let h = FileHandle(forReadingAtPath: file) {
                let head = h.readData(ofLength: 4096)
                try? h.close()
                if String(decoding: head, as: UTF8.self).contains("\"resourceType\"") { return true }
            }
        }
        return false
    }

    public func load(path: String, options: LoadOptions) throws -> Panel {
        var run = FHIRLoadRun(options: options)
        try run.read(path: path)
        return try run.finish()
    }
}

/// Where a resource came from.
struct FHIRSource {
    var file: String
    var line: Int?
}

/// The resources of one Bundle by `fullUrl`, to resolve `urn:uuid:` and absolute references.
struct BundleContext {
    var byFullURL: [String: (type: String, id: String)] = [:]
}

/// One load: reads files, maps resources, and finishes the panel.
struct FHIRLoadRun {
    let options: LoadOptions
    var assembler: MemberAssembler
    var report = LoadReport()
    /// Birth dates by member, for ages (Age, Range onsets) resolved when loading ends.
    var birthDates: [String: Temporal] = [:]
    var pendingAges: [(member: String, record: Record, slot: Int, low: Quantity?, high: Quantity?)] = []
    /// `member|Type|id` of every resource kept, to reject a second copy.
    var kept: Set<String> = []
    let interner = FHIRInterner()

    static let encountersSlot = CanonicalSchema.slot("Member", "encounters")
    static let member = (
        birthDate: CanonicalSchema.slot("Member", "birth_date"), deathDate: CanonicalSchema.slot("Member", "death_date"),
        sex: CanonicalSchema.slot("Member", "sex"), race: CanonicalSchema.slot("Member", "race"),
        ethnicity: CanonicalSchema.slot("Member", "ethnicity")
    )

    init(options: LoadOptions) {
        self.options = options
        self.assembler = MemberAssembler(keeping: options.recordTests)
    }

    // MARK: - Files

    /// The files under a folder, recursively, sorted; hidden files and folders are left out.
    static func files(in folder: String) -> [String] {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            let full = (folder as NSString).appendingPathComponent(relative)
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: full, isDirectory: &isDir)
            if (relative as NSString).lastPathComponent.hasPrefix(".") {
                if isDir.boolValue { walker.skipDescendants() }
                continue
            }
            if !isDir.boolValue { files.append(full) }
        }
        return files.sorted()
    }

    mutating func read(path: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw Rejection(file: path, code: "no-file", message: "no such file or folder")
        }
        if !isDir.boolValue {
            if path.hasSuffix(".ndjson") { try readNDJSON(path) } else { try readJSON(path) }
            return
        }
        for file in FHIRLoadRun.files(in: path) {
            if file.hasSuffix(".ndjson") {
                try readNDJSON(file)
            } else if file.hasSuffix(".json") {
                try readJSON(file)
            } else {
                // Not FHIR JSON (a README, a CSV, FHIR XML): counted, so it is not lost unseen.
                report.records["skipped:other-file", default: 0] += 1
            }
        }
    }

    mutating func contents(_ file: String) throws -> Data? {
        report.files.append(file)
        // Mapped, not read: a bulk-export file can be larger than memory.
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file), options: .alwaysMapped) else {
            try reject(FHIRSource(file: file), nil, "unreadable", "cannot read the file")
            return nil
        }
        return data
    }

    static func parse(_ data: Data) -> Result<Any, FHIRMappingError> {
        var data = data
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }  // byte-order mark
        let blank = data.withUnsafeBytes { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } }
        if blank {
            return .failure(FHIRMappingError("bad-json", "invalid JSON: empty"))
        }
        do {
            return .success(try JSONSerialization.jsonObject(with: data))
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            return .failure(FHIRMappingError("bad-json", "invalid JSON: \(detail)"))
        }
    }

    mutating func readJSON(_ file: String) throws {
        guard let data = try contents(file) else { return }
        let source = FHIRSource(file: file)
        switch FHIRLoadRun.parse(data) {
        case .failure(let e): try reject(source, nil, e.code, e.message)
        case .success(let json): try handle(json, source, bundle: nil, fullURL: nil, place: nil)
        }
    }

    /// Bulk-export NDJSON: one resource per line; blank lines are allowed.
    mutating func readNDJSON(_ file: String) throws {
        guard let data = try contents(file) else { return }
        for (number, range) in FHIRLoadRun.lines(data) {
            let source = FHIRSource(file: file, line: number)
            switch FHIRLoadRun.parse(data.subdata(in: range)) {
            case .failure(let e): try reject(source, nil, e.code, e.message)
            case .success(let json): try handle(json, source, bundle: nil, fullURL: nil, place: nil)
            }
        }
    }

    /// The non-blank lines of a file with their 1-based numbers. Scans raw bytes: indexing
    /// `Data` byte by byte costs an exclusivity check per byte.
    static func lines(_ data: Data) -> [(number: Int, range: Range<Int>)] {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var out: [(Int, Range<Int>)] = []
            var number = 0, start = 0, blank = true
            for i in 0...bytes.count {
                let b: UInt8 = i < bytes.count ? bytes[i] : 0x0A
                if b == 0x0A {
                    number += 1
                    if !blank { out.append((number, data.startIndex + start ..< data.startIndex + i)) }
                    start = i + 1
                    blank = true
                } else if b != 0x20 && b != 0x09 && b != 0x0D {
                    blank = false
                }
            }
            return out
        }
    }

    // MARK: - Resources

    /// One resource (or a Bundle of them). `place` names a Bundle entry (`Bundle/b1 entry[3]`).
    mutating func handle(_ json: Any, _ source: FHIRSource, bundle: BundleContext?, fullURL: String?, place: String?) throws {
        guard let object = json as? [String: Any] else {
            try reject(source, place, "not-a-resource", "expected a resource (a JSON object), found \(FHIRElement.describe(json))")
            return
        }
        guard let type = object["resourceType"] as? String else {
            try reject(source, place, "not-a-resource", "a JSON object without a resourceType")
            return
        }
        let id = (object["id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let label = id.map { "\(type)/\($0)" } ?? (place.map { "\(type) at \($0)" } ?? type)
        if type == "Bundle" {
            try readBundle(object, source, label: label)
        } else if type == "Patient" {
            try patient(object, source, label: label, id: id ?? fullURL.flatMap(FHIRLoadRun.uuid))
        } else if FHIRMapping.subjectElement[type] != nil {
            try clinical(type, object, source, label: label, id: id, bundle: bundle)
        } else if FHIRResourceTypes.r4.contains(type) {
            report.records["skipped:\(type)", default: 0] += 1
        } else {
            try reject(source, label, "unknown-resource", "'\(type)' is not a FHIR R4 resource type")
        }
    }

    mutating func readBundle(_ object: [String: Any], _ source: FHIRSource, label: String) throws {
        let entries: [FHIRElement]
        do {
            entries = try FHIRElement(object, path: "Bundle", interner: interner).elements("entry")
        } catch let e as FHIRMappingError {
            try reject(source, label, e.code, e.message)
            return
        }
        var context = BundleContext()
        for entry in entries {
            guard let url = entry.json["fullUrl"] as? String, let resource = entry.json["resource"] as? [String: Any],
                  let type = resource["resourceType"] as? String,
                  let id = (resource["id"] as? String) ?? FHIRLoadRun.uuid(url) else { continue }
            context.byFullURL[url] = (type, id)
        }
        for (i, entry) in entries.enumerated() {
            let place = "\(label) entry[\(i)]"
            guard let resource = entry.json["resource"], !FHIRElement.isNull(resource) else {
                try reject(source, place, "not-a-resource", "a Bundle entry without a resource")
                continue
            }
            try handle(resource, source, bundle: context, fullURL: entry.json["fullUrl"] as? String, place: place)
        }
    }

    /// The id in a `urn:uuid:` URL.
    static func uuid(_ url: String) -> String? {
        url.hasPrefix("urn:uuid:") && url.count > 9 ? String(url.dropFirst(9)) : nil
    }

    /// A reference's target: the Bundle entry with that fullUrl, a `urn:uuid:` id, or the type and
    /// the text after the last `/` of `Type/id` (a relative or absolute URL, `_history` dropped).
    /// Nil for a contained reference (`#id`) or an empty one.
    static func resolve(_ reference: String, _ bundle: BundleContext?) -> (type: String?, id: String)? {
        if let hit = bundle?.byFullURL[reference] { return (hit.type, hit.id) }
        if let id = uuid(reference) { return (nil, id) }
        if reference.isEmpty || reference.hasPrefix("#") { return nil }
        var parts = reference.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let h = parts.lastIndex(of: "_history"), h >= 2 { parts = Array(parts[..<h]) }
        guard let id = parts.last, !id.isEmpty else { return nil }
        return (parts.count >= 2 ? parts[parts.count - 2] : nil, id)
    }

    mutating func patient(_ object: [String: Any], _ source: FHIRSource, label: String, id: String?) throws {
        guard let id else {
            try reject(source, label, "no-id", "a Patient without an id")
            return
        }
        let fields: FHIRMapping.PatientFields
        do {
            fields = try FHIRMapping.patient(FHIRElement(object, path: "Patient", interner: interner))
        } catch let e as FHIRMappingError {
            try reject(source, label, e.code, e.message)
            return
        }
        guard kept.insert("\(id)|Patient|\(id)").inserted else {
            try reject(source, label, "duplicate-id", "a second Patient/\(id); the first one read is kept")
            return
        }
        let b = assembler.member(id)
        b.seen = true
        let slots = FHIRLoadRun.member
        b.setField(slots.birthDate, fields.birthDate.map { .temporal($0) } ?? .null)
        b.setField(slots.deathDate, fields.deathDate.map { .temporal($0) } ?? .null)
        b.setField(slots.sex, fields.sex.map { .string($0) } ?? .null)
        b.setField(slots.race, fields.race.map { .list($0.map { .code($0) }) } ?? .null)
        b.setField(slots.ethnicity, fields.ethnicity.map { .list($0.map { .code($0) }) } ?? .null)
        birthDates[id] = fields.birthDate
    }

    mutating func clinical(_ type: String, _ object: [String: Any], _ source: FHIRSource, label: String, id: String?,
                           bundle: BundleContext?) throws {
        let element = FHIRElement(object, path: type, interner: interner)
        let subjectKey = FHIRMapping.subjectElement[type]!
        let member: String
        let mapped: MappedRecord
        do {
            guard let subject = try element.element(subjectKey) else {
                throw FHIRMappingError("no-subject", "\(type).\(subjectKey) is missing: the record has no patient")
            }
            guard let reference = try subject.string("reference") else {
                throw FHIRMappingError("no-subject", "\(type).\(subjectKey) has no reference to a Patient")
            }
            guard let target = FHIRLoadRun.resolve(reference, bundle), target.type == nil || target.type == "Patient" else {
                throw FHIRMappingError("bad-subject", "\(type).\(subjectKey) '\(reference)' is not a reference to a Patient")
            }
            member = target.id
            mapped = try FHIRMapping.map(type, element)
        } catch let e as FHIRMappingError {
            try reject(source, label, e.code, e.message)
            return
        }
        if let id, !kept.insert("\(member)|\(type)|\(id)").inserted {
            try reject(source, label, "duplicate-id", "a second \(type)/\(id) for patient '\(member)'; the first one read is kept")
            return
        }
        assembler.noteSource(member, file: source.file, line: source.line, resource: label)
        let b = assembler.member(member)
        b.add(mapped.record, list: mapped.listSlot)
        if let (slot, reference) = mapped.encounter, let target = FHIRLoadRun.resolve(reference, bundle),
           target.type == nil || target.type == "Encounter" {
            b.reference(mapped.record, slot: slot, list: FHIRLoadRun.encountersSlot, id: target.id)
        }
        for age in mapped.ages {
            pendingAges.append((member, mapped.record, age.slot, age.low, age.high))
        }
    }

    mutating func reject(_ source: FHIRSource, _ resource: String?, _ code: String, _ message: String) throws {
        let r = Rejection(file: source.file, line: source.line, resource: resource, code: code, message: message)
        if options.strict { throw r }
        report.rejections.append(r)
    }

    /// Resolves ages now that every birth date is known, and builds the panel (members whose
    /// Patient never appeared are rejected there as `no-member`).
    func finish() throws -> Panel {
        for p in pendingAges {
            p.record.fields[p.slot] = FHIRTiming.interval(low: p.low, high: p.high, birthDate: birthDates[p.member])
        }
        return try assembler.finish(report: report, options: options)
    }
}
