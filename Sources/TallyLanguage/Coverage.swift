#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Clause coverage: how often each clause of a measure came out true, false and null over a run
/// (`tally test --coverage`).
///
/// The caller creates one recorder and hands it to `CompilationInput.coverage`; the compiler then
/// wraps every define body and every clause of `and` / `or` / `xor` / `implies` chains, `not`,
/// `if` and `case when` conditions and `where` filters to count their outcomes. Clauses are
/// registered while compiling, in a deterministic walk (defines in declaration order, then
/// functions; each body depth first), so a clause that never ran is still listed. The same
/// clause compiled twice (a library used by several measures, a measure compiled for two
/// periods) is one clause, found by its file and source range. Without a recorder the compiler
/// generates exactly the closures it always does.
///
///     let coverage = CoverageRecorder()
///     var input = CompilationInput(file: file, schema: schema)
///     input.coverage = coverage
///     // ... compile, evaluate members ...
///     for c in coverage.clauses where c.neverTrue { print(c.kind, coverage.text(of: c)) }
public final class CoverageRecorder: @unchecked Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case define, and, or, xor, implies, not
        case ifCondition = "if"
        case when
        case filter = "where"
    }

    /// How a clause's value is read: Booleans as true / false / null, lists as non-empty (true)
    /// or empty (false), other values as evaluated (true) or null.
    public enum ValueKind: String, Sendable {
        case boolean, list, other
    }

    public struct Clause: Sendable {
        public var id: Int
        public var kind: Kind
        public var valueKind: ValueKind
        public var file: String
        /// The source text of the clause (the whole body for a define).
        public var range: SourceRange
        /// Where the clause is reported: its first character, or a define's name.
        public var location: SourceLocation
        /// The define's name, for define clauses.
        public var name: String?
        public var trueCount = 0
        public var falseCount = 0
        public var nullCount = 0

        public var evaluated: Bool { trueCount + falseCount + nullCount > 0 }
        /// No evaluation made it true (non-empty for a list, a value for other defines).
        public var neverTrue: Bool { trueCount == 0 }
        /// No evaluation made it anything but true. Null counts as not true: a null condition
        /// takes the `else` branch and a null `where` drops the item.
        public var neverFalse: Bool { falseCount + nullCount == 0 }
        /// Whether this clause is expected to be seen both ways (defines of other types only
        /// need to be evaluated).
        public var isDecision: Bool { valueKind != .other }
        public var covered: Bool { isDecision ? !neverTrue && !neverFalse : evaluated }
    }

    private struct Key: Hashable {
        var file: String
        var lower: Int
        var upper: Int
    }

    private var entries: [Clause] = []
    private var index: [Key: Int] = [:]
    private var counts: [Int] = []
    private var files: [String: SourceFile] = [:]
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Registers a clause (or finds the one already registered at the same place) and returns
    /// its id. Ids are given in registration order.
    public func register(_ kind: Kind, file: SourceFile, range: SourceRange, location: SourceLocation? = nil,
                         name: String? = nil, valueKind: ValueKind = .boolean) -> Int {
        locked {
            let key = Key(file: file.path, lower: range.lowerBound.offset, upper: range.upperBound.offset)
            if let id = index[key] { return id }
            let id = entries.count
            entries.append(Clause(id: id, kind: kind, valueKind: valueKind, file: file.path, range: range,
                                  location: location ?? range.lowerBound, name: name))
            counts += [0, 0, 0]
            index[key] = id
            if files[file.path] == nil { files[file.path] = file }
            return id
        }
    }

    /// Counts one outcome of clause `id`, read as its registered value kind says.
    public func record(_ id: Int, _ v: Value, as valueKind: ValueKind = .boolean) {
        let outcome: Int
        switch (valueKind, v) {
        case (_, .null): outcome = 2
        case (.boolean, .boolean(let b)): outcome = b ? 0 : 1
        case (.boolean, _): outcome = 2
        case (.list, .list(let xs)): outcome = xs.isEmpty ? 1 : 0
        case (.list, _), (.other, _): outcome = 0
        }
        locked { counts[id * 3 + outcome] += 1 }
    }

    /// Every clause with its counts, in id order.
    public var clauses: [Clause] {
        locked {
            entries.map { c in
                var c = c
                c.trueCount = counts[c.id * 3]
                c.falseCount = counts[c.id * 3 + 1]
                c.nullCount = counts[c.id * 3 + 2]
                return c
            }
        }
    }

    /// The source files clauses were registered in, by path.
    public var sources: [String: SourceFile] { locked { files } }

    /// The clause's source text on one line (blanks collapsed).
    public func text(of clause: Clause) -> String {
        guard let file = sources[clause.file] else { return "" }
        return file.text(clause.range).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
    }
}
