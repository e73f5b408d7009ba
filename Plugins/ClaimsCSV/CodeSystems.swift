import TallyLanguage

/// Code types as the Tuva input layer writes them (`icd-10-cm`, `hcpcs`, `loinc`, ...) mapped to
/// the code-system URLs value sets use, and codes normalised to the form value sets list them in.
///
/// | code type (any case; `-`, `_`, `.` and spaces ignored) | system |
/// |---|---|
/// | icd-10-cm, icd10cm | http://hl7.org/fhir/sid/icd-10-cm (codes dotted: `E119` → `E11.9`) |
/// | icd-9-cm, icd9cm | http://hl7.org/fhir/sid/icd-9-cm (dotted) |
/// | icd-10-pcs, icd10pcs | http://www.cms.gov/Medicare/Coding/ICD10 (no dots) |
/// | icd-9-pcs | http://www.cms.gov/Medicare/Coding/ICD9 |
/// | hcpcs | CPT (http://www.ama-assn.org/go/cpt) when the code starts with a digit, else HCPCS Level II (http://www.nlm.nih.gov/research/umls/hcpcs) |
/// | cpt, cpt4 | http://www.ama-assn.org/go/cpt |
/// | loinc | http://loinc.org |
/// | snomed-ct, snomed, sct | http://snomed.info/sct |
/// | rxnorm | http://www.nlm.nih.gov/research/umls/rxnorm |
/// | ndc | http://hl7.org/fhir/sid/ndc (5-4-2 dashed codes made 11 digits) |
/// | cvx | http://hl7.org/fhir/sid/cvx |
/// | ms-drg, drg | the MS-DRG URL of `codeSystemURL("drg")` |
/// | apr-drg | https://www.3m.com/apr-drg |
/// | a URL or URN (contains `:`) | itself |
///
/// Anything else is an unknown code system and rejects the row (`unknown-code-system`).
final class CodeSystems {
    enum Normalization { case none, icdCM, icd9CM, noDots, hcpcsOrCPT, ndc }

    struct System {
        let url: String
        let normalization: Normalization
    }

    static let icd10cm = 0, icd9cm = 1, icd10pcs = 2, icd9pcs = 3, cpt = 4, hcpcs = 5, loinc = 6, snomed = 7, rxnorm = 8,
               ndc = 9, cvx = 10, msdrg = 11, aprdrg = 12
    // Systems the loader itself uses for claim fields.
    static let revenue = 13, pos = 14, billType = 15, dischargeStatus = 16, observationCategory = 17, conditionCategory = 18,
               sopt = 19, race = 20

    /// The systems known by name (indexed by the constants above); URL systems are added after.
    static let builtin: [System] = [
        System(url: codeSystemURL("icd-10-cm"), normalization: .icdCM),
        System(url: "http://hl7.org/fhir/sid/icd-9-cm", normalization: .icd9CM),
        System(url: codeSystemURL("icd-10-pcs"), normalization: .noDots),
        System(url: "http://www.cms.gov/Medicare/Coding/ICD9", normalization: .noDots),
        System(url: codeSystemURL("cpt"), normalization: .none),
        System(url: codeSystemURL("hcpcs"), normalization: .hcpcsOrCPT),
        System(url: codeSystemURL("loinc"), normalization: .none),
        System(url: codeSystemURL("snomed-ct"), normalization: .none),
        System(url: codeSystemURL("rxnorm"), normalization: .none),
        System(url: codeSystemURL("ndc"), normalization: .ndc),
        System(url: codeSystemURL("cvx"), normalization: .none),
        System(url: codeSystemURL("drg"), normalization: .none),
        System(url: "https://www.3m.com/apr-drg", normalization: .none),
        System(url: codeSystemURL("revenue"), normalization: .none),
        System(url: codeSystemURL("pos"), normalization: .none),
        System(url: codeSystemURL("billtype"), normalization: .none),
        System(url: "https://www.nubc.org/CodeSystem/PatDischargeStatus", normalization: .none),
        System(url: codeSystemURL("observation-category"), normalization: .none),
        System(url: "http://terminology.hl7.org/CodeSystem/condition-category", normalization: .none),
        System(url: codeSystemURL("sopt"), normalization: .none),
        System(url: codeSystemURL("cdcrec"), normalization: .none),
    ]

    static let names: [String: Int] = [
        "icd10cm": icd10cm, "icd9cm": icd9cm, "icd10pcs": icd10pcs, "icd9pcs": icd9pcs,
        "hcpcs": hcpcs, "cpt": cpt, "cpt4": cpt, "loinc": loinc, "snomedct": snomed, "snomed": snomed, "sct": snomed,
        "rxnorm": rxnorm, "ndc": ndc, "cvx": cvx, "msdrg": msdrg, "drg": msdrg, "aprdrg": aprdrg,
    ]

