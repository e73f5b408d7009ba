/// Defines that mean the same in several programs of one run, evaluated once per member.
///
/// The measures of a suite each compile their own copy of the libraries they use (`claims`,
/// `enrollment`, `common`, ...). Two defines are the same when their whole meaning is: the typed
/// IR of the body and of every define and function it reaches, with parameter values, value-set
/// codes and constants written out, over the same record schema. Such a define gets one slot in
/// the table; a worker keeps one `SharedDefineValues` store, cleared per member, and the first
/// measure to need the define fills the slot for the others.
///
/// A define is shared only when evaluating it cannot record a runtime error (`singleton`,
/// `error`: the second measure must record it too), does not read `episode`, and its program
/// does not record clause coverage (which counts per program).
public struct SharedDefines: Sendable {
    /// The number of slots a store holds.
    public let count: Int
    /// Per program (in the order given), per define: its slot, or -1 when not shared.
    private let slots: [[Int32]]

    public init(_ programs: [Program]) {
        var f = DefineFingerprinter(programs)
        var keys: [[Int?]] = []
        var uses: [Int: Int] = [:]
        for p in programs.indices {
            let k = programs[p].recordsCoverage ? programs[p].defines.map { _ in nil } : programs[p].defines.indices.map { f.define(p, $0) }
            for case let id? in k { uses[id, default: 0] += 1 }
            keys.append(k)
        }
        // Slots only for meanings found more than once, numbered in first-seen order.
        var slotOf: [Int: Int32] = [:]
        slots = keys.map { k in
            k.map { id in
                guard let id, uses[id]! > 1 else { return -1 }
                if let s = slotOf[id] { return s }
                let s = Int32(slotOf.count)
                slotOf[id] = s
                return s
            }
        }
        count = slotOf.count
    }

    /// The slots of program `i` (its index in the list the table was built from).
    public func slots(ofProgram i: Int) -> SharedDefineSlots { SharedDefineSlots(slots: slots[i]) }
}

/// One program's define → slot map in a `SharedDefines` table (-1: not shared).
public struct SharedDefineSlots: Sendable {
    let slots: [Int32]
    /// Whether define `i` of the program takes its value from the shared store.
    public func isShared(_ i: Int) -> Bool { slots[i] >= 0 }
}

/// The values of shared defines for the member a worker is evaluating. Owned by one worker
/// thread; `clear()` before each member.
public final class SharedDefineValues {
    let values: UnsafeMutablePointer<Value?>
    let count: Int

    public init(_ table: SharedDefines) {
        count = max(table.count, 1)
        values = .allocate(capacity: count)
        values.initialize(repeating: nil, count: count)
    }

    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }

    /// Forgets every value (the next member starts empty).
    public func clear() { values.update(repeating: nil, count: count) }
}

/// Numbers defines and functions by meaning: equal numbers for equal meanings across programs.
/// Each body is written out as canonical text with the defines and functions it reaches replaced
/// by their numbers, so the text stays one body long and equality is exact.
private struct DefineFingerprinter {
    let programs: [Program]
    private var texts: [String: Int] = [:]
    private var valueSets: [Set<String>: Int] = [:]
    private var schemas: [Int]
    /// Per program, per define / function: nil not yet seen, .some(nil) not shareable.
    private var defineIDs: [[Int??]]
    private var functionIDs: [[Int??]]

    init(_ programs: [Program]) {
        self.programs = programs
        var schemaTexts: [String: Int] = [:]
        schemas = programs.map { p in
            let text = p.schema.rootKind + "|" + p.schema.kinds.map { k in
                k.name + "{" + k.fields.map { $0.name + ":" + $0.type.description }.joined(separator: ",") + "}"
            }.joined(separator: ";")
            if let n = schemaTexts[text] { return n }
            schemaTexts[text] = schemaTexts.count
            return schemaTexts.count - 1
        }
        defineIDs = programs.map { Array(repeating: nil, count: $0.defines.count) }
        functionIDs = programs.map { Array(repeating: nil, count: $0.functions.count) }
    }

    private mutating func intern(_ text: String) -> Int {
        if let n = texts[text] { return n }
        texts[text] = texts.count
        return texts.count - 1
    }

    /// The meaning number of define `d` of program `p`, or nil when it may not be shared.
    mutating func define(_ p: Int, _ d: Int) -> Int? {
        if let known = defineIDs[p][d] { return known }
        defineIDs[p][d] = .some(nil)  // the checker rejects cycles; stay safe anyway
        let info = programs[p].defines[d]
        var out = "D\(schemas[p]),\(programs[p].defineFrameSizes[d])("
        let id: Int? = !info.dependsOnEpisode && write(info.body, p, &out) ? intern(out + ")") : nil
        defineIDs[p][d] = .some(id)
        return id
    }

    private mutating func function(_ p: Int, _ i: Int) -> Int? {
        if let known = functionIDs[p][i] { return known }
        functionIDs[p][i] = .some(nil)
        let info = programs[p].functions[i]
        var out = "F\(schemas[p]),\(programs[p].functionFrameSizes[i]),\(programs[p].functionMemoized[i]),"
        out += info.parameters.map { $0.1.description }.joined(separator: ",") + "("
        let id: Int? = !programs[p].functionEpisodeDependent[i] && write(info.body, p, &out) ? intern(out + ")") : nil
        functionIDs[p][i] = .some(id)
        return id
    }

