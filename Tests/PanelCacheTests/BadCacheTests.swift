import ClaimsCSVPlugin
import Foundation
import TallyTestSupport
import XCTest
@testable import PanelCachePlugin
import TallyEngine
import TallyLanguage

/// Stale and damaged caches are refused with a `Rejection` that says what is wrong and where;
/// no damage crashes the reader.
final class BadCacheTests: PanelCacheTestCase {
    var source: String { path("panel") }
    var cache: String { path("panel.tpc") }

    /// A claims CSV folder of 100 members, imported in blocks of 10.
    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        var csv = "person_id,sex,birth_date\n"
        for i in 0..<100 { csv += "p\(1000 + i),\(i % 2 == 0 ? "female" : "male"),19\(50 + i % 40)-0\(1 + i % 9)-1\(i % 10)\n" }
        try Data(csv.utf8).write(to: URL(fileURLWithPath: source + "/patient.csv"))
        _ = try PanelCacheLoader(membersPerBlock: 10).write(source: source, loader: ClaimsCSVLoader(), options: LoadOptions(),
                                                            jobs: 2, to: cache)
    }

    func load() -> Rejection? {
        rejection { _ = try PanelCacheLoader().load(path: cache, options: LoadOptions()) }
    }

    func testFreshCacheLoads() throws {
        let panel = try PanelCacheLoader().load(path: cache, options: LoadOptions())
        XCTAssertEqual(panel.members.count, 100)
        XCTAssertEqual(try CacheFile(path: cache).blocks.count, 10)
    }

    // MARK: Stale sources

    func testAppendedSourceIsStale() throws {
        let file = source + "/patient.csv"
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        h.seekToEndOfFile()
        h.write(Data("p2000,female,1990-01-01\n".utf8))
        h.closeFile()
        let r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "stale-panel-cache")
        XCTAssertEqual(r.file, cache)
        XCTAssertTrue(r.message.hasPrefix("the panel cache is stale: \(SourceFile.absolute(file)) has changed (size "), r.message)
        XCTAssertTrue(r.message.hasSuffix("re-run `tally import` to refresh it"), r.message)
        // loadParts refuses it too, before handing over any part.
        XCTAssertEqual(rejection {
            _ = try PanelCacheLoader().loadParts(path: cache, options: LoadOptions(), jobs: 2) { _ in XCTFail("a part was handed over") }
        }?.code, "stale-panel-cache")
    }

    func testTouchedSourceIsStale() throws {
        let file = source + "/patient.csv"
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)], ofItemAtPath: file)
        let r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "stale-panel-cache")
        XCTAssertTrue(r.message.contains("\(SourceFile.absolute(file)) has changed (modified "), r.message)
        XCTAssertFalse(r.message.contains("size"), r.message)
    }

    func testRemovedSourceIsStale() throws {
        try FileManager.default.removeItem(atPath: source + "/patient.csv")
        let r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "stale-panel-cache")
        XCTAssertTrue(r.message.contains("patient.csv has been removed or renamed since `tally import` wrote it"), r.message)
    }

    /// A source modified while it is read is refused at import, and nothing is written.
    func testSourceChangedDuringImport() throws {
        struct Touching: PanelLoader {
            let file: String
            var format: String { "touching" }
            func canLoad(path: String) -> Bool { false }
            func load(path: String, options: LoadOptions) throws -> Panel { Panel(members: [], report: LoadReport()) }
            func loadParts(path: String, options: LoadOptions, jobs: Int,
                           body: @escaping @Sendable (PanelPart) throws -> Void) throws -> LoadReport {
                var report = LoadReport()
                report.files = [file]
                Thread.sleep(forTimeInterval: 0.02)
                try Data("changed\n".utf8).write(to: URL(fileURLWithPath: file))
                return report
            }
        }
        let out = path("changed.tpc")
        let r = rejection {
            _ = try PanelCacheLoader().write(source: source, loader: Touching(file: source + "/patient.csv"), options: LoadOptions(), jobs: 1, to: out)
        }
        XCTAssertEqual(r?.code, "source-changed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    // MARK: Damaged files

    func testChecksumMismatchNamesTheBlock() throws {
        let block = try CacheFile(path: cache).blocks[3]
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        try patch(cache, at: Int(block.offset) + 40, [bytes[Int(block.offset) + 40] ^ 0x20])
        let r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "panel-cache-checksum")
        XCTAssertEqual(r.message, "the panel cache is corrupt: block 3 of 10 (bytes \(block.offset)..<\(block.offset + block.length)) fails its checksum; re-run `tally import` to rebuild it")
        // Part by part, the blocks before it are handed over, and the load stops there.
        let seen = Slots<Int>(count: 10)
        let partial = rejection {
            _ = try PanelCacheLoader().loadParts(path: cache, options: LoadOptions(), jobs: 1) { part in seen.set(part.index, part.members.count) }
        }
        XCTAssertEqual(partial?.code, "panel-cache-checksum")
        XCTAssertEqual(seen.take(), [10, 10, 10, nil, nil, nil, nil, nil, nil, nil])
    }

    func testTruncated() throws {
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: cache)[.size] as? Int)
        try truncate(to: size / 2)
        var r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "panel-cache-truncated")
        XCTAssertEqual(r.message, "the panel cache is truncated: it has \(size / 2) bytes, its header says \(size); re-run `tally import` to rebuild it")
        try truncate(to: 50)
        r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "panel-cache-truncated")
        XCTAssertTrue(r.message.contains("it has 50 bytes, less than its 96-byte header"), r.message)
        try truncate(to: 5)
        XCTAssertEqual(load()?.code, "panel-cache-truncated")
        XCTAssertFalse(PanelCacheLoader().canLoad(path: cache))
    }

    func testWrongVersion() throws {
        try patch(cache, at: 8, [1, 0, 0, 0])
        XCTAssertTrue(PanelCacheLoader().canLoad(path: cache), "the magic still says it is a cache")
        let r = try XCTUnwrap(load())
        XCTAssertEqual(r.code, "panel-cache-version")
        XCTAssertEqual(r.message, "the panel cache has format version 1, this tally reads version 3; re-run `tally import` to rebuild it")
    }

    func testNotACache() throws {
        let text = path("notes.txt")
        try Data("person_id,sex\n".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertFalse(PanelCacheLoader().canLoad(path: text))
        XCTAssertFalse(PanelCacheLoader().canLoad(path: source), "a folder")
        XCTAssertFalse(PanelCacheLoader().canLoad(path: path("missing")))
        let r = rejection { _ = try PanelCacheLoader().load(path: text, options: LoadOptions()) }
        XCTAssertEqual(r?.code, "not-a-panel-cache")
        let empty = path("empty")
        FileManager.default.createFile(atPath: empty, contents: nil)
        XCTAssertFalse(PanelCacheLoader().canLoad(path: empty))
        XCTAssertEqual(rejection { _ = try PanelCacheLoader().load(path: empty, options: LoadOptions()) }?.code, "not-a-panel-cache")
        XCTAssertEqual(rejection { _ = try PanelCacheLoader().load(path: source, options: LoadOptions()) }?.code, "unreadable")
    }

    func testOtherSchemaIsRefused() throws {
        var header = try Array(Data(contentsOf: URL(fileURLWithPath: cache)).prefix(CacheFormat.headerSize))
        header[24] ^= 1
        let sum = PanelChecksum.of(Array(header[0..<88]))
        withUnsafeBytes(of: sum.littleEndian) { for i in 0..<8 { header[88 + i] = $0[i] } }
        try patch(cache, at: 0, header)
        XCTAssertEqual(load()?.code, "panel-cache-schema")
    }

    func testDamagedHeaderMetaAndIndex() throws {
        let file = try CacheFile(path: cache)
        let original = try Data(contentsOf: URL(fileURLWithPath: cache))
        func flip(_ offset: Int) throws {
            try original.write(to: URL(fileURLWithPath: cache))
            try patch(cache, at: offset, [original[offset] ^ 0x01])
        }
        try flip(40)
        XCTAssertEqual(load()?.message, "the panel cache is corrupt: the header at byte 0 fails its checksum; re-run `tally import` to rebuild it")
        try flip(Int(file.header.metaOffset) + 3)
        XCTAssertEqual(load()?.message, "the panel cache is corrupt: the meta section at byte \(file.header.metaOffset) fails its checksum; re-run `tally import` to rebuild it")
        try flip(Int(file.header.indexOffset) + 33)
        XCTAssertEqual(load()?.message, "the panel cache is corrupt: the block index at byte \(file.header.indexOffset) fails its checksum; re-run `tally import` to rebuild it")
        try original.write(to: URL(fileURLWithPath: cache))
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: cache))
        h.seekToEndOfFile()
        h.write(Data([0, 0, 0]))
        h.closeFile()
        XCTAssertEqual(load()?.code, "panel-cache-corrupt")
    }

    /// Damage that keeps the checksum right (as a bug or a crafted file could): every flipped
    /// byte or cut in a block gives a decode error or members, never a crash.
    func testDamagedBlocksNeverCrash() throws {
        let source = try examplePanel()
        var encoder = BlockEncoder()
        for m in source.members.prefix(40) { try encoder.add(m) }
        let block = encoder.finish()
        XCTAssertEqual(try block.withUnsafeBytes { try BlockDecoder.decode($0) }.count, 40)
        var rng = SplitMix(seed: 42)
        var errors = 0
        for round in 0..<600 {
            var damaged = block
            if round % 3 == 0 {
                damaged = Array(damaged.prefix(CacheFormat.blockHeaderSize + Int(rng.next() % UInt64(block.count - CacheFormat.blockHeaderSize))))
            } else {
                for _ in 0..<(1 + round % 4) {
                    let i = CacheFormat.blockHeaderSize + Int(rng.next() % UInt64(block.count - CacheFormat.blockHeaderSize))
                    damaged[i] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                _ = try damaged.withUnsafeBytes { try BlockDecoder.decode($0) }
            } catch is DecodeError {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 300)
    }

    private func truncate(to size: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: cache))
        try data.prefix(size).write(to: URL(fileURLWithPath: cache))
    }
}
