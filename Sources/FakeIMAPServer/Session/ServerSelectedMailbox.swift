import Engine

/// What a server session has told its client about the selected mailbox (the server side; the
/// engine's own view of a selected mailbox is `Engine.SelectedMailbox`): the message sequence
/// (sequence number n is `uids[n-1]`), the mod-sequence last reported for each message, and
/// the mailbox's state at the last synchronisation. Comparing it with the store gives the
/// unsolicited responses to send (RFC 3501 §7.3–7.4, RFC 7162 §3.2.10).
struct ServerSelectedMailbox {
    let id: UInt64
    let readOnly: Bool
    let uidValidity: UInt32
    var uids: [UInt32]
    var knownModSeq: [UInt32: UInt64]
    var recent: Set<UInt32>
    var syncedHighestModSeq: UInt64
    var keywordCount: Int
    /// Expunges seen but not yet reported (held back during FETCH, STORE, SEARCH).
    var pendingExpunges = false
    /// The RECENT count last sent: a new `* n RECENT` goes out only when it changes.
    var reportedRecent: Int

    init(_ box: FakeMailbox, readOnly: Bool, recent: Set<UInt32>) {
        id = box.id
        self.readOnly = readOnly
        uidValidity = box.uidValidity
        uids = box.messages.map(\.uid)
        var known: [UInt32: UInt64] = [:]
        known.reserveCapacity(box.messages.count)
        for m in box.messages { known[m.uid] = m.modSeq }
        knownModSeq = known
        self.recent = recent
        reportedRecent = recent.count
        syncedHighestModSeq = box.highestModSeq
        keywordCount = box.keywords.count
    }

    /// Sequence number of a UID, by binary search (UIDs grow with sequence numbers).
    func sequenceNumber(ofUID uid: UInt32) -> Int? {
        var lo = 0, hi = uids.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if uids[mid] == uid { return mid + 1 }
            if uids[mid] < uid { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }
}
