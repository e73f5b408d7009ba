import Dispatch
import Foundation
import TallyEngine
import TallyLanguage

/// Runs panel queries: every member is evaluated (member-parallel, in fixed chunks merged in
/// order, so results do not depend on the number of threads), and a Ctrl-C stops the loop
/// between members.
struct ReplQueryRunner {
    let session: ReplSession

    struct Cancelled: Error {}

    /// Rows of a bare expression shown over the panel before "N more" (select lists them all).
    static let defaultRows = 20

    /// Runs a query and returns what to print.
    func run(_ input: ReplInput) throws -> String {
        let q = try ReplQuerySyntax.parse(input)
        if q.incomplete {
            // A clause word with nothing after it, at the end of a script or in -c.
            throw ReplDiagnosticsError(rendered: session.diagnosticAtEnd(input, "unexpected end of input; expected an expression"))
        }
        let compiled = try session.compileExpressions(input, q.segments)
        var defines = compiled.defines[...]
        func next() -> Int { defines.removeFirst() }
        let head = q.head.map { _ in next() }
        let filter = q.filter.map { _ in next() }
        let keys = q.keys.map { _ in next() }
        let sort = q.sort.map { _ in next() }
        let program = compiled.program
        let renderer = session.renderer
        switch q.form {
        case .expression:
            return try expression(program, head[0], renderer)
        case .count:
            let members = session.queryMembers()
            try requireData(members)
            return renderer.render(try groups(program, members, condition: nil, filter: filter, keys: keys,
                                              keyTitles: q.keys.map(input.title), limit: q.limit))
        case .rate:
            let members = session.queryMembers()
            try requireData(members)
            return renderer.render(try groups(program, members, condition: head[0], filter: filter, keys: keys,
                                              keyTitles: q.keys.map(input.title), limit: q.limit))
        case .select:
            let members = session.queryMembers()
            try requireData(members)
            return renderer.render(try select(program, members, columns: head, titles: q.head.map(input.title), filter: filter,
                                              sort: sort, descending: q.descending, limit: q.limit))
        }
    }

    func requireData(_ members: [Record]) throws {
        if session.panel == nil, session.member == nil {
            throw ReplError("no panel is loaded", hint: "load one with .data DIR (or start with --data DIR)")
        }
    }

    // MARK: Forms

    /// A bare expression: its value for the focused member; over the panel, a count when it
    /// is Boolean, the value once when it reads no member data, else a list per member.
    func expression(_ program: Program, _ define: Int, _ renderer: ReplRenderer) throws -> String {
        let type = program.defines[define].type
        if let member = session.member {
            return renderer.renderValue(program.evaluation(member: member).value(ofDefine: define))
        }
        if !ReplIR(program: program).readsMember(define: define) {
            return renderer.renderValue(program.evaluation(member: emptyMember(program)).value(ofDefine: define))
        }
        let members = session.queryMembers()
        try requireData(members)
        if type == .boolean {
            return renderer.render(try groups(program, members, condition: nil, filter: define, keys: [], keyTitles: [], limit: nil))
        }
        let rows = try evaluate(members, program, limit: Self.defaultRows) { ctx in [ctx.value(ofDefine: define)] }
        var t = ReplTable(columns: ["member", "value"], rows: rows.map { [.string(Panel.id(of: members[$0.member]))] + $0.values })
        if members.count > rows.count {
            t.notes.append("(\(rows.count) of \(members.count) members; select EXPR lists them all)")
        }
        return renderer.render(t)
    }

