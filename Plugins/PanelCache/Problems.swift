import TallyEngine

/// Every way a panel cache can be refused, as the `Rejection` a load throws (the command line
/// prints it as `error: FILE: MESSAGE` and exits 3). Each message says what is wrong and, when
/// rebuilding helps, to re-run `tally import`.
enum CacheProblem {
    static let rebuild = "re-run `tally import` to rebuild it"

    static func notACache(_ path: String) -> Rejection {
        Rejection(file: path, code: "not-a-panel-cache",
                  message: "not a Tally panel cache (it does not start with the bytes TALLYPNL); give a panel folder or a file written by `tally import`")
    }

    static func unreadable(_ path: String, _ reason: String) -> Rejection {
        Rejection(file: path, code: "unreadable", message: "cannot read the panel cache: \(reason)")
    }

    static func version(_ path: String, _ found: UInt32) -> Rejection {
        Rejection(file: path, code: "panel-cache-version",
                  message: "the panel cache has format version \(found), this tally reads version \(CacheFormat.version); \(rebuild)")
    }

    static func truncated(_ path: String, expected: UInt64, actual: Int) -> Rejection {
        Rejection(file: path, code: "panel-cache-truncated",
                  message: "the panel cache is truncated: it has \(actual) bytes, its header says \(expected); \(rebuild)")
    }

    static func truncatedHeader(_ path: String, actual: Int) -> Rejection {
        Rejection(file: path, code: "panel-cache-truncated",
                  message: "the panel cache is truncated: it has \(actual) bytes, less than its \(CacheFormat.headerSize)-byte header; \(rebuild)")
    }

    static func schema(_ path: String) -> Rejection {
        Rejection(file: path, code: "panel-cache-schema",
                  message: "the panel cache was written for another version of the record schema; \(rebuild)")
    }

    static func corrupt(_ path: String, _ what: String, offset: UInt64, _ reason: String) -> Rejection {
        Rejection(file: path, code: "panel-cache-corrupt",
                  message: "the panel cache is corrupt: \(what) at byte \(offset): \(reason); \(rebuild)")
    }

    static func checksum(_ path: String, block: Int, of blocks: Int, offset: UInt64, length: UInt64) -> Rejection {
        Rejection(file: path, code: "panel-cache-checksum",
                  message: "the panel cache is corrupt: block \(block) of \(blocks) (bytes \(offset)..<\(offset + length)) fails its checksum; \(rebuild)")
    }

    static func sectionChecksum(_ path: String, _ section: String, offset: UInt64) -> Rejection {
        Rejection(file: path, code: "panel-cache-checksum",
                  message: "the panel cache is corrupt: the \(section) at byte \(offset) fails its checksum; \(rebuild)")
    }

    static func stale(_ path: String, _ changes: [String]) -> Rejection {
        let more = changes.count > 1 ? " (and \(changes.count - 1) more source file\(changes.count == 2 ? "" : "s"))" : ""
        return Rejection(file: path, code: "stale-panel-cache",
                         message: "the panel cache is stale: \(changes[0]) since `tally import` wrote it\(more); re-run `tally import` to refresh it")
    }

    static func changedDuringImport(_ path: String, _ what: String) -> Rejection {
        Rejection(file: path, code: "source-changed",
                  message: "\(what) while `tally import` was reading it; run `tally import` again once it is complete")
    }
}
