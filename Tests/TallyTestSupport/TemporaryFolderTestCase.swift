import Foundation
import XCTest

/// A test case that works in a fresh temporary folder (`folder`), removed after each test.
open class TemporaryFolderURLTestCase: XCTestCase {
    /// The test's folder: made empty before each test, removed with what it holds after it.
    public private(set) var folder: URL!

    /// How the folder's name starts, so that a folder a crashed run leaves behind says whose it is.
    open class var folderPrefix: String { "tally-tests-" }

    open override func setUpWithError() throws {
        folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(Self.folderPrefix + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    open override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }
}

/// A temporary-folder test case for code that takes paths: the folder as a path (`dir`).
open class TemporaryFolderTestCase: TemporaryFolderURLTestCase {
    /// The folder's path; a test may point it elsewhere (the folder made for it is still removed).
    public var dir: String!

    open override func setUpWithError() throws {
        try super.setUpWithError()
        dir = folder.path
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
