/// The checked program: every name resolved to a slot, every node typed. The compiler turns it
/// into closures; explain traces and clause coverage read its ranges.
public struct Typed: Sendable {
    public var ir: IR
    public var type: TypeRef
    public var range: SourceRange

    public init(_ ir: IR, _ type: TypeRef, _ range: SourceRange) {
        self.ir = ir
        self.type = type
        self.range = range
    }
}

public indirect enum IR: Sendable {
    case constant(Value)
    case parameter(Int)
    case define(Int)
    case local(Int)
    case member
    case episode
    case field(Typed, slot: Int)
    case not(Typed)
    case and(Typed, Typed)
    case or(Typed, Typed)
    case xor(Typed, Typed)
    case implies(Typed, Typed)
    case conditional(Typed, Typed, Typed)
    case caseWhen([(Typed, Typed)], Typed)
    case list([Typed])
    case interval(Typed, lowClosed: Bool, Typed, highClosed: Bool)
    case query(QueryIR)
    case timing(TimingSpec, Typed, Typed, offset: Typed?)
    case builtin(Builtin, [Typed])
    case external(FunctionDefinition, [Typed])
    case function(Int, [Typed])
    case inValueSet(Typed, valueSet: Int)
    case isType(Typed, TypeRef)
    case asType(Typed, TypeRef)
}

public struct QueryIR: Sendable {
    public var source: Typed
    public var local: Int
    public var filter: Typed?
    public var sort: Typed?
    public var descending: Bool
    public var map: Typed?
}

/// The language's own operators and generic functions.
public enum Builtin: String, Sendable, CaseIterable {
    // arithmetic and strings
    case add, subtract, multiply, divide, div, mod, negate, concatenate
    // comparison
    case equal, notEqual, equivalent, notEquivalent, less, lessOrEqual, greater, greaterOrEqual
    case isNull, isNotNull
    // membership
    case inList, inInterval, exists
    // lists
    case count, sum, min, max, avg, median, first, last, distinct, singleton, flatten, allTrue, anyTrue
    case union, intersect, except
    // intervals and dates
    case start, end, latest, toInterval, dateOf, yearsBetween, monthsBetween, weeksBetween, daysBetween
    case hoursBetween, minutesBetween, year, month, day, makeDate, makeDateTime
    // values
    case coalesce, abs, round, floor, ceiling, upper, lower, length, startsWith, endsWith, substring
    case toString, toDecimal, toInteger, quantityValue, quantityUnit, makeQuantity, makeCode, convertUnit
    case index, raiseError
}
