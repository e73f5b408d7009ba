import ClaimsCSVPlugin
import Foundation
import XCTest
@testable import PanelCachePlugin
import TallyEngine
import TallyLanguage
import TallyTestSupport

/// Structural equality of member trees (`Value` is not Equatable): decimals by bit pattern,
/// codes and concepts by content, and records matched one to one, so a record referenced twice
/// (an observation's encounter, also in `encounters`) must decode to one record referenced twice.
struct TreeComparison {
    private var counterpart: [ObjectIdentifier: ObjectIdentifier] = [:]
    private var claimed: Set<ObjectIdentifier> = []

    /// The first difference between two values, or nil when they are the same.
    mutating func difference(_ a: Value, _ b: Value, at path: String) -> String? {
        switch (a, b) {
        case (.null, .null): return nil
        case (.boolean(let x), .boolean(let y)): return x == y ? nil : "\(path): \(x) vs \(y)"
        case (.integer(let x), .integer(let y)): return x == y ? nil : "\(path): \(x) vs \(y)"
        case (.decimal(let x), .decimal(let y)): return x.bitPattern == y.bitPattern ? nil : "\(path): \(x) vs \(y)"
        case (.string(let x), .string(let y)): return x == y ? nil : "\(path): \"\(x)\" vs \"\(y)\""
        case (.temporal(let x), .temporal(let y)):
            return x.millis == y.millis && x.precision == y.precision && x.isDate == y.isDate ? nil : "\(path): \(x) vs \(y)"
        case (.quantity(let x), .quantity(let y)):
            return x.value.bitPattern == y.value.bitPattern && x.unit == y.unit ? nil : "\(path): \(a) vs \(b)"
        case (.code(let x), .code(let y)): return same(x, y) ? nil : "\(path): \(x) (\(x.display ?? "-")) vs \(y) (\(y.display ?? "-"))"
        case (.concept(let x), .concept(let y)):
            return x.text == y.text && x.codes.count == y.codes.count && zip(x.codes, y.codes).allSatisfy(same)
                ? nil : "\(path): \(a) '\(x.text ?? "-")' vs \(b) '\(y.text ?? "-")'"
        case (.interval(let x), .interval(let y)):
            if x.lowClosed != y.lowClosed || x.highClosed != y.highClosed { return "\(path): \(a) vs \(b)" }
            return difference(x.low, y.low, at: path + ".low") ?? difference(x.high, y.high, at: path + ".high")
        case (.list(let xs), .list(let ys)):
            guard xs.count == ys.count else { return "\(path): \(xs.count) items vs \(ys.count)" }
            for (i, (x, y)) in zip(xs, ys).enumerated() {
                if let d = difference(x, y, at: "\(path)[\(i)]") { return d }
            }
            return nil
        case (.record(let x), .record(let y)): return difference(x, y, at: path)
        default: return "\(path): \(a) vs \(b) (different cases)"
        }
    }

    /// The first difference between two records (compared once; later meetings check identity).
    mutating func difference(_ x: Record, _ y: Record, at path: String) -> String? {
        let a = ObjectIdentifier(x), b = ObjectIdentifier(y)
        if let seen = counterpart[a] { return seen == b ? nil : "\(path): a shared record decoded as a different record" }
        guard !claimed.contains(b) else { return "\(path): two records decoded as one" }
        counterpart[a] = b
        claimed.insert(b)
        guard x.kind == y.kind, x.fields.count == y.fields.count else { return "\(path): kind \(x.kind) vs \(y.kind)" }
        let kind = CanonicalSchema.schema.kinds[x.kind]
        for (i, (f, g)) in zip(x.fields, y.fields).enumerated() {
            if let d = difference(f, g, at: "\(path).\(kind.fields[i].name)") { return d }
        }
        return nil
    }

    private func same(_ x: Code, _ y: Code) -> Bool { x.system == y.system && x.code == y.code && x.display == y.display }
}

/// Asserts two member lists are the same trees, member by member.
func assertSameMembers(_ a: [Record], _ b: [Record], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "member counts", file: file, line: line)
    for (x, y) in zip(a, b) {
        var c = TreeComparison()
        if let d = c.difference(x, y, at: Panel.id(of: x)) {
            XCTFail(d, file: file, line: line)
            return
        }
    }
}

/// A loader that hands over a fixed panel, in parts of `parts` members delivered from several
/// threads in reverse order (so the writer must put them back in order). With `falseStart`, it
/// first hands over that many parts of the panel's first member as attempt 0, then the panel as
/// attempt 1 (as a loader that started over does).
struct FixedLoader: PanelLoader {
    let panel: Panel
    var partSize = Int.max
    var falseStart = 0

    var format: String { "fixed" }
    func canLoad(path: String) -> Bool { false }
    func load(path: String, options: LoadOptions) throws -> Panel {
        if options.strict, let r = panel.report.rejections.first { throw r }
        return panel
    }

    func loadParts(path: String, options: LoadOptions, jobs: Int,
                   body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
        if options.strict, let r = panel.report.rejections.first { throw r }
        let members = panel.members
        for p in 0..<falseStart {
            try body(PanelPart(index: p, of: falseStart, members: Array(members.prefix(1)), concurrent: false))
        }
        let attempt = falseStart > 0 ? 1 : 0
        let size = max(1, min(partSize, members.count))
        let count = max(1, (members.count + size - 1) / size)
        let failure = Slots<Error>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { k in
            let p = count - 1 - k
            let part = Array(members[min(members.count, p * size)..<min(members.count, (p + 1) * size)])
            do { try body(PanelPart(index: p, of: count, members: part.reversed(), concurrent: true, attempt: attempt)) } catch { failure.set(p, error) }
        }
        if let e = failure.take().compactMap({ $0 }).first { throw e }
        return panel.report
    }
}

/// A fresh temporary folder, removed after the test, and the example panel.
class PanelCacheTestCase: TemporaryFolderURLTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let examplePanel = repository.appendingPathComponent("examples/panel").path

    /// The example panel loaded from its CSV once for all tests.
    private static let example = Result { try ClaimsCSVLoader().load(path: examplePanel, options: LoadOptions()) }
    func examplePanel() throws -> Panel { try Self.example.get() }

    override class var folderPrefix: String { "tally-panel-cache-" }

    /// The test's temporary folder, where caches are written.
    var dir: URL! { folder }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The thrown error as a `Rejection` (fails when something else, or nothing, is thrown).
    func rejection(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> Rejection? {
        thrown(Rejection.self, file: file, line: line, body)
    }

    /// Rewrites bytes of a file in place.
    func patch(_ file: String, at offset: Int, _ bytes: [UInt8]) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        for (i, b) in bytes.enumerated() { data[offset + i] = b }
        try data.write(to: URL(fileURLWithPath: file))
    }
}