    /// `count` and `rate`: members passing the filter (per group), and for `rate` those where
    /// the condition is true, with the share or rate.
    func groups(_ program: Program, _ members: [Record], condition: Int?, filter: Int?, keys: [Int], keyTitles: [String],
                limit: Int?) throws -> ReplTable {
        struct Group {
            var key: [Value]
            var members = 0
            var matches = 0
        }
        let renderer = session.renderer
        if keys.isEmpty {
            // No groups: plain counters, no per-member keys.
            let counts = try chunks(members) { range -> (Int, Int) in
                var n = 0, matches = 0
                for i in range {
                    if ReplInterrupt.isSet { break }
                    let ctx = program.evaluation(member: members[i])
                    if let filter, !ctx.value(ofDefine: filter).isTrue { continue }
                    n += 1
                    if let condition, ctx.value(ofDefine: condition).isTrue { matches += 1 }
                }
                return (n, matches)
            }
            let total = counts.reduce(0) { $0 + $1.0 }, matches = counts.reduce(0) { $0 + $1.1 }
            if condition == nil {
                let n = members.count
                return ReplTable(columns: ["count", "members", "share"], formats: [.plain, .plain, .percent],
                                 rows: [[.integer(total), .integer(n), n > 0 ? .decimal(Double(total) / Double(n)) : .null]])
            }
            return ReplTable(columns: ["members", "count", "rate"], formats: [.plain, .plain, .percent],
                             rows: [[.integer(total), .integer(matches), total > 0 ? .decimal(Double(matches) / Double(total)) : .null]])
        }
        let partials = try chunks(members) { range -> [String: Group] in
            var groups: [String: Group] = [:]
            for i in range {
                if ReplInterrupt.isSet { break }
                let ctx = program.evaluation(member: members[i])
                if let filter, !ctx.value(ofDefine: filter).isTrue { continue }
                let key = keys.map { ctx.value(ofDefine: $0) }
                let text = key.map { renderer.text($0) }.joined(separator: "\u{1F}")
                var g = groups[text] ?? Group(key: key)
                g.members += 1
                if let condition, ctx.value(ofDefine: condition).isTrue { g.matches += 1 }
                groups[text] = g
            }
            return groups
        }
        var merged: [String: Group] = [:]
        for p in partials {
            for (k, g) in p {
                if var m = merged[k] {
                    m.members += g.members
                    m.matches += g.matches
                    merged[k] = m
                } else {
                    merged[k] = g
                }
            }
        }
        let total = merged.values.reduce(0) { $0 + $1.members }
        let totalMatches = merged.values.reduce(0) { $0 + $1.matches }
        let ordered = merged.values.sorted { a, b in ReplQueryRunner.less(a.key, b.key, renderer) }
        var table: ReplTable
        if condition == nil {
            // count: members per group, and their share of the members counted.
            table = ReplTable(columns: keyTitles + ["count", "share"], formats: keyTitles.map { _ in .plain } + [.plain, .percent])
            for g in ordered {
                table.rows.append(g.key.map(groupKey) + [.integer(g.members), total > 0 ? .decimal(Double(g.members) / Double(total)) : .null])
            }
        } else {
            // rate: members per group (the denominator), matches (the numerator), the rate.
            table = ReplTable(columns: keyTitles + ["members", "count", "rate"], formats: keyTitles.map { _ in .plain } + [.plain, .plain, .percent])
            for g in ordered {
                table.rows.append(g.key.map(groupKey) + [.integer(g.members), .integer(g.matches),
                                                         g.members > 0 ? .decimal(Double(g.matches) / Double(g.members)) : .null])
            }
        }
        if let limit, table.rows.count > limit {
            table.notes.append("(\(limit) of \(table.rows.count) groups)")
            table.rows = Array(table.rows.prefix(limit))
        }
        if session.mode == .table || session.mode == .line {
            let share = total > 0 ? ReplRenderer.percent(Double(totalMatches) / Double(total)) : ""
            table.notes.append("total: \(total) member\(total == 1 ? "" : "s")" + (condition == nil ? "" : ", \(totalMatches) matching, rate \(share)")
                               + " in \(merged.count) group\(merged.count == 1 ? "" : "s")")
        }
        return table
    }

    /// Group keys show null as `(none)`.
    func groupKey(_ v: Value) -> Value { v.isNull ? .string("(none)") : v }

    /// `select`: one row per member passing the filter.
    func select(_ program: Program, _ members: [Record], columns: [Int], titles: [String], filter: Int?, sort: Int?,
                descending: Bool, limit: Int?) throws -> ReplTable {
        let rows = try evaluate(members, program, limit: sort == nil ? limit : nil) { ctx in
            if let filter, !ctx.value(ofDefine: filter).isTrue { return nil }
            return columns.map { ctx.value(ofDefine: $0) } + (sort.map { [ctx.value(ofDefine: $0)] } ?? [])
        }
        var values = rows.map(\.values)
        if sort != nil {
            let renderer = session.renderer
            values = values.enumerated().sorted { a, b in
                let x = a.element.last!, y = b.element.last!
                if x.isNull != y.isNull { return y.isNull }  // nulls last
                if ReplQueryRunner.equalForSort(x, y, renderer) { return a.offset < b.offset }
                return descending ? ReplQueryRunner.less([y], [x], renderer) : ReplQueryRunner.less([x], [y], renderer)
            }.map { Array($0.element.dropLast()) }
            if let limit { values = Array(values.prefix(limit)) }
        }
        var t = ReplTable(columns: titles, rows: values)
        if session.mode == .table || session.mode == .line {
            t.notes.append("(\(values.count) row\(values.count == 1 ? "" : "s"))")
        }
        return t
    }

    // MARK: Evaluation

