/// Which fields of the member a compiled measure reads, so a loader can skip input that only
/// fills fields no measure of a run reads (a claims CSV run of cost measures need not read the
/// provider attribution table).
///
///     if let fields = program.memberFieldsRead { options.memberFields = fields }  // nil: all of them
extension Program {
    /// The names of the member's fields that the measure's own defines, and every define and
    /// function they reach, read; nil when it uses the member as a whole value (then any field
    /// may be read). Library defines the measure never reaches are not counted.
    public var memberFieldsRead: Set<String>? {
        let walk = MemberFieldWalk(walking: self)
        if walk.wholeMember { return nil }
        let root = schema.root
        return Set(walk.slots.map { root.fields[$0].name })
    }

    /// The member's lists of which the measure can count only some records: every use of the
    /// list is a query whose `where` tests a field of the item against a value set, as in
    /// `conditions as c where c.code in Diabetes and ...`, or against constant text, as in
    /// `encounters as e where e.setting = "hospice" and ...`. A record for which none of those
    /// tests holds passes no query over the list, so a loader may leave it out without changing
    /// any result. Lists read any other way are absent; so is everything when the measure uses
    /// the member as a whole value.
    ///
    ///     program.recordNeeds["observations"]?.keeps(observation)   // false: no query sees it
    public var recordNeeds: [String: RecordNeed] {
        let walk = MemberFieldWalk(walking: self)
        if walk.wholeMember { return [:] }
        var needs: [String: RecordNeed] = [:]
        for (slot, tests) in walk.keepTests where !walk.wholeLists.contains(slot) {
            var need = RecordNeed()
            for test in tests {
                switch test {
                case .valueSet(let field, let vs): need.codes[field, default: []].formUnion(valueSets[vs].codes)
                case .text(let field, let texts): need.texts[field, default: []].formUnion(texts)
                }
            }
            needs[schema.root.fields[slot].name] = need
        }
        return needs
    }
}

/// Which records of a member list some measure of a run can count (`Program.recordNeeds`): those
/// with a code, in one of the fields the measures test, that is in a value set they test it
/// against, or with a text field equal to one of the texts they compare it with. Needs of
/// several measures combine with `formUnion`.
public struct RecordNeed: Sendable, Equatable {
    /// The `system|code` keys tested, by field slot of the list's record kind.
    public var codes: [Int: Set<String>] = [:]
    /// The texts a string field is compared with (`=`, `in` a list of texts), by field slot.
    public var texts: [Int: Set<String>] = [:]

    public init() {}

    /// A record of the list is needed when one of these holds.
    public mutating func formUnion(_ other: RecordNeed) {
        for (field, keys) in other.codes { codes[field, default: []].formUnion(keys) }
        for (field, values) in other.texts { texts[field, default: []].formUnion(values) }
    }

    /// The need in the form a loader tests records with.
    public var test: RecordTest {
        RecordTest(codes.sorted { $0.key < $1.key }.map { ($0.key, CodeSet($0.value)) },
                   texts: texts.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sorted()) })
    }
}

/// `RecordNeed` made ready to test records: one code table per field, one set of texts per field.
public struct RecordTest: Sendable {
    let tests: [(field: Int, codes: CodeSet)]
    let texts: [(field: Int, values: [String])]
    init(_ tests: [(field: Int, codes: CodeSet)], texts: [(field: Int, values: [String])] = []) {
        self.tests = tests
        self.texts = texts
    }

    /// The fields the test reads: a loader that fills these first can test a record before
    /// making the rest of it.
    public var fields: Set<Int> { Set(tests.map(\.field) + texts.map(\.field)) }

    /// Whether some query of the run can count the record: the same value-set membership test
    /// as the measures' `in`, and the same string equality as their `=`.
    @inline(__always)
    public func keeps(_ r: Record) -> Bool {
        for t in tests where inValueSet(r[t.field], t.codes) { return true }
        for t in texts where RecordTest.equalsOne(r[t.field], t.values) { return true }
        return false
    }

    /// Whether a record whose `field` would hold `value` can pass, known before the record is
    /// made: false only when every test reads that field and the value passes none of them
    /// (then `keeps` would say false of the record too).
    public func mayKeep(_ value: Value, field: Int) -> Bool {
        for t in tests where t.field != field || inValueSet(value, t.codes) { return true }
        for t in texts where t.field != field || RecordTest.equalsOne(value, t.values) { return true }
        return false
    }

    /// `value = text` true for one of the texts (null, or any value not a string, equals none).
    /// The texts are few: comparing with each costs less than hashing the value.
    @inline(__always)
    static func equalsOne(_ value: Value, _ texts: [String]) -> Bool {
        if case .string(let s) = value { return texts.contains(s) }
        return false
    }
}

/// A walk over the typed bodies reachable from some defines, each define and function once.
private struct MemberFieldWalk {
    let program: Program
    var slots: Set<Int> = []
    var wholeMember = false
    /// Member list slots read other than as the source of a query whose filter keeps records by
    /// their fields (`keepTests`).
    var wholeLists: Set<Int> = []
    /// For the other lists read: the tests of each query that an item must pass one of.
    var keepTests: [Int: [KeepTest]] = [:]
    private var definesSeen: Set<Int> = []
    private var functionsSeen: Set<Int> = []

