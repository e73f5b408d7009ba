import ClaimsCSVPlugin
import Foundation
import TallyTestSupport
import XCTest
@testable import PanelCachePlugin
import TallyEngine
import TallyLanguage

/// A run reads only some member fields: the cache then leaves the other lists of records out,
/// and what it gives is what a whole load gives with those fields null, every record a kept
/// record points at (even in a left-out list) included.
final class LeftOutListsTests: PanelCacheTestCase {
    /// The example panel through the loader, for several sets of fields a run may read.
    func testTheExamplePanelReadForSomeFields() throws {
        let source = try examplePanel()
        let out = path("panel.tpc")
        _ = try PanelCacheLoader(membersPerBlock: 7).write(source: Self.examplePanel, loader: ClaimsCSVLoader(), options: LoadOptions(),
                                                           jobs: 1, to: out)
        let blocks = try CacheFile(path: out).blocks.count
        XCTAssertGreaterThan(blocks, 10)
        let sets: [Set<String>] = [[], ["observations"], ["claims", "medication_dispenses", "enrollments"]]
        var leftOutSomewhere = 0
        for fields in sets {
            let expected = source.members.map { m in
                Record.make(kind: m.kind, fields: m.fields.enumerated().map { slot, v in
                    Self.isRecordList(v) && !fields.contains(CanonicalSchema.member.fields[slot].name) ? .null : v
                })
            }
            leftOutSomewhere += zip(expected, source.members).filter { a, b in
                zip(a.fields, b.fields).contains { $0.isNull != $1.isNull }
            }.count
            let cached = try PanelCacheLoader().load(path: out, options: LoadOptions(memberFields: fields))
            assertSameMembers(expected, cached.members)
            let parts = Slots<[Record]>(count: blocks)
            _ = try PanelCacheLoader().loadParts(path: out, options: LoadOptions(memberFields: fields), jobs: 2) { part in
                parts.set(part.index, part.members)
            }
            assertSameMembers(expected, parts.take().flatMap { $0 ?? [] })
        }
        XCTAssertGreaterThan(leftOutSomewhere, 100)
        // Observations point at their encounters: read without `encounters`, each still has its
        // encounter, decoded from the left-out list.
        let observations = CanonicalSchema.slot("Member", "observations"), encounter = CanonicalSchema.slot("Observation", "encounter")
        let linked = try PanelCacheLoader().load(path: out, options: LoadOptions(memberFields: ["observations"])).members
            .flatMap { $0.fields[observations].asList }.filter { $0.asRecord?.fields[encounter].asRecord != nil }
        XCTAssertGreaterThan(linked.count, 0)
    }

