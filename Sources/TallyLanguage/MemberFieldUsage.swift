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
        var walk = MemberFieldWalk(program: self)
        for (i, d) in defines.enumerated() where d.isRoot || d.role != .define { walk.define(i) }
        if walk.wholeMember { return nil }
        let root = schema.root
        return Set(walk.slots.map { root.fields[$0].name })
    }
}

/// A walk over the typed bodies reachable from some defines, each define and function once.
private struct MemberFieldWalk {
    let program: Program
    var slots: Set<Int> = []
    var wholeMember = false
    private var definesSeen: Set<Int> = []
    private var functionsSeen: Set<Int> = []

    init(program: Program) { self.program = program }

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
            } else {
                // A record field of another record (an observation's encounter) points into the
                // member's list of that kind, so that list is read too.
                if let kind = Self.recordKind(t.type) { slots.formUnion(listSlots(of: kind)) }
                visit(base)
            }
        case .define(let i):
            define(i)
        case .function(let i, let args):
            if functionsSeen.insert(i).inserted { visit(program.functions[i].body) }
            for a in args { visit(a) }
        default:
            for c in children(t.ir) { visit(c) }
        }
    }
}
