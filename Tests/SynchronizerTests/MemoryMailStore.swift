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
    /// Says which operation the connection drops before (once): an interrupted run.
    var failWhen: ((String) -> Bool)?
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

    // MARK: Round trips

    /// Commands answered, and round trips: as a network store counts them, the waits for an
    /// answer that follow commands sent since the last wait. Every answer here is computed when
    /// the command is "sent", in order, as a server runs pipelined commands.
    private(set) var commandCount = 0
    private(set) var roundTrips = 0
    private var sentSinceLastWait = false

    private func noteWait() {
        if sentSinceLastWait { roundTrips += 1; sentSinceLastWait = false }
    }

    private func answer<T>(_ value: @escaping () throws -> T) -> Pending<T> {
        commandCount += 1
        sentSinceLastWait = true
        return Pending { [weak self] in
            self?.noteWait()
            return try value()
        }
    }

    // MARK: MailStore

    private func record(_ operation: String) throws {
        if failWhen?(operation) == true {
            failWhen = nil
            throw IMAPClientError.connectionLost("the connection dropped before \(operation)")
        }
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
        try record("learnDelimiter")
        let value = naming.delimiter; return answer { value }
    }

    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]> {
        try record("list")
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
        let value = result; return answer { value }
    }

    func exists(_ mailbox: [UInt8]) throws -> Pending<Bool> { try record("exists"); let value = mailboxes[mailbox] != nil; return answer { value } }

    func create(_ mailbox: [UInt8]) throws -> Pending<Void> {
        try record("create \(text(mailbox))")
        mailboxes[mailbox] = Mailbox(uidValidity: nextValidity)
        nextValidity += 1
        return answer { () }
    }

    func delete(_ mailbox: [UInt8]) throws -> Pending<Void> { try record("delete \(text(mailbox))"); mailboxes[mailbox] = nil; return answer { () } }

    func rename(_ mailbox: [UInt8], to newName: [UInt8]) throws -> Pending<Void> {
        try record("rename \(text(mailbox))")
        mailboxes[newName] = mailboxes.removeValue(forKey: mailbox)
        return answer { () }
    }

    func setSubscribed(_ mailbox: [UInt8], _ subscribed: Bool) throws -> Pending<Void> {
        try record("subscribe \(text(mailbox)) \(subscribed)")
        mailboxes[mailbox]?.subscribed = subscribed
        return answer { () }
    }

    func select(_ mailbox: [UInt8], recorded: SyncDatabase.MailboxState?) throws -> Pending<SelectedMailbox> {
        try record("select \(text(mailbox))")
        let view = SelectedMailbox(database: mailbox, level: level)
        try select(view, since: recorded)
        return answer { view }
    }

    func reselect(_ view: SelectedMailbox) throws -> Pending<Void> {
        try record("reselect \(text(view.database))")
        try select(view, since: SyncDatabase.MailboxState(uidValidity: view.uidValidity, uidNext: view.uidNext,
                                                                 highestModSeq: view.noModSeq ? 0 : view.highestModSeq))
        return answer { () }
    }

    private func select(_ view: SelectedMailbox, since recorded: SyncDatabase.MailboxState?) throws {
        let mailbox = view.database
        guard let box = mailboxes[mailbox] else { throw IMAPClientError.commandFailed(command: "SELECT", text: "Mailbox doesn't exist") }
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
    }

    func unselect() throws -> Pending<Void> {
        guard selected != nil else { return .none }
        try record("unselect")
        selected = nil
        return answer { () }
    }

    /// The messages a UID set names as a server reads it (`n:*` names the highest message even below `n`).
    private func messages(in box: Mailbox, _ uids: SequenceSet) -> [Message] {
        var found = box.sortedUIDs.filter { uids.admits($0) }.compactMap { box.messages[$0] }
        if found.isEmpty, uids.includesStar, let highest = box.sortedUIDs.last, let m = box.messages[highest] { found = [m] }
        return fetchInReverseOrder ? found.reversed() : found
    }

    func fetchFlags(_ uids: SequenceSet, changedSince: UInt64?) throws -> Pending<[UInt32: [Flag]]> {
        try record("fetchFlags \(uids)" + (changedSince.map { " changedSince \($0)" } ?? ""))
        if changedSince != nil && level == .plain { throw IMAPClientError.commandFailed(command: "UID FETCH", text: "BAD CHANGEDSINCE without CONDSTORE") }
        let box = try selectedBox()
        var result: [UInt32: [Flag]] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) && m.modSeq > changedSince ?? 0 {
            result[m.uid] = m.flags
            // As the IMAP store does: the MODSEQ of flags handed over is covered.
            if level == .condstore { selected?.observe(uid: m.uid, flags: nil, modSeq: m.modSeq) }
        }
        let value = result; return answer { value }
    }

    func existingUIDs(_ uids: SequenceSet) throws -> Pending<SequenceSet> {
        try record("existingUIDs \(uids)")
        let box = try selectedBox()
        let value = SequenceSet(box.sortedUIDs.filter { uids.admits($0) }); return answer { value }
    }

    func fetchKeys(_ uids: SequenceSet) throws -> Pending<[UInt32: MessageKey]> {
        try record("fetchKeys \(uids)")
        let box = try selectedBox()
        var result: [UInt32: MessageKey] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) {
            result[m.uid] = MessageKey(size: UInt64(m.body.count), date: Int64(m.date?.date.timeIntervalSince1970 ?? 0))
        }
        let value = result; return answer { value }
    }

    func fetchDigests(_ uids: SequenceSet) throws -> Pending<[UInt32: [UInt8]]> {
        try record("fetchDigests \(uids)")
        let box = try selectedBox()
        var result: [UInt32: [UInt8]] = [:]
        for m in messages(in: box, uids) where uids.admits(m.uid) { result[m.uid] = MessageDigest.sha256(m.body) }
        let value = result; return answer { value }
    }

    func fetchMessages(_ uids: SequenceSet) throws -> MessageCursor {
        try record("fetchMessages \(uids)")
        let box = try selectedBox()
        var rest = messages(in: box, uids)[...]
        var first = true
        commandCount += 1; sentSinceLastWait = true
        return MessageCursor { [weak self] in
            if first { first = false; self?.noteWait() }
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
            // The echo of our own change carries its MODSEQ (RFC 7162 §3.1.3), and its UID as a
            // UID STORE's answer does (RFC 3501 §6.4.8).
            if level == .qresync { selected?.observe(code: .highestModSeq(box.highestModSeq)) } else { selected?.observe(uid: uid, flags: nil, modSeq: m.modSeq) }
        }
    }

    func setFlags(_ flags: [Flag], on uids: SequenceSet) throws -> Pending<Void> {
        try record("setFlags \(flags.map(\.rawValue).joined(separator: " ")) \(uids)")
        try store(uids) { $0 = flags }
        return answer { () }
    }

    func markDeleted(_ uids: SequenceSet) throws -> Pending<Void> {
        try record("markDeleted \(uids)")
        try store(uids) { if !$0.contains(.deleted) { $0.append(.deleted) } }
        return answer { () }
    }

    func expunge(_ uids: SequenceSet) throws -> Pending<Void> {
        try record("expunge \(uids)")
        let box = try selectedBox()
        for uid in box.sortedUIDs where uids.contains(uid) && box.messages[uid]?.flags.contains(.deleted) == true {
            box.messages[uid] = nil
            box.highestModSeq += 1
            box.expunged.append((uid, box.highestModSeq))
            selected?.observe(code: .highestModSeq(box.highestModSeq))
        }
        return answer { () }
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
        try record("append \(text(mailbox)) \(messages.count)")
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
        let value = AppendedUIDs(uidValidity: box.uidValidity, uids: uids); return answer { value }
    }

    func enableNotify() throws -> Pending<Void> { try record("notify"); return answer { () } }
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> { try record("idle"); return answer { () } }
    func endIdle() {}
    var traffic: TrafficCounter? { nil }
    func logoutBeforeExit() {}
}
