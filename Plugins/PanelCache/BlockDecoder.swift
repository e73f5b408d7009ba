import TallyEngine
import TallyLanguage

/// Decodes one block written by `BlockEncoder` back into member records.
///
/// Every count, index, kind and field count is checked (against the block's end, its tables and
/// the canonical schema) before it is used, so a damaged block gives a `DecodeError` with the
/// offset of the bad byte, never a crash or a record the engine would index out of range.
/// Codes and concepts are decoded once per block and shared by the records that use them.
///
/// A decoder given the member fields a run reads leaves out the records of the other list
/// fields (as a source load leaves out tables no measure reads). A left-out list that nothing
/// decoded can lead to, by what the roster says points into it, is passed over unread; the
/// others are walked and checked, but no record is made, unless a record that is read points at
/// one (an observation's encounter), which is then decoded where it lies.
struct BlockDecoder {
    private var reader: ByteReader
    private var strings: [String] = []
    private var codes: [Code] = []
    private var concepts: [Concept] = []
    private let fieldCounts = CanonicalSchema.schema.kinds.map(\.fields.count)
    /// By member slot: whether the run reads the field (nil: every field).
    private let reads: [Bool]?

    // The member being decoded: its list records by slot, and records written in place.
    private var member: Record?
    private var roster = BySlot<[Record]>()
    /// The member's roster slots in the order written, and the kinds of the left-out lists' records.
    private var order: [Int] = []
    private var leftOut = BySlot<[Int]>()
    private var earlier: [Record?] = []
    /// By number, where each record written in place lies (as `within`; -1 if not known).
    private var earlierHome: [Int] = []
    /// Where the member's records lie when some list is left out (nil otherwise).
    private var layout: MemberLayout?
    /// By member slot, what the roster says of the list.
    private var lists = BySlot<ListFacts>()
    /// By member slot (and the member's own fields last), what `markListsToPassOver` reached;
    /// kept from member to member.
    private var reached: [Bool] = []
    /// Where the bytes being read in order lie: a roster slot, or the member's field count for its
    /// own fields. Nil while decoding out of order: those bytes are checked against the roster
    /// where they lie, in order.
    private var within: Int?

    /// Checks the block's checksum (offsets in errors count from the block start).
    static func verify(_ block: UnsafeRawBufferPointer) throws {
        var r = ByteReader(block)
        guard block.count >= CacheFormat.blockHeaderSize else {
            throw r.fail("a block needs at least \(CacheFormat.blockHeaderSize) bytes, this one has \(block.count)")
        }
        let stored = try r.u64()
        let actual = PanelChecksum.of(UnsafeRawBufferPointer(rebasing: block[8...]))
        guard stored == actual else {
            throw DecodeError(offset: 0, reason: "checksum mismatch (stored \(hex(stored)), computed \(hex(actual)))")
        }
    }

    /// Decodes a block whose checksum was verified: its members, in the order written.
    /// `reading` names the member fields to decode lists of records for (nil: all of them); the
    /// others are null, as in a source load that does not read their tables.
    /// A block that cannot be decoded for some fields is decoded whole (every field filled), and
    /// called corrupt only if that fails too. The bytes of a list passed over are trusted as its
    /// roster describes them (the block's checksum covers them): only a decode that reads them
    /// checks them.
    static func decode(_ block: UnsafeRawBufferPointer, reading fields: Set<String>? = nil) throws -> [Record] {
        func whole() throws -> [Record] {
            var d = BlockDecoder(reader: ByteReader(block), reads: nil)
            return try d.members()
        }
        guard let fields else { return try whole() }
        var some = BlockDecoder(reader: ByteReader(block), reads: CanonicalSchema.member.fields.map { fields.contains($0.name) })
        do {
            return try some.members()
        } catch is DecodeError {
            return try whole()
        }
    }

    private init(reader: ByteReader, reads: [Bool]?) {
        self.reader = reader
        self.reads = reads
    }

