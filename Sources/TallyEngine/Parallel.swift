import Dispatch
import Foundation

/// Runs work for indexes 0..<count on up to `threads` threads, each taking the next index when it
/// is free, so at most `threads` items are in flight. After a failure no new index starts; the
/// error of the lowest failing index is thrown once every started item has finished.
///
///     let sizes = try Parallel.map(files.count, threads: 2) { i in try size(of: files[i]) }
public enum Parallel {
    public static func forEach(_ count: Int, threads: Int, _ work: @escaping (Int) throws -> Void) throws {
        let state = State()
        let n = max(1, min(threads, count))
        let worker: (Int) -> Void = { _ in
            while let i = state.next(count) {
                do { try work(i) } catch { state.fail(i, error) }
            }
        }
        if n == 1 { worker(0) } else { DispatchQueue.concurrentPerform(iterations: n, execute: worker) }
        if let error = state.error { throw error }
    }

    /// The results of `work` for 0..<count, in index order.
    public static func map<R>(_ count: Int, threads: Int, _ work: @escaping (Int) throws -> R) throws -> [R] {
        let results = Slots<R>(count: count)
        try forEach(count, threads: threads) { i in results.set(i, try work(i)) }
        return results.take().map { $0! }
    }

    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var nextIndex = 0
        private var failedAt = Int.max
        private(set) var error: Error?

        func next(_ count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard error == nil, nextIndex < count else { return nil }
            nextIndex += 1
            return nextIndex - 1
        }

        func fail(_ i: Int, _ e: Error) {
            lock.lock()
            defer { lock.unlock() }
            if i < failedAt {
                failedAt = i
                error = e
            }
        }
    }
}

/// Results filled by index from several threads.
public final class Slots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]

    public init(count: Int) { items = [T?](repeating: nil, count: count) }

    public func set(_ i: Int, _ value: T) {
        lock.lock()
        items[i] = value
        lock.unlock()
    }

    /// Takes the results out, in index order.
    public func take() -> [T?] {
        lock.lock()
        defer { lock.unlock() }
        let out = items
        items = []
        return out
    }
}
