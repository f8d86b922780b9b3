import Foundation

/// `--notify` on ``IMAPMailStore``: NOTIFY (RFC 5465) and IDLE (RFC 2177).
extension IMAPMailStore {
    /// Asks to be told of changes to any personal mailbox. MessageNew, MessageExpunge and
    /// FlagChange go together (RFC 5465 §5); for mailboxes other than the selected one the server
    /// reports STATUS changes, enough to wake up.
    func enableNotify() throws -> Pending<Void> {
        guard session.capabilities.contains(.notify) else {
            throw SyncError.missingExtension(server: name, extension: "NOTIFY (needed by --notify)")
        }
        let events: [NotifyEvent] = [.messageNew([]), .messageExpunge, .flagChange, .mailboxName, .subscriptionChange]
        return try command(.notifySet(status: false, groups: [NotifyEventGroup(.selected, events: [.messageNew([]), .messageExpunge, .flagChange]),
                                                               NotifyEventGroup(.personal, events: events)]), name: "NOTIFY")
    }

    /// IDLE until ``endIdle()`` is called (from any thread); `onChange` is called for every
    /// report other than a plain status response. What the server reports is routed as always.
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> {
        let tag = try send(.idle) { answer in
            switch answer {
            case .untagged(.ok), .untagged(.no), .untagged(.bad): return false
            default: onChange(); return false
            }
        }
        idling = true
        return Pending {
            defer { self.idling = false }
            try self.wait(tag, command: "IDLE")
        }
    }

    /// Ends an IDLE (RFC 2177 §3: `DONE`). Only queues bytes for the sender thread, so another
    /// thread may call it while ``idle(onChange:)`` reads.
    func endIdle() {
        try? session.sendRaw(CommandEncoder.idleDone, logAs: "DONE")
    }
}
