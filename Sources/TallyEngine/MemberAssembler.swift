#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TallyLanguage

/// Collects records per member while a loader reads, then builds the member records: lists
/// sorted deterministically, references (an observation's encounter) resolved by id, and
/// records whose member never appeared rejected and counted.
///
///     var assembler = MemberAssembler()
///     assembler.member("p1").setField(CanonicalSchema.slot("Member", "birth_date"), .temporal(...))
///     assembler.add(encounter, to: "p1", list: CanonicalSchema.slot("Member", "encounters"))
///     let panel = assembler.finish(report: report)
public struct MemberAssembler {
    public final class Builder {
        public let id: String
        // Loaders add to one builder at a time, from one thread: run-time exclusivity checks on
        // every record added cost more than the adding.
        @exclusivity(unchecked) public var fields: [Value]
        /// Whether the member itself appeared (a patient row or resource, an eligibility row).
        public var seen = false
        /// The records of each list field, by member slot (empty for the other fields).
        @exclusivity(unchecked) var lists = [[Value]](repeating: [], count: CanonicalSchema.member.fields.count)
        /// Fields to resolve after loading: (record, slot, target list slot, target id, source for errors).
        @exclusivity(unchecked) var references: [(Record, Int, Int, String)] = []
        /// Bits by member slot: lists that received a record out of id order. Checked as records
        /// arrive, while they are in cache, rather than in a second pass over every record.
        @exclusivity(unchecked) var outOfOrder: UInt64 = 0
        /// The test of each list's records by member slot (`LoadOptions.recordTests`).
        let tests: [RecordTest?]
        /// The member's records left out, by kind (made at the first): reported for a member
        /// kept, named in the `no-member` rejection of one who is not.
        @exclusivity(unchecked) var leftOut: [Int] = []

        init(id: String, tests: [RecordTest?]) {
            self.id = id
            self.tests = tests
            var f = [Value](repeating: .null, count: CanonicalSchema.member.fields.count)
            f[CanonicalSchema.memberID] = .string(id)
            self.fields = f
        }

        public func setField(_ slot: Int, _ v: Value) { fields[slot] = v }
        /// Adds a record to a list; false when the list's test (`LoadOptions.recordTests`) leaves
        /// it out, counted in the load report.
        @discardableResult
        public func add(_ record: Record, list slot: Int) -> Bool {
            if let test = tests[slot], !test.keeps(record) {
                countLeftOut(kind: record.kind)
                return false
            }
            if outOfOrder & (1 << slot) == 0, case .record(let previous)? = lists[slot].last,
               MemberAssembler.idOrder(previous, before: record) == false {
                outOfOrder |= 1 << slot
            }
            // Room for four at first: most lists get a few records, and growing one from empty
            // (room for 1, then 2, then 4) costs an allocation, a move and a free at each step.
            if lists[slot].isEmpty { lists[slot].reserveCapacity(4) }
            lists[slot].append(.record(record))
            return true
        }
        /// Counts a record of `kind` that a loader left out without making it, having asked the
        /// list's test (`MemberAssembler.test(forList:)`) of its code.
        public func countLeftOut(kind: Int) {
            if leftOut.isEmpty { leftOut = [Int](repeating: 0, count: CanonicalSchema.schema.kinds.count) }
            leftOut[kind] += 1
        }

        /// Resolves `record.fields[slot]` to the member's record with `id` in the list at `listSlot`.
        public func reference(_ record: Record, slot: Int, list listSlot: Int, id: String) {
            references.append((record, slot, listSlot, id))
        }
    }

    var builders: [String: Builder] = [:]
    var sourceOf: [String: (file: String, line: Int?, resource: String?)] = [:]
    /// The test of each list's records by member slot, given to every builder.
    let tests: [RecordTest?]

    /// An assembler that leaves out the records `tests` say no measure can count (none by default).
    public init(keeping tests: [String: RecordTest] = [:]) {
        self.tests = CanonicalSchema.member.fields.map { tests[$0.name] }
    }

    /// The test of a list's records when the run leaves some out: a loader may ask it of a
    /// record's code before making the record (`RecordTest.mayKeep`), then `Builder.countLeftOut`.
    public func test(forList slot: Int) -> RecordTest? { tests[slot] }

    /// The builder for a member id, created on first use.
    public mutating func member(_ id: String) -> Builder {
        if let b = builders[id] { return b }
        let b = Builder(id: id, tests: tests)
        builders[id] = b
        return b
    }

    /// Records where a member's first record came from, to report it if the member never appears.
    public mutating func noteSource(_ id: String, file: String, line: Int?, resource: String? = nil) {
        if sourceOf[id] == nil { sourceOf[id] = (file, line, resource) }
    }

