import Foundation

/// `--notify` on ``IMAPMailStore``: NOTIFY (RFC 5465) and IDLE (RFC 2177). A server without
/// NOTIFY is watched with IDLE on INBOX only (RFC 2177 reports on the selected mailbox), the
/// other mailboxes being looked at when the `--watch` interval ends; one without IDLE either
/// is only polled.
extension IMAPMailStore {
    /// Asks to be told of changes to any personal mailbox. MessageNew, MessageExpunge and
    /// FlagChange go together (RFC 5465 §5); for mailboxes other than the selected one the server
    /// reports STATUS changes, enough to wake up.
    func enableNotify() throws -> Pending<Void> {
        guard session.capabilities.contains(.notify) else {
            watchesInboxOnly = true
            let how = session.capabilities.contains(.idle) ? "IDLE on INBOX, and the other mailboxes are looked at" : "the mailboxes are looked at"
            log.info(name, "", "The server does not offer NOTIFY (RFC 5465): with --notify, \(how) at each --watch interval")
            return .none
        }
        let events: [NotifyEvent] = [.messageNew([]), .messageExpunge, .flagChange, .mailboxName, .subscriptionChange]
        return try command(.notifySet(status: false, groups: [NotifyEventGroup(.selected, events: [.messageNew([]), .messageExpunge, .flagChange]),
                                                               NotifyEventGroup(.personal, events: events)]), name: "NOTIFY")
    }

    /// IDLE until ``endIdle()`` is called (from any thread); `onChange` is called for every
    /// report other than a plain status response. What the server reports is routed as always.
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> {
        if watchesInboxOnly { return try idleOnInbox(onChange: onChange) }
        return try sendIdle(onChange: onChange)
    }

    private func sendIdle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> {
        let tag = try send(.idle) { answer in
            switch answer {
            case .untagged(.ok), .untagged(.no), .untagged(.bad): return false
            default: onChange(); return false
            }
        }
        idling = true
        if newsBeforeIdle { newsBeforeIdle = false; onChange() }
        return Pending {
            defer { self.idling = false }
            try self.wait(tag, command: "IDLE")
        }
    }

    /// Without NOTIFY: EXAMINE INBOX (read-only, RFC 3501 §6.3.2), IDLE there, and leave it
    /// afterwards, as the next synchronization expects no mailbox selected. Without IDLE, waits
    /// for ``endIdle()`` alone.
    private func idleOnInbox(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> {
        guard session.capabilities.contains(.idle) else {
            let ended = idleEnded
            return Pending { ended.wait() }
        }
        let view = SelectedMailbox(database: Array("INBOX".utf8), level: level)
        let examine = try send(.examine(MailboxName(wire: "INBOX")), selecting: view)
        selected = view
        try wait(examine, command: "EXAMINE")
        let idling = try sendIdle(onChange: onChange)
        return Pending {
            try idling.wait()
            try self.unselect().wait()
        }
    }

    /// Ends an IDLE (RFC 2177 §3: `DONE`). Only queues bytes for the sender thread, so another
    /// thread may call it while ``idle(onChange:)`` reads.
    func endIdle() {
        if watchesInboxOnly && !session.capabilities.contains(.idle) { idleEnded.signal(); return }
        try? session.sendIdleDone()
    }
}
