/// Reads the answer to `UID FETCH uids (UID MODSEQ FLAGS INTERNALDATE BODY.PEEK[])` event by
/// event, so that each message can be copied while it arrives: once a message's UID, flags and
/// internal date have come and its body starts, the message is handed out with a body whose
/// pieces are read from the connection as the copy asks for them. A server may send the
/// attributes in any order (RFC 3501 §7.4.2); when they come after the body, that message's
/// body is collected first. A FETCH without a body is another client's change, a report.
///
/// Nothing a server says is taken on trust: a message whose FETCH lacks its flags or internal
/// date is not handed out (it would be copied wrong), and a wanted UID that got only bodiless
/// answers is missing; both are in ``missing`` at the end, for the store to ask again. A UID
/// beyond what the mailbox can hold (``isPlausible``) is a protocol violation.
final class StreamedFetch {
    /// What one FETCH event amounted to.
    enum Outcome {
        /// Part of a message being handed out.
        case consumed
        /// A message ended; its MODSEQ (RFC 7162 §3.1.1) if it had one.
        case messageEnded(modSeq: UInt64?)
        /// A complete FETCH that is not one of the messages asked for.
        case report(FetchResponse)
        /// A message with a UID the mailbox cannot have (see ``isPlausible``).
        case implausible(UInt32)
    }

    /// The pieces of a body being handed out, filled as the events arrive.
    final class Pieces {
        var pieces: [[UInt8]] = []
        var ended = false
    }

    let wanted: SequenceSet
    /// Messages whose bodies have started, for the cursor to take.
    var ready: [(uid: UInt32, flags: [Flag], date: InternalDate?, size: Int, pieces: Pieces)] = []

    private var response: FetchResponse?
    private var streaming: Pieces?
    private var collecting: (section: BodySection, origin: UInt32?, bytes: [UInt8])?
    /// Whether the current response's body is one of ours (handed out or to be handed out).
    private var isMessage = false
    /// Wanted UIDs handed out whole.
    private var delivered = SequenceSet()
    /// Wanted UIDs that came without everything asked for.
    private var incomplete = SequenceSet()
    /// Whether a UID may be a message of the mailbox (below its UIDNEXT unless it grew since);
    /// asked when a message's body starts.
    var isPlausible: (UInt32) -> Bool = { _ in true }

    init(wanted: SequenceSet) { self.wanted = wanted }

    /// Wanted messages the server answered for without all of UID, FLAGS, INTERNALDATE and
    /// BODY[] (and never in full): not copied, to be fetched again.
    var missing: SequenceSet { incomplete.subtracting(delivered) }

    func feed(_ event: ResponseEvent) -> Outcome {
        switch event {
        case .fetchStart(let n):
            response = FetchResponse(sequenceNumber: n)
            streaming = nil; collecting = nil; isMessage = false
        case .fetchAttribute(let attribute):
            response?.attributes.append(attribute)
        case .fetchBodyStart(let section, let origin, let size):
            if section == .complete, origin == nil, let r = response, let uid = r.uid, let flags = r.flags, r.internalDate != nil {
                if wanted.admits(uid) && !isPlausible(uid) { return .implausible(uid) }
                isMessage = true
                let pieces = Pieces()
                streaming = pieces
                // `n:*` names the highest message even below `n` (RFC 3501 §6.4.8): read, not kept.
                if wanted.admits(uid) { ready.append((uid, flags, r.internalDate, size, pieces)); delivered.insert(uid) }
            } else {
                collecting = (section, origin, [])
            }
        case .fetchBodyChunk(let bytes):
            if let streaming { streaming.pieces.append(bytes) } else { collecting?.bytes += bytes }
        case .fetchBodyEnd:
            if let streaming { streaming.ended = true; self.streaming = nil }
            if let c = collecting { response?.bodies.append(FetchedBody(section: c.section, origin: c.origin, bytes: c.bytes)); collecting = nil }
        case .fetchEnd:
            defer { response = nil }
            guard let r = response else { return .consumed }
            if isMessage { return .messageEnded(modSeq: r.modSeq) }
            // Attributes after the body (or some missing): the message is complete only now. A
            // body with its UID is a message, never a report to drop; without its flags or date
            // it is not copied (its copy would be wrong) but counted missing.
            if let uid = r.uid, let body = r.body() {
                guard wanted.admits(uid) else { return .messageEnded(modSeq: r.modSeq) }
                if !isPlausible(uid) { return .implausible(uid) }
                guard let flags = r.flags, r.internalDate != nil else {
                    incomplete.insert(uid)
                    return .messageEnded(modSeq: r.modSeq)
                }
                let pieces = Pieces()
                pieces.pieces = [body]
                pieces.ended = true
                ready.append((uid, flags, r.internalDate, body.count, pieces))
                delivered.insert(uid)
                return .messageEnded(modSeq: r.modSeq)
            }
            // A wanted message answered without its body: a report of its flags, and missing
            // unless its full answer comes too.
            if let uid = r.uid, wanted.admits(uid) { incomplete.insert(uid) }
            return .report(r)
        default:
            break
        }
        return .consumed
    }
}
