import Foundation
import TallyTestSupport
import XCTest
@testable import ClaimsCSVPlugin

/// The RFC 4180 reader over bytes. Every case runs with several chunk sizes, so rows, quotes,
/// CRLF pairs and the byte-order mark all get cut by buffer boundaries somewhere.
final class CSVReaderTests: XCTestCase {
    struct Parsed: Equatable, CustomStringConvertible {
        var rows: [[String]] = []
        var lines: [Int] = []
        var unterminated: [Int] = []
        var description: String { "rows \(rows) lines \(lines) unterminated \(unterminated)" }
    }

    func parse(_ bytes: [UInt8], chunkSize: Int, raw: Bool = false) -> Parsed {
        let reader = CSVReader(bytes: bytes, chunkSize: chunkSize)
        var p = Parsed()
        while true {
            switch reader.next() {
            case .end: return p
            case .unterminatedQuote: p.unterminated.append(reader.rowLine)
            case .row:
                p.rows.append((0..<reader.fieldCount).map { String(decoding: raw ? reader.rawField($0) : reader.field($0), as: UTF8.self) })
                p.lines.append(reader.rowLine)
            }
        }
    }

    /// Parses with chunk sizes from 1 byte up and checks they all agree with `expected`.
    func check(_ text: String, _ rows: [[String]], lines: [Int]? = nil, unterminated: [Int] = [], raw: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) {
        check(Array(text.utf8), rows, lines: lines, unterminated: unterminated, raw: raw, file: file, line: line)
    }

    func check(_ bytes: [UInt8], _ rows: [[String]], lines: [Int]? = nil, unterminated: [Int] = [], raw: Bool = false,
               file: StaticString = #filePath, line: UInt = #line) {
        for chunk in [1, 2, 3, 5, 8, 13, 64, 1 << 20] {
            let p = parse(bytes, chunkSize: chunk, raw: raw)
            XCTAssertEqual(p.rows, rows, "chunk size \(chunk)", file: file, line: line)
            if let lines { XCTAssertEqual(p.lines, lines, "lines, chunk size \(chunk)", file: file, line: line) }
            XCTAssertEqual(p.unterminated, unterminated, "unterminated quotes, chunk size \(chunk)", file: file, line: line)
        }
    }

    /// Plain rows (no quotes; LF or CRLF line ends; blank lines) of random text read as a simple
    /// split of the lines at commas, whatever the chunk size, and with a span limit.
    func testRandomPlainRowsReadAsSplitLines() {
        var g = SplitMix(seed: 11)
        let pieces = ["a", "bc", " ", ",", ",,", "\n", "\r\n", "\n\n", "é", "12345678", "x,y,z,"]
        for _ in 0..<300 {
            var text = ""
            for _ in 0..<Int(g.next() % 40) { text += pieces[Int(g.next() % UInt64(pieces.count))] }
            var expected: [[String]] = []
            var lines: [Int] = []
            // Lines and fields split on bytes ("\r\n" is one Character, so String splitting would not see its "\n").
            var physical = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if physical.last == [] { physical.removeLast() }
            for (i, raw) in physical.enumerated() {
                let l = raw.last == 0x0D ? Array(raw.dropLast()) : raw
                if l.isEmpty { continue }
                expected.append(l.split(separator: 0x2C, omittingEmptySubsequences: false).map {
                    String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                })
                lines.append(i + 1)
            }
            check(text, expected, lines: lines)
            // Under a span limit, a row's fields are all counted and the first ones read (plain
            // rows locate no more; others, such as a last row without a line end, locate all).
            let limited = CSVReader(bytes: Array(text.utf8))
            limited.spanLimit = 2
            var rows: [[String]] = []
            var counts: [Int] = []
            while limited.next() == .row {
                counts.append(limited.fieldCount)
                rows.append((0..<min(2, limited.fieldCount)).map { limited.string($0) })
            }
            XCTAssertEqual(counts, expected.map(\.count), text.debugDescription)
            XCTAssertEqual(rows, expected.map { Array($0.prefix(2)) }, text.debugDescription)
        }
    }

