import TallyEngine
import TallyLanguage

/// Encodes members into one block of a panel cache.
///
/// Strings, codes and concepts are interned per block: each distinct one is written once, in a
/// table at the block start, and values refer to it by index, so the system URLs and codes that
/// repeat across thousands of records cost a byte or two each. A record that one of the member's
/// list records points to (an observation's encounter) is written as its list slot and index, so
/// the decoded member points at its own list record again, not at a copy.
///
/// Codes and concepts are first looked up by object identity (loaders share them), so the
/// encoder must not outlive the members it was given.
struct BlockEncoder {
    struct EncodeError: Error, CustomStringConvertible {
        var description: String
    }

    private struct CodeKey: Hashable {
        var system: String, code: String, display: String?
    }

    private struct ConceptKey: Hashable {
        var codes: [Int], text: Int
    }

    private var stringIndex: [String: Int] = [:]
    private var stringTable = ByteWriter(capacity: 1 << 14)
    private var codeByObject: [ObjectIdentifier: Int] = [:]
    private var codeIndex: [CodeKey: Int] = [:]
    private var codeTable = ByteWriter(capacity: 1 << 12)
    private var conceptByObject: [ObjectIdentifier: Int] = [:]
    private var conceptIndex: [ConceptKey: Int] = [:]
    private var conceptTable = ByteWriter(capacity: 1 << 12)
    private var body = ByteWriter(capacity: 1 << 18)

    /// Members added so far.
    private(set) var members = 0
    /// Records in the members' lists, counted as a load counts them.
    private(set) var records = 0

    // The member being encoded: its list records by identity, and records written in place.
    private var member: Record?
    private var rosterIndex: [ObjectIdentifier: (slot: Int, index: Int)] = [:]
    private var earlierIndex: [ObjectIdentifier: Int] = [:]
    /// By number, where each record written in place lies (as `writing`).
    private var inPlaceHome: [Int] = []
    /// Where the values being written lie: a roster list's slot, or the member's field count for
    /// the member's own fields.
    private var writing = 0
    /// By member slot: the places (as `writing`) that point at one of the list's records, or
    /// refer back to a record written in place in it, and whether the list holds records written
    /// in place.
    private var pointedFrom: [[Int]] = []
    private var holdsInPlace: [Bool] = []
    /// The member's fields and list records, written before the roster that announces them.
    private var memberBytes = ByteWriter(capacity: 1 << 16)

    private let fieldCounts = CanonicalSchema.schema.kinds.map(\.fields.count)

    init() {}

    /// Roughly how many bytes the block holds so far.
    var size: Int { stringTable.count + codeTable.count + conceptTable.count + body.count }

    /// Adds a member record (of the Member kind) and everything it holds.
    mutating func add(_ m: Record) throws {
        guard m.kind == CanonicalSchema.memberKind else {
            throw EncodeError(description: "a panel member has record kind \(m.kind), not Member")
        }
        try checkShape(m)
        member = m
        rosterIndex.removeAll(keepingCapacity: true)
        earlierIndex.removeAll(keepingCapacity: true)
        inPlaceHome.removeAll(keepingCapacity: true)
        let roster = makeRoster(m)
        for (_, list) in roster {
            for r in list { try checkShape(r) }
            records += list.count
        }
        let n = m.fields.count
        pointedFrom = Array(repeating: [], count: n)
        holdsInPlace = Array(repeating: false, count: n)
        let (fieldsEnd, ends) = try writeApart(m, roster)
        body.varint(m.kind)
        body.varint(n)
        body.varint(roster.count)
        var start = fieldsEnd
        for ((slot, list), end) in zip(roster, ends) {
            body.varint(slot)
            body.varint(list.count)
            for r in list { body.varint(r.kind) }
            body.varint(end - start)
            body.u8(holdsInPlace[slot] ? 1 : 0)
            body.varint(pointedFrom[slot].count)
            for place in pointedFrom[slot] { body.varint(place) }
            start = end
        }
        body.append(memberBytes.bytes)
        member = nil
        members += 1
    }

