/// The language's generic functions: how each is typed, and its documentation.
public struct BuiltinFunction: Sendable {
    public var name: String
    public var signature: String
    public var doc: String
    public var example: String
    let builtin: Builtin
    let arity: ClosedRange<Int>
    /// Gives the result type, or a message saying what is wrong with the arguments.
    let type: @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem>
}

struct TypeProblem: Error {
    var argument: Int
    var message: String
}

private func list(_ f: @escaping @Sendable (TypeRef) -> Result<TypeRef, TypeProblem>) -> @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem> {
    { args in
        guard let e = args[0].elementType else { return .failure(TypeProblem(argument: 0, message: "needs a list, not \(args[0])")) }
        return f(e)
    }
}

private func fixed(_ params: [TypeRef], _ result: TypeRef) -> @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem> {
    { args in
        for (i, (a, p)) in zip(args, params).enumerated() where !a.isAssignable(to: p) {
            return .failure(TypeProblem(argument: i, message: "must be \(p), not \(a)"))
        }
        return .success(result)
    }
}

private func timing(_ result: @escaping @Sendable (TypeRef) -> TypeRef) -> @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem> {
    { args in
        guard args[0].isTiming else { return .failure(TypeProblem(argument: 0, message: "needs a date-time or an interval, not \(args[0])")) }
        return .success(result(args[0]))
    }
}

private let between: @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem> = { args in
    for (i, a) in args.enumerated() where !(a.isTemporal || a == .any) {
        return .failure(TypeProblem(argument: i, message: "must be a Date or DateTime, not \(a)"))
    }
    return .success(.integer)
}

private let numeric: @Sendable ([TypeRef]) -> Result<TypeRef, TypeProblem> = { args in
    guard args[0].isNumeric || args[0] == .quantity else { return .failure(TypeProblem(argument: 0, message: "must be a number, not \(args[0])")) }
    return .success(args[0])
}

