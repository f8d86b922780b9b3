import Foundation

/// How the sync engine reaches one of its two servers: the operations of interimap(1)'s
/// algorithm in the engine's own terms, as mbsync's `driver.h` separates its sync logic from its
/// IMAP driver. Nothing in `Sync/` speaks IMAP; `Client/IMAPMailStore` implements this over one
/// IMAP connection, and the tests implement it in memory to run the synchronizer in-process.
///
/// Every operation starts at once and hands back a ``Pending`` result: its commands go out behind
/// those already in flight, so the synchronizer can have both servers and many commands working
/// at the same time, and wait only where a decision needs an answer. Whatever a server reports
/// meanwhile about the selected mailbox (expunges, flag changes, a new HIGHESTMODSEQ), in answer
/// to any command, is recorded in that mailbox's ``SelectedMailbox``: no report is lost.
///
/// Mailboxes are named by their database names (NUL as the hierarchy delimiter, no
/// `list-reference`); the store translates them with its ``naming``.
protocol MailStore: AnyObject {
    /// Which side of the synchronization this store is.
    var side: SyncDatabase.Side { get }
    /// How this server names mailboxes; the delimiter is learned from its LIST responses.
    var naming: MailboxNaming { get }

    // MARK: Mailboxes

    /// Learns the hierarchy delimiter (RFC 3501 §6.3.8, `LIST "" ""`).
    func learnDelimiter() throws -> Pending<Character?>
    /// The selectable mailboxes matching `patterns` (wire patterns, under the reference), with
    /// their subscription and, where the server can say, their status. Names the store cannot
    /// translate to database names are skipped with a warning.
    func list(patterns: [String], selection: [ListSelectionOption]) throws -> Pending<[ListedMailbox]>
    /// Whether a mailbox of that name exists (a plain LIST of the exact name).
    func exists(_ mailbox: [UInt8]) throws -> Pending<Bool>
    func create(_ mailbox: [UInt8]) throws -> Pending<Void>
    func delete(_ mailbox: [UInt8]) throws -> Pending<Void>
    func rename(_ mailbox: [UInt8], to newName: [UInt8]) throws -> Pending<Void>
    func setSubscribed(_ mailbox: [UInt8], _ subscribed: Bool) throws -> Pending<Void>

    // MARK: The selected mailbox

    /// Selects a mailbox, asking for the changes since `recorded` (RFC 7162 §3.2.5): they are
    /// recorded in the returned mailbox's pending updates, as are those reported later.
    func select(_ mailbox: [UInt8], recorded: SyncDatabase.MailboxState?) throws -> Pending<SelectedMailbox>
    /// Selects again a mailbox this session selected before (its ``select(_:recorded:)``
    /// view), asking for the changes since those `view` has seen (RFC 7162 §3.2.5): they are
    /// recorded in `view`, as are those reported later. This is how the synchronizer keeps many
    /// mailboxes in flight on one connection: each batch of commands for a mailbox goes out behind
    /// the SELECT that makes it the selected one again, without waiting for it.
    func reselect(_ view: SelectedMailbox) throws -> Pending<Void>
    /// The mailbox selected last, if any.
    var selected: SelectedMailbox? { get }
    /// Leaves the selected mailbox without expunging anything.
    func unselect() throws -> Pending<Void>

    /// How this server reports changes, chosen from its capabilities at connection (and capped
    /// by `sync-level`); mailboxes selected carry it (``SelectedMailbox/level``).
    var level: SyncLevel { get }

    /// The flags of `uids` in the selected mailbox; UIDs that no longer exist are absent. With
    /// `changedSince` (CONDSTORE servers only), only of the messages whose flags changed since
    /// that mod-sequence (RFC 7162 §3.1.4.1).
    func fetchFlags(_ uids: SequenceSet, changedSince: UInt64?) throws -> Pending<[UInt32: [Flag]]>
    /// Which of `uids` exist in the selected mailbox: a UID SEARCH (RFC 3501 §6.4.4), answered
    /// as a compact set where ESEARCH is offered (RFC 4731), or a FETCH of UIDs alone.
    func existingUIDs(_ uids: SequenceSet) throws -> Pending<SequenceSet>
    /// Size and internal date of `uids`: the cheap half of recognizing the same message.
    func fetchKeys(_ uids: SequenceSet) throws -> Pending<[UInt32: MessageKey]>
    /// SHA-256 of the bytes of `uids`: the expensive half, for candidates only.
    func fetchDigests(_ uids: SequenceSet) throws -> Pending<[UInt32: [UInt8]]>
    /// The messages of `uids` with their flags, internal date and bytes, in the order the server
    /// sends them: read them one at a time from the cursor.
    func fetchMessages(_ uids: SequenceSet) throws -> MessageCursor

