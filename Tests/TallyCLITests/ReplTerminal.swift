import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The pty functions of <stdlib.h> that the Glibc module does not export (they need
// _XOPEN_SOURCE); declared here for the tests only.
@_silgen_name("posix_openpt") private func pty_posix_openpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func pty_grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func pty_unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname_r") private func pty_ptsname_r(_ fd: Int32, _ buffer: UnsafeMutablePointer<CChar>, _ length: Int) -> Int32

/// Runs the real `tally` in a pseudo-terminal, as a person at a terminal would: the child is a
/// session leader whose controlling terminal is the pty, so Ctrl-C raises SIGINT, the line
/// editor is active, and the window has a size.
///
/// Tests type bytes and wait until expected text appears in what the terminal shows (escape
/// sequences, carriage returns and bells removed). Waits have generous timeouts and never
/// serve as assertions about time.
final class ReplTerminal {
    let pid: pid_t
    let master: Int32
    /// Everything read from the terminal so far.
    private(set) var raw: [UInt8] = []
    /// How much of the cleaned output earlier `expect`s have consumed.
    private var consumed = 0
    /// What the last `expect` consumed: the output since the one before, up to the text waited for.
    private(set) var lastOutput = ""

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `executable` with `arguments` in `cwd`, with `environment` added to a minimal one.
    init(_ executable: String, _ arguments: [String], cwd: String, environment: [String: String]) throws {
        let m = pty_posix_openpt(O_RDWR | O_NOCTTY)
        guard m >= 0, pty_grantpt(m) == 0, pty_unlockpt(m) == 0 else { throw Failure(description: "cannot open a pseudo-terminal") }
        var nameBuffer = [CChar](repeating: 0, count: 256)
        guard pty_ptsname_r(m, &nameBuffer, nameBuffer.count) == 0 else { throw Failure(description: "ptsname_r failed") }
        let slavePath = String(cString: nameBuffer)
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(m, UInt(TIOCSWINSZ), &size)
        master = m

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Opened after setsid() without O_NOCTTY, the terminal becomes the child's controlling terminal.
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        posix_spawn_file_actions_addclose(&actions, m)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        #if os(Linux)
        let setsid: Int32 = 0x80  // POSIX_SPAWN_SETSID (glibc 2.26+; not exported by the Glibc module)
        #else
        let setsid: Int32 = 0x400  // POSIX_SPAWN_SETSID on Darwin
        #endif
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) | Int16(setsid))

        var env = ["TERM": "xterm", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        for (k, v) in environment { env[k] = v }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        // posix_spawn has no portable chdir action: go through /bin/sh, which execs tally.
        let shell = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd, executable] + arguments
        let argv = shell.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp)
        guard rc == 0 else { throw Failure(description: "posix_spawn failed: \(rc)") }
        pid = child
        let flags = fcntl(m, F_GETFL)
        _ = fcntl(m, F_SETFL, flags | O_NONBLOCK)
    }

    deinit {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(master)
    }

    /// Types text (bytes as given: "\r" is Enter, "\u{03}" Ctrl-C, "\u{04}" Ctrl-D).
    func type(_ text: String) {
        var bytes = Array(text.utf8)
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n > 0 { bytes.removeFirst(n) } else if errno != EAGAIN && errno != EINTR { return } else { usleep(1000) }
        }
    }

    static let up = "\u{1B}[A"
    static let ctrlA = "\u{01}"
    static let ctrlC = "\u{03}"
    static let ctrlD = "\u{04}"
    static let tab = "\t"

    /// Reads what is available for up to `seconds`.
    @discardableResult
    func pump(_ seconds: Double) -> Bool {
        var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let r = poll(&fds, 1, Int32(seconds * 1000))
        guard r > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = read(master, &buffer, buffer.count)
        if n > 0 {
            raw += buffer[0..<n]
            return true
        }
        return false
    }

    /// The terminal's output with escape sequences, carriage returns and bells removed.
    var screen: String {
        ReplTerminal.clean(raw)
    }

    static func clean(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B {
                // CSI: ESC [ params final; other escapes: ESC and one byte.
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "[") {
                    i += 2
                    while i < bytes.count, !(0x40...0x7E).contains(bytes[i]) { i += 1 }
                    i += 1
                } else {
                    i += 2
                }
                continue
            }
            if b == 0x0D || b == 0x07 || b == 0x08 { i += 1; continue }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Waits until `text` appears in the output after what earlier waits consumed, and
    /// consumes up to its end.
    func expect(_ text: String, timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let s = screen
            let start = s.index(s.startIndex, offsetBy: min(consumed, s.count))
            if let r = s[start...].range(of: text) {
                lastOutput = String(s[start..<r.upperBound])
                consumed = s.distance(from: s.startIndex, to: r.upperBound)
                return
            }
            if Date() > deadline {
                XCTFail("timed out waiting for \(text.debugDescription); the terminal shows:\n\(s[start...])", file: file, line: line)
                throw Failure(description: "timed out waiting for \(text.debugDescription)")
            }
            pump(0.2)
        }
    }

    /// Waits for the child to exit and returns its status.
    func waitForExit(timeout: Double = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            pump(0.05)
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                // WIFEXITED / WEXITSTATUS, spelled out (the macros are not imported).
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -(status & 0x7F)
            }
        }
        let r = waitpid(pid, &status, WNOHANG)
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "?"
        throw Failure(description: "tally did not exit (waitpid \(r), errno \(errno), /proc: \(state)); the terminal shows:\n\(screen)")
    }
}
