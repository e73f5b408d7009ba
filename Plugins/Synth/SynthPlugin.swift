import Foundation
import TallyEngine

/// `tally synth`: a realistic synthetic panel, seeded, as Tuva input-layer CSV or FHIR bulk NDJSON.
/// See docs/synth.md for what is generated and at which rates.
public struct SynthPlugin: TallyPlugin {
    public init() {}
    public var name: String { "synth" }
    public var summary: String { "synthetic panels (tally synth): claims CSV in the Tuva input layer, or FHIR bulk NDJSON" }

    public func register(into registry: inout PluginRegistry) {
        registry.add(generator: SynthGenerator(), from: name)
    }
}

/// Members are generated independently (each from its own seeded stream), in chunks spread over
/// the cores, and written in member order: the bytes depend only on the seed and the count.
public struct SynthGenerator: PanelGenerator {
    public init() {}
    public var formats: [String] { ["csv", "fhir"] }

    /// Members per chunk handed to one worker.
    static let chunk = 512

    public func generate(members: Int, seed: UInt64, format: String, directory: String) throws -> GeneratedPanel {
        guard formats.contains(format) else {
            throw SynthError("unknown format '\(format)' (known: \(formats.joined(separator: ", ")))")
        }
        guard members >= 0 else { throw SynthError("the member count must not be negative") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let dir = Directory(members: members, seed: seed)
        let generator = MemberGenerator(dir: dir, seed: seed)
        let names: [String]
        let headers: [Bytes]
        let writeMember: @Sendable (Member, inout [Bytes]) -> Void
        if format == "csv" {
            let w = CSVPanelWriter(dir: dir)
            names = CSVLayout.files.map(\.name); headers = w.headers()
            writeMember = { m, out in w.write(m, into: &out) }
        } else {
            let w = FHIRPanelWriter(dir: dir)
            names = FHIRPanelWriter.files; headers = w.headers()
            writeMember = { m, out in w.write(m, into: &out) }
        }
        let paths = names.map { (directory as NSString).appendingPathComponent($0) }
        let files = try paths.map { try OutputFile(path: $0) }
        for (f, h) in zip(files, headers) { try f.write(h) }

        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let chunks = (members + Self.chunk - 1) / Self.chunk
        let slots = UnsafeMutablePointer<[Bytes]>.allocate(capacity: workers)
        slots.initialize(repeating: [], count: workers)
        defer { slots.deinitialize(count: workers); slots.deallocate() }
        let shared = SlotBox(slots)
        let fileCount = names.count
        var next = 0
        while next < chunks {
            let batch = min(workers, chunks - next)
            let base = next
            DispatchQueue.concurrentPerform(iterations: batch) { k in
                let first = (base + k) * Self.chunk
                let last = min(members, first + Self.chunk)
                var out = (0..<fileCount).map { _ in Bytes(capacity: 1 << 16) }
                for i in first..<last { writeMember(generator.make(i), &out) }
                shared.pointer[k] = out
            }
            for k in 0..<batch {
                for (f, bytes) in zip(files, slots[k]) { try f.write(bytes) }
                slots[k] = []
            }
            next += batch
        }
        for f in files { try f.close() }
        return GeneratedPanel(files: paths, members: members)
    }
}

/// The per-worker output slots; each worker writes only its own slot.
private final class SlotBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<[Bytes]>
    init(_ pointer: UnsafeMutablePointer<[Bytes]>) { self.pointer = pointer }
}
