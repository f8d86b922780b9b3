/// What interimap knows of the mailbox selected on one server, kept up to date by its store from
/// every response: the values of the SELECT (RFC 7162 §3.2.5), and the changes the server reports
/// while the mailbox stays selected — expunges as VANISHED (RFC 7162 §3.2.10, since QRESYNC is
/// enabled), flag changes as FETCH with UID, FLAGS and MODSEQ (RFC 7162 §3.2.4). New messages are
/// found by UID (FETCH `n:*` and APPENDUID), not by EXISTS counts.
///
/// A class: the store records into it whatever arrives in answer to any command, while the
/// synchronizer reads it between its decisions (one thread drives both).
final class SelectedMailbox {
    /// The database name (NUL as the hierarchy delimiter).
    let database: [UInt8]
    var uidValidity: UInt32 = 0
    var uidNext: UInt32 = 0
    /// The highest mod-sequence known to be covered by the changes processed so far.
    var highestModSeq: UInt64 = 0
    var noModSeq = false
    /// Expunged UIDs not yet propagated.
    var pendingVanished = SequenceSet()
    /// Flag lists reported and not yet propagated, by UID (the latest report wins).
    var pendingFlags: [UInt32: [Flag]] = [:]
    /// UIDs this client is storing flags on: reports about them are our own changes' echoes.
    var ownStores = SequenceSet()
    /// The message count of the first EXISTS (the SELECT's), and whether a later one was larger:
    /// until then no message can have a UID at or above ``uidNext`` (RFC 3501 §2.3.1.1).
    private var firstExists: UInt32?
    private(set) var grew = false
    /// Where the UIDs of messages appended without APPENDUID are looked for: above those found
    /// already (``IMAPMailStore/searchAppendedUIDs(_:mailbox:)``).
    var appendedSearchFrom: UInt32 = 0
    /// How changes are found in this mailbox: the server's level, or plain for a mailbox without
    /// mod-sequences on a CONDSTORE server (RFC 7162 §3.1.2.2, NOMODSEQ). Below QRESYNC the
    /// reports listed above are not guaranteed, and the changes are looked for (``ChangeScan``).
    private(set) var level: SyncLevel
    /// HIGHESTMODSEQ as the SELECT gave it, and whether a report without a UID came since.
    private var modSeqAtSelect: UInt64?
    private var untracked = false

    init(database: [UInt8], level: SyncLevel = .qresync) {
        self.database = database
        self.level = level
    }

    /// A SELECT completed. The first one's HIGHESTMODSEQ is covered by the changes looked for;
    /// below QRESYNC, a later one's (a re-SELECT) may cover another client's changes nobody
    /// reported, and counts for nothing (``observe(code:)``).
    func selectCompleted() { if modSeqAtSelect == nil { modSeqAtSelect = highestModSeq } }

    /// Below QRESYNC a server reports another client's flag change by sequence number only (RFC
    /// 7162 §3.1.2): the change cannot be told apart from others, so HIGHESTMODSEQ must not move
    /// past it. The next run's CHANGEDSINCE finds it.
    func lostTrackOfChanges() {
        guard level == .condstore, !untracked else { return }
        untracked = true
        if let modSeqAtSelect { highestModSeq = modSeqAtSelect }
    }

    /// Whether a HIGHESTMODSEQ or MODSEQ read now may be recorded.
    private var followsModSeq: Bool { level != .plain && !untracked }

    var hasPendingUpdates: Bool { !pendingVanished.isEmpty || !pendingFlags.isEmpty }

    /// Hands over the updates reported so far and forgets them.
    func takePendingUpdates() -> (vanished: SequenceSet, flags: [UInt32: [Flag]]) {
        defer { pendingVanished = SequenceSet(); pendingFlags = [:] }
        return (pendingVanished, pendingFlags)
    }

    func observe(code: ResponseCode?) {
        switch code {
        case .uidValidity(let v)?: uidValidity = v
        case .uidNext(let n)?: uidNext = max(uidNext, n)
        case .highestModSeq(let m)?:
            // Below QRESYNC a HIGHESTMODSEQ code after the first SELECT may cover changes never
            // reported; only the MODSEQ of a message this client saw counts then.
            if followsModSeq && (level == .qresync || modSeqAtSelect == nil) { highestModSeq = max(highestModSeq, m) }
        case .noModSeq?:
            switch level {
            case .qresync: noModSeq = true
            case .condstore: level = .plain; highestModSeq = 0
            case .plain: break
            }
        default: break
        }
    }

    /// A flag change (another client's, or one this client did not make itself).
    func observe(uid: UInt32, flags: [Flag]?, modSeq: UInt64?) {
        if let modSeq, followsModSeq { highestModSeq = max(highestModSeq, modSeq) }
        guard let flags else { return }
        if ownStores.contains(uid) { return }
        pendingFlags[uid] = flags.filter { $0 != .recent }
    }

    func observe(exists count: UInt32) {
        if let first = firstExists { if count > first { grew = true } } else { firstExists = count }
    }

    /// Whether `uid` can be a message of this mailbox: below UIDNEXT, unless new messages were
    /// announced since the SELECT (their UIDs are not known in advance).
    func admitsMessage(_ uid: UInt32) -> Bool { grew || uidNext == 0 || uid < uidNext }

    func observe(vanished uids: SequenceSet) {
        pendingVanished.formUnion(uids)
        // Proportional to what is pending, not to the numbers in the set.
        for uid in pendingFlags.keys where uids.contains(uid) { pendingFlags[uid] = nil }
    }
}
