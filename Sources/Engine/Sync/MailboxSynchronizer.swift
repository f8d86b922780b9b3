import Foundation

/// Synchronizes one mailbox between the two servers: interimap(1) DESCRIPTION, steps 1 to 3,
/// with the "full synchronization" of messages an interrupted run left half-copied.
///
/// It does not run on its own: ``SynchronizationPipeline`` drives every dirty mailbox through
/// the same steps at once, sending one step's commands for all of them (each batch behind a
/// SELECT that makes its mailbox the selected one again, see ``focus(_:)``) before waiting for
/// any answer. This type holds what one mailbox needs between those steps.
///
/// Order of effects, chosen so that a crash anywhere can be recovered by the next run:
/// IMAP changes first, then the database rows that describe them, and the recorded
/// HIGHESTMODSEQ/UIDNEXT last. A rerun after a crash sees the same reports again (the recorded
/// values did not move) and applying them twice is harmless: expunging an expunged UID and
/// storing the same flags change nothing. An APPEND whose APPENDUID was not recorded before the
/// process died left the same message unmapped on both servers; the next run pairs the two
/// copies by size, date and bytes instead of copying them again. Every copy is recorded as
/// pending before its APPEND can complete (`PendingCopies`), so that a copy whose original was
/// expunged before the next run is expunged too instead of coming back as a new message.
final class MailboxSynchronizer {
    let local: any MailStore
    let remote: any MailStore
    let database: SyncDatabase
    let log: SyncLog
    let record: SyncDatabase.MailboxRecord
    /// `--repair`: compare every message of the mailbox, not only the pending ones.
    let repair: Bool
    /// Counts what is copied, for the progress line.
    let progress: SyncProgress?

    struct States { var local: SyncDatabase.MailboxState; var remote: SyncDatabase.MailboxState }

    /// The database's state of the mailbox as this run moves it (committed last, at each step's end).
    var state = States(local: .init(uidValidity: 0, uidNext: 1, highestModSeq: 0), remote: .init(uidValidity: 0, uidNext: 1, highestModSeq: 0))
    /// The mailbox as each server showed it: its SELECT and every report since.
    private(set) var localView = SelectedMailbox(database: [])
    private(set) var remoteView = SelectedMailbox(database: [])
    /// Each server's UIDNEXT at the first SELECT of this run.
    private(set) var selectedUIDNext = (local: UInt32(0), remote: UInt32(0))
    /// SELECTs sent and not yet awaited (step 1, then those of ``focus(_:)``).
    private var selecting: [Pending<Void>] = []
    private var firstSelect: (local: Pending<SelectedMailbox>, remote: Pending<SelectedMailbox>)?
    /// Below QRESYNC: the scans looking for what the SELECT could not report (see
    /// MailboxSynchronizer+ChangeScan), the flags to remember of a plain server, and the mapped
    /// messages whose flags were never remembered (compared in full in ``begin()``).
    var scans: [ChangeScan] = []
    var knownFlags = KnownFlags(plain: [])
    var unremembered: [(UInt32, UInt32)] = []

    init(local: any MailStore, remote: any MailStore, database: SyncDatabase, log: SyncLog,
         record: SyncDatabase.MailboxRecord, repair: Bool, progress: SyncProgress? = nil) {
        self.local = local; self.remote = remote; self.database = database; self.log = log
        self.record = record; self.repair = repair; self.progress = progress
    }

    var displayName: String { MailboxNaming.display(record.name, delimiter: local.naming.delimiter) }

    func view(on server: any MailStore) -> SelectedMailbox { server.side == .local ? localView : remoteView }

    /// Makes this mailbox the selected one on `server` if another is: a SELECT sent ahead of the
    /// commands that follow, not awaited (its answer arrives before theirs, RFC 3501 §5.5).
    func focus(_ server: any MailStore) throws {
        let view = view(on: server)
        guard server.selected !== view else { return }
        selecting.append(try server.reselect(view))
    }

    /// Waits for the SELECTs sent by ``focus(_:)``, and checks that they found the same mailbox.
    func settleSelects() throws {
        let pendings = selecting
        selecting = []
        for pending in pendings { try pending.wait() }
        try check(localView, state: state.local, server: local)
        try check(remoteView, state: state.remote, server: remote)
    }

    var hasPendingUpdates: Bool { localView.hasPendingUpdates || remoteView.hasPendingUpdates }

    // MARK: Step 1