    /// Evaluates `row` for members in panel order; rows are kept where it gives values. With
    /// a limit, evaluation stops once enough rows are found.
    func evaluate(_ members: [Record], _ program: Program, limit: Int?,
                  _ row: @escaping (EvaluationContext) -> [Value]?) throws -> [(member: Int, values: [Value])] {
        if let limit, limit < 200 {
            // Small limits: evaluate in order and stop early.
            var out: [(Int, [Value])] = []
            for (i, m) in members.enumerated() {
                if ReplInterrupt.isSet { throw Cancelled() }
                if out.count >= limit { break }
                if let r = row(program.evaluation(member: m)) { out.append((i, r)) }
            }
            return out
        }
        let partials = try chunks(members) { range -> [(Int, [Value])] in
            var out: [(Int, [Value])] = []
            for i in range {
                if ReplInterrupt.isSet { break }
                if let r = row(program.evaluation(member: members[i])) { out.append((i, r)) }
            }
            return out
        }
        let all = partials.flatMap { $0 }
        return limit.map { Array(all.prefix($0)) } ?? all
    }

    /// Runs `work` over fixed chunks of the members on every core and returns the chunks'
    /// results in order; throws `Cancelled` after Ctrl-C.
    func chunks<T>(_ members: [Record], _ work: @escaping (Range<Int>) -> T) throws -> [T] {
        try ReplQueryRunner.parallel(count: members.count, work)
    }

    static func parallel<T>(count: Int, chunkSize: Int = 512, _ work: @escaping (Range<Int>) -> T) throws -> [T] {
        let n = (count + chunkSize - 1) / chunkSize
        let results = ReplSlots<T>(count: n)
        DispatchQueue.concurrentPerform(iterations: n) { c in
            if ReplInterrupt.isSet { return }
            results.set(c, work((c * chunkSize)..<min(count, (c + 1) * chunkSize)))
        }
        if ReplInterrupt.isSet { throw Cancelled() }
        return results.values()
    }

    // MARK: Ordering

    /// Orders group keys and sort values: values of one ordered type by value, others by text.
    static func less(_ a: [Value], _ b: [Value], _ r: ReplRenderer) -> Bool {
        for (x, y) in zip(a, b) {
            if x.isNull != y.isNull { return y.isNull }
            if let c = Value.compare(x, y), c != 0 { return c < 0 }
            if Value.compare(x, y) == nil {
                if case .boolean(let p) = x, case .boolean(let q) = y, p != q { return !p }
                let s = r.text(x), t = r.text(y)
                if s != t { return s < t }
            }
        }
        return false
    }

    static func equalForSort(_ x: Value, _ y: Value, _ r: ReplRenderer) -> Bool {
        !less([x], [y], r) && !less([y], [x], r)
    }

    func emptyMember(_ program: Program) -> Record {
        let root = program.schema.index(of: program.schema.rootKind)!
        return Record.make(kind: root, count: program.schema.root.fields.count)
    }
}

/// Results written by worker threads, one slot per chunk.
final class ReplSlots<T>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) {
        lock.lock(); slots[i] = v; lock.unlock()
    }
    func values() -> [T] { slots.compactMap { $0 } }
}

/// Static facts about a compiled program that the REPL needs.
struct ReplIR {
    let program: Program

    /// Whether a define reads member data (directly, or through defines and functions).
    func readsMember(define: Int) -> Bool {
        var visiting = Set<Int>()
        var visitingFunctions = Set<Int>()
        func readsDefine(_ i: Int) -> Bool {
            guard visiting.insert(i).inserted else { return false }
            return reads(program.defines[i].body)
        }
        func reads(_ t: Typed) -> Bool {
            switch t.ir {
            case .constant, .parameter, .local: return false
            case .member, .episode: return true
            case .define(let i): return readsDefine(i)
            case .function(let i, let args):
                if args.contains(where: reads) { return true }
                guard visitingFunctions.insert(i).inserted else { return false }
                return reads(program.functions[i].body)
            case .field(let x, _), .not(let x), .isType(let x, _), .asType(let x, _), .inValueSet(let x, _): return reads(x)
            case .and(let a, let b), .or(let a, let b), .xor(let a, let b), .implies(let a, let b): return reads(a) || reads(b)
            case .conditional(let a, let b, let c): return reads(a) || reads(b) || reads(c)
            case .caseWhen(let cases, let e): return cases.contains { reads($0.0) || reads($0.1) } || reads(e)
            case .list(let xs), .builtin(_, let xs), .external(_, let xs): return xs.contains(where: reads)
            case .interval(let a, _, let b, _): return reads(a) || reads(b)
            case .query(let q):
                return reads(q.source) || [q.filter, q.sort, q.map].contains { $0.map(reads) ?? false }
            case .timing(_, let a, let b, let o): return reads(a) || reads(b) || (o.map(reads) ?? false)
            }
        }
        return readsDefine(define)
    }
}