    private mutating func members() throws -> [Record] {
        _ = try reader.u64()
        let count = Int(try reader.u32())
        _ = try reader.u32()
        try tables()
        // A member takes at least a few bytes, so a count beyond the remaining bytes is corrupt.
        guard count <= reader.remaining else { throw reader.fail("member count \(count) exceeds the block") }
        var out: [Record] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try decodeMember()) }
        guard reader.atEnd else { throw reader.fail("\(reader.remaining) bytes follow the last member") }
        return out
    }

    private mutating func tables() throws {
        let stringCount = try reader.count(atMost: reader.remaining, "string count")
        strings.reserveCapacity(stringCount)
        for _ in 0..<stringCount { strings.append(try reader.string()) }
        let codeCount = try reader.count(atMost: reader.remaining, "code count")
        codes.reserveCapacity(codeCount)
        for _ in 0..<codeCount {
            let system = try string(), code = try string(), display = try optionalString()
            codes.append(Code(system: system, code: code, display: display))
        }
        let conceptCount = try reader.count(atMost: reader.remaining, "concept count")
        concepts.reserveCapacity(conceptCount)
        for _ in 0..<conceptCount {
            let n = try reader.count(atMost: reader.remaining, "concept code count")
            var list: [Code] = []
            list.reserveCapacity(n)
            for _ in 0..<n { list.append(codes[try reader.count(atMost: codes.count - 1, "code index")]) }
            concepts.append(Concept(codes: list, text: try optionalString()))
        }
    }

    private mutating func string() throws -> String {
        strings[try reader.count(atMost: strings.count - 1, "string index")]
    }

    /// 0 for nil, else a string index plus one.
    private mutating func optionalString() throws -> String? {
        let i = try reader.count(atMost: strings.count, "optional string index")
        return i == 0 ? nil : strings[i - 1]
    }

    private mutating func kind() throws -> Int {
        try reader.count(atMost: fieldCounts.count - 1, "record kind")
    }

    private mutating func fieldCount(of kind: Int) throws -> Int {
        let n = try reader.count(atMost: Int(UInt32.max), "field count")
        guard n == fieldCounts[kind] else {
            throw reader.fail("a record of kind \(CanonicalSchema.schema.kinds[kind].name) has \(n) fields, the schema \(fieldCounts[kind])")
        }
        return n
    }

    /// A member, read in order. A left-out list is walked where it lies, so a reference to one
    /// of its records is met after the walk has found it; a reference met before (a record
    /// pointing at a later list) starts the member over with a walk of all of it first.
    private mutating func decodeMember() throws -> Record {
        let start = reader.position
        do {
            return try decodeMember(walkFirst: false)
        } catch is ReferenceAhead {
            reader.position = start
            return try decodeMember(walkFirst: true)
        }
    }

    private mutating func decodeMember(walkFirst: Bool) throws -> Record {
        let k = try kind()
        guard k == CanonicalSchema.memberKind else { throw reader.fail("a member has record kind \(k), not Member") }
        let n = try fieldCount(of: k)
        let m = Record.make(kind: k, count: n)
        member = m
        roster.reset(count: n)
        earlier.removeAll(keepingCapacity: true)
        earlierHome.removeAll(keepingCapacity: true)
        layout = nil
        // The roster: placeholders for the list records, filled once the member's fields are read;
        // a list the run does not read gets its kinds noted and no records.
        order.removeAll(keepingCapacity: true)
        leftOut.reset(count: n)
        lists.reset(count: n)
        let listCount = try reader.count(atMost: n, "roster list count")
        for _ in 0..<listCount {
            let slot = try reader.count(atMost: n - 1, "roster slot")
            guard roster[slot] == nil, leftOut[slot] == nil else { throw reader.fail("roster slot \(slot) appears twice") }
            let count = try reader.count(atMost: reader.remaining, "roster record count")
            if reads?[slot] == false {
                var kinds: [Int] = []
                kinds.reserveCapacity(count)
                for _ in 0..<count { kinds.append(try kind()) }
                leftOut[slot] = kinds
            } else {
                var records: [Record] = []
                records.reserveCapacity(count)
                for _ in 0..<count {
                    let k = try kind()
                    records.append(Record.make(kind: k, count: fieldCounts[k]))
                }
                roster[slot] = records
            }
            lists[slot] = try listFacts(fieldCount: n)
            order.append(slot)
        }
        if leftOut.count > 0 {
            layout = MemberLayout(slots: n)
            markListsToPassOver(fieldCount: n)
            if walkFirst { try walk(order, fieldCount: n) }
        }
        within = n
        for slot in 0..<n {
            let at = reader.position
            if try reader.u8() == Tag.roster.rawValue {
                if let records = roster[slot] {
                    m[slot] = .list(records.map { .record($0) })
                } else if leftOut[slot] == nil {
                    throw DecodeError(offset: at, reason: "slot \(slot) is not in the member's roster")
                }
            } else {
                reader.position = at
                m[slot] = try value(depth: 0)
            }
        }
        for slot in order {
            if let records = roster[slot] {
                let start = reader.position, inOrder = layout?.starts[slot] == nil
                within = slot
                for (i, r) in records.enumerated() {
                    if let starts = layout?.starts[slot] { reader.position = starts[i] }
                    try fill(r, depth: 1)
                }
                if inOrder { try checkEnd(ofList: slot, from: start) }
            } else if layout!.starts[slot] == nil {
                try walkList(slot)
            }
        }
        if let end = layout?.end { reader.position = end }
        member = nil
        layout = nil
        within = nil
        return m
    }

    /// What the roster says of a list, after its kinds: its length in bytes, whether it holds
    /// records written in place, and the places that point into it.
    private mutating func listFacts(fieldCount n: Int) throws -> ListFacts {
        let length = try reader.count(atMost: reader.remaining, "roster list length")
        let flags = try reader.u8()
        guard flags <= 1 else { throw reader.fail("bad roster list flags \(flags)") }
        let count = try reader.count(atMost: n + 1, "roster pointer count")
        var from: [Int] = []
        from.reserveCapacity(count)
        for _ in 0..<count { from.append(try reader.count(atMost: n, "roster pointer")) }
        return ListFacts(length: length, holdsInPlace: flags == 1, pointedFrom: from)
    }

    /// Marks the left-out lists that nothing decoded can lead to (no list that is read, nor the
    /// member's own fields, points into them or refers back to a record written in place in
    /// them, nor into a list that leads to them) and that hold no records written in place (whose
    /// numbers later references count on): they are passed over unread.
    private mutating func markListsToPassOver(fieldCount n: Int) {
        reached.removeAll(keepingCapacity: true)
        reached.append(contentsOf: repeatElement(false, count: n + 1))
        reached[n] = true
        for slot in order where roster[slot] != nil { reached[slot] = true }
        var grew = true
        while grew {
            grew = false
            for slot in order where !reached[slot] && lists[slot]!.pointedFrom.contains(where: { reached[$0] }) {
                reached[slot] = true
                grew = true
            }
        }
        for slot in order where !reached[slot] && !lists[slot]!.holdsInPlace { lists[slot]!.passedOver = true }
    }

    /// Passes over the records of a left-out list (making none), noting where each begins; a
    /// list marked to be passed over is not read at all.
    private mutating func walkList(_ slot: Int) throws {
        let facts = lists[slot]!, start = reader.position
        if facts.passedOver {
            guard facts.length <= reader.remaining else { throw reader.fail("roster list length \(facts.length) exceeds the block") }
            reader.position += facts.length
            layout!.starts[slot] = []
            return
        }
        let kinds = leftOut[slot] ?? roster[slot]!.map(\.kind)
        var starts: [Int] = []
        starts.reserveCapacity(kinds.count)
        within = slot
        for k in kinds {
            starts.append(reader.position)
            for _ in 0..<fieldCounts[k] { try skip(depth: 1) }
        }
        try checkEnd(ofList: slot, from: start)
        layout!.starts[slot] = starts
        if leftOut[slot] != nil { layout!.made[slot] = [Record?](repeating: nil, count: kinds.count) }
    }

    /// A list read in order must end where the roster says.
    private func checkEnd(ofList slot: Int, from start: Int) throws {
        let length = lists[slot]!.length
        guard reader.position - start == length else {
            throw DecodeError(offset: start, reason: "the list at slot \(slot) takes \(reader.position - start) bytes, its roster says \(length)")
        }
    }

    /// Walks all of the member's fields and list records without making anything, noting where
    /// each list record and each record written in place begins, then goes back to the first field.
    private mutating func walk(_ order: [Int], fieldCount n: Int) throws {
        let fieldsStart = reader.position
        within = n
        for slot in 0..<n {
            let at = reader.position
            if try reader.u8() != Tag.roster.rawValue {
                reader.position = at
                try skip(depth: 0)
            } else if roster[slot] == nil, leftOut[slot] == nil {
                throw DecodeError(offset: at, reason: "slot \(slot) is not in the member's roster")
            }
        }
        for slot in order { try walkList(slot) }
        layout!.end = reader.position
        reader.position = fieldsStart
    }

    private mutating func value(depth: Int) throws -> Value {
        let at = reader.position
        switch try tag() {
        case .null: return .null
        case .false: return .boolean(false)
        case .true: return .boolean(true)
        case .integer: return .integer(Int(truncatingIfNeeded: try reader.signed()))
        case .decimal: return .decimal(Double(bitPattern: try reader.u64()))
        case .cents: return .decimal(Double(try reader.signed()) / 100)
        case .string: return .string(try string())
        case .date:
            return .temporal(Temporal(millis: try millis(ofDay: try reader.signed()), precision: .day, isDate: true))
        case .temporal:
            let (flags, precision) = try temporalFlags()
            let n = try reader.signed()
            let millis = flags & 16 != 0 ? try self.millis(ofDay: n) : n
            return .temporal(Temporal(millis: millis, precision: precision, isDate: flags & 8 != 0))
        case .quantity:
            let v = Double(bitPattern: try reader.u64())
            return .quantity(Quantity(v, try string()))
        case .code: return .code(codes[try reader.count(atMost: codes.count - 1, "code index")])
        case .concept: return .concept(concepts[try reader.count(atMost: concepts.count - 1, "concept index")])
        case .interval:
            try deeper(depth)
            let flags = try intervalFlags()
            let low = try value(depth: depth + 1), high = try value(depth: depth + 1)
            return .interval(IntervalValue(low: low, lowClosed: flags & 1 != 0, high: high, highClosed: flags & 2 != 0))
        case .list:
            try deeper(depth)
            let n = try reader.count(atMost: reader.remaining, "list length")
            var xs: [Value] = []
            xs.reserveCapacity(n)
            for _ in 0..<n { xs.append(try value(depth: depth + 1)) }
            return .list(xs)
        case .record:
            try deeper(depth)
            try checkInPlaceAllowed(at: at)
            let k = try kind()
            let n = try fieldCount(of: k)
            if layout != nil, let number = try layout!.inPlaceNumber(at: at) {
                if let r = earlier[number] {
                    // Made already, for a reference met before its place: its bytes are passed over.
                    for _ in 0..<n { try skip(depth: depth + 1) }
                    return .record(r)
                }
                let r = Record.make(kind: k, count: n)
                earlier[number] = r
                try fill(r, depth: depth + 1)
                return .record(r)
            }
            // Numbered before its fields, as the encoder numbers it.
            let r = Record.make(kind: k, count: n)
            earlier.append(r)
            earlierHome.append(within ?? -1)
            layout?.inPlace.append(at)
            try fill(r, depth: depth + 1)
            return .record(r)
        case .listRecord:
            let (slot, index) = try listReference(at: at)
            if let list = roster[slot] { return .record(list[index]) }
            if lists[slot]!.passedOver {
                throw DecodeError(offset: at, reason: "a record points into the list at slot \(slot), which its roster says nothing read points into")
            }
            let kinds = leftOut[slot]!
            guard let starts = layout!.starts[slot] else { throw ReferenceAhead() }
            if let r = layout!.made[slot]![index] { return .record(r) }
            // Decoded here, one level deeper, as if written in place: references that lead on
            // from record to record count toward the nesting limit.
            try deeper(depth)
            let r = Record.make(kind: kinds[index], count: fieldCounts[kinds[index]])
            layout!.made[slot]![index] = r
            try elsewhere(starts[index]) { d in
                try d.fill(r, depth: depth + 1)
            }
            return .record(r)
        case .earlierRecord:
            let n = try earlierReference(at: at)
            if let r = earlier[n] { return .record(r) }
            return try elsewhere(layout!.inPlace[n]) { d in try d.value(depth: depth) }
        case .member:
            guard let member else { throw DecodeError(offset: at, reason: "a member reference outside a member") }
            return .record(member)
        case .roster:
            throw DecodeError(offset: at, reason: "a roster list outside the member's own fields")
        }
    }

    /// Decodes a record's fields, in slot order, into the record (made with null fields: null
    /// holds nothing to release, so each is overwritten in place rather than assigned).
    private mutating func fill(_ r: Record, depth: Int) throws {
        try r.withUnsafeMutablePointerToElements { fields in
            for i in 0..<r.count { (fields + i).initialize(to: try value(depth: depth)) }
        }
    }

    /// Decodes at another offset of the member (a record that a reference reaches before, or
    /// instead of, its place in order), then returns to where the reader was.
    private mutating func elsewhere<T>(_ offset: Int, _ body: (inout BlockDecoder) throws -> T) throws -> T {
        let back = reader.position, place = within
        reader.position = offset
        within = nil
        let result = try body(&self)
        reader.position = back
        within = place
        return result
    }

    /// Passes over one value, checking it as `value(depth:)` does but making nothing; notes where
    /// each record written in place begins.
    private mutating func skip(depth: Int) throws {
        let at = reader.position
        switch try tag() {
        case .null, .false, .true: break
        case .integer, .cents: _ = try reader.signed()
        case .decimal: _ = try reader.u64()
        case .string: _ = try reader.count(atMost: strings.count - 1, "string index")
        case .date:
            _ = try millis(ofDay: try reader.signed())
        case .temporal:
            let (flags, _) = try temporalFlags()
            let n = try reader.signed()
            if flags & 16 != 0 { _ = try millis(ofDay: n) }
        case .quantity:
            _ = try reader.u64()
            _ = try reader.count(atMost: strings.count - 1, "string index")
        case .code: _ = try reader.count(atMost: codes.count - 1, "code index")
        case .concept: _ = try reader.count(atMost: concepts.count - 1, "concept index")
        case .interval:
            try deeper(depth)
            _ = try intervalFlags()
            try skip(depth: depth + 1)
            try skip(depth: depth + 1)
        case .list:
            try deeper(depth)
            let n = try reader.count(atMost: reader.remaining, "list length")
            for _ in 0..<n { try skip(depth: depth + 1) }
        case .record:
            try deeper(depth)
            try checkInPlaceAllowed(at: at)
            let k = try kind()
            let n = try fieldCount(of: k)
            if try layout!.inPlaceNumber(at: at) == nil {
                earlier.append(nil)
                earlierHome.append(within ?? -1)
                layout!.inPlace.append(at)
            }
            for _ in 0..<n { try skip(depth: depth + 1) }
        case .listRecord:
            _ = try listReference(at: at)
        case .earlierRecord:
            _ = try earlierReference(at: at)
        case .member:
            guard member != nil else { throw DecodeError(offset: at, reason: "a member reference outside a member") }
        case .roster:
            throw DecodeError(offset: at, reason: "a roster list outside the member's own fields")
        }
    }

    // Checks shared by `value(depth:)` and `skip(depth:)`.

    @inline(__always)
    private mutating func tag() throws -> Tag {
        let at = reader.position
        guard let tag = Tag(rawValue: try reader.u8()) else {
            throw DecodeError(offset: at, reason: "unknown value tag \(reader.base!.load(fromByteOffset: at, as: UInt8.self))")
        }
        return tag
    }

    @inline(__always)
    private mutating func millis(ofDay day: Int64) throws -> Int64 {
        guard let millis = Self.multiplied(day, Temporal.msPerDay) else { throw reader.fail("day number \(day) is out of range") }
        return millis
    }

    @inline(__always)
    private mutating func temporalFlags() throws -> (flags: UInt8, precision: DatePrecision) {
        let flags = try reader.u8()
        guard flags & ~0x1F == 0, let precision = DatePrecision(rawValue: Int(flags & 7)) else {
            throw reader.fail("bad date-time flags \(flags)")
        }
        return (flags, precision)
    }

    @inline(__always)
    private mutating func intervalFlags() throws -> UInt8 {
        let flags = try reader.u8()
        guard flags & ~3 == 0 else { throw reader.fail("bad interval flags \(flags)") }
        return flags
    }

    /// A reference to one of the member's list records (kept or left out) that exists.
    @inline(__always)
    private mutating func listReference(at: Int) throws -> (slot: Int, index: Int) {
        let slot = try reader.count(atMost: Int(UInt32.max), "list slot")
        let index = try reader.count(atMost: Int(UInt32.max), "list index")
        guard index < roster[slot]?.count ?? leftOut[slot]?.count ?? 0 else {
            throw DecodeError(offset: at, reason: "no list record at slot \(slot), index \(index)")
        }
        if let place = within, !lists[slot]!.pointedFrom.contains(place) {
            throw DecodeError(offset: at, reason: "a record points into the list at slot \(slot) from where its roster does not say")
        }
        return (slot, index)
    }

    /// A reference to a record written in place before it.
    @inline(__always)
    private mutating func earlierReference(at: Int) throws -> Int {
        let n = try reader.count(atMost: earlier.count - 1, "earlier record")
        if let offset = layout?.inPlace[n], offset >= at { throw DecodeError(offset: at, reason: "earlier record \(n) comes later") }
        if let place = within, let home = lists[earlierHome[n]], !home.pointedFrom.contains(place) {
            throw DecodeError(offset: at, reason: "a record refers back into the list at slot \(earlierHome[n]) from where its roster does not say")
        }
        return n
    }

    /// A record written in place, read in order inside a list whose roster says it holds none.
    @inline(__always)
    private func checkInPlaceAllowed(at: Int) throws {
        if let place = within, let facts = lists[place], !facts.holdsInPlace {
            throw DecodeError(offset: at, reason: "a record written in place in the list at slot \(place), whose roster says it holds none")
        }
    }

    private func deeper(_ depth: Int) throws {
        if depth >= CacheFormat.maximumDepth { throw reader.fail("values nest more than \(CacheFormat.maximumDepth) deep") }
    }

    static func multiplied(_ a: Int64, _ b: Int64) -> Int64? {
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : r
    }
}

