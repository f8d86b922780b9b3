import Foundation

/// SIGINT and SIGTERM while watching: finish the step under way (so the database records a
/// consistent state), log out, and exit with success. A second signal exits at once; the
/// database stays consistent anyway, since each step is one transaction.
final class ShutdownSignal: @unchecked Sendable {
    // `condition` protects `requested`.
    private let condition = NSCondition()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.receive(sig) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for s in sources { s.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    private func receive(_ sig: Int32) {
        condition.lock()
        let second = requested
        requested = true
        condition.broadcast()
        condition.unlock()
        if second { exit(128 + sig) }
    }

    var isRequested: Bool { condition.lock(); defer { condition.unlock() }; return requested }

    /// Sleeps up to `seconds`; returns early (true) when a stop is requested.
    @discardableResult
    func sleep(_ seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock(); defer { condition.unlock() }
        while !requested && Date() < deadline { _ = condition.wait(until: deadline) }
        return requested
    }

    /// Wakes a `sleep` as a signal would, without requesting a stop (used by event waiters).
    func poke() { condition.lock(); condition.broadcast(); condition.unlock() }
}
