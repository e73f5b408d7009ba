import TallyEngine
import TallyLanguage

/// Decodes one block written by `BlockEncoder` back into member records.
///
/// Every count, index, kind and field count is checked (against the block's end, its tables and
/// the canonical schema) before it is used, so a damaged block gives a `DecodeError` with the
/// offset of the bad byte, never a crash or a record the engine would index out of range.
/// Codes and concepts are decoded once per block and shared by the records that use them.
struct BlockDecoder {
    private var reader: ByteReader
    private var strings: [String] = []
    private var codes: [Code] = []
    private var concepts: [Concept] = []
    private let fieldCounts = CanonicalSchema.schema.kinds.map(\.fields.count)

    // The member being decoded: its list records by slot, and records written in place.
    private var member: Record?
    private var roster: [Int: [Record]] = [:]
    private var earlier: [Record] = []

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
    static func decode(_ block: UnsafeRawBufferPointer) throws -> [Record] {
        var d = BlockDecoder(reader: ByteReader(block))
        return try d.members()
    }

    private init(reader: ByteReader) { self.reader = reader }

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

    private mutating func decodeMember() throws -> Record {
        let k = try kind()
        guard k == CanonicalSchema.memberKind else { throw reader.fail("a member has record kind \(k), not Member") }
        let n = try fieldCount(of: k)
        let m = Record.make(kind: k, count: n)
        member = m
        roster.removeAll(keepingCapacity: true)
        earlier.removeAll(keepingCapacity: true)
        // The roster: placeholders for the list records, filled once the member's fields are read.
        var order: [Int] = []
        let lists = try reader.count(atMost: n, "roster list count")
        for _ in 0..<lists {
            let slot = try reader.count(atMost: n - 1, "roster slot")
            guard roster[slot] == nil else { throw reader.fail("roster slot \(slot) appears twice") }
            let count = try reader.count(atMost: reader.remaining, "roster record count")
            var records: [Record] = []
            records.reserveCapacity(count)
            for _ in 0..<count {
                let kind = try kind()
                records.append(Record.make(kind: kind, count: fieldCounts[kind]))
            }
            roster[slot] = records
            order.append(slot)
        }
        for slot in 0..<n {
            let at = reader.position
            if try reader.u8() == Tag.roster.rawValue {
                guard let records = roster[slot] else { throw DecodeError(offset: at, reason: "slot \(slot) is not in the member's roster") }
                m[slot] = .list(records.map { .record($0) })
            } else {
                reader.position = at
                m[slot] = try value(depth: 0)
            }
        }
        for slot in order {
            for r in roster[slot]! {
                for i in 0..<r.count { r[i] = try value(depth: 1) }
            }
        }
        member = nil
        return m
    }

    private mutating func value(depth: Int) throws -> Value {
        let at = reader.position
        guard let tag = Tag(rawValue: try reader.u8()) else {
            throw DecodeError(offset: at, reason: "unknown value tag \(reader.base!.load(fromByteOffset: at, as: UInt8.self))")
        }
        switch tag {
        case .null: return .null
        case .false: return .boolean(false)
        case .true: return .boolean(true)
        case .integer: return .integer(Int(truncatingIfNeeded: try reader.signed()))
        case .decimal: return .decimal(Double(bitPattern: try reader.u64()))
        case .cents: return .decimal(Double(try reader.signed()) / 100)
        case .string: return .string(try string())
        case .date:
            let day = try reader.signed()
            guard let millis = Self.multiplied(day, Temporal.msPerDay) else { throw reader.fail("day number \(day) is out of range") }
            return .temporal(Temporal(millis: millis, precision: .day, isDate: true))
        case .temporal:
            let flags = try reader.u8()
            guard flags & ~0x1F == 0, let precision = DatePrecision(rawValue: Int(flags & 7)) else {
                throw reader.fail("bad date-time flags \(flags)")
            }
            var millis = try reader.signed()
            if flags & 16 != 0 {
                guard let m = Self.multiplied(millis, Temporal.msPerDay) else { throw reader.fail("day number \(millis) is out of range") }
                millis = m
            }
            return .temporal(Temporal(millis: millis, precision: precision, isDate: flags & 8 != 0))
        case .quantity:
            let v = Double(bitPattern: try reader.u64())
            return .quantity(Quantity(v, try string()))
        case .code: return .code(codes[try reader.count(atMost: codes.count - 1, "code index")])
        case .concept: return .concept(concepts[try reader.count(atMost: concepts.count - 1, "concept index")])
        case .interval:
            try deeper(depth)
            let flags = try reader.u8()
            guard flags & ~3 == 0 else { throw reader.fail("bad interval flags \(flags)") }
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
            let k = try kind()
            let n = try fieldCount(of: k)
            // Numbered before its fields, as the encoder numbers it.
            let r = Record.make(kind: k, count: n)
            earlier.append(r)
            for i in 0..<n { r[i] = try value(depth: depth + 1) }
            return .record(r)
        case .listRecord:
            let slot = try reader.count(atMost: Int(UInt32.max), "list slot")
            let index = try reader.count(atMost: Int(UInt32.max), "list index")
            guard let list = roster[slot], index < list.count else {
                throw DecodeError(offset: at, reason: "no list record at slot \(slot), index \(index)")
            }
            return .record(list[index])
        case .earlierRecord:
            let n = try reader.count(atMost: earlier.count - 1, "earlier record")
            return .record(earlier[n])
        case .member:
            guard let member else { throw DecodeError(offset: at, reason: "a member reference outside a member") }
            return .record(member)
        case .roster:
            throw DecodeError(offset: at, reason: "a roster list outside the member's own fields")
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