    /// References that reach a record before its place, in order and out of it: a kept
    /// observation points at a claim in a left-out list, and the claim at a record written in
    /// place inside a kept dispense that comes later. Every record is made once.
    func testReferencesReachRecordsOutOfOrder() throws {
        let observation = Self.record("Observation", "o1"), dispense = Self.record("MedicationDispense", "d1")
        let claim = Self.record("Claim", "claim 1"), line = Self.record("ClaimLine", "line 1")
        let last = { (r: Record) in r.count - 1 }
        observation.fields[last(observation)] = .record(claim)  // a list record: slot and index
        dispense.fields[last(dispense)] = .record(line)         // first met here: written in place
        claim.fields[last(claim)] = .record(line)               // met again: the in-place record's number
        let member = Self.member(["observations": [observation], "medication_dispenses": [dispense], "claims": [claim]])
        let block = try Self.block(member)

        let kept: Set<String> = ["observations", "medication_dispenses"]
        let m = try XCTUnwrap(try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: kept) }.first)
        XCTAssertTrue(m.fields[CanonicalSchema.slot("Member", "claims")].isNull)
        let o = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "observations")].asList.first?.asRecord)
        let d = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "medication_dispenses")].asList.first?.asRecord)
        let c = try XCTUnwrap(o.fields[last(o)].asRecord)
        XCTAssertEqual(c.fields[0].asString, "claim 1")
        XCTAssertTrue(c.fields[last(c)].asRecord === d.fields[last(d)].asRecord, "one line, made once")
        XCTAssertEqual(d.fields[last(d)].asRecord?.fields[0].asString, "line 1")

        // Kept the other way: the claim is read, the dispense that holds its line is not.
        let claimsOnly = try XCTUnwrap(try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: ["claims"]) }.first)
        let c2 = try XCTUnwrap(claimsOnly.fields[CanonicalSchema.slot("Member", "claims")].asList.first?.asRecord)
        XCTAssertEqual(c2.fields[last(c2)].asRecord?.fields[0].asString, "line 1")
        XCTAssertTrue(claimsOnly.fields[CanonicalSchema.slot("Member", "medication_dispenses")].isNull)
        // Every field: the same trees as the whole decode.
        let whole = try block.withUnsafeBytes { try BlockDecoder.decode($0) }
        let all = try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: Set(CanonicalSchema.member.fields.map(\.name))) }
        assertSameMembers(whole, all)
        assertSameMembers([member], whole)
    }

    /// Records reached through references from record to record in a left-out list count toward
    /// the nesting limit: a short chain is decoded where it lies; a block with one past the limit
    /// (no stack overflow) is decoded whole instead, every field filled.
    func testChainsOfReferencesIntoALeftOutList() throws {
        func block(chain length: Int) throws -> [UInt8] {
            let encounters = (0..<length).map { Self.record("Encounter", "e\($0)") }
            let link = CanonicalSchema.slot("Encounter", "diagnoses")
            for (e, next) in zip(encounters, encounters.dropFirst()) { e.fields[link] = .record(next) }
            let observation = Self.record("Observation")
            observation.fields[CanonicalSchema.slot("Observation", "encounter")] = .record(encounters[0])
            return try Self.block(Self.member(["encounters": encounters, "observations": [observation]]))
        }
        let short = try block(chain: 10)
        let m = try XCTUnwrap(try short.withUnsafeBytes { try BlockDecoder.decode($0, reading: ["observations"]) }.first)
        var e = m.fields[CanonicalSchema.slot("Member", "observations")].asList.first?.asRecord?
            .fields[CanonicalSchema.slot("Observation", "encounter")].asRecord
        var seen: [String] = []
        while let r = e {
            seen.append(r.fields[0].asString ?? "?")
            e = r.fields[CanonicalSchema.slot("Encounter", "diagnoses")].asRecord
        }
        XCTAssertEqual(seen, (0..<10).map { "e\($0)" })
        let long = try block(chain: 200)
        XCTAssertTrue(m.fields[CanonicalSchema.slot("Member", "encounters")].isNull)
        let whole = try long.withUnsafeBytes { try BlockDecoder.decode($0) }
        let some = try long.withUnsafeBytes { try BlockDecoder.decode($0, reading: ["observations"]) }
        XCTAssertEqual(some.first?.fields[CanonicalSchema.slot("Member", "encounters")].asList.count, 200)
        assertSameMembers(whole, some)
    }

    /// A left-out list that nothing read points into (by what the roster says) is passed over
    /// unread: a run that does not read it loads the member even when its bytes are damaged, and
    /// a run that reads it, or a whole decode, refuses the block. A list holding a record written
    /// in place (an observation's component) is walked, but what it points into is not reached
    /// through it unless it is read.
    func testListsNothingReadLeadsToArePassedOverUnread() throws {
        /// The block of one member with the marker in the condition's or the encounter's fields,
        /// its tag damaged.
        func damagedBlock(markerIn kind: String) throws -> [UInt8] {
            let encounter = Self.record("Encounter", "e1"), observation = Self.record("Observation", "o1")
            observation.fields[CanonicalSchema.slot("Observation", "encounter")] = .record(encounter)
            observation.fields[CanonicalSchema.slot("Observation", "components")] = .list([.record(Self.record("Component"))])
            let condition = Self.record("Condition", "c1")
            let marker = 1.2345678e-300  // not whole cents: written as its eight bytes, found below
            (kind == "Condition" ? condition : encounter).fields[1] = .decimal(marker)
            var block = try Self.block(Self.member(["encounters": [encounter], "observations": [observation], "conditions": [condition]]))
            let pattern = withUnsafeBytes(of: marker.bitPattern.littleEndian) { Array($0) }
            let at = try XCTUnwrap((0...(block.count - 8)).first { Array(block[$0..<($0 + 8)]) == pattern })
            XCTAssertEqual(block[at - 1], Tag.decimal.rawValue)
            block[at - 1] = 0xEE  // no such tag
            return block
        }
        func decode(_ block: [UInt8], _ fields: Set<String>?) throws -> Record? {
            try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: fields) }.first
        }
        let badCondition = try damagedBlock(markerIn: "Condition")
        XCTAssertThrowsError(try decode(badCondition, nil)) { XCTAssertTrue($0 is DecodeError) }
        XCTAssertThrowsError(try decode(badCondition, ["conditions"])) { XCTAssertTrue($0 is DecodeError) }
        // Observations lead to encounters, not to conditions.
        let m = try XCTUnwrap(try decode(badCondition, ["observations"]))
        XCTAssertTrue(m.fields[CanonicalSchema.slot("Member", "conditions")].isNull)
        let o = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "observations")].asList.first?.asRecord)
        XCTAssertEqual(o.fields[CanonicalSchema.slot("Observation", "encounter")].asRecord?.fields[0].asString, "e1")
        XCTAssertEqual(try decode(badCondition, ["encounters", "claims"])?.fields[CanonicalSchema.slot("Member", "encounters")].asList.count, 1)

        // The observations, left out, are walked (they hold a component); the encounters they
        // point at are passed over unless the observations are read.
        let badEncounter = try damagedBlock(markerIn: "Encounter")
        XCTAssertThrowsError(try decode(badEncounter, nil)) { XCTAssertTrue($0 is DecodeError) }
        XCTAssertThrowsError(try decode(badEncounter, ["observations"])) { XCTAssertTrue($0 is DecodeError) }
        let c = try XCTUnwrap(try decode(badEncounter, ["conditions"]))
        XCTAssertTrue(c.fields[CanonicalSchema.slot("Member", "observations")].isNull)
        XCTAssertEqual(c.fields[CanonicalSchema.slot("Member", "conditions")].asList.count, 1)
    }

    /// A record written in place inside a left-out list can be reached from a list that is read
    /// (a reference back to it, tag 15), and lead on into a third list: that list is walked, not
    /// passed over, and the member decodes for the fields read alone (not whole).
    func testListsReachedThroughRecordsWrittenInPlaceAreNotPassedOver() throws {
        let condition = Self.record("Condition"), observation = Self.record("Observation"), procedure = Self.record("Procedure", "p1")
        let shared = Self.record("Encounter", "x1")  // in no list: written in place
        let link = CanonicalSchema.slot("Encounter", "diagnoses")
        shared.fields[link] = .record(procedure)
        condition.fields[condition.count - 1] = .record(shared)      // first met here, in conditions
        observation.fields[observation.count - 1] = .record(shared)  // then referred back to
        let block = try Self.block(Self.member(["conditions": [condition], "procedures": [procedure], "observations": [observation]]))
        let m = try XCTUnwrap(try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: ["observations"]) }.first)
        XCTAssertTrue(m.fields[CanonicalSchema.slot("Member", "conditions")].isNull, "decoded for observations alone")
        XCTAssertTrue(m.fields[CanonicalSchema.slot("Member", "procedures")].isNull)
        let o = try XCTUnwrap(m.fields[CanonicalSchema.slot("Member", "observations")].asList.first?.asRecord)
        let x = try XCTUnwrap(o.fields[o.count - 1].asRecord)
        XCTAssertEqual(x.fields[0].asString, "x1")
        XCTAssertEqual(x.fields[link].asRecord?.fields[0].asString, "p1")
    }

    /// A reference back to a record written in place (tag 15) from a place the roster does not
    /// name for the list holding it is refused, by a whole decode and by one for some fields.
    func testReferencesBackFromPlacesTheRosterDoesNotNameAreRefused() throws {
        let condition = Self.record("Condition"), observation = Self.record("Observation")
        let shared = Self.record("Encounter", "x1")  // in no list: written in place, in the condition
        condition.fields[condition.count - 1] = .record(shared)
        observation.fields[observation.count - 1] = .record(shared)
        var block = try Self.block(Self.member(["conditions": [condition], "observations": [observation]]))
        let decode = { (fields: Set<String>?) in try block.withUnsafeBytes { try BlockDecoder.decode($0, reading: fields) } }
        XCTAssertEqual(try decode(nil).count, 1)
        // The conditions' roster entry: slot, 1 record, its kind, a one-byte length, in-place
        // byte 1, one place: the observations' slot. Name the procedures instead.
        let conditions = UInt8(CanonicalSchema.slot("Member", "conditions")), observations = UInt8(CanonicalSchema.slot("Member", "observations"))
        let entry: [UInt8] = [conditions, 1, UInt8(CanonicalSchema.kindIndex("Condition"))]
        let at = try XCTUnwrap((0...(block.count - 7)).first { Array(block[$0..<($0 + 3)]) == entry })
        XCTAssertEqual(Array(block[(at + 4)...(at + 6)]), [1, 1, observations])
        block[at + 6] = UInt8(CanonicalSchema.slot("Member", "procedures"))
        for fields in [nil, ["observations"], ["conditions", "observations"]] as [Set<String>?] {
            XCTAssertThrowsError(try decode(fields)) { XCTAssertTrue("\($0)".contains("refers back"), "\($0)") }
        }
    }

    /// Damaged blocks decoded for some fields give a decode error or members, never a crash.
    func testDamagedBlocksReadForSomeFieldsNeverCrash() throws {
        var encoder = BlockEncoder()
        for m in try examplePanel().members.prefix(40) { try encoder.add(m) }
        let block = encoder.finish()
        var rng = SplitMix(seed: 7)
        var errors = 0
        for round in 0..<300 {
            var damaged = block
            for _ in 0..<(1 + round % 4) {
                let i = CacheFormat.blockHeaderSize + Int(rng.next() % UInt64(block.count - CacheFormat.blockHeaderSize))
                damaged[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                _ = try damaged.withUnsafeBytes { try BlockDecoder.decode($0, reading: ["observations", "claims"]) }
            } catch is DecodeError {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 150)
    }

    /// A record of the kind, every field null but its first (the id) when given.
    static func record(_ kind: String, _ id: String? = nil) -> Record {
        let r = CanonicalSchema.newRecord(kind)
        if let id { r.fields[0] = .string(id) }
        return r
    }

    /// Member `m1` with the given lists of records, by member field.
    static func member(_ lists: [String: [Record]]) -> Record {
        let m = record("Member")
        m.fields[CanonicalSchema.memberID] = .string("m1")
        for (field, records) in lists { m.fields[CanonicalSchema.slot("Member", field)] = .list(records.map { .record($0) }) }
        return m
    }

    /// One block holding the member.
    static func block(_ member: Record) throws -> [UInt8] {
        var encoder = BlockEncoder()
        try encoder.add(member)
        return encoder.finish()
    }

    static func isRecordList(_ v: Value) -> Bool {
        guard case .list(let xs) = v, !xs.isEmpty else { return false }
        return xs.allSatisfy { $0.asRecord != nil }
    }
}
