import Foundation

/// Named points where a simulated crash (SIGKILL of the process) can be requested, so that
/// scenario files can prove that an interruption at any of them loses nothing and duplicates
/// nothing. Armed with the environment variable `INTERIMAP_CRASH_AT=NAME[:N]`: the N-th time
/// (default 1st) the program reaches NAME, it kills itself with SIGKILL, exactly as an external
/// `kill -9` would: no cleanup, no flush, no unlock beyond what the kernel does.
///
/// The names, grouped by program:
/// - interimap: `database-commit-before`, `database-commit-after` (each transaction),
///   `fetch-after-message` (during `UID FETCH` of new messages, after N messages),
///   `append-after-message` (after an APPEND completed, before its mapping is stored),
///   `append-batch-middle` (between two APPENDs of a batch), `flags-store` (during flag
///   propagation, after a STORE), `expunge-store` (during expunge propagation, after the STORE
///   of `\Deleted` and before UID EXPUNGE).
/// - pullimap: `pull-delivered-before-statefile` (after the receiver accepted a message, before
///   its UID is appended), `pull-statefile-appended`, `pull-seen-store` (during the `\Seen`
///   STORE), `pull-before-uidnext`, `pull-before-truncate`; and per delivery method
///   `maildir-tmp-written` (the message fsynced in `tmp/`, not yet renamed into `new/`),
///   `mbox-written` (appended to the mbox, not yet fsynced), `mda-running` (the MDA has the
///   whole message on its input and has not exited yet).
public enum CrashPoint {
    /// The armed point, read once from the environment.
    private static let armed: (name: String, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["INTERIMAP_CRASH_AT"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: ":", maxSplits: 1)
        let count = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return (String(parts[0]), max(1, count))
    }()

    private static let counter = Counter()

    private final class Counter: @unchecked Sendable {
        // `lock` protects `hits`.
        let lock = NSLock()
        var hits = 0
        func increment() -> Int { lock.lock(); defer { lock.unlock() }; hits += 1; return hits }
    }

    /// Marks that the program reached `name`; kills the process if this is the armed point.
    @inline(__always)
    public static func reached(_ name: String) {
        guard let armed, armed.name == name else { return }
        if counter.increment() == armed.count {
            kill(getpid(), SIGKILL)
        }
    }
}
