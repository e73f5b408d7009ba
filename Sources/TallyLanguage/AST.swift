/// The syntax tree a parser builds: every node keeps the source range it came from.

public struct Expr: Sendable {
    public var kind: ExprKind
    public var range: SourceRange
    public init(_ kind: ExprKind, _ range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

public struct Name: Sendable, Hashable {
    public var text: String
    public var range: SourceRange
}

public indirect enum ExprKind: Sendable {
    case null
    case boolean(Bool)
    case integer(String)
    case decimal(String)
    case string(String)
    /// The text after `@`, validated by the checker.
    case temporal(String)
    case quantity(number: String, unit: String)
    case name(String)
    case call(Name, [Expr])
    case member(Expr, Name)
    case index(Expr, Expr)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case timing(TimingPhrase, Expr, Expr)
    case isNull(Expr, negated: Bool)
    case isType(Expr, TypeSyntax)
    case asType(Expr, TypeSyntax)
    case list([Expr])
    case interval(lowClosed: Bool, Expr, Expr, highClosed: Bool)
    case range(Expr, Expr)
    case conditional(Expr, Expr, Expr)
    case caseWhen([(Expr, Expr)], Expr)
    case query(Query)
}

public struct Query: Sendable {
    public var source: Expr
    public var alias: Name?
    public var filter: Expr?
    public var sort: Expr?
    public var descending: Bool
    public var map: Expr?
}

public enum UnaryOperator: String, Sendable {
    case not, negate = "-", exists, startOf = "start of", endOf = "end of", dateOf = "date of"
}

public enum BinaryOperator: String, Sendable {
    case and, or, xor, implies
    case equal = "=", notEqual = "!=", equivalent = "~", notEquivalent = "!~"
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case membership = "in", notMembership = "not in", contains
    case union, intersect, except
    case add = "+", subtract = "-", concatenate = "&", multiply = "*", divide = "/", div, mod
}

/// Which point of an interval a timing phrase compares.
public enum Boundary: String, Sendable { case start, end }

/// A timing phrase such as `ends 3 days or less before start of`.
public struct TimingPhrase: Sendable {
    public enum Relation: String, Sendable {
        case during, includes, overlaps, before, after, onOrBefore = "on or before", onOrAfter = "on or after"
        case sameAs = "same as", sameOrBefore = "same or before", sameOrAfter = "same or after", within
    }
    public enum OffsetMode: String, Sendable { case exactly, orLess = "or less", orMore = "or more" }

    public var leftBoundary: Boundary?
    public var relation: Relation
    public var precision: DatePrecision?
    public var offset: Expr?
    public var offsetMode: OffsetMode
    /// True when written `included in` (which means `during`); kept for dumps and messages.
    public var swapped: Bool
}

public indirect enum TypeSyntax: Sendable {
    case named(Name)
    case generic(Name, [TypeSyntax])

    public var range: SourceRange {
        switch self {
        case .named(let n): return n.range
        case .generic(let n, _): return n.range
        }
    }
}

public enum MeasureMeta: Sendable {
    case version(String), steward(String), owner(String), description(String), gap(String)
    case scoring(String), improvement(String), target(String)
    case basisMember, basisEpisode(Expr)
}

public enum PopulationAggregate: String, Sendable, CaseIterable {
    case median, mean, sum, min, max, count
}

public struct Decl: Sendable {
    public var kind: DeclKind
    public var range: SourceRange
}

public struct Parameter: Sendable {
    public var name: Name
    public var type: TypeSyntax
}

public enum DeclKind: Sendable {
    case header(isLibrary: Bool, name: Name, title: String?, meta: [(MeasureMeta, SourceRange)])
    case use(path: String, pathRange: SourceRange, alias: Name?)
    case parameter(Name, TypeSyntax?, Expr?)
    case valueset(Name, url: String)
    case code(Name, system: String, systemRange: SourceRange, code: String, display: String?)
    case define(Name, Expr)
    case function(Name, [Parameter], TypeSyntax?, Expr)
    case population(Name, Expr)
    case observation(Name, Expr, PopulationAggregate)
    case stratify(Name, Expr)
    case supplemental(Name, Expr)

    /// The declared name, when the declaration has one.
    public var name: Name? {
        switch self {
        case .header(_, let n, _, _): return n
        case .use(_, _, let a): return a
        case .parameter(let n, _, _), .valueset(let n, _), .code(let n, _, _, _, _), .define(let n, _),
             .function(let n, _, _, _), .population(let n, _), .observation(let n, _, _),
             .stratify(let n, _), .supplemental(let n, _):
            return n
        }
    }
}

/// A parsed file: its declarations in order.
public struct SourceUnit: Sendable {
    public var file: SourceFile
    public var decls: [Decl]

    public var header: Decl? { decls.first { if case .header = $0.kind { return true } else { return false } } }
}