    /// SELECT on both servers, with the recorded states (QRESYNC): not awaited.
    func sendSelect() throws {
        firstSelect = (try local.select(record.name, recorded: record.local), try remote.select(record.name, recorded: record.remote))
    }

    /// The answers of ``sendSelect()``: aborts on a changed UIDVALIDITY or NOMODSEQ, before
    /// anything changed anywhere.
    func finishSelect() throws {
        guard let firstSelect else { return }
        self.firstSelect = nil
        localView = try firstSelect.local.wait()
        remoteView = try firstSelect.remote.wait()
        try check(localView, state: record.local, server: local)
        try check(remoteView, state: record.remote, server: remote)
        selectedUIDNext = (local: localView.uidNext, remote: remoteView.uidNext)
        state = States(local: record.local ?? .init(uidValidity: localView.uidValidity, uidNext: 1, highestModSeq: 0),
                       remote: record.remote ?? .init(uidValidity: remoteView.uidValidity, uidNext: 1, highestModSeq: 0))
    }

    /// What comes before step 2: a new mailbox's UIDVALIDITY recorded, the messages an
    /// interrupted run copied compared in full, and with `--repair` everything else.
    func begin() throws {
        if record.local == nil || record.remote == nil {
            // A new mailbox: remember its UIDVALIDITY before copying anything, so that a crash
            // during the first copy is recovered like any other.
            try database.write { tx in
                try tx.setState(.local, mailbox: record.index, state.local)
                try tx.setState(.remote, mailbox: record.index, state.remote)
            }
        }
        // Messages copied by an interrupted run (mapped, but at or above the recorded UIDNEXT):
        // compare them in full, as their changes may predate any recorded HIGHESTMODSEQ.
        var pending: [(UInt32, UInt32)] = []
        try database.forEachMapping(mailbox: record.index, localFrom: repair ? 1 : state.local.uidNext,
                                    remoteFrom: repair ? 1 : state.remote.uidNext) { pending.append(($0, $1)) }
        let pendingLocal = Set(pending.map { $0.0 })
        pending += unremembered.filter { !pendingLocal.contains($0.0) }
        if !pending.isEmpty {
            if !repair { log.debug("", displayName, "Full synchronization of \(pending.count) pending message(s)") }
            try fullSynchronization(pending)
        }
        if repair { try copyUnmappedBelowUIDNext() }
    }

    private func check(_ selected: SelectedMailbox, state: SyncDatabase.MailboxState?, server: any MailStore) throws {
        if selected.noModSeq { throw SyncError.noModSeq(server: server.name, mailbox: displayName) }
        if let state, state.uidValidity != selected.uidValidity {
            throw SyncError.uidValidityChanged(server: server.name, mailbox: displayName,
                                               expected: state.uidValidity, found: selected.uidValidity)
        }
    }

    // MARK: Recorded state

    func commitStates() throws {
        CrashPoint.reached("database-commit-before")
        try database.write { tx in
            try tx.setState(.local, mailbox: record.index, state.local)
            try tx.setState(.remote, mailbox: record.index, state.remote)
        }
        CrashPoint.reached("database-commit-after")
    }

    /// Step 2's end: every change the servers reported is propagated; what they reported last is
    /// the HIGHESTMODSEQ to record.
    func commitModSeqs() throws {
        let before = (state.local.highestModSeq, state.remote.highestModSeq)
        state.local.highestModSeq = max(state.local.highestModSeq, localView.highestModSeq)
        state.remote.highestModSeq = max(state.remote.highestModSeq, remoteView.highestModSeq)
        if before != (state.local.highestModSeq, state.remote.highestModSeq) { try commitStates() }
    }

    // MARK: Step 3 bookkeeping

    /// Each server's UIDNEXT as far as this run has seen every message below it: its UIDNEXT at
    /// SELECT, then past every message fetched from it and every message appended to it.
    var next = (local: UInt32(0), remote: UInt32(0))
    private var firstPass = true
    /// The UIDNEXT each destination had before this pass's copy to it, and what the copy added.
    private var passStart = (local: UInt32(0), remote: UInt32(0))
    private var added = (local: [UInt32](), remote: [UInt32]())

    func beginCopies() {
        next = (local: max(state.local.uidNext, selectedUIDNext.local), remote: max(state.remote.uidNext, selectedUIDNext.remote))
        firstPass = true
    }

