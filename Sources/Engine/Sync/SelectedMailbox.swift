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

    init(database: [UInt8]) {
        self.database = database
    }

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
        case .highestModSeq(let m)?: highestModSeq = max(highestModSeq, m)
        case .noModSeq?: noModSeq = true
        default: break
        }
    }

    /// A flag change (another client's, or one this client did not make itself).
    func observe(uid: UInt32, flags: [Flag]?, modSeq: UInt64?) {
        if let modSeq { highestModSeq = max(highestModSeq, modSeq) }
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
