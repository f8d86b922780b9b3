/// What interimap knows of the mailbox selected on one server, kept up to date from every
/// response: the values of the SELECT (RFC 7162 §3.2.5), and the changes the server reports while
/// the mailbox stays selected — expunges as VANISHED (RFC 7162 §3.2.10, since QRESYNC is enabled),
/// flag changes as FETCH with UID, FLAGS and MODSEQ (RFC 7162 §3.2.4). New messages are found
/// by UID (FETCH `n:*` and APPENDUID), not by EXISTS counts.
struct SelectedMailbox {
    let database: [UInt8]
    let wireName: String
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

    init(database: [UInt8], wireName: String) {
        self.database = database
        self.wireName = wireName
    }

    var hasPendingUpdates: Bool { !pendingVanished.isEmpty || !pendingFlags.isEmpty }

    mutating func observe(code: ResponseCode?) {
        switch code {
        case .uidValidity(let v)?: uidValidity = v
        case .uidNext(let n)?: uidNext = max(uidNext, n)
        case .highestModSeq(let m)?: highestModSeq = max(highestModSeq, m)
        case .noModSeq?: noModSeq = true
        default: break
        }
    }

    mutating func observe(fetch: FetchResponse) {
        if let m = fetch.modSeq { highestModSeq = max(highestModSeq, m) }
        guard let uid = fetch.uid, let flags = fetch.flags else { return }
        if ownStores.contains(uid) { return }
        pendingFlags[uid] = flags.filter { $0 != .recent }
    }

    mutating func observe(vanished uids: SequenceSet) {
        pendingVanished.formUnion(uids)
        for uid in uids.numbers { pendingFlags[uid] = nil }
    }
}
