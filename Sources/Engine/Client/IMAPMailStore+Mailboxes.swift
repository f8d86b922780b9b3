import Foundation

/// The mailbox operations of ``IMAPMailStore``: LIST-EXTENDED (RFC 5258) with LIST-STATUS
/// (RFC 5819), STATUS, CREATE, DELETE, RENAME, SUBSCRIBE.
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

    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]> {
        let withStatus = session.capabilities.contains(.listStatus)
        var returns: [ListReturnOption] = [.subscribed]
        // MESSAGES only sizes the progress line; the other three say whether anything changed.
        if withStatus { returns.append(.status([.messages, .uidValidity, .uidNext, .highestModSeq])) }
        var listed: [String: ListedMailbox] = [:]
        var order: [String] = []
        var statuses: [String: MailboxStatus] = [:]
        let done = try command(.list(reference: MailboxName(wire: ""), patterns: patterns.map { MailboxName(wire: $0) },
                                     selectionOptions: selection, returnOptions: returns), name: "LIST") { answer in
            switch answer {
            case .untagged(.list(let listing)):
                let wire = listing.name.wireString
                if listed[wire] == nil { order.append(wire) }
                if let d = listing.delimiter { self.naming.delimiter = d }
                listed[wire] = ListedMailbox(wireName: wire, database: [], attributes: listing.attributes, status: nil)
                return true
            case .untagged(.status(let mailbox, let status)):
                statuses[mailbox.wireString] = status
                return true
            default:
                return false
            }
        }
        return Pending {
            try done.wait()
            var mailboxes: [ListedMailbox] = []
            for wire in order {
                guard var mailbox = listed[wire], mailbox.isSelectable else { continue }
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

    /// Without LIST-STATUS (the server has NOTIFY instead), STATUS each mailbox, pipelined.
    private func fetchStatuses(_ mailboxes: inout [ListedMailbox]) throws {
        var statuses: [String: MailboxStatus] = [:]
        let pendings = try mailboxes.map { m in
            try command(.status(MailboxName(wire: m.wireName), items: [.messages, .uidValidity, .uidNext, .highestModSeq]), name: "STATUS") { answer in
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
