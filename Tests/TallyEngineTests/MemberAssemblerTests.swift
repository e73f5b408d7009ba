import TallyEngine
import TallyLanguage
import XCTest

/// Lists are sorted by record id whatever order loaders add them in; equal ids keep the order
/// they were added in; lists already in order are kept as they are.
final class MemberAssemblerTests: XCTestCase {
    func encounter(_ id: String?, _ tag: Int) -> Record {
        let e = CanonicalSchema.newRecord("Encounter")
        if let id { e.fields[CanonicalSchema.slot("Encounter", "id")] = .string(id) }
        e.fields[CanonicalSchema.slot("Encounter", "status")] = .string("t\(tag)")
        return e
    }

    func assembled(_ records: [Record]) throws -> [String] {
        var assembler = MemberAssembler()
        let b = assembler.member("p1")
        b.seen = true
        for r in records { b.add(r, list: CanonicalSchema.slot("Member", "encounters")) }
        let member = try assembler.finish(report: LoadReport(), options: LoadOptions()).members[0]
        return member.fields[CanonicalSchema.slot("Member", "encounters")].asList.map { v in
            let r = v.asRecord!
            return (r.fields[CanonicalSchema.slot("Encounter", "id")].asString ?? "-") + ":" + r.fields[CanonicalSchema.slot("Encounter", "status")].asString!
        }
    }

    func testListsAreSortedByIDStably() throws {
        XCTAssertEqual(try assembled([encounter("a", 1), encounter("b", 2), encounter("b", 3), encounter("c", 4)]),
                       ["a:t1", "b:t2", "b:t3", "c:t4"])
        XCTAssertEqual(try assembled([encounter("c", 1), encounter("a", 2), encounter("b", 3), encounter("a", 4)]),
                       ["a:t2", "a:t4", "b:t3", "c:t1"])
        // Out of order only at the end, after a run in order.
        XCTAssertEqual(try assembled([encounter("a", 1), encounter("b", 2), encounter("c", 3), encounter("b", 4)]),
                       ["a:t1", "b:t2", "b:t4", "c:t3"])
        // A record without an id sorts first, as the empty id.
        XCTAssertEqual(try assembled([encounter("b", 1), encounter(nil, 2), encounter("a", 3)]),
                       ["-:t2", "a:t3", "b:t1"])
        XCTAssertEqual(try assembled([encounter("x", 1)]), ["x:t1"])
    }

    /// A reference points at the first record added with its id in the target list (whatever
    /// order the list was added in), and at nothing when no record has the id.
    func testReferencesResolveToTheFirstRecordWithTheID() throws {
        var assembler = MemberAssembler()
        let b = assembler.member("p1")
        b.seen = true
        let encounters = CanonicalSchema.slot("Member", "encounters")
        for (id, tag) in [("e3", 1), ("e1", 2), ("e2", 3), ("e1", 4), ("e0", 5)] { b.add(encounter(id, tag), list: encounters) }
        b.add(encounter(nil, 6), list: encounters)
        let observationEncounter = CanonicalSchema.slot("Observation", "encounter")
        let observations = ["e1", "e0", "e3", "e9", ""].map { target -> Record in
            let o = CanonicalSchema.newRecord("Observation")
            b.reference(o, slot: observationEncounter, list: encounters, id: target)
            return o
        }
        _ = try assembler.finish(report: LoadReport(), options: LoadOptions())
        let status = CanonicalSchema.slot("Encounter", "status")
        XCTAssertEqual(observations.map { $0[observationEncounter].asRecord?[status].asString ?? "none" },
                       ["t2", "t5", "t1", "none", "none"])
    }

    func testRecordCountsAreReportedByKind() throws {
        var assembler = MemberAssembler()
        for id in ["p1", "p2"] {
            let b = assembler.member(id)
            b.seen = true
            b.add(encounter("e", 0), list: CanonicalSchema.slot("Member", "encounters"))
        }
        let panel = try assembler.finish(report: LoadReport(), options: LoadOptions())
        XCTAssertEqual(panel.report.records["Encounter"], 2)
        XCTAssertEqual(panel.report.records["Member"], 2)
    }

    /// Records a list's test fails are left out and counted by kind; lists without a test keep
    /// everything; a member without a patient row is rejected naming its left-out records too
    /// (they are counted there, not as left out).
    func testRecordsTheRunCannotCountAreLeftOutAndCounted() throws {
        let codeSlot = CanonicalSchema.slot("Condition", "code")
        var need = RecordNeed()
        need.codes[codeSlot] = ["http://x|1"]
        var assembler = MemberAssembler(keeping: ["conditions": need.test])
        let conditions = CanonicalSchema.slot("Member", "conditions"), encounters = CanonicalSchema.slot("Member", "encounters")
        func condition(_ code: String) -> Record {
            let c = CanonicalSchema.newRecord("Condition")
            c[codeSlot] = .code(Code(system: "http://x", code: code))
            return c
        }
        let a = assembler.member("a")
        a.seen = true
        XCTAssertTrue(a.add(condition("1"), list: conditions))
        XCTAssertFalse(a.add(condition("2"), list: conditions))
        XCTAssertTrue(a.add(encounter("e", 1), list: encounters))
        XCTAssertNotNil(assembler.test(forList: conditions))
        XCTAssertNil(assembler.test(forList: encounters))
        let b = assembler.member("b")
        b.add(condition("3"), list: conditions)
        b.countLeftOut(kind: CanonicalSchema.kindIndex("Condition"))
        b.add(condition("1"), list: conditions)
        let panel = try assembler.finish(report: LoadReport(), options: LoadOptions())
        XCTAssertEqual(panel.members.count, 1)
        XCTAssertEqual(panel.members[0][conditions].asList.count, 1)
        XCTAssertEqual(panel.members[0][encounters].asList.count, 1)
        XCTAssertEqual(panel.report.records["Condition"], 1)
        XCTAssertEqual(panel.report.leftOut, ["Condition": 1])
        XCTAssertEqual(panel.report.rejections.map(\.message), ["3 record(s) for member 'b', who has no patient or eligibility record"])

        // Parts add their counts.
        var whole = LoadReport()
        whole.merge(panel.report)
        whole.addCounts(panel.report)
        XCTAssertEqual(whole.leftOut, ["Condition": 2])
    }
}