    /// The walk from the measure's own defines and its populations, strata, observations and
    /// supplemental data.
    init(walking program: Program) {
        self.program = program
        for (i, d) in program.defines.enumerated() where d.isRoot || d.role != .define { define(i) }
    }

    /// The member's fields that hold a list of records of `kind`.
    private func listSlots(of kind: String) -> [Int] {
        program.schema.root.fields.indices.filter { program.schema.root.fields[$0].type == .list(.record(kind)) }
    }

    private static func recordKind(_ type: TypeRef) -> String? {
        switch type {
        case .record(let k), .list(.record(let k)): return k
        default: return nil
        }
    }

    mutating func define(_ i: Int) {
        guard definesSeen.insert(i).inserted else { return }
        visit(program.defines[i].body)
    }

    private mutating func visit(_ t: Typed) {
        switch t.ir {
        case .member:
            wholeMember = true
        case .field(let base, let slot):
            if case .member = base.ir {
                slots.insert(slot)
                wholeLists.insert(slot)
            } else {
                // A record field of another record (an observation's encounter) points into the
                // member's list of that kind, so that list is read too, and every record of it
                // may be reached that way.
                if let kind = Self.recordKind(t.type) {
                    let lists = listSlots(of: kind)
                    slots.formUnion(lists)
                    wholeLists.formUnion(lists)
                }
                visit(base)
            }
        case .query(let q):
            // A filter that can record an error must run on every item, as a whole load runs it
            // (`c.specialty = "x" and singleton(c.diagnoses) in Y` raises for a null specialty).
            if case .field(let base, let slot) = q.source.ir, case .member = base.ir,
               let tests = Self.keepTests(q.filter, item: q.local), let filter = q.filter, !program.mayRaise(filter) {
                slots.insert(slot)
                keepTests[slot, default: []] += tests
            } else {
                visit(q.source)
            }
            for c in [q.filter, q.sort, q.map].compactMap({ $0 }) { visit(c) }
        case .define(let i):
            define(i)
        case .function(let i, let args):
            if functionsSeen.insert(i).inserted { visit(program.functions[i].body) }
            for a in args { visit(a) }
        default:
            for c in children(t.ir) { visit(c) }
        }
    }

    /// A test of one field of a query's item: in a value set (`c.code in Diabetes`), or equal
    /// to one of some texts (`e.setting = "hospice"`, `e.setting in ["snf", "irf"]`).
    enum KeepTest {
        case valueSet(field: Int, valueSet: Int)
        case text(field: Int, [String])

        var isText: Bool { if case .text = self { return true } else { return false } }
    }

    /// The tests of a query's `where` that an item must pass one of to be kept: a conjunct that
    /// is such a test (`c.code in Diabetes and ...`), or an `or` of such tests (`p.code in
    /// FrailtyDevice or p.code in FrailtyEncounter`). Nil when there is none. Of two conjuncts
    /// that are both tests, value-set tests are taken over texts (`o.status = "final" and o.code
    /// in Lab`: a code is the rarer match), else the first.
    private static func keepTests(_ filter: Typed?, item: Int) -> [KeepTest]? {
        guard let filter else { return nil }
        switch filter.ir {
        case .and(let x, let y):
            let a = keepTests(x, item: item), b = keepTests(y, item: item)
            if let a, let b, a.contains(where: \.isText), !b.contains(where: \.isText) { return b }
            return a ?? b
        case .or(let x, let y):
            guard let a = keepTests(x, item: item), let b = keepTests(y, item: item) else { return nil }
            return a + b
        case .inValueSet(let code, let vs):
            return itemField(code, item).map { [.valueSet(field: $0, valueSet: vs)] }
        case .builtin(.equal, let args) where args.count == 2:
            if let f = textField(args[0], item), let t = texts(args[1]), t.count == 1 { return [.text(field: f, t)] }
            if let f = textField(args[1], item), let t = texts(args[0]), t.count == 1 { return [.text(field: f, t)] }
            return nil
        case .builtin(.inList, let args) where args.count == 2:
            guard let f = textField(args[0], item), let t = texts(args[1]) else { return nil }
            return [.text(field: f, t)]
        default:
            return nil
        }
    }

    /// The slot of `item.field` when `t` is that.
    private static func itemField(_ t: Typed, _ item: Int) -> Int? {
        if case .field(let base, let field) = t.ir, case .local(let l) = base.ir, l == item { return field }
        return nil
    }

    /// The slot of `item.field` when `t` is that and the field holds a string (compared with a
    /// text, only a string can be equal).
    private static func textField(_ t: Typed, _ item: Int) -> Int? {
        guard case .string = t.type else { return nil }
        return itemField(t, item)
    }

    /// The texts of a constant string, or of a list of constant strings (nil for anything else,
    /// a list holding a null among them).
    private static func texts(_ t: Typed) -> [String]? {
        switch t.ir {
        case .constant(.string(let s)): return [s]
        case .constant(.list(let xs)):
            let strings = xs.compactMap(\.asString)
            return strings.count == xs.count ? strings : nil
        case .list(let items):
            let strings = items.compactMap { item -> String? in
                if case .constant(.string(let s)) = item.ir { return s }
                return nil
            }
            return strings.count == items.count ? strings : nil
        default:
            return nil
        }
    }
}