    /// Long plain rows under a span limit: the fields past the limit are counted a word at a
    /// time, with the per-lane sums flushed before they could overflow (rows of only commas are
    /// the worst case), so every count must still be exact.
    func testLongRowsUnderASpanLimit() {
        var g = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 63, 64, 247, 248, 249, 255, 256, 257, 500, 1000, 2047, 4000] {
            for kind in 0..<3 {
                var bytes: [UInt8] = []
                for j in 0..<length {
                    switch kind {
                    case 0: bytes.append(0x2C)  // only commas
                    case 1: bytes.append(j % 3 == 0 ? 0x61 : 0x2C)
                    default: bytes.append(Bool.random(using: &g) ? 0x2C : UInt8(0x41 + j % 26))
                    }
                }
                let fields = bytes.split(separator: 0x2C, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                if fields == [""] { continue }  // a blank line is not a row
                for limit in [1, 2, 3, 40] {
                    let r = CSVReader(bytes: bytes + [0x0A] + Array("x,y\n".utf8))
                    r.spanLimit = limit
                    XCTAssertEqual(r.next(), .row)
                    XCTAssertEqual(r.fieldCount, fields.count, "length \(length) kind \(kind) limit \(limit)")
                    XCTAssertEqual((0..<min(limit, fields.count)).map { r.string($0) }, Array(fields.prefix(limit)))
                    XCTAssertEqual(r.string(limit), "", "a field past the limit is not located")
                    XCTAssertEqual(r.next(), .row)
                    XCTAssertEqual(r.fieldCount, 2)
                    XCTAssertEqual(r.string(0), "x")
                }
            }
        }
    }

    /// The key set keeps the first value of every key, across growth, and tells distinct ids
    /// (of every length around the eight-byte words the hash reads) apart.
    func testHashedKeys() {
        var keys = HashedKeys<UInt64>()
        var hashes = Set<UInt64>()
        var n: UInt64 = 0
        for len in 1...24 {
            for k in 0..<400 {
                var id = Array(String(k).utf8)
                while id.count < len { id.insert(0x30, at: 0) }
                if id.count > len { continue }
                let h = id.withUnsafeBufferPointer { KeyHash.of($0, 0) }
                XCTAssertNotEqual(h, 0)
                XCTAssertTrue(hashes.insert(h).inserted, "\(String(decoding: id, as: UTF8.self)) collides")
                n += 1
                XCTAssertNil(keys.firstOrInsert(h, n))
                XCTAssertEqual(keys.firstOrInsert(h, n + 1_000_000), n)
            }
        }
        // The tag tells a claim's lines apart.
        let c = Array("C1".utf8)
        let h1 = c.withUnsafeBufferPointer { KeyHash.of($0, 1) }, h2 = c.withUnsafeBufferPointer { KeyHash.of($0, 2) }
        XCTAssertNotEqual(h1, h2)
        // Every value survives the table's growth.
        n = 0
        for len in 1...24 {
            for k in 0..<400 {
                var id = Array(String(k).utf8)
                while id.count < len { id.insert(0x30, at: 0) }
                if id.count > len { continue }
                n += 1
                let h = id.withUnsafeBufferPointer { KeyHash.of($0, 0) }
                XCTAssertEqual(keys.firstOrInsert(h, 0), n)
            }
        }
    }

    /// A byte range of a file, cut at row starts, reads as those rows with their own lines; row
    /// offsets are file offsets.
    func testAByteRangeOfAFile() throws {
        let path = NSTemporaryDirectory() + "tally-csv-range-\(getpid()).csv"
        let text = "h1,h2\na,\"b\nb\"\nc,d\ne,f\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let whole = try XCTUnwrap(CSVReader(path: path, chunkSize: 4))
        var starts: [(Int, Int)] = []
        while whole.next() == .row { starts.append((whole.rowOffset, whole.rowLine)) }
        XCTAssertEqual(starts.map(\.0), [0, 6, 14, 18])
        XCTAssertEqual(starts.map(\.1), [1, 2, 4, 5])
        let part = try XCTUnwrap(CSVReader(path: path, from: 6, to: 18, line: 2, chunkSize: 4))
        var rows: [String] = []
        while part.next() == .row { rows.append("\(part.rowLine):\(part.string(0))|\(part.string(1))@\(part.rowOffset)") }
        XCTAssertEqual(rows, ["2:a|b\nb@6", "4:c|d@14"])
        XCTAssertEqual(part.nextRowOffset, 18)
    }

