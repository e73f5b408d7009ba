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
    /// list is a query whose `where` tests the item's code (or another code field) against a
    /// value set, as in `conditions as c where c.code in Diabetes and ...`. A record for which
    /// none of those tests holds passes no query over the list, so a loader may leave it out
    /// without changing any result. Lists read any other way are absent; so is everything when
    /// the measure uses the member as a whole value.
    ///
    ///     program.recordNeeds["observations"]?.keeps(observation)   // false: no query sees it
    public var recordNeeds: [String: RecordNeed] {
        let walk = MemberFieldWalk(walking: self)
        if walk.wholeMember { return [:] }
        var needs: [String: RecordNeed] = [:]
        for (slot, tests) in walk.codeTests where !walk.wholeLists.contains(slot) {
            var need = RecordNeed()
            for (field, vs) in tests { need.codes[field, default: []].formUnion(valueSets[vs].codes) }
            needs[schema.root.fields[slot].name] = need
        }
        return needs
    }
}

/// Which records of a member list some measure of a run can count (`Program.recordNeeds`): those
/// with a code, in one of the fields the measures test, that is in a value set they test it
/// against. Needs of several measures combine with `formUnion`.
public struct RecordNeed: Sendable, Equatable {
    /// The `system|code` keys tested, by field slot of the list's record kind.
    public var codes: [Int: Set<String>] = [:]

    public init() {}

    /// A record of the list is needed when one of these holds.
    public mutating func formUnion(_ other: RecordNeed) {
        for (field, keys) in other.codes { codes[field, default: []].formUnion(keys) }
    }

    /// The need in the form a loader tests records with.
    public var test: RecordTest { RecordTest(codes.sorted { $0.key < $1.key }.map { ($0.key, CodeSet($0.value)) }) }
}

/// `RecordNeed` made ready to test records: one code table per field.
public struct RecordTest: Sendable {
    let tests: [(field: Int, codes: CodeSet)]
    init(_ tests: [(field: Int, codes: CodeSet)]) { self.tests = tests }

    /// Whether some query of the run can count the record: the same value-set membership test
    /// as the measures' `in`.
    @inline(__always)
    public func keeps(_ r: Record) -> Bool {
        for t in tests where inValueSet(r[t.field], t.codes) { return true }
        return false
    }

    /// Whether a record whose `field` would hold `value` can pass, known before the record is
    /// made: false only when every test reads that field and the value is in none of their value
    /// sets (then `keeps` would say false of the record too).
    public func mayKeep(_ value: Value, field: Int) -> Bool {
        for t in tests where t.field != field || inValueSet(value, t.codes) { return true }
        return false
    }
}

/// A walk over the typed bodies reachable from some defines, each define and function once.
private struct MemberFieldWalk {
    let program: Program
    var slots: Set<Int> = []
    var wholeMember = false
    /// Member list slots read other than as the source of a query that tests its items' codes.
    var wholeLists: Set<Int> = []
    /// For the other lists read: (field slot, value set) of each query's code test.
    var codeTests: [Int: [(field: Int, valueSet: Int)]] = [:]
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
            if case .field(let base, let slot) = q.source.ir, case .member = base.ir,
               let tests = Self.codeTests(q.filter, item: q.local) {
                slots.insert(slot)
                codeTests[slot, default: []] += tests
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

    /// The value-set tests of a query's `where` that an item must pass one of to be kept: the
    /// first conjunct that is such a test (`c.code in Diabetes and ...`), or an `or` of such tests
    /// (`p.code in FrailtyDevice or p.code in FrailtyEncounter`). Nil when there is none.
    private static func codeTests(_ filter: Typed?, item: Int) -> [(field: Int, valueSet: Int)]? {
        guard let filter else { return nil }
        switch filter.ir {
        case .and(let x, let y):
            return codeTests(x, item: item) ?? codeTests(y, item: item)
        case .or(let x, let y):
            guard let a = codeTests(x, item: item), let b = codeTests(y, item: item) else { return nil }
            return a + b
        case .inValueSet(let code, let vs):
            if case .field(let base, let field) = code.ir, case .local(let l) = base.ir, l == item { return [(field, vs)] }
            return nil
        default:
            return nil
        }
    }
}