func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 16 - s.count)) + s
}

/// What a member's roster says of one of its lists.
private struct ListFacts {
    /// The bytes of its records' fields.
    var length: Int
    /// Whether a record written in place lies in those bytes.
    var holdsInPlace: Bool
    /// The places that point at one of its records, or refer back to a record written in place
    /// in it: roster slots, or the member's field count for the member's own fields.
    var pointedFrom: [Int]
    /// Left out, and passed over unread (`markListsToPassOver`).
    var passedOver = false
}

/// Thrown when a record points at a record of a left-out list not yet walked.
private struct ReferenceAhead: Error {}

/// Where a member's records lie in a block, for a decoder that leaves some lists out: a record is
/// then decoded out of order (when a reference reaches it) or not at all.
private struct MemberLayout {
    /// The offset of each list record's first field, by member slot, once its list is walked.
    var starts: BySlot<[Int]>
    /// Left-out list records made because a reference reached them, by member slot.
    var made: BySlot<[Record?]>
    /// The offset of each record written in place met so far, in the order the encoder numbered
    /// them (the decoder's `earlier` holds the records made).
    var inPlace: [Int] = []
    /// Where the member's bytes end, when a walk of all of them came first.
    var end: Int?

    init(slots: Int) {
        starts = BySlot(count: slots)
        made = BySlot(count: slots)
    }