    /// The copy of this pass from `source` to `destination`, if it has anything to fetch.
    func copy(from source: any MailStore, to destination: any MailStore) throws -> MessageCopy? {
        let toRemote = destination.side == .remote
        if toRemote { passStart.remote = next.remote; added.remote = [] } else { passStart.local = next.local; added.local = [] }
        // A server that had nothing new at SELECT needs no FETCH on the first pass: what
        // arrives later gets a UID at or above `next` (or shows as a gap below). Our own copies
        // to it showing a gap mean another client's message arrived in between.
        let hasNew = toRemote ? selectedUIDNext.local > state.local.uidNext
            : selectedUIDNext.remote > state.remote.uidNext || !Self.isContiguous(added.remote, from: passStart.remote)
        guard !firstPass || hasNew else { return nil }
        let start = max(source.side == .local ? state.local.uidNext : state.remote.uidNext, 1)
        let mappedAbove = try database.mappedUIDs(mailbox: record.index, side: source.side, from: start)
        return MessageCopy(self, Self.openSet(from: start, excluding: mappedAbove), from: source, to: destination,
                           minimumUID: start, excluding: mappedAbove)
    }

    /// A copy of this pass completed: `fetchedUpTo` is the source's UIDNEXT as far as its FETCH
    /// showed, `uids` the destination's new UIDs, sorted.
    func copied(_ uids: [UInt32], to destination: any MailStore, fetchedUpTo: UInt32) {
        if destination.side == .remote {
            next.local = max(next.local, fetchedUpTo)
            added.remote = uids
            if let last = uids.last { next.remote = max(next.remote, last + 1) }
        } else {
            next.remote = max(next.remote, fetchedUpTo)
            added.local = uids
            if let last = uids.last { next.local = max(next.local, last + 1) }
        }
    }

    /// The pass's end; whether another is needed. Our APPENDs got UIDs in a row from the UIDNEXT
    /// we knew, unless another client's message arrived in between (RFC 3501 §2.3.1.1: UIDs
    /// ascend): then that message has a UID below `next` and another pass copies it. No round
    /// trip is spent asking otherwise: messages arriving later get UIDs at or above `next`.
    func endPass() -> Bool {
        firstPass = false
        let again = !Self.isContiguous(added.remote, from: passStart.remote) || !Self.isContiguous(added.local, from: passStart.local)
        added = ([], [])
        return again
    }

    /// Step 3's end: the UIDNEXTs (and, when nothing was reported meanwhile, the HIGHESTMODSEQs)
    /// recorded. Returns whether the mailbox is done; if not, flag changes arrived meanwhile and
    /// it goes back to step 2.
    func endCopies() throws -> Bool {
        state.local.uidNext = max(state.local.uidNext, next.local)
        state.remote.uidNext = max(state.remote.uidNext, next.remote)
        let done = !hasPendingUpdates
        if done {
            // Our own APPENDs moved the servers' HIGHESTMODSEQ; the responses told us by how much.
            state.local.highestModSeq = max(state.local.highestModSeq, localView.highestModSeq)
            state.remote.highestModSeq = max(state.remote.highestModSeq, remoteView.highestModSeq)
        }
        try commitStates()
        if done { try knownFlags.commit(to: database, mailbox: record.index) }
        return done
    }

    /// Whether sorted `uids` are `start, start+1, ...` (or empty).
    static func isContiguous(_ uids: [UInt32], from start: UInt32) -> Bool {
        guard let first = uids.first, let last = uids.last else { return true }
        return first == start && Int(last - first) + 1 == uids.count
    }

    /// `start:*` minus `excluded`, compactly (`3,5:*`).
    static func openSet(from start: UInt32, excluding excluded: SequenceSet) -> SequenceSet {
        var set = SequenceSet()
        var cursor = start
        for r in excluded.ranges where r.upperBound >= cursor {
            if r.lowerBound > cursor { set.insert(cursor...(r.lowerBound - 1)) }
            if r.upperBound == UInt32.max { return set }
            cursor = r.upperBound + 1
        }
        var tail = SequenceSet.from(cursor)
        tail.formUnion(set)
        return tail
    }

    /// Flags as interimap stores and compares them: no `\Recent` (session-only, RFC 3501 §2.3.2),
    /// no duplicates, sorted.
    static func normalized(_ flags: [Flag]) -> [Flag] {
        Array(Set(flags.filter { $0 != .recent })).sorted()
    }

    static func list(_ flags: [Flag]) -> String { "(" + flags.map(\.rawValue).joined(separator: " ") + ")" }
}
