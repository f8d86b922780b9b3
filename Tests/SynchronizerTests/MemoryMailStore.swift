@testable import Engine
import Foundation

/// A mail store in memory that answers the sync engine as a QRESYNC server would (RFC 7162):
/// per-message mod-sequences, expunges remembered with theirs for VANISHED (EARLIER), changes
/// made by "another client" reported to the selected mailbox as they happen. With a lower
/// `level` it answers as a CONDSTORE server (CHANGEDSINCE, no reports of its own) or a plain one
/// (no mod-sequences at all). It is written from
/// the RFCs, independently of the IMAP store, so that the synchronizer's rules can be checked
/// in-process with exact interleavings (`hooks`).
final class MemoryMailStore: MailStore {
    struct Message: Equatable {
        var uid: UInt32
        var flags: [Flag]
        var modSeq: UInt64
        var date: InternalDate?
        var body: [UInt8]
    }

    final class Mailbox {
        var uidValidity: UInt32
        var uidNext: UInt32 = 1
        var highestModSeq: UInt64 = 1
        var messages: [UInt32: Message] = [:]
        /// Expunged UIDs with the mod-sequence of their expunge.
        var expunged: [(uid: UInt32, modSeq: UInt64)] = []
        var subscribed = false
        var noModSeq = false
        init(uidValidity: UInt32) { self.uidValidity = uidValidity }

        var sortedUIDs: [UInt32] { messages.keys.sorted() }
    }

    let side: SyncDatabase.Side
    var naming: MailboxNaming
    var mailboxes: [[UInt8]: Mailbox] = [:]
    private(set) var selected: SelectedMailbox?
    private var nextValidity: UInt32

    /// Every operation, in order (`select INBOX`, `append INBOX 2`, `setFlags 3:4`...).
    private(set) var operations: [String] = []
    /// Called with each operation's name before it runs: scripted interleavings.
    var beforeOperation: ((String) -> Void)?
    /// Called after the cursor of `fetchMessages` handed over each message.
    var afterFetchedMessage: ((UInt32) -> Void)?
    /// Answer FETCH in descending UID order (servers may use any order, RFC 3501 §7.4.2).
    var fetchInReverseOrder = false
    /// APPEND succeeds but says nothing of the new UIDs (no APPENDUID).
    var withholdAppendUID = false
    var appendBatchLimit = 128
    /// The server support it plays.
    var level = SyncLevel.qresync
    /// Called with a mailbox just selected: reports a server may add to its SELECT answer.
    var reportOnSelect: ((SelectedMailbox) -> Void)?

    init(side: SyncDatabase.Side, delimiter: Character? = "/", uidValidity: UInt32 = 1000) {
        self.side = side
        self.naming = MailboxNaming(delimiter: delimiter)
        self.nextValidity = uidValidity
    }

    // MARK: What another client does

    /// Name with "/" for the hierarchy, as the test writes it.
    static func name(_ text: String) -> [UInt8] { Array(text.utf8).map { $0 == UInt8(ascii: "/") ? 0 : $0 } }

    @discardableResult
    func addMailbox(_ text: String, subscribed: Bool = false) -> Mailbox {
        let box = Mailbox(uidValidity: nextValidity)
        nextValidity += 1
        box.subscribed = subscribed
        mailboxes[Self.name(text)] = box
        return box
    }

    private func box(_ text: String) -> Mailbox {
        if let box = mailboxes[Self.name(text)] { return box }
        return addMailbox(text)
    }

