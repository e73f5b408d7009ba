import Foundation

/// How a finished process ended and what it wrote.
public struct ProcessRun {
    public var status: Int32
    public var reason: Process.TerminationReason
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` to its end with an empty stdin, in `cwd` and with `environment` when given
/// (else this process's). stdout and stderr go to files, so a full pipe never blocks the child.
public func runProcess(_ executable: URL, _ arguments: [String], in cwd: URL? = nil,
                       environment: [String: String]? = nil) throws -> ProcessRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = cwd }
    if let environment { process.environment = environment }
    let capture = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("tally-run-" + UUID().uuidString)
    let outURL = capture.appendingPathExtension("out"), errURL = capture.appendingPathExtension("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    return ProcessRun(status: process.terminationStatus, reason: process.terminationReason,
                      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}
