import XCTest

/// What `body` throws, as an `E`; fails the test, and returns nil, when it throws nothing or
/// throws something else.
///
///     let r = thrown(Rejection.self) { try loader.load(path: dir, options: LoadOptions(strict: true)) }
public func thrown<E: Error>(_ type: E.Type, file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Void) -> E? {
    do {
        try body()
        XCTFail("expected a \(E.self) to be thrown; nothing was", file: file, line: line)
    } catch let e as E {
        return e
    } catch {
        XCTFail("expected a \(E.self) to be thrown, got \(error)", file: file, line: line)
    }
    return nil
}