    /// The number of the record written in place at `offset`, or nil for one not met yet (which
    /// lies past every record met, as the member is read in order).
    func inPlaceNumber(at offset: Int) throws -> Int? {
        guard let last = inPlace.last, offset <= last else { return nil }
        var lo = 0, hi = inPlace.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if inPlace[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        guard inPlace[lo] == offset else { throw DecodeError(offset: offset, reason: "a record inside another record's bytes") }
        return lo
    }
}

/// Values by member slot, as a dictionary reads them (nil where none, and for a slot out of
/// range) but in an array: a member has a few dozen slots, and a decoder looks them up for every
/// list record.
struct BySlot<T> {
    private var items: [T?] = []
    /// How many slots hold a value.
    private(set) var count = 0

    init(count slots: Int = 0) { items = Array(repeating: nil, count: slots) }

    /// How many slots there are.
    var slots: Int { items.count }

    /// Empties every slot and makes room for `slots` of them.
    mutating func reset(count slots: Int) {
        items.removeAll(keepingCapacity: true)
        items.append(contentsOf: repeatElement(nil, count: slots))
        count = 0
    }

    /// Setting a slot out of range is a programming error (slots are checked as they are read).
    subscript(slot: Int) -> T? {
        get { slot >= 0 && slot < items.count ? items[slot] : nil }
        _modify {
            let had = items[slot] != nil
            yield &items[slot]
            count += (items[slot] != nil ? 1 : 0) - (had ? 1 : 0)
        }
    }
}
