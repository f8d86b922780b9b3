import Engine
import Foundation

/// A mailbox of the fake store (RFC 3501 §2.3.1 and RFC 7162 §3.1): the UID and mod-sequence
/// counters, the messages in UID order and the remembered expunges.
///
/// Values handed out by `FakeIMAPStore` are snapshots: changing one does not change the store.
public struct FakeMailbox: Sendable, Equatable {
    /// Stable identity: survives RENAME, never reused, so a session that has the mailbox
    /// selected keeps it selected across a rename by another client.
    public let id: UInt64
    /// Full name (Unicode), with the store's hierarchy delimiter between levels.
    public var name: String
    /// Extra LIST attributes (e.g. `\Sent`, RFC 6154); the children attributes are computed.
    public var attributes: [String]
    public var uidValidity: UInt32
    public var uidNext: UInt32
    /// RFC 7162 §3.1.2: the highest mod-sequence of any change in the mailbox, expunges included.
    /// Starts at 1 for a new mailbox, as dovecot does.
    public var highestModSeq: UInt64
    /// When set the mailbox does not support persistent mod-sequences (RFC 7162 §3.1.2.2):
    /// SELECT answers `[NOMODSEQ]` and STATUS HIGHESTMODSEQ is 0.
    public var noModSeq: Bool
    /// Messages in increasing UID order.
    public var messages: [FakeMessage]
    /// Expunged UIDs in increasing mod-sequence order.
    public var expunged: [ExpungedUID]
    /// Keywords ever used in the mailbox, in order of first use: the FLAGS response lists them.
    public var keywords: [String]
    /// Messages with a UID at or above this one are `\Recent` for the next session that selects
    /// the mailbox read-write (RFC 3501 §2.3.2).
    public var firstRecentUID: UInt32
    /// The last expunged messages, as they were: a session that has not yet been allowed to
    /// report an expunge (RFC 3501 §7.4.1) still answers FETCH and SEARCH for them, as dovecot
    /// does. Not persisted and not part of equality.
    var expungedMessages: [FakeMessage] = []
    static let expungedMessagesKept = 1000

    init(id: UInt64, name: String, uidValidity: UInt32) {
        self.id = id
        self.name = name
        self.attributes = []
        self.uidValidity = uidValidity
        self.uidNext = 1
        self.highestModSeq = 1
        self.noModSeq = false
        self.messages = []
        self.expunged = []
        self.keywords = []
        self.firstRecentUID = 1
    }

