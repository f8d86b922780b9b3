import Foundation

/// The mailbox operations of ``IMAPMailStore``: LIST-EXTENDED (RFC 5258) with LIST-STATUS
/// (RFC 5819), or LIST and LSUB (RFC 3501) where the server has no LIST-EXTENDED; STATUS,
/// CREATE, DELETE, RENAME, SUBSCRIBE.
extension IMAPMailStore {
    func learnDelimiter() throws -> Pending<Character?> {
        let delimiter = Box<Character?>(nil)
        let done = try command(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "")]), name: "LIST") { answer in
            guard case .untagged(.list(let listing)) = answer else { return false }
            delimiter.value = listing.delimiter
            return true
        }
        return Pending {
            try done.wait()
            self.naming.delimiter = delimiter.value
            self.log.debug(self.name, "", "Using \"\(delimiter.value.map(String.init) ?? "NIL")\" as hierarchy delimiter")
            return delimiter.value
        }
    }

    /// MESSAGES only sizes the progress line (and, below QRESYNC, shows expunges); the others say
    /// whether anything changed. HIGHESTMODSEQ needs CONDSTORE (RFC 7162 §3.1.1).
    private var statusItems: [StatusItem] {
        level == .plain ? [.messages, .uidValidity, .uidNext] : [.messages, .uidValidity, .uidNext, .highestModSeq]
    }

    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]> {
        let extended = session.capabilities.contains(.listExtended)
        let withStatus = extended && session.capabilities.contains(.listStatus)
        var listed: [String: ListedMailbox] = [:]
        var order: [String] = []
        var statuses: [String: MailboxStatus] = [:]
        var subscribed = Set<String>()
        let claim: (Answer) throws -> Bool = { answer in
            switch answer {
            case .untagged(.list(let listing)):
                let wire = listing.name.wireString
                if listed[wire] == nil { order.append(wire) }
                if let d = listing.delimiter { self.naming.delimiter = d }
                listed[wire] = ListedMailbox(wireName: wire, database: [], attributes: listing.attributes, status: nil)
                return true
            case .untagged(.lsub(let listing)):
                subscribed.insert(listing.name.wireString)
                return true
            case .untagged(.status(let mailbox, let status)):
                statuses[mailbox.wireString] = status
                return true
            default:
                return false
            }
        }
        let reference = MailboxName(wire: "")
        var pendings: [Pending<Void>]
        if extended {
            var returns: [ListReturnOption] = [.subscribed]
            if withStatus { returns.append(.status(statusItems)) }
            pendings = [try command(.list(reference: reference, patterns: patterns.map { MailboxName(wire: $0) },
                                          selectionOptions: selection, returnOptions: returns), name: "LIST", claiming: claim)]
        } else {
            // RFC 3501 §6.3.8-9: one pattern per command, subscriptions by LSUB; all pipelined.
            pendings = try patterns.map { try command(.list(reference: reference, patterns: [MailboxName(wire: $0)]), name: "LIST", claiming: claim) }
            pendings += try patterns.map { try command(.lsub(reference: reference, pattern: MailboxName(wire: $0)), name: "LSUB", claiming: claim) }
        }
        let onlySubscribed = !extended && selection.contains(.subscribed)
        return Pending {
            for p in pendings { try p.wait() }
            var mailboxes: [ListedMailbox] = []
            for wire in order {
                guard var mailbox = listed[wire], mailbox.isSelectable else { continue }
                if !extended {
                    if subscribed.contains(wire) { mailbox.attributes.append(.subscribed) } else if onlySubscribed { continue }
                }
                do { mailbox.database = try self.naming.databaseName(wire: wire) } catch {
                    self.log.warning(self.name, "", "Ignoring mailbox \(wire): \(error)")
                    continue
                }
                mailbox.status = statuses[wire]
                mailboxes.append(mailbox)
            }
            if !withStatus { try self.fetchStatuses(&mailboxes) }
            return mailboxes
        }
    }

    /// Without LIST-STATUS, STATUS each mailbox, every command sent at once (one round trip).
    private func fetchStatuses(_ mailboxes: inout [ListedMailbox]) throws {
        var statuses: [String: MailboxStatus] = [:]
        let pendings = try mailboxes.map { m in
            try command(.status(MailboxName(wire: m.wireName), items: statusItems), name: "STATUS") { answer in
                guard case .untagged(.status(let mailbox, let status)) = answer else { return false }
                statuses[mailbox.wireString] = status
                return true
            }
        }
        for p in pendings { try p.wait() }
        for i in mailboxes.indices { mailboxes[i].status = statuses[mailboxes[i].wireName] }
    }

    func exists(_ mailbox: [UInt8]) throws -> Pending<Bool> {
        let wire = try wireName(mailbox)
        let found = Box(false)
        let done = try command(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: wire)]), name: "LIST") { answer in
            guard case .untagged(.list(let listing)) = answer else { return false }
            if listing.name.wireString == wire && !listing.attributes.contains(.nonExistent) { found.value = true }
            return true
        }
        return done.map { found.value }
    }

    func create(_ mailbox: [UInt8]) throws -> Pending<Void> {
        try command(.create(MailboxName(wire: try wireName(mailbox))), name: "CREATE")
    }

    func delete(_ mailbox: [UInt8]) throws -> Pending<Void> {
        try command(.delete(MailboxName(wire: try wireName(mailbox))), name: "DELETE")
    }

    func rename(_ mailbox: [UInt8], to newName: [UInt8]) throws -> Pending<Void> {
        try command(.rename(from: MailboxName(wire: try wireName(mailbox)), to: MailboxName(wire: try wireName(newName))), name: "RENAME")
    }

    func setSubscribed(_ mailbox: [UInt8], _ subscribed: Bool) throws -> Pending<Void> {
        let wire = MailboxName(wire: try wireName(mailbox))
        return try command(subscribed ? .subscribe(wire) : .unsubscribe(wire), name: subscribed ? "SUBSCRIBE" : "UNSUBSCRIBE")
    }
}