    func testPlainRowsWithAndWithoutTrailingNewline() {
        check("a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]], lines: [1, 2])
        check("a,b,c\n1,2,3", [["a", "b", "c"], ["1", "2", "3"]], lines: [1, 2])
    }

    func testEmptyInputAndHeaderOnly() {
        check("", [])
        check("a,b\n", [["a", "b"]])
    }

    func testEmptyFields() {
        check("a,,c\n,,\n,x,\n", [["a", "", "c"], ["", "", ""], ["", "x", ""]])
        check("a,b\n1,\n", [["a", "b"], ["1", ""]])
    }

    func testQuotedFieldsWithCommasAndDoubledQuotes() {
        check("name,note\n\"Lee, Ann\",\"said \"\"hi\"\"\"\n", [["name", "note"], ["Lee, Ann", "said \"hi\""]])
        check("\"\",\"\"\"\"\n", [["", "\""]])
    }

    func testEmbeddedNewlinesKeepPhysicalLineNumbers() {
        let text = "id,note\n1,\"two\nlines\"\n2,\"three\r\nline\nnote\"\n3,plain\n"
        check(text, [["id", "note"], ["1", "two\nlines"], ["2", "three\r\nline\nnote"], ["3", "plain"]], lines: [1, 2, 4, 7])
    }

    func testCRLFAndLoneCR() {
        check("a,b\r\n1,2\r\n3,4\r\n", [["a", "b"], ["1", "2"], ["3", "4"]], lines: [1, 2, 3])
        check("a,b\r1,2\r", [["a", "b"], ["1", "2"]], lines: [1, 2])
        check("a,\"b\"\r\n\"1\",2", [["a", "b"], ["1", "2"]], lines: [1, 2])
    }

    func testByteOrderMark() {
        check([0xEF, 0xBB, 0xBF] + Array("person_id,sex\np1,female\n".utf8), [["person_id", "sex"], ["p1", "female"]])
        check([0xEF, 0xBB, 0xBF] + Array("\"a\"\n".utf8), [["a"]])
        // A BOM is only skipped at the very start.
        check(Array("a\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("b\n".utf8), [["a"], ["\u{FEFF}b"]])
    }

    func testBlankLinesAreSkipped() {
        check("a,b\n\n1,2\r\n\r\n\n3,4\n\n", [["a", "b"], ["1", "2"], ["3", "4"]], lines: [1, 3, 6])
    }

    func testFieldsAreTrimmedButRawFieldsAreNot() {
        check("a , b\n  1,2  \n", [["a", "b"], ["1", "2"]])
        check("a , b\n", [["a ", " b"]], raw: true)
    }

    func testUTF8Text() {
        check("name,city\nJosé,Zürich\n\"Ærø, 東京\",x\n", [["name", "city"], ["José", "Zürich"], ["Ærø, 東京", "x"]])
    }

    func testTextAfterClosingQuoteIsKept() {
        check("\"ab\"c,d\n", [["abc", "d"]])
        check("a\"b,c\n", [["a\"b", "c"]])
    }

    func testUnterminatedQuoteCostsOneRow() {
        let text = "a,b\n1,\"open\n2,3\n4,5\n"
        // The broken row starts on line 2; reading resumes on line 3.
        check(text, [["a", "b"], ["2", "3"], ["4", "5"]], lines: [1, 3, 4], unterminated: [2])
        check("a,b\n1,\"never closed", [["a", "b"]], unterminated: [2])
    }

    func testLongRowGrowsTheBuffer() {
        let long = String(repeating: "x", count: 5000)
        check("a,b\n\(long),\"\(long)\"\n1,2\n", [["a", "b"], [long, long], ["1", "2"]], lines: [1, 2, 3])
    }

    func testManyFieldsGrowTheFieldList() {
        let header = (1...300).map { "c\($0)" }
        check(header.joined(separator: ",") + "\n", [header])
    }

    // MARK: Byte-level values

    func bytes(_ s: String, _ body: (Bytes) -> Void) {
        var t = s
        t.withUTF8 { body($0) }
    }

    func testDates() {
        bytes("2024-02-29") { XCTAssertEqual(try? ByteParse.date($0).get(), .date(2024, 2, 29)) }
        bytes("2024-02-29 00:00:00") { XCTAssertEqual(try? ByteParse.date($0).get(), .date(2024, 2, 29)) }
        bytes("2023-02-29") {
            guard case .failure(let f) = ByteParse.date($0) else { return XCTFail("accepted 2023-02-29") }
            XCTAssertEqual(f.message, "day 29 is out of range for 2023-02")
        }
        for bad in ["2024-13-01", "2024/01/01", "20240101", "2024-1-01", "01/02/2024", "2024-01-01x"] {
            bytes(bad) { if case .success = ByteParse.date($0) { XCTFail("accepted \(bad)") } }
        }
    }

    func testDateTimes() {
        bytes("2024-03-01T10:30:00Z") { XCTAssertEqual(try? ByteParse.dateTime($0).get().description, "2024-03-01T10:30:00Z") }
        bytes("2024-03-01 10:30") { XCTAssertEqual(try? ByteParse.dateTime($0).get().description, "2024-03-01T10:30Z") }
        bytes("2024-03-01T10:30:00.5+02:00") { XCTAssertEqual(try? ByteParse.dateTime($0).get().description, "2024-03-01T08:30:00.500Z") }
        bytes("2024-03-01") {
            let t = try? ByteParse.dateTime($0).get()
            XCTAssertEqual(t?.precision, .day)
            XCTAssertEqual(t?.isDate, false)
        }
        for bad in ["2024-03-01T25:00", "2024-03-01T10", "2024-03-01T10:30:00+2", "2024-03-01Tnoon"] {
            bytes(bad) { if case .success = ByteParse.dateTime($0) { XCTFail("accepted \(bad)") } }
        }
    }

    func testNumbers() {
        let cases: [(String, Double?)] = [("12", 12), ("-3.50", -3.5), (".5", 0.5), ("5.", 5), ("+7", 7), ("1e3", 1000),
                                          ("2.5E-1", 0.25), ("0.1", 0.1), ("", nil), ("-", nil), (".", nil), ("1,5", nil),
                                          ("abc", nil), ("1.2.3", nil), ("nan", nil), ("inf", nil), ("1e", nil)]
        for (text, expected) in cases { bytes(text) { XCTAssertEqual(ByteParse.double($0), expected, text) } }
        bytes("12345678901234567890.5") { XCTAssertEqual(ByteParse.double($0), 12345678901234567890.5) }
    }

    func testAmountsAreExactFixedPoint() {
        let cases: [(String, Int64?)] = [("0.1", 1000), ("123.45", 1_234_500), ("-2", -20000), ("1.23456", 12346), ("1.23454", 12345),
                                         ("7", 70000), ("1e2", 1_000_000), ("$5", nil), ("1,000", nil), ("", nil), ("99999999999999", nil), ("-1e14", nil)]
        for (text, expected) in cases { bytes(text) { XCTAssertEqual(ByteParse.amount($0), expected, text) } }
        // 0.1 + 0.2 sums exactly.
        XCTAssertEqual(ByteParse.dollars(1000 + 2000), 0.3)
    }

    func testIntegersAndFlags() {
        bytes("30") { XCTAssertEqual(ByteParse.integer($0), 30) }
        bytes("30.0") { XCTAssertEqual(ByteParse.integer($0), 30) }
        bytes("30.5") { XCTAssertNil(ByteParse.integer($0)) }
        bytes("x1") { XCTAssertNil(ByteParse.integer($0)) }
        for t in ["1", "Y", "yes", "TRUE", "t"] { bytes(t) { XCTAssertEqual(ByteParse.flag($0), true, t) } }
        for t in ["0", "n", "No", "false", "F"] { bytes(t) { XCTAssertEqual(ByteParse.flag($0), false, t) } }
        for t in ["2", "maybe", "-"] { bytes(t) { XCTAssertNil(ByteParse.flag($0), t) } }
    }

    func testMonths() {
        bytes("202402") { XCTAssertEqual(ByteParse.month($0).map { [$0.0, $0.1] }, [.date(2024, 2, 1), .date(2024, 2, 29)]) }
        bytes("2024-11") { XCTAssertEqual(ByteParse.month($0).map { [$0.0, $0.1] }, [.date(2024, 11, 1), .date(2024, 11, 30)]) }
        bytes("202413") { XCTAssertNil(ByteParse.month($0)) }
    }

    func testInternerAndByteTable() {
        let interner = Interner()
        var a = "a payer name longer than fifteen bytes", b = "a payer name longer than fifteen bytes"
        let x = a.withUTF8 { interner.intern($0) }
        let y = b.withUTF8 { interner.intern($0) }
        XCTAssertEqual(x, y)
        let table = ByteTable<Int>(capacity: 2)
        var made = 0
        for i in 0..<1000 {
            var s = "key\(i % 100)"
            _ = s.withUTF8 { table.value($0, tag: 1) { _ in made += 1; return i } }
        }
        XCTAssertEqual(made, 100)
        XCTAssertEqual(table.count, 100)
        var s = "key5"
        XCTAssertEqual(s.withUTF8 { table.value($0, tag: 1) { _ in -1 } }, 5)
        XCTAssertEqual(s.withUTF8 { table.value($0, tag: 2) { _ in -1 } }, -1)  // tags keep systems apart
    }
}

/// Code types to systems, and codes normalised to the form value sets use.
final class CodeSystemTests: XCTestCase {
    func key(_ systems: CodeSystems, _ type: String, _ code: String) -> String? {
        var t = type, c = code
        guard let s = t.withUTF8({ systems.system(type: $0) }) else { return nil }
        return c.withUTF8 { systems.code(s, $0)?.code.key }
    }

    func testCodeTypesAndNormalisation() {
        let s = CodeSystems()
        XCTAssertEqual(key(s, "icd-10-cm", "e119"), "http://hl7.org/fhir/sid/icd-10-cm|E11.9")
        XCTAssertEqual(key(s, "ICD10CM", "E11.9"), "http://hl7.org/fhir/sid/icd-10-cm|E11.9")
        XCTAssertEqual(key(s, "icd_10_cm", "I10"), "http://hl7.org/fhir/sid/icd-10-cm|I10")
        XCTAssertEqual(key(s, "icd-9-cm", "25000"), "http://hl7.org/fhir/sid/icd-9-cm|250.00")
        XCTAssertEqual(key(s, "icd-9-cm", "E8490"), "http://hl7.org/fhir/sid/icd-9-cm|E849.0")
        XCTAssertEqual(key(s, "icd-10-pcs", "0dtj4zz"), "http://www.cms.gov/Medicare/Coding/ICD10|0DTJ4ZZ")
        XCTAssertEqual(key(s, "hcpcs", "99213"), "http://www.ama-assn.org/go/cpt|99213")
        XCTAssertEqual(key(s, "hcpcs", "3074F"), "http://www.ama-assn.org/go/cpt|3074F")
        XCTAssertEqual(key(s, "HCPCS", "g0438"), "http://www.nlm.nih.gov/research/umls/hcpcs|G0438")
        XCTAssertEqual(key(s, "cpt", "99213"), "http://www.ama-assn.org/go/cpt|99213")
        XCTAssertEqual(key(s, "loinc", "4548-4"), "http://loinc.org|4548-4")
        XCTAssertEqual(key(s, "snomed-ct", "44054006"), "http://snomed.info/sct|44054006")
        XCTAssertEqual(key(s, "SNOMED CT", "44054006"), "http://snomed.info/sct|44054006")
        XCTAssertEqual(key(s, "rxnorm", "860975"), "http://www.nlm.nih.gov/research/umls/rxnorm|860975")
        XCTAssertEqual(key(s, "cvx", "140"), "http://hl7.org/fhir/sid/cvx|140")
        XCTAssertEqual(key(s, "ndc", "0002-3227-30"), "http://hl7.org/fhir/sid/ndc|00002322730")
        XCTAssertEqual(key(s, "ndc", "12345-678-90"), "http://hl7.org/fhir/sid/ndc|12345067890")
        XCTAssertEqual(key(s, "ndc", "12345-6789-1"), "http://hl7.org/fhir/sid/ndc|12345678901")
        XCTAssertEqual(key(s, "ndc", "00002322730"), "http://hl7.org/fhir/sid/ndc|00002322730")
        XCTAssertEqual(key(s, "ms-drg", "291"), "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG|291")
        XCTAssertEqual(key(s, "urn:oid:2.16.840.1.113883.6.96", "1"), "urn:oid:2.16.840.1.113883.6.96|1")
        XCTAssertNil(key(s, "icd-11", "5A11"))
        XCTAssertNil(key(s, "local", "X"))
        XCTAssertNil(key(s, "icd-10-cm", "."))
    }

    func testCodesAreInterned() {
        let s = CodeSystems()
        var a = "E119", b = "E11.9"
        let x = a.withUTF8 { s.code(CodeSystems.icd10cm, $0) }, y = b.withUTF8 { s.code(CodeSystems.icd10cm, $0) }
        XCTAssertTrue(x === y)
        XCTAssertTrue(x?.concept === y?.concept)
    }

    /// `allEmpty` is true only when nothing but commas lies between the fields.
    func testAllEmptyFromSpans() {
        let r = CSVReader(bytes: Array("a,,,b,, ,\"\",,\n,,\n".utf8))
        XCTAssertEqual(r.next(), .row)
        XCTAssertTrue(r.allEmpty(1, 2))
        XCTAssertFalse(r.allEmpty(1, 3))  // b
        XCTAssertTrue(r.allEmpty(4, 4))
        XCTAssertFalse(r.allEmpty(4, 5))  // a blank
        XCTAssertTrue(r.isEmpty(5))
        XCTAssertFalse(r.allEmpty(6, 7))  // a quoted empty field
        XCTAssertTrue(r.isEmpty(6))
        XCTAssertTrue(r.allEmpty(7, 8))
        XCTAssertFalse(r.allEmpty(8, 9))  // past the last field
        XCTAssertFalse(r.allEmpty(2, 1))
        XCTAssertEqual(r.next(), .row)
        XCTAssertTrue(r.allEmpty(0, 2))
    }

    /// Plain rows get room for a field per byte first when shorter than 64 KiB; longer ones grow
    /// the spans as they go. Both read every field, also after a row with more fields.
    func testPlainRowsShortAndLong() {
        let long = (0..<20_000).map { "f\($0)" }.joined(separator: ",")  // about 129 KB
        let text = "a,b\n" + long + "\n,,x,\n" + long + ",\n1,2"
        for chunk in [1 << 20, 4096] {
            let r = CSVReader(bytes: Array(text.utf8), chunkSize: chunk)
            XCTAssertEqual(r.next(), .row)
            XCTAssertEqual(r.fieldCount, 2)
            XCTAssertEqual(r.string(1), "b")
            XCTAssertEqual(r.next(), .row)
            XCTAssertEqual(r.fieldCount, 20_000)
            XCTAssertEqual(r.string(0), "f0")
            XCTAssertEqual(r.string(12_345), "f12345")
            XCTAssertEqual(r.string(19_999), "f19999")
            XCTAssertEqual(r.next(), .row)
            XCTAssertEqual(r.fieldCount, 4)
            XCTAssertEqual((0..<4).map { r.string($0) }, ["", "", "x", ""])
            XCTAssertEqual(r.next(), .row)
            XCTAssertEqual(r.fieldCount, 20_001)
            XCTAssertEqual(r.string(19_999), "f19999")
            XCTAssertEqual(r.string(20_000), "")
            XCTAssertEqual(r.next(), .row)
            XCTAssertEqual((0..<2).map { r.string($0) }, ["1", "2"])
            XCTAssertEqual(r.next(), .end)
        }
    }
}