    /// Writes the member's fields, then its lists' records, into `memberBytes` rather than the
    /// block: the roster that comes first gives each list's length, whether it holds records
    /// written in place and which places point into it (noted as they are written), so a decoder
    /// can pass over a list that nothing it reads leads to. Returns where the fields end and
    /// where each list ends.
    private mutating func writeApart(_ m: Record, _ roster: [(slot: Int, records: [Record])]) throws -> (fieldsEnd: Int, ends: [Int]) {
        swap(&body, &memberBytes)
        defer { swap(&body, &memberBytes) }
        body.bytes.removeAll(keepingCapacity: true)
        let rosterSlots = Set(roster.map(\.slot))
        writing = m.fields.count
        for (slot, v) in m.fields.enumerated() {
            if rosterSlots.contains(slot) {
                body.u8(Tag.roster.rawValue)
            } else {
                if case .list(let xs) = v { records += xs.count(where: { $0.asRecord != nil }) }
                try value(v, depth: 0)
            }
        }
        let fieldsEnd = body.count
        var ends: [Int] = []
        for (slot, list) in roster {
            writing = slot
            for r in list {
                for f in r.fields { try value(f, depth: 1) }
            }
            ends.append(body.count)
        }
        return (fieldsEnd, ends)
    }

    /// The member's lists that hold only records, each record once: they are announced before
    /// the fields, so a reference to one can be written (and read) before the record itself.
    private mutating func makeRoster(_ m: Record) -> [(slot: Int, records: [Record])] {
        var roster: [(slot: Int, records: [Record])] = []
        for (slot, v) in m.fields.enumerated() {
            guard case .list(let xs) = v, !xs.isEmpty else { continue }
            var list: [Record] = []
            list.reserveCapacity(xs.count)
            for x in xs {
                guard case .record(let r) = x, r !== m, rosterIndex[ObjectIdentifier(r)] == nil else { break }
                rosterIndex[ObjectIdentifier(r)] = (slot, list.count)
                list.append(r)
            }
            if list.count == xs.count {
                roster.append((slot, list))
            } else {
                // Not only distinct records: written as a plain list (identity within it is kept
                // by the in-place record numbering instead).
                for r in list { rosterIndex[ObjectIdentifier(r)] = nil }
            }
        }
        return roster
    }

    private func checkShape(_ r: Record) throws {
        guard r.kind >= 0, r.kind < fieldCounts.count, r.fields.count == fieldCounts[r.kind] else {
            throw EncodeError(description: "a record of kind \(r.kind) has \(r.fields.count) fields, which the canonical schema does not allow")
        }
    }

