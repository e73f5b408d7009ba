import ClaimsCSVPlugin
import Foundation
import XCTest
@testable import PanelCachePlugin
import TallyEngine
import TallyLanguage

/// What goes into a cache comes out the same: every value, every shared record, every member,
/// the load report; whole or part by part.
final class RoundTripTests: PanelCacheTestCase {
    /// The bundled example panel (claims CSV): import, load, and compare with loading the CSV.
    func testExamplePanelRoundTrips() throws {
        let source = try examplePanel()
        let out = path("panel.tpc")
        let summary = try PanelCacheLoader().write(source: Self.examplePanel, loader: ClaimsCSVLoader(), options: LoadOptions(),
                                                   jobs: 2, to: out)
        XCTAssertEqual(summary.members, source.members.count)
        XCTAssertEqual(summary.records, source.report.records.filter { $0.key != "Member" }.values.reduce(0, +))
        XCTAssertEqual(summary.rejected, source.report.rejections.count)
        XCTAssertEqual(summary.bytes, try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int)
        XCTAssertTrue(PanelCacheLoader().canLoad(path: out))

        let cached = try PanelCacheLoader().load(path: out, options: LoadOptions())
        XCTAssertEqual(cached.report, source.report)
        assertSameMembers(source.members, cached.members)
        XCTAssertGreaterThan(source.members.count, 100)

        // The manifest names every file the load read, made absolute.
        let meta = try CacheFile(path: out).meta
        XCTAssertEqual(meta.format, "claims-csv")
        XCTAssertEqual(meta.files.map(\.path), source.report.files.map(SourceFile.absolute) + [SourceFile.absolute(Self.examplePanel)])
    }

    /// The claims CSV loader in small parts (hash partitions of the members, arriving on two
    /// threads): the cache holds them part by part, and loads sorted as the CSV does. The example
    /// panel's members are put out of order (its patient rows reversed), so it is split by hash.
    func testExamplePanelImportedInPartsRoundTrips() throws {
        let folder = path("unsorted")
        try FileManager.default.copyItem(atPath: Self.examplePanel, toPath: folder)
        let patients = try String(contentsOfFile: folder + "/patient.csv", encoding: .utf8).split(separator: "\n")
        try (([patients[0]] + patients.dropFirst().reversed()).joined(separator: "\n") + "\n")
            .write(toFile: folder + "/patient.csv", atomically: true, encoding: .utf8)
        let source = try ClaimsCSVLoader().load(path: folder, options: LoadOptions())
        let out = path("parts.tpc")
        _ = try PanelCacheLoader().write(source: folder, loader: ClaimsCSVLoader(),
                                         options: LoadOptions(partSize: 1 << 20), jobs: 2, to: out)
        let cache = try CacheFile(path: out)
        XCTAssertGreaterThan(cache.blocks.count, 4)
        let ids = try (0..<cache.blocks.count).flatMap { try cache.members(ofBlock: $0).map(Panel.id(of:)) }
        XCTAssertNotEqual(ids, ids.sorted(), "hash partitions are not in id order")
        XCTAssertEqual(ids.sorted(), source.members.map(Panel.id(of:)))
        let cached = try PanelCacheLoader().load(path: out, options: LoadOptions())
        XCTAssertEqual(cached.report, source.report)
        assertSameMembers(source.members, cached.members)
    }