    /// Replaces the flags of `uids` (one call per flag list, as one command or a few).
    func setFlags(_ flags: [Flag], on uids: SequenceSet) throws -> Pending<Void>
    /// Adds `\Deleted` to `uids`, the first half of expunging them.
    func markDeleted(_ uids: SequenceSet) throws -> Pending<Void>
    /// Expunges `uids` and only them (RFC 4315 §2.1): call once their `markDeleted` completed.
    func expunge(_ uids: SequenceSet) throws -> Pending<Void>

    // MARK: New messages

    /// How many messages one append may carry (1 where the server cannot add several atomically
    /// in one command, RFC 3502).
    var appendBatchLimit: Int { get }
    /// Starts adding messages to a mailbox (selected or not); ``MessageAppender/finish()`` gives
    /// the UIDs they got, in order (RFC 4315 §3). No other operation may start on this store
    /// until the appender is finished.
    func beginAppend(to mailbox: [UInt8]) throws -> any MessageAppender

    // MARK: Watching (`--notify`)

    /// Asks the server to report changes to every mailbox (RFC 5465).
    func enableNotify() throws -> Pending<Void>
    /// Starts waiting for the server to report a change; `onChange` is called for each report
    /// while the result is awaited, which ends once ``endIdle()`` was called from another thread.
    func idle(onChange: @escaping @Sendable () -> Void) throws -> Pending<Void>
    /// Ends ``idle(onChange:)``; callable from any thread.
    func endIdle()

    // MARK: End of the run

    /// The bytes exchanged with the server, for the closing log line (nil: not a network store).
    var traffic: TrafficCounter? { get }
    /// Ends the session as the last act of the process.
    func logoutBeforeExit()
}

/// What identifies a message cheaply across two servers: its size and internal date.
struct MessageKey: Hashable, Sendable {
    var size: UInt64
    /// Seconds since the epoch (the internal date's resolution, RFC 3501 §2.3.3).
    var date: Int64
}

/// One message read from a ``MessageCursor``: its body is read from the source while it is
/// copied, and must be read (or skipped) before the cursor's next message.
struct StoredMessage {
    var uid: UInt32
    var flags: [Flag]
    var internalDate: InternalDate?
    var body: MessageBody
}

/// Messages going into one mailbox as one command (a MULTIAPPEND batch, RFC 3502).
protocol MessageAppender: AnyObject {
    /// Adds a message, its body read from `body` as it goes out.
    func add(flags: [Flag], internalDate: InternalDate?, body: MessageBody) throws
    /// Messages and bytes added so far.
    var count: Int { get }
    var byteCount: Int { get }
    /// Ends the command; the result is the new UIDs.
    func finish() throws -> Pending<AppendedUIDs>
}

/// The UIDs an APPEND gave its messages (RFC 4315 §3: APPENDUID).
struct AppendedUIDs: Equatable {
    var uidValidity: UInt32
    var uids: [UInt32]
}

/// Reads fetched messages one at a time: each ``next()`` reads the server's answer until one more
/// message is complete, so the reader works at the pace of whoever copies the messages.
final class MessageCursor {
    private let read: () throws -> StoredMessage?
    private var finished = false

    /// - Parameter read: the next message, or nil once the command completed.
    init(_ read: @escaping () throws -> StoredMessage?) { self.read = read }

    private var previous: MessageBody?

    /// The next message; nil when all have been read (and the command completed). What is left
    /// of the previous message's body is skipped first.
    func next() throws -> StoredMessage? {
        guard !finished else { return nil }
        try previous?.skip()
        guard let message = try read() else { finished = true; previous = nil; return nil }
        previous = message.body
        return message
    }
}

extension MailStore {
    /// The flags of `uids` in the selected mailbox; UIDs that no longer exist are absent.
    func fetchFlags(_ uids: SequenceSet) throws -> Pending<[UInt32: [Flag]]> { try fetchFlags(uids, changedSince: nil) }

    /// `local` or `remote`: the component of log lines.
    var name: String { side.rawValue }

    /// A database name as this server spells it in log lines: its delimiter, under its
    /// `list-reference`, as the reference implementation names it (`local(Mail/Lists): ...`).
    func display(_ database: [UInt8]) -> String { naming.reference + MailboxNaming.display(database, delimiter: naming.delimiter) }
}
