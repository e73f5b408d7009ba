import Foundation

/// A progress bar on standard error for runs longer than about two seconds: members done, rate,
/// and time left. Nothing is drawn when standard error is not a terminal.
///
/// `TALLY_PROGRESS_AFTER` (seconds, default 2) sets how long a run goes before the bar appears.
final class ProgressBar: @unchecked Sendable {
    /// Nil until it is known; a panel loaded in parts gives an estimate as its parts arrive.
    private var total: Int?
    let start = Date()
    private let delay: TimeInterval
    private let lock = NSLock()
    private var drawn = false
    private var lastDraw = Date.distantPast

    /// Nil when standard error is not a terminal (or there is nothing to do).
    init?(total: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard isatty(STDERR_FILENO) == 1, total ?? 1 > 0 else { return nil }
        self.total = total
        delay = environment["TALLY_PROGRESS_AFTER"].flatMap(TimeInterval.init).map { max(0, $0) } ?? 2
    }

    /// Sets (or re-estimates) the number of members the run will evaluate.
    func expect(_ total: Int) {
        lock.lock()
        self.total = max(1, total)
        lock.unlock()
    }

    func update(_ done: Int) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        guard elapsed >= delay, now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        drawn = true
        FileHandle.standardError.write(Data(Self.line(done: done, total: total, elapsed: elapsed).utf8))
    }

    /// The bar as drawn (from the start of the line): with a total, a 30-character bar, members
    /// done of the total, the rate and the time left; without one, members done and the rate.
    static func line(done: Int, total: Int?, elapsed: TimeInterval) -> String {
        let rate = Double(done) / max(elapsed, 0.001)
        guard let total else { return String(format: "\r%d members, %.0f/s ", done, rate) }
        let left = rate > 0 ? Double(max(0, total - done)) / rate : 0
        let width = 30
        let filled = max(0, min(width, width * done / total))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return String(format: "\r[%@] %d/%d members, %.0f/s, %.0fs left ", bar, done, total, rate, left)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