    private mutating func value(_ v: Value, depth: Int) throws {
        switch v {
        case .null: body.u8(Tag.null.rawValue)
        case .boolean(let b): body.u8(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .integer(let i):
            body.u8(Tag.integer.rawValue)
            body.signed(Int64(i))
        case .decimal(let d):
            if let n = Self.cents(d) {
                body.u8(Tag.cents.rawValue)
                body.signed(n)
            } else {
                body.u8(Tag.decimal.rawValue)
                body.u64(d.bitPattern)
            }
        case .string(let s):
            body.u8(Tag.string.rawValue)
            body.varint(intern(s))
        case .temporal(let t):
            if t.isDate, t.precision == .day, t.millis % Temporal.msPerDay == 0 {
                body.u8(Tag.date.rawValue)
                body.signed(t.millis / Temporal.msPerDay)
            } else {
                let days = t.millis % Temporal.msPerDay == 0
                body.u8(Tag.temporal.rawValue)
                body.u8(UInt8(t.precision.rawValue) | (t.isDate ? 8 : 0) | (days ? 16 : 0))
                body.signed(days ? t.millis / Temporal.msPerDay : t.millis)
            }
        case .quantity(let q):
            body.u8(Tag.quantity.rawValue)
            body.u64(q.value.bitPattern)
            body.varint(intern(q.unit))
        case .code(let c):
            let i = intern(c)
            body.u8(Tag.code.rawValue)
            body.varint(i)
        case .concept(let c):
            let i = intern(c)
            body.u8(Tag.concept.rawValue)
            body.varint(i)
        case .interval(let iv):
            try deeper(depth)
            body.u8(Tag.interval.rawValue)
            body.u8((iv.lowClosed ? 1 : 0) | (iv.highClosed ? 2 : 0))
            try value(iv.low, depth: depth + 1)
            try value(iv.high, depth: depth + 1)
        case .list(let xs):
            try deeper(depth)
            body.u8(Tag.list.rawValue)
            body.varint(xs.count)
            for x in xs { try value(x, depth: depth + 1) }
        case .record(let r):
            try record(r, depth: depth)
        }
    }

    private mutating func record(_ r: Record, depth: Int) throws {
        let id = ObjectIdentifier(r)
        if r === member {
            body.u8(Tag.member.rawValue)
        } else if let at = rosterIndex[id] {
            notePlace(pointingInto: at.slot)
            body.u8(Tag.listRecord.rawValue)
            body.varint(at.slot)
            body.varint(at.index)
        } else if let n = earlierIndex[id] {
            notePlace(pointingInto: inPlaceHome[n])
            body.u8(Tag.earlierRecord.rawValue)
            body.varint(n)
        } else {
            try deeper(depth)
            try checkShape(r)
            // Numbered before its fields, so a record that contains itself refers back to itself.
            earlierIndex[id] = earlierIndex.count
            inPlaceHome.append(writing)
            if writing < holdsInPlace.count { holdsInPlace[writing] = true }
            body.u8(Tag.record.rawValue)
            body.varint(r.kind)
            body.varint(r.fields.count)
            for f in r.fields { try value(f, depth: depth + 1) }
        }
    }

    /// Notes that the place being written points into the list at `slot` (nothing for the
    /// member's own fields, which every decoder reads).
    private mutating func notePlace(pointingInto slot: Int) {
        if slot < pointedFrom.count, !pointedFrom[slot].contains(writing) { pointedFrom[slot].append(writing) }
    }

    /// The value in hundredths when dividing that by 100 gives exactly the same bits back
    /// (not for -0.0, NaN, infinities or fractions of a cent).
    static func cents(_ d: Double) -> Int64? {
        let scaled = (d * 100).rounded()
        guard abs(scaled) < 9.0e15 else { return nil }
        let n = Int64(scaled)
        return (Double(n) / 100).bitPattern == d.bitPattern ? n : nil
    }

    private func deeper(_ depth: Int) throws {
        if depth >= CacheFormat.maximumDepth {
            throw EncodeError(description: "values nest more than \(CacheFormat.maximumDepth) deep")
        }
    }

    // MARK: Tables

    private mutating func intern(_ s: String) -> Int {
        if let i = stringIndex[s] { return i }
        let i = stringIndex.count
        stringIndex[s] = i
        stringTable.string(s)
        return i
    }

    private mutating func intern(_ c: Code) -> Int {
        let object = ObjectIdentifier(c)
        if let i = codeByObject[object] { return i }
        let key = CodeKey(system: c.system, code: c.code, display: c.display)
        if let i = codeIndex[key] {
            codeByObject[object] = i
            return i
        }
        let system = intern(c.system), code = intern(c.code), display = c.display.map { intern($0) + 1 } ?? 0
        let i = codeIndex.count
        codeIndex[key] = i
        codeByObject[object] = i
        codeTable.varint(system)
        codeTable.varint(code)
        codeTable.varint(display)
        return i
    }

    private mutating func intern(_ c: Concept) -> Int {
        let object = ObjectIdentifier(c)
        if let i = conceptByObject[object] { return i }
        var codes: [Int] = []
        codes.reserveCapacity(c.codes.count)
        for code in c.codes { codes.append(intern(code)) }
        let key = ConceptKey(codes: codes, text: c.text.map { intern($0) + 1 } ?? 0)
        if let i = conceptIndex[key] {
            conceptByObject[object] = i
            return i
        }
        let i = conceptIndex.count
        conceptIndex[key] = i
        conceptByObject[object] = i
        conceptTable.varint(codes.count)
        for k in codes { conceptTable.varint(k) }
        conceptTable.varint(key.text)
        return i
    }

    // MARK: The block

    /// The block's bytes: its 16-byte header (checksum, member count, reserved), the string,
    /// code and concept tables, then the members.
    func finish() -> [UInt8] {
        var out = ByteWriter(capacity: CacheFormat.blockHeaderSize + size + 16)
        out.u64(0)  // the checksum, patched below
        out.u32(UInt32(members))
        out.u32(0)
        out.varint(stringIndex.count)
        out.append(stringTable.bytes)
        out.varint(codeIndex.count)
        out.append(codeTable.bytes)
        out.varint(conceptIndex.count)
        out.append(conceptTable.bytes)
        out.append(body.bytes)
        let sum = out.bytes.withUnsafeBytes { PanelChecksum.of(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        out.patchU64(sum, at: 0)
        return out.bytes
    }
}