    /// Another client delivers a message.
    @discardableResult
    func deliver(_ mailbox: String, _ body: String, flags: [Flag] = [], date: Int = 1_700_000_000) -> UInt32 {
        let box = box(mailbox)
        let uid = box.uidNext
        box.uidNext += 1
        box.highestModSeq += 1
        let bytes = Array(body.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        box.messages[uid] = Message(uid: uid, flags: flags, modSeq: box.highestModSeq,
                                    date: InternalDate(date: Date(timeIntervalSince1970: TimeInterval(date)), zoneOffsetMinutes: 0), body: bytes)
        return uid
    }

    /// Another client replaces a message's flags; reported at once if the mailbox is selected.
    func changeFlags(_ mailbox: String, _ uid: UInt32, _ flags: [Flag]) {
        let box = box(mailbox)
        guard var message = box.messages[uid] else { return }
        box.highestModSeq += 1
        message.flags = flags
        message.modSeq = box.highestModSeq
        box.messages[uid] = message
        if let selected, selected.database == Self.name(mailbox), level == .qresync {
            selected.observe(uid: uid, flags: flags, modSeq: message.modSeq)
        }
    }

    /// Another client expunges a message; reported at once if the mailbox is selected.
    func expungeByOther(_ mailbox: String, _ uid: UInt32) {
        let box = box(mailbox)
        guard box.messages.removeValue(forKey: uid) != nil else { return }
        box.highestModSeq += 1
        box.expunged.append((uid, box.highestModSeq))
        if let selected, selected.database == Self.name(mailbox), level == .qresync {
            selected.observe(vanished: SequenceSet([uid]))
            selected.observe(code: .highestModSeq(box.highestModSeq))
        }
    }

    func messages(_ mailbox: String) -> [Message] {
        guard let box = mailboxes[Self.name(mailbox)] else { return [] }
        return box.sortedUIDs.compactMap { box.messages[$0] }
    }

    // MARK: MailStore

    private func record(_ operation: String) {
        operations.append(operation)
        beforeOperation?(operation)
    }

    private func text(_ name: [UInt8]) -> String { MailboxNaming.display(name, delimiter: "/") }

    private func selectedBox() throws -> Mailbox {
        guard let selected, let box = mailboxes[selected.database] else {
            throw IMAPClientError.protocolViolation("no mailbox selected")
        }
        return box
    }

    func learnDelimiter() throws -> Pending<Character?> {
        record("learnDelimiter")
        return Pending(value: naming.delimiter)
    }

    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]> {
        record("list")
        let matchers = try patterns.map { pattern -> NSRegularExpression in
            var regex = "^"
            for c in pattern {
                switch c {
                case "*": regex += ".*"
                case "%": regex += "[^/]*"
                default: regex += NSRegularExpression.escapedPattern(for: String(c))
                }
            }
            return try NSRegularExpression(pattern: regex + "$")
        }
        var result: [ListedMailbox] = []
        for name in mailboxes.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let box = mailboxes[name] else { continue }
            let wire = text(name)
            guard matchers.contains(where: { $0.firstMatch(in: wire, range: NSRange(wire.startIndex..., in: wire)) != nil }) else { continue }
            if selection.contains(.subscribed) && !box.subscribed { continue }
            result.append(ListedMailbox(wireName: wire, database: name, attributes: box.subscribed ? [.subscribed] : [],
                                        status: MailboxStatus(messages: UInt32(box.messages.count), uidNext: box.uidNext, uidValidity: box.uidValidity,
                                                              highestModSeq: level == .plain ? nil : box.highestModSeq)))
        }
        return Pending(value: result)
    }

    func exists(_ mailbox: [UInt8]) throws -> Pending<Bool> { record("exists"); return Pending(value: mailboxes[mailbox] != nil) }

    func create(_ mailbox: [UInt8]) throws -> Pending<Void> {
        record("create \(text(mailbox))")
        mailboxes[mailbox] = Mailbox(uidValidity: nextValidity)
        nextValidity += 1
        return .none
    }

    func delete(_ mailbox: [UInt8]) throws -> Pending<Void> { record("delete \(text(mailbox))"); mailboxes[mailbox] = nil; return .none }

    func rename(_ mailbox: [UInt8], to newName: [UInt8]) throws -> Pending<Void> {
        record("rename \(text(mailbox))")
        mailboxes[newName] = mailboxes.removeValue(forKey: mailbox)
        return .none
    }

    func setSubscribed(_ mailbox: [UInt8], _ subscribed: Bool) throws -> Pending<Void> {
        record("subscribe \(text(mailbox)) \(subscribed)")
        mailboxes[mailbox]?.subscribed = subscribed
        return .none
    }

    func select(_ mailbox: [UInt8], recorded: SyncDatabase.MailboxState?) throws -> Pending<SelectedMailbox> {
        record("select \(text(mailbox))")
        guard let box = mailboxes[mailbox] else { throw IMAPClientError.commandFailed(command: "SELECT", text: "Mailbox doesn't exist") }
        let view = SelectedMailbox(database: mailbox, level: level)
        view.observe(code: .uidValidity(box.uidValidity))
        view.observe(code: .uidNext(box.uidNext))
        if level != .plain {
            if box.noModSeq { view.observe(code: .noModSeq) } else { view.observe(code: .highestModSeq(box.highestModSeq)) }
        }
        // QRESYNC (RFC 7162 §3.2.5.1): what changed since the recorded mod-sequence.
        if level == .qresync, let recorded, recorded.highestModSeq > 0, recorded.uidValidity == box.uidValidity {
            var vanished = SequenceSet()
            for e in box.expunged where e.modSeq > recorded.highestModSeq && e.uid < recorded.uidNext { vanished.insert(e.uid) }
            if !vanished.isEmpty { view.observe(vanished: vanished) }
            for uid in box.sortedUIDs {
                guard let m = box.messages[uid], m.modSeq > recorded.highestModSeq else { continue }
                view.observe(uid: uid, flags: m.flags, modSeq: m.modSeq)
            }
        }
        reportOnSelect?(view)
        view.selectCompleted()
        selected = view
        return Pending(value: view)
    }

    func unselect() throws -> Pending<Void> { if selected != nil { record("unselect") }; selected = nil; return .none }

    /// The messages a UID set names as a server reads it (`n:*` names the highest message even below `n`).
    private func messages(in box: Mailbox, _ uids: SequenceSet) -> [Message] {
        var found = box.sortedUIDs.filter { uids.admits($0) }.compactMap { box.messages[$0] }
        if found.isEmpty, uids.includesStar, let highest = box.sortedUIDs.last, let m = box.messages[highest] { found = [m] }
        return fetchInReverseOrder ? found.reversed() : found
    }

    func fetchFlags(_ uids: SequenceSet, changedSince: UInt64?) throws -> Pending<[UInt32: [Flag]]> {
        record("fetchFlags \(uids)" + (changedSince.map { " changedSince \($0)" } ?? ""))
        if changedSince != nil && level == .plain { throw IMAPClientError.commandFailed(command: "UID FETCH", text: "BAD CHANGEDSINCE without CONDSTORE") }
        let box = try selectedBox()
        var result: [UInt32: [Flag]] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) && m.modSeq > changedSince ?? 0 { result[m.uid] = m.flags }
        return Pending(value: result)
    }

    func existingUIDs(_ uids: SequenceSet) throws -> Pending<SequenceSet> {
        record("existingUIDs \(uids)")
        let box = try selectedBox()
        return Pending(value: SequenceSet(box.sortedUIDs.filter { uids.admits($0) }))
    }

    func fetchKeys(_ uids: SequenceSet) throws -> Pending<[UInt32: MessageKey]> {
        record("fetchKeys \(uids)")
        let box = try selectedBox()
        var result: [UInt32: MessageKey] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) {
            result[m.uid] = MessageKey(size: UInt64(m.body.count), date: Int64(m.date?.date.timeIntervalSince1970 ?? 0))
        }
        return Pending(value: result)
    }

    func fetchDigests(_ uids: SequenceSet) throws -> Pending<[UInt32: [UInt8]]> {
        record("fetchDigests \(uids)")
        let box = try selectedBox()
        var result: [UInt32: [UInt8]] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) { result[m.uid] = MessageDigest.sha256(m.body) }
        return Pending(value: result)
    }

    func fetchMessages(_ uids: SequenceSet) throws -> MessageCursor {
        record("fetchMessages \(uids)")
        let box = try selectedBox()
        var rest = messages(in: box, uids)[...]
        return MessageCursor { [weak self] in
            guard let m = rest.popFirst() else { return nil }
            defer { self?.afterFetchedMessage?(m.uid) }
            return StoredMessage(uid: m.uid, flags: m.flags, internalDate: m.date, body: MessageBody(bytes: m.body))
        }
    }

    private func store(_ uids: SequenceSet, _ change: (inout [Flag]) -> Void) throws {
        let box = try selectedBox()
        for uid in box.sortedUIDs where uids.contains(uid) {
            guard var m = box.messages[uid] else { continue }
            box.highestModSeq += 1
            change(&m.flags)
            m.modSeq = box.highestModSeq
            box.messages[uid] = m
            // The echo of our own change carries its MODSEQ (RFC 7162 §3.1.3).
            selected?.observe(code: .highestModSeq(box.highestModSeq))
        }
    }

    func setFlags(_ flags: [Flag], on uids: SequenceSet) throws -> Pending<Void> {
        record("setFlags \(flags.map(\.rawValue).joined(separator: " ")) \(uids)")
        try store(uids) { $0 = flags }
        return .none
    }

    func markDeleted(_ uids: SequenceSet) throws -> Pending<Void> {
        record("markDeleted \(uids)")
        try store(uids) { if !$0.contains(.deleted) { $0.append(.deleted) } }
        return .none
    }

    func expunge(_ uids: SequenceSet) throws -> Pending<Void> {
        record("expunge \(uids)")
        let box = try selectedBox()
        for uid in box.sortedUIDs where uids.contains(uid) && box.messages[uid]?.flags.contains(.deleted) == true {
            box.messages[uid] = nil
            box.highestModSeq += 1
            box.expunged.append((uid, box.highestModSeq))
            selected?.observe(code: .highestModSeq(box.highestModSeq))
        }
        return .none
    }

    func beginAppend(to mailbox: [UInt8]) throws -> any MessageAppender {
        Appender(store: self, mailbox: mailbox)
    }

    /// Collects a batch and adds it when finished, as a MULTIAPPEND is atomic (RFC 3502).
    final class Appender: MessageAppender {
        let store: MemoryMailStore
        let mailbox: [UInt8]
        var messages: [AppendMessage] = []
        var count: Int { messages.count }
        var byteCount: Int { messages.reduce(0) { $0 + $1.body.count } }
        init(store: MemoryMailStore, mailbox: [UInt8]) { self.store = store; self.mailbox = mailbox }

        func add(flags: [Flag], internalDate: InternalDate?, body: MessageBody) throws {
            messages.append(AppendMessage(flags: flags, internalDate: internalDate, body: try body.readAll()))
        }

        func finish() throws -> Pending<AppendedUIDs> { try store.append(messages, to: mailbox) }
    }

    private func append(_ messages: [AppendMessage], to mailbox: [UInt8]) throws -> Pending<AppendedUIDs> {
        record("append \(text(mailbox)) \(messages.count)")
        guard let box = mailboxes[mailbox] else { throw IMAPClientError.commandFailed(command: "APPEND", text: "[TRYCREATE] no such mailbox") }
        var uids: [UInt32] = []
        for message in messages {
            let uid = box.uidNext
            box.uidNext += 1
            box.highestModSeq += 1
            box.messages[uid] = Message(uid: uid, flags: message.flags, modSeq: box.highestModSeq, date: message.internalDate, body: message.body)
            uids.append(uid)
            if let selected, selected.database == mailbox { selected.observe(code: .highestModSeq(box.highestModSeq)) }
        }
        if withholdAppendUID { throw SyncError.missingAppendUID(server: name, mailbox: display(mailbox)) }
        return Pending(value: AppendedUIDs(uidValidity: box.uidValidity, uids: uids))
    }

    func enableNotify() throws -> Pending<Void> { record("notify"); return .none }
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> { record("idle"); return .none }
    func endIdle() {}
    var traffic: TrafficCounter? { nil }
    func logoutBeforeExit() {}
}