    /// Every case of `Value`, records referring to list records, to the member, to a record
    /// written in place earlier, and to themselves.
    func testEveryValueRoundTrips() throws {
        let member = CanonicalSchema.newRecord("Member")
        member.fields[CanonicalSchema.memberID] = .string("m-ü-1")
        let encounter = CanonicalSchema.newRecord("Encounter")
        encounter.fields[0] = .string("e1")
        let condition = CanonicalSchema.newRecord("Condition")
        let component = CanonicalSchema.newRecord("Component")
        let selfish = CanonicalSchema.newRecord("ClaimLine")
        selfish.fields[1] = .record(selfish)
        let code = Code(system: "http://snomed.info/sct", code: "44054006", display: "Diabetes")
        let everything: [Value] = [
            .null, .boolean(true), .boolean(false),
            .integer(0), .integer(-1), .integer(Int.max), .integer(Int.min),
            .decimal(0.1), .decimal(-0.0), .decimal(.infinity), .decimal(-.infinity), .decimal(.nan), .decimal(.leastNonzeroMagnitude),
            .decimal(204.41), .decimal(-12345.67), .decimal(1e300), .decimal(0.125), .decimal(3),
            .string(""), .string("plain"), .string("ünïcödé ✓ 𝄞"), .string("with\0nul"),
            .temporal(Temporal.date(2025, 3, 1)), .temporal(Temporal.date(1901, 12, 31)),
            .temporal(Temporal(year: 2025, month: 3, day: 1, hour: 10, minute: 30, second: 5, millisecond: 7)),
            .temporal(Temporal(year: 2025, precision: .year, isDate: true)),
            .temporal(Temporal(year: 2025, month: 6, precision: .month, isDate: true)),
            .temporal(Temporal(millis: -1, precision: .millisecond, isDate: false)),
            .temporal(Temporal(millis: 86_400_000 * 3 + 5, precision: .day, isDate: true)),
            .temporal(Temporal(year: 2025, month: 3, day: 1, precision: .day, isDate: false)),
            .temporal(Temporal(millis: -86_400_000 * 400, precision: .millisecond, isDate: false)),
            .temporal(Temporal(millis: Int64.min, precision: .millisecond, isDate: false)),
            .quantity(Quantity(140, "mm[Hg]")), .quantity(Quantity(-2.5, "")),
            .code(code), .code(Code(system: "s", code: "c")), .code(Code(system: "s", code: "c", display: "")),
            .concept(Concept(codes: [code, Code(system: "http://hl7.org/fhir/sid/icd-10-cm", code: "E11.9")], text: "T2DM")),
            .concept(Concept(codes: [])), .concept(Concept(codes: [code], text: nil)),
            .interval(IntervalValue(low: .temporal(Temporal.date(2025, 1, 1)), high: .null)),
            .interval(IntervalValue(low: .null, lowClosed: false, high: .integer(4), highClosed: false)),
            .interval(IntervalValue(low: .quantity(Quantity(1, "mg")), high: .quantity(Quantity(2, "mg")))),
            .list([]), .list([.list([.integer(1), .null]), .string("x")]),
            .record(encounter), .record(member), .record(component), .record(component), .record(selfish),
        ]
        condition.fields[0] = .string("c1")
        condition.fields[CanonicalSchema.slot("Condition", "encounter")] = .record(encounter)
        condition.fields[CanonicalSchema.slot("Condition", "category")] = .list(everything)
        member.fields[CanonicalSchema.slot("Member", "race")] = .list(everything)
        member.fields[CanonicalSchema.slot("Member", "conditions")] = .list([.record(condition)])
        member.fields[CanonicalSchema.slot("Member", "encounters")] = .list([.record(encounter)])
        // A list that holds records and other values is not a roster list; it must round-trip too.
        member.fields[CanonicalSchema.slot("Member", "claims")] = .list([.record(selfish), .integer(3)])
        // The report's files must exist: they go into the manifest.
        let a = path("a.csv"), b = path("b.csv")
        FileManager.default.createFile(atPath: a, contents: Data("x\n".utf8))
        FileManager.default.createFile(atPath: b, contents: nil)
        var report = LoadReport()
        report.files = [a, b]
        report.records = ["Member": 1, "Condition": 1, "Encounter": 1]
        report.rejections = [Rejection(file: a, line: 3, code: "bad-date", message: "bad"),
                             Rejection(file: b, resource: "Patient/1", code: "no-member", message: "none ✓")]
        let panel = Panel(members: [member], report: report)

        let out = path("all.tpc")
        _ = try PanelCacheLoader().write(source: "fixed", loader: FixedLoader(panel: panel), options: LoadOptions(), jobs: 1, to: out)
        let back = try PanelCacheLoader().load(path: out, options: LoadOptions())
        XCTAssertEqual(back.report, report)
        assertSameMembers([member], back.members)
        // Identity, spelt out: the condition's encounter is the member's encounter.
        let m = try XCTUnwrap(back.members.first)
        let c = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "conditions")].asList.first?.asRecord)
        let e = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "encounters")].asList.first?.asRecord)
        XCTAssertTrue(c.fields[CanonicalSchema.slot("Condition", "encounter")].asRecord === e)
    }

    /// Parts arriving out of order from several threads are written in part order; loadParts
    /// gives every member exactly once, one part per block in member order; load sorts by id.
    func testPartsInAnyOrderAndEveryMemberOnce() throws {
        let source = try examplePanel()
        // Shuffle the members deterministically, as hash partitions would.
        let shuffled = source.members.enumerated().sorted { ($0.offset * 7919) % 1009 < ($1.offset * 7919) % 1009 }.map(\.element)
        let loader = FixedLoader(panel: Panel(members: shuffled, report: source.report), partSize: 53)
        let out = path("parts.tpc")
        let writer = PanelCacheLoader(membersPerBlock: 20)
        let summary = try writer.write(source: "fixed", loader: loader, options: LoadOptions(), jobs: 4, to: out)
        XCTAssertEqual(summary.members, source.members.count)

        // Cache order: part by part, each part sorted by id.
        var expected: [String] = []
        var start = 0
        while start < shuffled.count {
            expected += shuffled[start..<min(shuffled.count, start + 53)].map(Panel.id(of:)).sorted()
            start += 53
        }
        let cache = try CacheFile(path: out)
        var blocks = 0
        for p in 0..<((shuffled.count + 52) / 53) {
            let members = min(shuffled.count, (p + 1) * 53) - p * 53
            blocks += (members + 19) / 20
        }
        XCTAssertEqual(cache.blocks.count, blocks)

        for jobs in [1, 3] {
            let seen = Slots<[String]>(count: cache.blocks.count)
            let report = try PanelCacheLoader().loadParts(path: out, options: LoadOptions(), jobs: jobs) { part in
                seen.set(part.index, part.members.map(Panel.id(of:)))
                XCTAssertEqual(part.concurrent, jobs > 1)
            }
            XCTAssertEqual(report, source.report)
            let parts = seen.take()
            XCTAssertFalse(parts.contains { $0 == nil }, "every block is a part")
            XCTAssertEqual(parts.compactMap { $0 }.flatMap { $0 }, expected, "jobs \(jobs)")
        }
        let whole = try PanelCacheLoader().load(path: out, options: LoadOptions())
        assertSameMembers(source.members, whole.members)
    }

    /// The same input gives the same bytes.
    func testDeterministicBytes() throws {
        let source = try examplePanel()
        let loader = FixedLoader(panel: source, partSize: 97)
        _ = try PanelCacheLoader().write(source: "fixed", loader: loader, options: LoadOptions(), jobs: 4, to: path("a.tpc"))
        _ = try PanelCacheLoader().write(source: "fixed", loader: loader, options: LoadOptions(), jobs: 1, to: path("b.tpc"))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("a.tpc")), try Data(contentsOf: dir.appendingPathComponent("b.tpc")))
    }

    /// A loader that starts over: the parts of its first attempt leave nothing in the cache.
    func testALoadStartedOverWritesOnlyItsLastAttempt() throws {
        let source = try examplePanel()
        _ = try PanelCacheLoader().write(source: "fixed", loader: FixedLoader(panel: source, partSize: 97), options: LoadOptions(), jobs: 2, to: path("a.tpc"))
        _ = try PanelCacheLoader().write(source: "fixed", loader: FixedLoader(panel: source, partSize: 97, falseStart: 3), options: LoadOptions(),
                                         jobs: 2, to: path("b.tpc"))
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("a.tpc")), try Data(contentsOf: dir.appendingPathComponent("b.tpc")))
    }

    func testEmptyPanel() throws {
        let out = path("empty.tpc")
        let summary = try PanelCacheLoader().write(source: "fixed", loader: FixedLoader(panel: Panel(members: [], report: LoadReport())),
                                                   options: LoadOptions(), jobs: 2, to: out)
        XCTAssertEqual(summary.members, 0)
        XCTAssertEqual(try PanelCacheLoader().load(path: out, options: LoadOptions()).members.count, 0)
        let parts = Slots<Int>(count: 1)
        _ = try PanelCacheLoader().loadParts(path: out, options: LoadOptions(), jobs: 2) { part in
            parts.set(part.index, part.members.count)
        }
        XCTAssertEqual(parts.take(), [0])
    }

    /// Strict loads of a cache written leniently stop at the first stored rejection; strict
    /// imports stop at the source's first rejection and write nothing.
    func testStrict() throws {
        var report = LoadReport()
        report.rejections = [Rejection(file: "a.csv", line: 2, code: "bad-date", message: "bad")]
        let member = CanonicalSchema.newRecord("Member")
        member.fields[CanonicalSchema.memberID] = .string("p1")
        let loader = FixedLoader(panel: Panel(members: [member], report: report))
        let out = path("strict.tpc")
        XCTAssertEqual(rejection { _ = try PanelCacheLoader().write(source: "x", loader: loader, options: LoadOptions(strict: true), jobs: 1, to: out) }?.code,
                       "bad-date")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "no temporary file is left behind")
        _ = try PanelCacheLoader().write(source: "x", loader: loader, options: LoadOptions(), jobs: 1, to: out)
        XCTAssertEqual(try PanelCacheLoader().load(path: out, options: LoadOptions()).members.count, 1)
        XCTAssertEqual(rejection { _ = try PanelCacheLoader().load(path: out, options: LoadOptions(strict: true)) }?.line, 2)
        // PHI: readable by the owner only.
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
    }

    /// Amounts take a few bytes as hundredths, only when that gives the same bits back.
    func testCents() {
        XCTAssertEqual(BlockEncoder.cents(204.41), 20441)
        XCTAssertEqual(BlockEncoder.cents(0.1), 10)
        XCTAssertEqual(BlockEncoder.cents(-3), -300)
        XCTAssertNil(BlockEncoder.cents(-0.0))
        XCTAssertNil(BlockEncoder.cents(0.125))
        XCTAssertNil(BlockEncoder.cents(.nan))
        XCTAssertNil(BlockEncoder.cents(.infinity))
        XCTAssertNil(BlockEncoder.cents(1e300))
    }

    func testChecksumKnownValues() {
        // Fixed values: a change to the checksum is a change to the format.
        XCTAssertEqual(PanelChecksum.of([]), 0xEF46_DB37_51D8_E999)
        XCTAssertEqual(PanelChecksum.of(Array("TALLYPNL".utf8)), 0xCC4B_3B02_1468_E72C)
        XCTAssertEqual(PanelChecksum.of([1, 2, 3, 4, 5, 6, 7, 8, 9]), 0x9DD1_8224_DF94_C8BD)
        XCTAssertNotEqual(PanelChecksum.of(Array("TALLYPNL".utf8)), PanelChecksum.of(Array("TALLYPNM".utf8)))
        XCTAssertNotEqual(PanelChecksum.of([1, 2, 3, 4, 5, 6, 7, 8, 9]), PanelChecksum.of([1, 2, 3, 4, 5, 6, 7, 8, 8]))
        XCTAssertNotEqual(PanelChecksum.of([0]), PanelChecksum.of([0, 0]))
    }
}