    /// Index of the message with `uid` in `messages`, by binary search.
    public func index(ofUID uid: UInt32) -> Int? {
        var lo = 0, hi = messages.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let v = messages[mid].uid
            if v == uid { return mid }
            if v < uid { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    public func message(uid: UInt32) -> FakeMessage? { index(ofUID: uid).map { messages[$0] } }

    /// The message, or its last state if it was expunged recently.
    func messageOrExpunged(uid: UInt32) -> FakeMessage? {
        message(uid: uid) ?? expungedMessages.last { $0.uid == uid }
    }

    public static func == (a: FakeMailbox, b: FakeMailbox) -> Bool {
        a.id == b.id && a.name == b.name && a.attributes == b.attributes && a.uidValidity == b.uidValidity
            && a.uidNext == b.uidNext && a.highestModSeq == b.highestModSeq && a.noModSeq == b.noModSeq
            && a.messages == b.messages && a.expunged == b.expunged && a.keywords == b.keywords
            && a.firstRecentUID == b.firstRecentUID
    }

    /// The number of messages without `\Seen` (STATUS UNSEEN, RFC 3501 §6.3.10).
    public var unseenCount: Int { messages.reduce(0) { $0 + ($1.flags.contains(.seen) ? 0 : 1) } }

    /// The mod-sequence clients are told: 0 for a NOMODSEQ mailbox (RFC 7162 §3.1.2.2).
    public var advertisedHighestModSeq: UInt64 { noModSeq ? 0 : highestModSeq }

    // MARK: Changes. Each one takes a fresh mod-sequence, as one transaction does in dovecot.

    mutating func nextModSeq() -> UInt64 {
        highestModSeq += 1
        return highestModSeq
    }

    mutating func noteKeywords<S: Sequence>(_ flags: S) where S.Element == Flag {
        for f in flags where !f.isSystem && !keywords.contains(f.rawValue) { keywords.append(f.rawValue) }
    }

    /// Appends messages in one change; returns their UIDs.
    mutating func append(_ items: [(body: [UInt8], flags: Set<Flag>, date: Date, zone: Int)]) -> [UInt32] {
        guard !items.isEmpty else { return [] }
        let modSeq = nextModSeq()
        var uids: [UInt32] = []
        for item in items {
            var flags = item.flags
            flags.remove(.recent)
            noteKeywords(flags)
            let uid = uidNext
            uidNext += 1
            // INTERNALDATE has a precision of one second (RFC 3501 `date-time`).
            let date = Date(timeIntervalSince1970: item.date.timeIntervalSince1970.rounded(.down))
            messages.append(FakeMessage(uid: uid, modSeq: modSeq, flags: flags, internalDate: date,
                                        timeZoneOffset: item.zone, body: item.body))
            uids.append(uid)
        }
        return uids
    }

    /// How a STORE combines the given flags with a message's flags (RFC 3501 §6.4.6).
    public enum FlagOperation: Sendable { case add, remove, replace }

    /// Applies a flag change to the given UIDs in one change. Messages whose flags would not
    /// change keep their mod-sequence. `unchangedSince` implements RFC 7162 §3.1.3: messages
    /// whose mod-sequence is above it are left alone and returned in `modified`.
    mutating func store(uids: [UInt32], flags: Set<Flag>, operation: FlagOperation,
                        unchangedSince: UInt64? = nil) -> (changed: [UInt32], modified: [UInt32]) {
        var flags = flags
        flags.remove(.recent)
        var changed: [UInt32] = [], modified: [UInt32] = []
        var modSeq: UInt64?
        for uid in uids {
            guard let i = index(ofUID: uid) else { continue }
            if let limit = unchangedSince, messages[i].modSeq > limit { modified.append(uid); continue }
            let old = messages[i].flags
            let new: Set<Flag>
            switch operation {
            case .add: new = old.union(flags)
            case .remove: new = old.subtracting(flags)
            case .replace: new = flags
            }
            guard new != old else { continue }
            if modSeq == nil { modSeq = nextModSeq() }
            messages[i].flags = new
            messages[i].modSeq = modSeq ?? highestModSeq
            changed.append(uid)
        }
        if operation != .remove { noteKeywords(flags) }
        return (changed, modified)
    }

    /// Removes the given UIDs in one change and remembers them with the expunge's mod-sequence.
    mutating func expunge(uids: [UInt32]) -> [UInt32] {
        let wanted = Set(uids)
        let removed = messages.filter { wanted.contains($0.uid) }.map(\.uid)
        guard !removed.isEmpty else { return [] }
        let modSeq = nextModSeq()
        expungedMessages.append(contentsOf: messages.filter { wanted.contains($0.uid) })
        if expungedMessages.count > Self.expungedMessagesKept {
            expungedMessages.removeFirst(expungedMessages.count - Self.expungedMessagesKept)
        }
        messages.removeAll { wanted.contains($0.uid) }
        for uid in removed { expunged.append(ExpungedUID(uid: uid, modSeq: modSeq)) }
        return removed
    }

    /// UIDs expunged after `modSeq` (RFC 7162 §3.2.5.1), restricted to `within` when given.
    public func expunged(since modSeq: UInt64, within: SequenceSet? = nil) -> SequenceSet {
        var out = SequenceSet()
        var i = expunged.count - 1
        while i >= 0, expunged[i].modSeq > modSeq {
            let uid = expunged[i].uid
            if within.map({ set in set.contains(uid) || (set.includesStar && uid >= (set.last ?? 1)) }) ?? true { out.insert(uid) }
            i -= 1
        }
        return out
    }
}
