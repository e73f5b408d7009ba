import Foundation
import XCTest

/// A test case that works in a fresh temporary folder (`dir`), removed after each test.
open class TemporaryFolderTestCase: XCTestCase {
    public var dir: String!

    open override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "tally-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Writes a file (text as given: tests choose their line ends) under the temporary folder,
    /// making the folders on its path, and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let path = (dir as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