    /// Writes a node; false when it (or anything it reaches) reads `episode` or can record an error.
    private mutating func write(_ t: Typed, _ p: Int, _ out: inout String) -> Bool {
        out += "<" + t.type.description + ">"
        switch t.ir {
        case .constant(let v): out += "c"; return writeValue(v, &out)
        case .parameter(let i): out += "p"; return writeValue(programs[p].parameters[i].value, &out)
        case .define(let i):
            guard let id = define(p, i) else { return false }
            out += "d\(id);"
            return true
        case .local(let slot): out += "l\(slot);"; return true
        case .member: out += "m"; return true
        case .episode: return false
        case .field(let b, let slot): out += "f\(slot)("; return writeAll([b], p, &out)
        case .not(let x): out += "!("; return writeAll([x], p, &out)
        case .and(let x, let y): out += "&("; return writeAll([x, y], p, &out)
        case .or(let x, let y): out += "|("; return writeAll([x, y], p, &out)
        case .xor(let x, let y): out += "^("; return writeAll([x, y], p, &out)
        case .implies(let x, let y): out += ">("; return writeAll([x, y], p, &out)
        case .conditional(let c, let x, let y): out += "?("; return writeAll([c, x, y], p, &out)
        case .caseWhen(let arms, let other): out += "w\(arms.count)("; return writeAll(arms.flatMap { [$0.0, $0.1] } + [other], p, &out)
        case .list(let items): out += "L\(items.count)("; return writeAll(items, p, &out)
        case .interval(let lo, let lc, let hi, let hc): out += "i\(lc ? 1 : 0)\(hc ? 1 : 0)("; return writeAll([lo, hi], p, &out)
        case .query(let q):
            out += "q\(q.local),\(q.filter != nil ? 1 : 0)\(q.sort != nil ? 1 : 0)\(q.descending ? 1 : 0)\(q.map != nil ? 1 : 0)("
            return writeAll([q.source] + [q.filter, q.sort, q.map].compactMap { $0 }, p, &out)
        case .timing(let spec, let x, let y, let offset):
            out += "t" + String(describing: spec) + "\(offset != nil ? 1 : 0)("
            return writeAll([x, y] + (offset.map { [$0] } ?? []), p, &out)
        case .builtin(let b, let args):
            if b == .singleton || b == .raiseError { return false }
            out += "b" + b.rawValue + "\(args.count)("
            return writeAll(args, p, &out)
        case .external(let def, let args):
            out += "x" + string(def.name) + def.parameters.map(\.description).joined(separator: ",")
                + "\(def.propagatesNull ? 1 : 0)\(args.count)("
            return writeAll(args, p, &out)
        case .function(let i, let args):
            guard let id = function(p, i) else { return false }
            out += "F\(id),\(args.count)("
            return writeAll(args, p, &out)
        case .inValueSet(let x, let vs):
            let codes = programs[p].valueSets[vs].codes
            let id: Int
            if let n = valueSets[codes] { id = n } else { id = valueSets.count; valueSets[codes] = id }
            out += "v\(id)("
            return writeAll([x], p, &out)
        case .isType(let x, let type): out += "is" + type.description + "("; return writeAll([x], p, &out)
        case .asType(let x, let type): out += "as" + type.description + "("; return writeAll([x], p, &out)
        }
    }

    private mutating func writeAll(_ ts: [Typed], _ p: Int, _ out: inout String) -> Bool {
        for t in ts where !write(t, p, &out) { return false }
        out += ")"
        return true
    }

    private func string(_ s: String) -> String { "\(s.utf8.count):" + s }

    /// Constants exactly: numbers by bits, text length-prefixed, codes with their display.
    private func writeValue(_ v: Value, _ out: inout String) -> Bool {
        switch v {
        case .null: out += "N"
        case .boolean(let b): out += b ? "T" : "F"
        case .integer(let i): out += "I\(i);"
        case .decimal(let d): out += "R\(d.bitPattern);"
        case .string(let s): out += "S" + string(s)
        case .temporal(let t): out += "M\(t.millis),\(t.precision.rawValue),\(t.isDate ? 1 : 0);"
        case .quantity(let q): out += "Q\(q.value.bitPattern)," + string(q.unit)
        case .code(let c): writeCode(c, &out)
        case .concept(let c):
            out += "K\(c.codes.count)" + (c.text.map { "1" + string($0) } ?? "0")
            for code in c.codes { writeCode(code, &out) }
        case .interval(let i):
            out += "V\(i.lowClosed ? 1 : 0)\(i.highClosed ? 1 : 0)"
            return writeValue(i.low, &out) && writeValue(i.high, &out)
        case .list(let xs):
            out += "A\(xs.count);"
            for x in xs where !writeValue(x, &out) { return false }
        case .record: return false
        }
        return true
    }

    private func writeCode(_ c: Code, _ out: inout String) {
        out += "C" + string(c.system) + string(c.code) + (c.display.map { "1" + string($0) } ?? "0")
    }
}
