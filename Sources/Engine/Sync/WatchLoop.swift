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

    func start() throws {
        if notify { try enableNotify() }
        while !shutdown.isRequested {
            try run.synchronize(repair: false, mailboxes: mailboxes)
            if shutdown.isRequested { break }
            if notify {
                try waitForEvents(timeout: TimeInterval(interval))
            } else {
                shutdown.sleep(TimeInterval(interval))
            }
        }
    }

    private var servers: [SyncServer] { [run.local, run.remote].compactMap { $0 } }

    private func enableNotify() throws {
        for server in servers {
            guard server.session.capabilities.contains("NOTIFY") else {
                throw SyncError.missingExtension(server: server.name, extension: "NOTIFY (needed by --notify)")
            }
        }
        // MessageNew, MessageExpunge and FlagChange go together (RFC 5465 §5); for mailboxes
        // other than the selected one the server reports STATUS changes, enough to wake up.
        let events: [NotifyEvent] = [.messageNew([]), .messageExpunge, .flagChange, .mailboxName, .subscriptionChange]
        let command = Command.notifySet(status: false, groups: [NotifyEventGroup(.selected, events: [.messageNew([]), .messageExpunge, .flagChange]),
                                                                NotifyEventGroup(.personal, events: events)])
        let tags = try servers.map { try $0.send(command) }
        for (server, tag) in zip(servers, tags) { _ = try server.wait(tag, command: "NOTIFY") }
    }

    /// IDLE on both servers until one reports a change, the timeout passes, or a stop is
    /// requested; then DONE on both. One thread per server reads its responses meanwhile.
    private func waitForEvents(timeout: TimeInterval) throws {
        final class ChangeSignal: @unchecked Sendable {
            let lock = NSLock(); var changed = false
            func set() { lock.lock(); changed = true; lock.unlock() }
            var value: Bool { lock.lock(); defer { lock.unlock() }; return changed }
        }
        let changed = ChangeSignal()
        let shutdown = self.shutdown
        var tags: [String] = []
        for server in servers { tags.append(try server.send(.idle)) }
        let jobs: [@Sendable () throws -> Void] = zip(servers, tags).map { server, tag in
            let box = UncheckedBox((server, tag))
            return {
                let (server, tag) = box.value
                let response = try server.session.waitForCompletion(of: tag) { event in
                    switch event {
                    case .untagged(.ok), .untagged(.no), .untagged(.bad): break
                    default: changed.set(); shutdown.poke()
                    }
                } onContinuation: { _ in }  // "+ idling"
                _ = try server.session.check(response, command: "IDLE")
            }
        }
        let sessions = UncheckedBox(servers.map(\.session))
        let waiter = Thread {
            let deadline = Date().addingTimeInterval(timeout)
            while !changed.value && !shutdown.isRequested && Date() < deadline {
                shutdown.sleep(min(1, deadline.timeIntervalSinceNow))
            }
            // IMAPSession.sendRaw only queues bytes for the session's sender thread.
            for session in sessions.value { try? session.sendRaw(CommandEncoder.idleDone, logAs: "DONE") }
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
