import TallyEngine
import TallyLanguage

/// The layout constants of a panel cache file (docs/panel-cache.md documents every byte).
enum CacheFormat {
    /// The first eight bytes of every cache file.
    static let magic: [UInt8] = Array("TALLYPNL".utf8)
    /// Bumped whenever the bytes change meaning; other versions are refused, never guessed at.
    static let version: UInt32 = 3
    static let headerSize = 96
    static let indexEntrySize = 32
    static let blockHeaderSize = 16
    /// Members per block: small enough that a few decoded blocks fit in memory at once, large
    /// enough that the per-block tables pay off and the index stays small.
    static let membersPerBlock = 1024
    /// How deep values may nest (lists in records in lists ...); deeper input is corrupt.
    static let maximumDepth = 64

    /// A fingerprint of the canonical schema (kinds, field names and types, in slot order): a
    /// cache stores records by slot, so one written for another schema is refused.
    static let schemaFingerprint: UInt64 = {
        var text = ""
        for kind in CanonicalSchema.schema.kinds {
            text += kind.name + "(" + kind.fields.map { "\($0.name):\($0.type)" }.joined(separator: ",") + ");"
        }
        return PanelChecksum.of(Array(text.utf8))
    }()
}

/// The fixed-size header at offset 0.
struct CacheHeader: Equatable {
    var fileSize: UInt64 = 0
    var schema: UInt64 = CacheFormat.schemaFingerprint
    var memberCount: UInt64 = 0
    var blockCount: UInt64 = 0
    var metaOffset: UInt64 = 0
    var metaLength: UInt64 = 0
    var metaChecksum: UInt64 = 0
    var indexOffset: UInt64 = 0
    var indexChecksum: UInt64 = 0

    /// The 96 header bytes, ending with their checksum.
    var bytes: [UInt8] {
        var w = ByteWriter(capacity: CacheFormat.headerSize)
        w.append(CacheFormat.magic)
        w.u32(CacheFormat.version)
        w.u32(UInt32(CacheFormat.headerSize))
        for v in [fileSize, schema, memberCount, blockCount, metaOffset, metaLength, metaChecksum, indexOffset, indexChecksum] {
            w.u64(v)
        }
        w.u64(PanelChecksum.of(w.bytes))
        return w.bytes
    }
}

/// One entry of the block index: where a block is and which members it holds.
struct BlockEntry: Equatable {
    var offset: UInt64
    var length: UInt64
    /// The ordinal of the block's first member in the cache's member order.
    var firstMember: UInt64
    var memberCount: UInt32
}

/// The value tags of the block encoding (one byte before each value).
enum Tag: UInt8 {
    case null = 0, `false`, `true`
    /// A zigzag varint.
    case integer
    /// Eight bytes: the IEEE 754 bit pattern.
    case decimal
    /// A string-table index.
    case string
    /// A date at day precision: a zigzag varint day number (days since 1970-01-01).
    case date
    /// A byte (precision 0-6, plus 8 when it is a date, plus 16 when what follows counts whole
    /// days), then a zigzag varint: days since 1970-01-01 with 16, else epoch milliseconds.
    case temporal
    /// Eight bytes of value, then a string-table index for the unit.
    case quantity
    /// A code-table index.
    case code
    /// A concept-table index.
    case concept
    /// A byte (1: low closed, 2: high closed), then the low and high values.
    case interval
    /// A varint count, then the values.
    case list
    /// A record written in place: varint kind, varint field count, then the fields.
    case record
    /// One of the member's list records: varint list slot, varint index in that list.
    case listRecord
    /// A record written in place earlier in the same member: varint ordinal.
    case earlierRecord
    /// The member record itself.
    case member
    /// In the member's own fields: the list of records announced in the member's roster.
    case roster
    /// A decimal that is a whole number of hundredths (amounts in dollars and cents): a zigzag
    /// varint n, the value being exactly `Double(n) / 100`.
    case cents
}