    private let byType = ByteTable<Int>(capacity: 64)
    private let codes = ByteTable<CodeEntry>(capacity: 4096)
    private(set) var systems: [System] = CodeSystems.builtin
    /// Where codes are normalised (a pointer: no allocation or exclusivity check per code).
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)

    deinit { scratch.deallocate() }

    final class CodeEntry {
        let code: Code
        lazy var concept = Concept(codes: [code])
        lazy var codeValue = Value.code(code)
        lazy var conceptValue = Value.concept(concept)
        /// A one-concept list (an encounter type from a single code), shared.
        lazy var conceptListValue = Value.list([conceptValue])
        /// By member slot: whether a record with this code in a list has been tested
        /// (`LoadContext.mayKeep`), and whether it passed.
        var tested: UInt64 = 0, passed: UInt64 = 0
        init(_ code: Code) { self.code = code }
    }

    /// The system of a code type; nil when unknown. Empty bytes give nil too (callers decide a
    /// default first).
    func system(type b: Bytes) -> Int? {
        if b.isEmpty { return nil }
        let id = byType.value(b) { b in
            var key = ""
            for c in b where c != 0x2D && c != 0x5F && c != 0x20 && c != 0x2E { key.unicodeScalars.append(Unicode.Scalar(ByteParse.lower(c))) }
            if let known = CodeSystems.names[key] { return known }
            if b.contains(0x3A) { return self.add(url: ByteParse.string(b)) }
            return -1
        }
        return id < 0 ? nil : id
    }

    private func add(url: String) -> Int {
        if let i = systems.firstIndex(where: { $0.url == url }) { return i }
        systems.append(System(url: url, normalization: .none))
        return systems.count - 1
    }

    /// The interned code of a system; the code is normalised first (ICD dots, case, NDC digits,
    /// CPT told from HCPCS). Nil for an empty code (or one with nothing left, such as `--`).
    func code(_ system: Int, _ raw: Bytes) -> CodeEntry? {
        if raw.isEmpty { return nil }
        var sys = system
        let norm = system < CodeSystems.builtin.count ? CodeSystems.builtin[system].normalization : .none
        if norm == .none || raw.count > 200 { return entry(sys, raw) }
        let out = scratch
        var n = 0
        switch norm {
        case .icdCM, .icd9CM, .noDots:
            for c in raw where c != 0x2E { out[n] = upper(c); n += 1 }
            let dotAfter = norm == .noDots ? 0 : (norm == .icd9CM && out[0] == 0x45) ? 4 : 3
            if dotAfter > 0, n > dotAfter {
                var k = n
                while k > dotAfter { out[k] = out[k - 1]; k -= 1 }
                out[dotAfter] = 0x2E
                n += 1
            }
        case .hcpcsOrCPT:
            for c in raw { out[n] = upper(c); n += 1 }
            if ByteParse.isDigit(out[0]) { sys = CodeSystems.cpt }
        case .ndc:
            // 4-4-2, 5-3-2 or 5-4-1 with dashes (0002-3227-30 is 00002-3227-30): pad each segment
            // to 5-4-2 and drop the dashes; otherwise just drop dashes.
            var dashes = 0, a = 0, b = 0, c = 0
            for ch in raw {
                if ch == 0x2D { dashes += 1 } else if dashes == 0 { a += 1 } else if dashes == 1 { b += 1 } else { c += 1 }
            }
            if dashes == 2, a > 0, b > 0, c > 0, a <= 5, b <= 4, c <= 2 {
                var seg = 0
                for ch in raw {
                    if ch == 0x2D { seg += 1; continue }
                    if seg == 0 && n == 0 { for _ in a..<5 { out[n] = 0x30; n += 1 } }
                    out[n] = ch
                    n += 1
                    if seg == 0 && n == 5 { for _ in b..<4 { out[n] = 0x30; n += 1 } }
                    if seg == 1 && n == 9 { for _ in c..<2 { out[n] = 0x30; n += 1 } }
                }
            } else {
                for ch in raw where ch != 0x2D { out[n] = ch; n += 1 }
            }
        case .none:
            break
        }
        if n == 0 { return nil }
        return entry(sys, Bytes(start: out, count: n))
    }

    private func entry(_ sys: Int, _ b: Bytes) -> CodeEntry {
        codes.value(b, tag: UInt64(sys)) { b in CodeEntry(Code(system: self.systems[sys].url, code: ByteParse.string(b))) }
    }

    /// A code of a system from a Swift string (constants and fixed tables).
    func code(_ system: Int, _ text: String) -> CodeEntry {
        var t = text
        return t.withUTF8 { code(system, $0) }!
    }

    @inline(__always)
    private func upper(_ c: UInt8) -> UInt8 { (c >= 0x61 && c <= 0x7A) ? c & ~0x20 : c }
}
