#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ids that must agree across a whole file whichever member a row is for. They are checked
/// before a row is mapped, in file order, by one `KeyCheck` per file: when a panel is loaded in
/// parts the check runs while the file is split, so both ways of loading reject the same rows.
enum SharedKey {
    /// A medical claim id belongs to the person_id of its first row (`claim-member-mismatch`).
    case claimOwner
    /// A pharmacy claim line (claim_id and claim_line_number) appears once (`duplicate-line`).
    case uniqueClaimLine
}

/// Checks one file's rows against its shared key. Keys are kept as 64-bit hashes (16 bytes a
/// key), so a million-member panel's claims fit in a few hundred megabytes; two different ids
/// with the same hash (about one chance in 10^5 at 20 million ids) would be taken for one.
final class KeyCheck {
    private let rule: SharedKey
    private let claim, person, line: Int
    /// The columns the check reads.
    var columns: [Int] { [claim, person, line] }
    private var seen = HashedKeys<UInt64>()
    /// Owners (person ids) by number, for the message naming a claim's first person.
    private var owners: [String] = []
    private let ownerNumbers = ByteTable<Int>(capacity: 1024)
    /// The last row's person id and its number: a file in person order repeats one id for many
    /// rows, so most rows skip the table lookup.
    private var lastOwner = RepeatedBytes<Int>()
    private let context: LoadContext?
    /// The hashes of the keys first seen here, in order; kept only for a part of a file read on
    /// its own (`OnePassLoad`), whose keys are checked against the earlier parts' afterwards.
    private(set) var firstSeen: [UInt64]?

    /// `context` names lines in messages (relative lines are marked); nil: plain numbers.
    init?(_ rule: SharedKey?, _ columns: Columns, context: LoadContext? = nil) {
        guard let rule else { return nil }
        self.rule = rule
        self.context = context
        if context?.relativeLines != nil { firstSeen = [] }
        claim = columns("claim_id")
        person = columns("person_id")
        line = columns("claim_line_number")
    }

    /// The number of a person id (numbered in order of first appearance).
    @inline(__always)
    private func ownerNumber(_ b: Bytes) -> Int {
        if let n = lastOwner.value(for: b) { return n }
        let n = ownerNumbers.value(b) { b in
            owners.append(ByteParse.string(b))
            return owners.count - 1
        }
        lastOwner.set(b, n)
        return n
    }

    private func lineText(_ line: Int) -> String { context?.lineText(line) ?? String(line) }

    /// A claim's first line is kept in 32 bits beside its owner's number (16 bytes a key in all);
    /// lines from this one on are kept as this one.
    static let lineCeiling = Int(UInt32.max)

    /// "on line N" for a line kept beside a claim's owner; past the ceiling, only that it is past.
    private func onLine(_ kept: Int) -> String {
        kept < Self.lineCeiling ? "on line \(lineText(kept))" : "on a line after \(Self.lineCeiling - 1)"
    }

    /// Throws the row's rejection when its key was seen before in a way the rule forbids. Rows
    /// whose key fields are empty or malformed are left to the table, which rejects them.
    func check(_ r: Row) throws {
        let claimBytes = r.bytes(claim)
        guard !claimBytes.isEmpty else { return }
        switch rule {
        case .claimOwner:
            let personBytes = r.bytes(person)
            guard !personBytes.isEmpty else { return }
            let owner = ownerNumber(personBytes)
            let entry = UInt64(min(r.line, Self.lineCeiling)) << 32 | UInt64(UInt32(owner))
            let key = KeyHash.of(claimBytes, 0)
            guard let first = seen.firstOrInsert(key, entry) else {
                firstSeen?.append(key)
                return
            }
            let firstOwner = Int(first & 0xFFFF_FFFF)
            if firstOwner != owner {
                throw RowError("claim-member-mismatch", "claim \(ByteParse.string(claimBytes)) belongs to person_id "
                    + "'\(owners[firstOwner])' \(onLine(Int(first >> 32))), not \(ByteParse.quoted(personBytes))")
            }
        case .uniqueClaimLine:
            let numberBytes = r.bytes(line)
            var number: Int?
            if !numberBytes.isEmpty {
                guard let n = ByteParse.integer(numberBytes) else { return }
                number = n
            }
            let tag = number.map { UInt64(bitPattern: Int64($0)) &+ 1 } ?? 0
            let entry = UInt64(r.line)
            let key = KeyHash.of(claimBytes, tag)
            guard let first = seen.firstOrInsert(key, entry) else {
                firstSeen?.append(key)
                return
            }
            throw RowError("duplicate-line", "claim \(ByteParse.string(claimBytes)) line \(number.map(String.init) ?? "(none)") "
                + "repeats the line read at line \(lineText(Int(first)))")
        }
    }
}