    /// Builds the panel. Members that have records but never appeared themselves are rejected
    /// (with all their records) and counted under `no-member`.
    public func finish(report: LoadReport, options: LoadOptions) throws -> Panel {
        var report = report
        var members: [Record] = []
        var recordsByKind = [Int](repeating: 0, count: CanonicalSchema.schema.kinds.count)
        var leftOutByKind = recordsByKind
        for id in builders.keys.sorted() {
            let b = builders[id]!
            let count = b.lists.reduce(0) { $0 + $1.count } + b.leftOut.reduce(0, +)
            guard b.seen else {
                let src = sourceOf[id]
                let r = Rejection(file: src?.file ?? "", line: src?.line, resource: src?.resource, code: "no-member",
                                  message: "\(count) record(s) for member '\(id)', who has no patient or eligibility record")
                if options.strict { throw r }
                report.rejections.append(r)
                continue
            }
            var fields = b.fields
            for (slot, list) in b.lists.enumerated() where !list.isEmpty {
                let kind = list.first?.asRecord?.kind ?? 0
                let sorted = b.outOfOrder & (1 << slot) == 0
                let idSlot = CanonicalSchema.idSlotByKind[kind]
                fields[slot] = .list(sorted || idSlot < 0 ? list : Self.sortedByID(list, idSlot: idSlot))
                recordsByKind[kind] += list.count
            }
            for (kind, n) in b.leftOut.enumerated() where n > 0 { leftOutByKind[kind] += n }
            let member = Record.make(kind: CanonicalSchema.memberKind, fields: fields)
            Self.resolve(b.references, in: fields)
            members.append(member)
        }
        for (kind, count) in recordsByKind.enumerated() where count > 0 {
            report.records[CanonicalSchema.schema.kinds[kind].name, default: 0] += count
        }
        for (kind, count) in leftOutByKind.enumerated() where count > 0 {
            report.leftOut[CanonicalSchema.schema.kinds[kind].name, default: 0] += count
        }
        report.records["Member", default: 0] += members.count
        report.sortRejections()
        return Panel(members: members, report: report)
    }
}

extension MemberAssembler {
    /// Loaders add records in file order; a stable order by id keeps panels deterministic whatever
    /// order files were read in. Lists already in order (the usual case) are kept as they are:
    /// `Builder.add` notes the lists that are not.
    static func sortedByID(_ list: [Value], idSlot: Int) -> [Value] {
        func id(_ v: Value) -> String { v.asRecord?.fields[idSlot].asString ?? "" }
        let ids = list.map(id)
        let order: [Int]
        if ids.allSatisfy(isASCII) {
            // ASCII ids order as String orders them by their bytes: one comparison, no
            // normalisation.
            order = ids.indices.sorted { a, b in
                let c = byteOrder(ids[a], ids[b])
                return c != 0 ? c < 0 : a < b
            }
        } else {
            order = ids.indices.sorted { ids[$0] != ids[$1] ? ids[$0] < ids[$1] : $0 < $1 }
        }
        return order.map { list[$0] }
    }

    /// Whether a string is ASCII, read in place (false when its bytes cannot be read in place).
    static func isASCII(_ s: String) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { b in
            var all: UInt8 = 0
            for c in b { all |= c }
            return all < 0x80
        } ?? false
    }

    /// Byte order of two strings' UTF-8 (-1, 0, 1): String's order when both are ASCII.
    @inline(__always)
    static func byteOrder(_ a: String, _ b: String) -> Int {
        a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                if c != 0 { return c < 0 ? -1 : 1 }
                return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
            }
        }! ?? 0
    }

    /// Whether `a` may stay before `b` in a list sorted by id (equal ids keep their order); nil
    /// for kinds without an id. A missing id sorts as "", as in `sortedByID`.
    @inline(__always)
    static func idOrder(_ a: Record, before b: Record) -> Bool? {
        let slot = CanonicalSchema.idSlotByKind[b.kind]
        guard slot >= 0 else { return nil }
        func id(_ r: Record) -> String {
            if case .string(let s) = r.fields[slot] { return s }
            return ""
        }
        return !(id(b) < id(a))
    }

    /// Points each reference at the first record with its id in the target list. The lists are
    /// sorted by id (stably) by now, so the first with an id is found by binary search: no index
    /// to build per member.
    static func resolve(_ references: [(Record, Int, Int, String)], in fields: [Value]) {
        for (record, slot, listSlot, target) in references {
            guard case .list(let list) = fields[listSlot], case .record(let first)? = list.first,
                  case let s = CanonicalSchema.idSlotByKind[first.kind], s >= 0 else {
                record[slot] = .null
                continue
            }
            func id(_ i: Int) -> String {
                if case .record(let r) = list[i], case .string(let v) = r[s] { return v }
                return ""
            }
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if id(mid) < target { lo = mid + 1 } else { hi = mid }
            }
            // A record without an id sorts as "" but is never a reference's target.
            record[slot] = .null
            while lo < list.count, id(lo) == target {
                if case .record(let r) = list[lo], case .string = r[s] {
                    record[slot] = list[lo]
                    break
                }
                lo += 1
            }
        }
    }
}

extension CanonicalSchema {
    public static let memberKind = schema.index(of: "Member")!
    public static let member = schema.root
    public static let memberID = member.slot(of: "id")!

    /// The slot of a field, for loaders that resolve slots once (crashes on a misspelt name:
    /// that is a programming error in the loader, caught by its tests).
    public static func slot(_ kind: String, _ field: String) -> Int {
        guard let k = schema.kind(kind), let s = k.slot(of: field) else { fatalError("no field \(kind).\(field)") }
        return s
    }

    public static func kindIndex(_ kind: String) -> Int { schema.index(of: kind)! }

    /// A new record of a kind with every field null.
    public static func newRecord(_ kind: String) -> Record {
        let i = kindIndex(kind)
        return Record.make(kind: i, count: schema.kinds[i].fields.count)
    }

    /// The `id` slot of each kind by kind index, -1 for kinds without one (and for Member).
    static let idSlotByKind: [Int] = schema.kinds.map { k in k.name == "Member" ? -1 : k.slot(of: "id") ?? -1 }
}
