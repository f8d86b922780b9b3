import Engine
import Foundation

/// Everything the fake store holds, as a value: mailboxes by identity, the subscription list and
/// the counters that must never go back (UIDVALIDITY and mailbox identities).
///
/// Mailbox names are Unicode; the wire form (modified UTF-7) is the session's business.
/// Subscriptions are names, not mailboxes: RFC 3501 §6.3.6 lets a name stay subscribed after its
/// mailbox is gone.
struct StoreState: Sendable, Equatable {
    var delimiter: Character
    var mailboxes: [UInt64: FakeMailbox] = [:]
    var subscriptions: Set<String> = []
    var nextUIDValidity: UInt32
    var nextMailboxID: UInt64 = 1

    init(delimiter: Character, firstUIDValidity: UInt32) {
        self.delimiter = delimiter
        self.nextUIDValidity = max(1, firstUIDValidity)
        _ = try? createMailbox("INBOX")
    }

    // MARK: Names

    /// INBOX is case-insensitive (RFC 3501 §5.1), and so is the `INBOX` level of its children
    /// here, as dovecot treats it; a trailing delimiter is dropped (RFC 3501 §6.3.3).
    func canonicalName(_ name: String) -> String {
        var n = name
        let d = String(delimiter)
        while n.count > 1 && n.hasSuffix(d) { n.removeLast() }
        if n.uppercased() == "INBOX" { return "INBOX" }
        if n.count > 6, n.prefix(6).uppercased() == "INBOX" + d { return "INBOX" + n.dropFirst(5) }
        return n
    }

    func validate(_ name: String) throws {
        let d = String(delimiter)
        if name.isEmpty || name.hasPrefix(d) || name.contains(d + d) || name.contains("*") || name.contains("%")
            || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw FakeStoreError.invalidName(name)
        }
    }

    func id(of name: String) -> UInt64? {
        let n = canonicalName(name)
        return mailboxes.first(where: { $0.value.name == n })?.key
    }

    func mailbox(named name: String) -> FakeMailbox? { id(of: name).flatMap { mailboxes[$0] } }

    /// Names in LIST order: INBOX first, then by name.
    var sortedMailboxes: [FakeMailbox] {
        mailboxes.values.sorted { a, b in
            if a.name == "INBOX" { return b.name != "INBOX" }
            if b.name == "INBOX" { return false }
            return a.name < b.name
        }
    }

    /// Whether any mailbox lies below `name` in the hierarchy.
    func hasChildren(_ name: String) -> Bool {
        let prefix = name + String(delimiter)
        return mailboxes.values.contains { $0.name.hasPrefix(prefix) }
    }

    // MARK: Changes

    @discardableResult
    mutating func createMailbox(_ rawName: String) throws -> FakeMailbox {
        let name = canonicalName(rawName)
        try validate(name)
        if id(of: name) != nil { throw FakeStoreError.mailboxExists(name) }
        let box = FakeMailbox(id: nextMailboxID, name: name, uidValidity: nextUIDValidity)
        nextMailboxID += 1
        nextUIDValidity = nextUIDValidity == UInt32.max ? 1 : nextUIDValidity + 1
        mailboxes[box.id] = box
        return box
    }

    /// RFC 3501 §6.3.4: the mailbox goes; its children stay (the name then appears as a
    /// `\Noselect` level). INBOX cannot be deleted.
    mutating func deleteMailbox(_ rawName: String) throws {
        let name = canonicalName(rawName)
        if name == "INBOX" { throw FakeStoreError.cannotDeleteInbox }
        guard let id = id(of: name) else { throw FakeStoreError.noSuchMailbox(name) }
        mailboxes[id] = nil
    }

    /// RFC 3501 §6.3.5: renames the mailbox and every mailbox below it. Renaming INBOX moves its
    /// messages to a new mailbox and leaves INBOX empty. Subscriptions follow the rename, as
    /// dovecot does.
    mutating func renameMailbox(_ rawFrom: String, to rawTo: String) throws {
        let from = canonicalName(rawFrom), to = canonicalName(rawTo)
        try validate(to)
        guard let fromID = id(of: from) else { throw FakeStoreError.noSuchMailbox(from) }
        if id(of: to) != nil { throw FakeStoreError.mailboxExists(to) }
        let d = String(delimiter)
        if to.hasPrefix(from + d) { throw FakeStoreError.renameIntoItself(to) }
        if from == "INBOX" {
            var target = try createMailbox(to)
            guard var inbox = mailboxes[fromID] else { throw FakeStoreError.noSuchMailbox(from) }
            let moved = inbox.messages
            target.messages = moved.map { m in var m = m; m.modSeq = 2; return m }
            target.uidNext = (moved.last?.uid ?? 0) + 1
            target.highestModSeq = moved.isEmpty ? 1 : 2
            target.keywords = inbox.keywords
            let modSeq = inbox.nextModSeq()
            for m in moved { inbox.expunged.append(ExpungedUID(uid: m.uid, modSeq: modSeq)) }
            inbox.messages = []
            mailboxes[fromID] = inbox
            mailboxes[target.id] = target
            return
        }
        for (id, box) in mailboxes where box.name == from || box.name.hasPrefix(from + d) {
            var b = box
            b.name = to + box.name.dropFirst(from.count)
            mailboxes[id] = b
        }
        for s in subscriptions where s == from || s.hasPrefix(from + d) {
            subscriptions.remove(s)
            subscriptions.insert(to + s.dropFirst(from.count))
        }
    }

    mutating func withMailbox<T>(_ rawName: String, _ body: (inout FakeMailbox) throws -> T) throws -> T {
        let name = canonicalName(rawName)
        guard let id = id(of: name), var box = mailboxes[id] else { throw FakeStoreError.noSuchMailbox(name) }
        let result = try body(&box)
        mailboxes[id] = box
        return result
    }

    mutating func withMailbox<T>(id: UInt64, _ body: (inout FakeMailbox) throws -> T) rethrows -> T? {
        guard var box = mailboxes[id] else { return nil }
        let result = try body(&box)
        mailboxes[id] = box
        return result
    }

    /// A fresh UIDVALIDITY from the store's counter, for a mailbox whose UIDs are reset.
    mutating func takeUIDValidity() -> UInt32 {
        let v = nextUIDValidity
        nextUIDValidity = nextUIDValidity == UInt32.max ? 1 : nextUIDValidity + 1
        return v
    }
}