/// Every built-in function, in the order the reference lists them.
public let builtinFunctions: [BuiltinFunction] = [
    BuiltinFunction(name: "count", signature: "count(List<T>): Integer", doc: "Number of non-null items.",
                    example: "count([1, null, 3]) = 2", builtin: .count, arity: 1...1, type: list { _ in .success(.integer) }),
    BuiltinFunction(name: "sum", signature: "sum(List<Number|Quantity>)", doc: "Sum of the non-null items; null for an empty list.",
                    example: "sum([1, 2, null]) = 3", builtin: .sum, arity: 1...1,
                    type: list { e in e.isNumeric || e == .quantity ? .success(e == .any ? .decimal : e) : .failure(TypeProblem(argument: 0, message: "needs numbers or quantities, not List<\(e)>")) }),
    BuiltinFunction(name: "min", signature: "min(List<T>): T", doc: "Smallest non-null item; null for an empty list.",
                    example: "min([3, 1, 2]) = 1", builtin: .min, arity: 1...1,
                    type: list { e in e.isOrdered ? .success(e) : .failure(TypeProblem(argument: 0, message: "needs ordered items, not List<\(e)>")) }),
    BuiltinFunction(name: "max", signature: "max(List<T>): T", doc: "Largest non-null item; null for an empty list.",
                    example: "max([3, 1, 2]) = 3", builtin: .max, arity: 1...1,
                    type: list { e in e.isOrdered ? .success(e) : .failure(TypeProblem(argument: 0, message: "needs ordered items, not List<\(e)>")) }),
    BuiltinFunction(name: "avg", signature: "avg(List<Number>): Decimal", doc: "Mean of the non-null items (also `mean`).",
                    example: "avg([1, 2]) = 1.5", builtin: .avg, arity: 1...1,
                    type: list { e in e.isNumeric ? .success(.decimal) : .failure(TypeProblem(argument: 0, message: "needs numbers, not List<\(e)>")) }),
    BuiltinFunction(name: "mean", signature: "mean(List<Number>): Decimal", doc: "Same as `avg`.",
                    example: "mean([1, 2, 6]) = 3.0", builtin: .avg, arity: 1...1,
                    type: list { e in e.isNumeric ? .success(.decimal) : .failure(TypeProblem(argument: 0, message: "needs numbers, not List<\(e)>")) }),
    BuiltinFunction(name: "median", signature: "median(List<Number>): Decimal", doc: "Median of the non-null items.",
                    example: "median([1, 5, 2]) = 2.0", builtin: .median, arity: 1...1,
                    type: list { e in e.isNumeric ? .success(.decimal) : .failure(TypeProblem(argument: 0, message: "needs numbers, not List<\(e)>")) }),
    BuiltinFunction(name: "first", signature: "first(List<T>): T", doc: "First item, or null for an empty list.",
                    example: "first([4, 5]) = 4", builtin: .first, arity: 1...1, type: list { .success($0) }),
    BuiltinFunction(name: "last", signature: "last(List<T>): T", doc: "Last item, or null for an empty list.",
                    example: "last([4, 5]) = 5", builtin: .last, arity: 1...1, type: list { .success($0) }),
    BuiltinFunction(name: "distinct", signature: "distinct(List<T>): List<T>", doc: "The list without repeated items, first occurrence kept.",
                    example: "distinct([1, 1, 2]) = [1, 2]", builtin: .distinct, arity: 1...1, type: list { .success(.list($0)) }),
    BuiltinFunction(name: "singleton", signature: "singleton(List<T>): T", doc: "The only item; null when empty; a runtime error when there are several.",
                    example: "singleton([7]) = 7", builtin: .singleton, arity: 1...1, type: list { .success($0) }),
    BuiltinFunction(name: "flatten", signature: "flatten(List<List<T>>): List<T>", doc: "Concatenates a list of lists.",
                    example: "flatten([[1], [2, 3]]) = [1, 2, 3]", builtin: .flatten, arity: 1...1,
                    type: list { e in e.elementType.map { .success(.list($0)) } ?? .failure(TypeProblem(argument: 0, message: "needs a list of lists")) }),
    BuiltinFunction(name: "all", signature: "all(List<Boolean>): Boolean", doc: "True when every non-null item is true (true for an empty list).",
                    example: "all([true, null]) = true", builtin: .allTrue, arity: 1...1,
                    type: list { e in e.isAssignable(to: .boolean) ? .success(.boolean) : .failure(TypeProblem(argument: 0, message: "needs Booleans, not List<\(e)>")) }),
    BuiltinFunction(name: "any", signature: "any(List<Boolean>): Boolean", doc: "True when some item is true.",
                    example: "any([false, true]) = true", builtin: .anyTrue, arity: 1...1,
                    type: list { e in e.isAssignable(to: .boolean) ? .success(.boolean) : .failure(TypeProblem(argument: 0, message: "needs Booleans, not List<\(e)>")) }),
    BuiltinFunction(name: "start", signature: "start(Interval<T> | T): T", doc: "Start of an interval (a point is its own start); null when unknown or unbounded.",
                    example: "start(interval[1, 5]) = 1", builtin: .start, arity: 1...1, type: timing { $0.timingPoint }),
    BuiltinFunction(name: "end", signature: "end(Interval<T> | T): T", doc: "End of an interval; null when unknown or unbounded.",
                    example: "end(interval[1, 5)) = 4", builtin: .end, arity: 1...1, type: timing { $0.timingPoint }),
    BuiltinFunction(name: "latest", signature: "latest(Interval<T> | T): T", doc: "The end when it is a real value, else the start (QICoreCommon `latest`).",
                    example: "latest(interval[@2025-01-01, null]) = @2025-01-01", builtin: .latest, arity: 1...1, type: timing { $0.timingPoint }),
    BuiltinFunction(name: "interval", signature: "interval(Interval<T> | T): Interval<T>", doc: "A point as the interval [p, p]; an interval as itself.",
                    example: "interval(@2025-01-01) = interval[@2025-01-01, @2025-01-01]", builtin: .toInterval, arity: 1...1,
                    type: timing { .interval($0.timingPoint) }),
    BuiltinFunction(name: "years_between", signature: "years_between(Date|DateTime, Date|DateTime): Integer",
                    doc: "Whole calendar years from the first to the second.", example: "years_between(@1960-06-15, @2025-06-14) = 64",
                    builtin: .yearsBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "months_between", signature: "months_between(Date|DateTime, Date|DateTime): Integer",
                    doc: "Whole calendar months.", example: "months_between(@2025-01-31, @2025-03-01) = 1", builtin: .monthsBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "weeks_between", signature: "weeks_between(Date|DateTime, Date|DateTime): Integer",
                    doc: "Whole weeks.", example: "weeks_between(@2025-01-01, @2025-01-15) = 2", builtin: .weeksBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "days_between", signature: "days_between(Date|DateTime, Date|DateTime): Integer",
                    doc: "Whole days (calendar days when either is a date).", example: "days_between(@2025-01-01, @2025-03-01) = 59",
                    builtin: .daysBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "hours_between", signature: "hours_between(DateTime, DateTime): Integer", doc: "Whole hours.",
                    example: "hours_between(@2025-01-01T00:00Z, @2025-01-02T01:30Z) = 25", builtin: .hoursBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "minutes_between", signature: "minutes_between(DateTime, DateTime): Integer", doc: "Whole minutes.",
                    example: "minutes_between(@2025-01-01T00:00Z, @2025-01-01T01:30Z) = 90", builtin: .minutesBetween, arity: 2...2, type: between),
    BuiltinFunction(name: "year", signature: "year(Date|DateTime): Integer", doc: "The calendar year.", example: "year(@2025-03-01) = 2025",
                    builtin: .year, arity: 1...1, type: between),
    BuiltinFunction(name: "month", signature: "month(Date|DateTime): Integer", doc: "The month, 1-12; null if not known.",
                    example: "month(@2025-03-01) = 3", builtin: .month, arity: 1...1, type: between),
    BuiltinFunction(name: "day", signature: "day(Date|DateTime): Integer", doc: "The day of the month; null if not known.",
                    example: "day(@2025-03-01) = 1", builtin: .day, arity: 1...1, type: between),
    BuiltinFunction(name: "date", signature: "date(Integer, Integer, Integer): Date", doc: "A date from year, month, day; null if invalid.",
                    example: "date(2025, 2, 28) = @2025-02-28", builtin: .makeDate, arity: 3...3, type: fixed([.integer, .integer, .integer], .date)),
    BuiltinFunction(name: "datetime", signature: "datetime(Integer, Integer, Integer, [hour, minute, second, ms]): DateTime",
                    doc: "A UTC date-time from its parts; its precision is the last part given.", example: "datetime(2025, 1, 1, 12) = @2025-01-01T12Z",
                    builtin: .makeDateTime, arity: 3...7, type: fixed([TypeRef](repeating: .integer, count: 7), .dateTime)),
    BuiltinFunction(name: "coalesce", signature: "coalesce(T, T, ...): T", doc: "The first non-null argument (or list item, with one list argument).",
                    example: "coalesce(null, 2, 3) = 2", builtin: .coalesce, arity: 1...16, type: { args in
                        if args.count == 1, let e = args[0].elementType { return .success(e) }
                        var t: TypeRef = .any
                        for (i, a) in args.enumerated() {
                            guard let c = TypeRef.common(t, a) else { return .failure(TypeProblem(argument: i, message: "must be \(t), not \(a)")) }
                            t = c
                        }
                        return .success(t)
                    }),
    BuiltinFunction(name: "abs", signature: "abs(Number|Quantity)", doc: "Absolute value.", example: "abs(-3) = 3",
                    builtin: .abs, arity: 1...1, type: numeric),
    BuiltinFunction(name: "round", signature: "round(Number, [Integer]): Decimal", doc: "Rounds half away from zero to the given digits (default 0).",
                    example: "round(2.345, 2) = 2.35", builtin: .round, arity: 1...2, type: fixed([.decimal, .integer], .decimal)),
    BuiltinFunction(name: "floor", signature: "floor(Number): Integer", doc: "Largest integer not above.", example: "floor(2.7) = 2",
                    builtin: .floor, arity: 1...1, type: fixed([.decimal], .integer)),
    BuiltinFunction(name: "ceiling", signature: "ceiling(Number): Integer", doc: "Smallest integer not below.", example: "ceiling(2.1) = 3",
                    builtin: .ceiling, arity: 1...1, type: fixed([.decimal], .integer)),
    BuiltinFunction(name: "upper", signature: "upper(String): String", doc: "Upper case.", example: "upper(\"ab\") = \"AB\"",
                    builtin: .upper, arity: 1...1, type: fixed([.string], .string)),
    BuiltinFunction(name: "lower", signature: "lower(String): String", doc: "Lower case.", example: "lower(\"AB\") = \"ab\"",
                    builtin: .lower, arity: 1...1, type: fixed([.string], .string)),
    BuiltinFunction(name: "length", signature: "length(String | List<T>): Integer", doc: "Characters of a string, items of a list (nulls included).",
                    example: "length(\"abc\") = 3", builtin: .length, arity: 1...1, type: { args in
                        args[0] == .string || args[0].elementType != nil ? .success(.integer)
                            : .failure(TypeProblem(argument: 0, message: "must be a String or a List, not \(args[0])"))
                    }),
    BuiltinFunction(name: "starts_with", signature: "starts_with(String, String): Boolean", doc: "Prefix test.",
                    example: "starts_with(\"E11.9\", \"E11\") = true", builtin: .startsWith, arity: 2...2, type: fixed([.string, .string], .boolean)),
    BuiltinFunction(name: "ends_with", signature: "ends_with(String, String): Boolean", doc: "Suffix test.",
                    example: "ends_with(\"abc\", \"bc\") = true", builtin: .endsWith, arity: 2...2, type: fixed([.string, .string], .boolean)),
    BuiltinFunction(name: "substring", signature: "substring(String, Integer, [Integer]): String", doc: "Characters from a 0-based start, optionally limited in length.",
                    example: "substring(\"E11.9\", 0, 3) = \"E11\"", builtin: .substring, arity: 2...3, type: fixed([.string, .integer, .integer], .string)),
    BuiltinFunction(name: "to_string", signature: "to_string(T): String", doc: "Plain text of a value.", example: "to_string(42) = \"42\"",
                    builtin: .toString, arity: 1...1, type: { _ in .success(.string) }),
    BuiltinFunction(name: "to_decimal", signature: "to_decimal(String | Number | Quantity): Decimal", doc: "A decimal; null if the text is not a number.",
                    example: "to_decimal(\"8.5\") = 8.5", builtin: .toDecimal, arity: 1...1, type: { _ in .success(.decimal) }),
    BuiltinFunction(name: "to_integer", signature: "to_integer(String | Number): Integer", doc: "An integer (decimals truncate); null if not a number.",
                    example: "to_integer(\"42\") = 42", builtin: .toInteger, arity: 1...1, type: { _ in .success(.integer) }),
    BuiltinFunction(name: "value", signature: "value(Quantity): Decimal", doc: "The number of a quantity.", example: "value(140 'mm[Hg]') = 140.0",
                    builtin: .quantityValue, arity: 1...1, type: fixed([.quantity], .decimal)),
    BuiltinFunction(name: "unit", signature: "unit(Quantity): String", doc: "The unit of a quantity.", example: "unit(140 'mm[Hg]') = \"mm[Hg]\"",
                    builtin: .quantityUnit, arity: 1...1, type: fixed([.quantity], .string)),
    BuiltinFunction(name: "quantity", signature: "quantity(Number, String): Quantity", doc: "A quantity from a number and a UCUM unit.",
                    example: "quantity(9, \"%\") = 9 '%'", builtin: .makeQuantity, arity: 2...2, type: fixed([.decimal, .string], .quantity)),
    BuiltinFunction(name: "convert", signature: "convert(Quantity, String): Quantity", doc: "The quantity in another compatible unit; null if incompatible.",
                    example: "convert(1 'kg', \"g\") = 1000 'g'", builtin: .convertUnit, arity: 2...2, type: fixed([.quantity, .string], .quantity)),
    BuiltinFunction(name: "error", signature: "error(String): Any",
                    doc: "Records an evaluation error with the message for this member (reported with the results) and gives null.",
                    example: "if count(xs) > 1 then error(\"more than one dosage\") else first(xs)", builtin: .raiseError, arity: 1...1,
                    type: fixed([.string], .any)),
    BuiltinFunction(name: "code", signature: "code(String, String): Code", doc: "A code from a system (alias or URL) and a code.",
                    example: "code(\"loinc\", \"8480-6\") ~ Systolic", builtin: .makeCode, arity: 2...2, type: fixed([.string, .string], .code)),
]

let builtinFunctionTable: [String: BuiltinFunction] = Dictionary(builtinFunctions.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
let builtinFunctionNames = builtinFunctionTable.keys

extension Checker {
    func checkBuiltinCall(_ n: String, _ args: [Typed], _ r: SourceRange, _ b: Body) -> Typed? {
        guard let f = builtinFunctionTable[n] else { return nil }
        guard f.arity.contains(args.count) else {
            let count = f.arity.lowerBound == f.arity.upperBound ? "\(f.arity.lowerBound)" : "\(f.arity.lowerBound) to \(f.arity.upperBound)"
            error("argument-count", "'\(n)' takes \(count) argument\(f.arity.upperBound == 1 ? "" : "s"), not \(args.count)", r, unit: b.unit,
                  hint: f.signature)
            return Typed(.constant(.null), .any, r)
        }
        switch f.type(args.map(\.type)) {
        case .success(let t): return Typed(.builtin(f.builtin, args), t, r)
        case .failure(let p):
            let ordinal = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh"]
            error("argument-type", "the \(ordinal[min(p.argument, 6)]) argument of '\(n)' \(p.message)", args[p.argument].range,
                  unit: b.unit, hint: f.signature)
            return Typed(.constant(.null), .any, r)
        }
    }
}
