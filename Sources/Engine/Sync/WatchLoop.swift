import Foundation

/// `--watch[=seconds]` and `--notify` (interimap(1), OPTIONS): synchronize, then wait, forever.
/// Without `--notify`, the wait is a plain sleep. With it, both servers are asked to report
/// changes to any personal mailbox (NOTIFY, RFC 5465) and the client IDLEs (RFC 2177) on both
/// until one of them reports something, or the interval passes, after which it synchronizes (and
/// the traffic keeps an idle connection from being logged out).
struct WatchLoop {
    let run: InterimapSynchronization
    let interval: Int
    let notify: Bool
    let mailboxes: [String]
    let shutdown: ShutdownSignal
    /// Called after each complete synchronization (resets the reconnection backoff).
    var onSynchronized: () -> Void = {}

    func start() throws {
        if notify { try enableNotify() }
        while !shutdown.isRequested {
            try run.synchronize(repair: false, mailboxes: mailboxes)
            onSynchronized()
            if shutdown.isRequested { break }
            if notify {
                try waitForEvents(timeout: TimeInterval(interval))
            } else {
                shutdown.sleep(TimeInterval(interval))
            }
        }
    }

    private var servers: [any MailStore] { [run.local, run.remote] }

    private func enableNotify() throws {
        let requests = try servers.map { try $0.enableNotify() }
        for request in requests { try request.wait() }
    }

    /// IDLE on both servers until one reports a change, the timeout passes, or a stop is
    /// requested; then DONE on both. One thread per server reads its responses meanwhile (each
    /// store is used by its own thread only).
    private func waitForEvents(timeout: TimeInterval) throws {
        final class ChangeSignal: @unchecked Sendable {
            let lock = NSLock(); var changed = false
            func set() { lock.lock(); changed = true; lock.unlock() }
            var value: Bool { lock.lock(); defer { lock.unlock() }; return changed }
        }
        let changed = ChangeSignal()
        let shutdown = self.shutdown
        let stores = UncheckedBox(servers)
        // Both IDLEs are sent before anything can end them.
        let idles = try servers.map { try $0.idle { changed.set(); shutdown.poke() } }
        let jobs: [@Sendable () throws -> Void] = idles.map { idle in
            let box = UncheckedBox(idle)
            return {
                // A connection lost while idling ends the other server's IDLE too, so that the
                // failure is reported (and the reconnection starts) at once.
                do { try box.value.wait() } catch { changed.set(); shutdown.poke(); throw error }
            }
        }
        let waiter = Thread {
            let deadline = Date().addingTimeInterval(timeout)
            while !changed.value && !shutdown.isRequested && Date() < deadline {
                shutdown.sleep(min(1, deadline.timeIntervalSinceNow))
            }
            for store in stores.value { store.endIdle() }
        }
        waiter.start()
        for result in ParallelWork.run(jobs) { try result.get() }
    }
}

/// Carries a non-Sendable value into a job that is the only one to use it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
