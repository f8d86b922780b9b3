import Foundation

/// Finds the UIDs an APPEND gave its messages when the server did not say (no UIDPLUS, or an
/// APPEND answered without APPENDUID, as Proton Mail Bridge is reported to do at times). The new
/// messages are at or above the UIDNEXT known before the APPEND (RFC 3501 §2.3.1.1: UIDs
/// ascend); among those, each is recognised by its size, internal date and Message-ID. A message
/// that cannot be recognised is not guessed at: the run stops with the APPENDUID error, and the
/// next run pairs the copy with its original instead of copying it again.
struct AppendedMessageKey: Equatable {
    var size: Int
    /// Seconds since the epoch; nil when the APPEND gave none (the server then picks the time).
    var date: Int64?
    var messageID: String?

    /// The header of a message: its first bytes, up to the end of the header or this many.
    static let headerPrefixLimit = 64 * 1024

    init(size: Int, internalDate: InternalDate?, header: [UInt8]) {
        self.size = size
        date = internalDate.map { Int64($0.date.timeIntervalSince1970) }
        messageID = MessageHeader(message: header).firstValue(named: "Message-ID").map(Self.normalized)
    }

    init(size: Int, date: Int64?, messageID: String?) {
        self.size = size; self.date = date; self.messageID = messageID.map(Self.normalized)
    }

    static func normalized(_ id: String) -> String { id.trimmingCharacters(in: .whitespaces) }

    /// Whether a message the server has is this one.
    func matches(_ other: AppendedMessageKey) -> Bool {
        size == other.size && (date == nil || date == other.date) && messageID == other.messageID
    }
}

extension IMAPMailStore {
    /// The UIDs of the messages just appended to `mailbox` (which must be selected), in order:
    /// `UID FETCH next:*` of their size, date and Message-ID, matched against `keys`.
    func searchAppendedUIDs(_ keys: [AppendedMessageKey], mailbox: [UInt8]) throws -> AppendedUIDs {
        guard let view = selected, view.database == mailbox, view.uidValidity > 0 else {
            throw SyncError.missingAppendUID(server: name, mailbox: display(mailbox))
        }
        let from = max(view.appendedSearchFrom, view.uidNext, 1)
        var found: [(uid: UInt32, key: AppendedMessageKey)] = []
        let items: [FetchItem] = [.uid, .rfc822Size, .internalDate, .body(section: BodySection(kind: .headerFields(["Message-ID"])), peek: true)]
        let done = try command(.uidFetch(SequenceSet.from(from), items: items), name: "UID FETCH") { answer in
            guard case .fetch(let response) = answer, let uid = response.uid, let size = response.rfc822Size else { return false }
            // `n:*` names the last message even below `n` (RFC 3501 §6.4.8): answered, not kept.
            if uid >= from {
                // The server may spell the field name in another case (RFC 3501 §6.4.5: names are
                // case-insensitive).
                let header = response.bodies.first { if case .headerFields = $0.section.kind { return true } else { return false } }?.bytes ?? []
                found.append((uid, AppendedMessageKey(size: Int(size), date: response.internalDate.map { Int64($0.date.timeIntervalSince1970) },
                                                      messageID: MessageHeader(message: header).firstValue(named: "Message-ID"))))
            }
            return true
        }
        try done.wait()
        found.sort { $0.uid < $1.uid }
        var taken = Set<UInt32>()
        var uids: [UInt32] = []
        for key in keys {
            guard let match = found.first(where: { !taken.contains($0.uid) && key.matches($0.key) }) else {
                throw SyncError.missingAppendUID(server: name, mailbox: display(mailbox))
            }
            taken.insert(match.uid)
            uids.append(match.uid)
        }
        // Later APPENDs' messages come after these.
        if let last = uids.max() { view.appendedSearchFrom = max(view.appendedSearchFrom, last + 1) }
        log.debug(name, display(mailbox), "APPEND without APPENDUID: found UID(s) \(SyncLog.uids(uids)) by size, date and Message-ID")
        return AppendedUIDs(uidValidity: view.uidValidity, uids: uids)
    }
}