/// An open-addressing set of 64-bit key hashes, each with a value (a key of 0 marks an empty
/// slot). A key and its value share a slot (16 bytes with a 64-bit value, 8 with none), so a
/// probe touches one cache line: with a million members the table is far larger than the caches
/// and every insert is a miss.
struct HashedKeys<Value> {
    private struct Slot {
        var key: UInt64
        var value: Value
    }
    private let empty: Value
    private var slots: [Slot]
    private var count = 0

    init(empty: Value) {
        self.empty = empty
        slots = [Slot](repeating: Slot(key: 0, value: empty), count: 1024)
    }

    /// The value stored for the key; nil after storing `value` when the key is new.
    mutating func firstOrInsert(_ key: UInt64, _ value: Value) -> Value? {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let found: Value? = slots.withUnsafeMutableBufferPointer { s in
            let mask = s.count - 1
            var i = Int(truncatingIfNeeded: key) & mask
            while true {
                let k = s[i].key
                if k == key { return s[i].value }
                if k == 0 {
                    s[i] = Slot(key: key, value: value)
                    return nil
                }
                i = (i + 1) & mask
            }
        }
        if found == nil { count += 1 }
        return found
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(key: 0, value: empty), count: old.count * 2)
        slots.withUnsafeMutableBufferPointer { s in
            let mask = s.count - 1
            for e in old where e.key != 0 {
                var i = Int(truncatingIfNeeded: e.key) & mask
                while s[i].key != 0 { i = (i + 1) & mask }
                s[i] = e
            }
        }
    }
}

extension HashedKeys where Value == UInt64 {
    init() { self.init(empty: 0) }
}

extension HashedKeys where Value == Void {
    /// A set of keys, without values.
    init() { self.init(empty: ()) }

    /// Adds the key; false when it was there already.
    mutating func insert(_ key: UInt64) -> Bool { firstOrInsert(key, ()) == nil }
}

/// The 64-bit hashes `HashedKeys` holds.
enum KeyHash {
    /// A 64-bit hash of the bytes and a tag, eight bytes at a time: each word is mixed in by a
    /// multiply and a shift (both one-to-one, so two keys of one length that differ in one word
    /// never collide there), the length and tag seed it, the tag is mixed in again last, and a murmur finaliser mixes every bit of
    /// the result; never 0 (the empty mark).
    static func of(_ b: Bytes, _ tag: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (tag &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(b.count) &* 0xD6E8_FEB8_6659_FD93)
        let n = b.count
        guard n > 0, let base = b.baseAddress else { return finish(h) }
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        // The tag once more as a last word: seeded alone, a tag's difference could cancel one
        // in the first word of the bytes.
        h = (h ^ tag) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return finish(h)
    }

    @inline(__always)
    private static func finish(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h == 0 ? 1 : h
    }
}

/// A table file's rows as a load in parts first reads them, before any part is loaded (the hash
/// split and the range scan): rows broken as CSV and rows that break the file's shared key are
/// rejected here, in file order; only the person id and the key columns are read.
struct SourceRows {
    let reader: CSVReader
    let columns: Columns
    private let context: LoadContext
    private let keys: KeyCheck?
    private let row: Row
    private let personColumn: Int

    /// Opens the table's file in the folder and reads its header; nil when there are no rows to
    /// read (no file, or a header rejected with its rows).
    init?<T: Table>(_ type: T.Type, folder: String, context: LoadContext) throws {
        guard let reader = try TableReader.open(T.self, folder: folder, context: context),
              let columns = try TableReader.header(T.self, reader, context) else { return nil }
        self.reader = reader
        self.columns = columns
        self.context = context
        keys = KeyCheck(T.sharedKey, columns)
        personColumn = columns("person_id")
        // Only the id and key columns are read: the others of a plain row are only counted.
        reader.spanLimit = ([personColumn] + (keys?.columns ?? [])).max()! + 1
        row = Row(reader: reader, columns: columns)
    }

    /// The next row: true when it is well formed, false when it was rejected, nil at the end.
    func next() throws -> Bool? { try TableReader.next(reader, width: columns.names.count, context) }

    /// Whether the current row keeps the shared key; rejects it when not.
    func keysHold() throws -> Bool {
        do {
            try keys?.check(row)
            return true
        } catch let e as RowError {
            try context.reject(reader.rowLine, e.code, e.message)
            return false
        }
    }

    /// The current row's person id.
    var person: Bytes { row.bytes(personColumn) }
}
