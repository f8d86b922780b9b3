import Foundation

/// `--dry-run`: a store that reads from its server and changes nothing on it. Every reading
/// operation goes to the wrapped store; every change (CREATE, DELETE, RENAME, SUBSCRIBE, STORE,
/// EXPUNGE, APPEND) is answered here as the server would answer it had it been sent, without
/// sending anything, so that the synchronization goes on as if it had been done and logs what it
/// would do. The wrapped IMAP store is opened read-only too (EXAMINE, RFC 3501 §6.3.2), so a
/// change that reached it anyway would be refused by the server.
///
/// The answers are plausible, not exact: an APPEND gets UIDs from the mailbox's UIDNEXT upwards
/// (the UIDs a server assigns next, RFC 3501 §2.3.1.1, unless another client appends first), and
/// a mailbox this run would create is empty, with UIDVALIDITY 1, until the run ends.
final class DryRunMailStore: MailStore {
    private let store: any MailStore
    /// Mailboxes this run would have created: they exist only here.
    private var created: Set<[UInt8]> = []
    /// The selected mailbox when it is one of `created` (nil: the wrapped store's).
    private var createdSelection: SelectedMailbox?
    /// The next UID an APPEND would get, per mailbox, once this run "appended" to it.
    private var nextUID: [[UInt8]: UInt32] = [:]

    init(_ store: any MailStore) { self.store = store }

    var side: SyncDatabase.Side { store.side }
    var naming: MailboxNaming { store.naming }

    // MARK: Mailboxes

    func learnDelimiter() throws -> Pending<Character?> { try store.learnDelimiter() }

    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]> {
        try store.list(patterns: patterns, selection: selection)
    }

    func exists(_ mailbox: [UInt8]) throws -> Pending<Bool> {
        if created.contains(mailbox) { return Pending(value: true) }
        return try store.exists(mailbox)
    }

    func create(_ mailbox: [UInt8]) throws -> Pending<Void> {
        created.insert(mailbox)
        return .none
    }

    func delete(_ mailbox: [UInt8]) throws -> Pending<Void> {
        created.remove(mailbox)
        return .none
    }

    func rename(_ mailbox: [UInt8], to newName: [UInt8]) throws -> Pending<Void> { .none }

    func setSubscribed(_ mailbox: [UInt8], _ subscribed: Bool) throws -> Pending<Void> { .none }

    // MARK: The selected mailbox

    func select(_ mailbox: [UInt8], recorded: SyncDatabase.MailboxState?) throws -> Pending<SelectedMailbox> {
        guard created.contains(mailbox) else {
            createdSelection = nil
            return try store.select(mailbox, recorded: recorded)
        }
        // A new mailbox is empty; UIDVALIDITY must be non-zero (RFC 3501 §2.3.1.1).
        let view = SelectedMailbox(database: mailbox, level: store.level)
        view.uidValidity = 1
        view.uidNext = 1
        view.highestModSeq = 1
        createdSelection = view
        return Pending(value: view)
    }

    func reselect(_ view: SelectedMailbox) throws -> Pending<Void> {
        guard created.contains(view.database) else {
            createdSelection = nil
            return try store.reselect(view)
        }
        createdSelection = view
        return .none
    }

    var selected: SelectedMailbox? { createdSelection ?? store.selected }

    func unselect() throws -> Pending<Void> {
        createdSelection = nil
        return try store.unselect()
    }

    /// Whether the selected mailbox is one this run would have created (nothing to read there).
    private var selectionIsCreated: Bool { createdSelection != nil }

    var level: SyncLevel { store.level }

    func fetchFlags(_ uids: SequenceSet, changedSince: UInt64?) throws -> Pending<[UInt32: [Flag]]> {
        selectionIsCreated ? Pending(value: [:]) : try store.fetchFlags(uids, changedSince: changedSince)
    }

    func existingUIDs(_ uids: SequenceSet) throws -> Pending<SequenceSet> {
        selectionIsCreated ? Pending(value: SequenceSet()) : try store.existingUIDs(uids)
    }

    func fetchKeys(_ uids: SequenceSet) throws -> Pending<[UInt32: MessageKey]> {
        selectionIsCreated ? Pending(value: [:]) : try store.fetchKeys(uids)
    }

    func fetchDigests(_ uids: SequenceSet) throws -> Pending<[UInt32: [UInt8]]> {
        selectionIsCreated ? Pending(value: [:]) : try store.fetchDigests(uids)
    }

    func fetchMessages(_ uids: SequenceSet) throws -> MessageCursor {
        selectionIsCreated ? MessageCursor { nil } : try store.fetchMessages(uids)
    }

    func setFlags(_ flags: [Flag], on uids: SequenceSet) throws -> Pending<Void> { .none }
    func markDeleted(_ uids: SequenceSet) throws -> Pending<Void> { .none }
    func expunge(_ uids: SequenceSet) throws -> Pending<Void> { .none }

    // MARK: New messages

    var appendBatchLimit: Int { store.appendBatchLimit }

    func beginAppend(to mailbox: [UInt8]) throws -> any MessageAppender {
        let current = selected.flatMap { $0.database == mailbox ? $0 : nil }
        let first = max(nextUID[mailbox] ?? 1, current?.uidNext ?? 1)
        return DryRunAppender(uidValidity: current?.uidValidity ?? 1, firstUID: first) { [weak self] next in
            self?.nextUID[mailbox] = next
        }
    }

    // MARK: Watching

    func enableNotify() throws -> Pending<Void> { try store.enableNotify() }
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void> { try store.idle(onChange: onChange) }
    func endIdle() { store.endIdle() }

    // MARK: End of the run

    var traffic: TrafficCounter? { store.traffic }
    func logoutBeforeExit() { store.logoutBeforeExit() }
}

/// An APPEND that is not sent: the bodies are read from the source (so its FETCH goes on) and
/// dropped, and the answer is the UIDs the server would most likely have given (RFC 4315 §3).
private final class DryRunAppender: MessageAppender {
    private let uidValidity: UInt32
    private var nextUID: UInt32
    private let firstUID: UInt32
    private let advanced: (UInt32) -> Void
    private(set) var count = 0
    private(set) var byteCount = 0

    init(uidValidity: UInt32, firstUID: UInt32, advanced: @escaping (UInt32) -> Void) {
        self.uidValidity = uidValidity
        self.firstUID = firstUID
        self.nextUID = firstUID
        self.advanced = advanced
    }

    func add(flags: [Flag], internalDate: InternalDate?, body: MessageBody) throws {
        try body.skip()
        count += 1
        byteCount += body.size
        nextUID += 1
    }

    func finish() throws -> Pending<AppendedUIDs> {
        advanced(nextUID)
        return Pending(value: AppendedUIDs(uidValidity: uidValidity, uids: count == 0 ? [] : Array(firstUID..<nextUID)))
    }
}
