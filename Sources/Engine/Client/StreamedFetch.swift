/// Reads the answer to `UID FETCH uids (UID MODSEQ FLAGS INTERNALDATE BODY.PEEK[])` event by
/// event, so that each message can be copied while it arrives: once a message's UID, flags and
/// internal date have come and its body starts, the message is handed out with a body whose
/// pieces are read from the connection as the copy asks for them. A server may send the
/// attributes in any order (RFC 3501 §7.4.2); when they come after the body, that message's
/// body is collected first. A FETCH without a body is another client's change, a report.
final class StreamedFetch {
    /// What one FETCH event amounted to.
    enum Outcome {
        /// Part of a message being handed out.
        case consumed
        /// A message ended; its MODSEQ (RFC 7162 §3.1.1) if it had one.
        case messageEnded(modSeq: UInt64?)
        /// A complete FETCH that is not one of the messages asked for.
        case report(FetchResponse)
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

    init(wanted: SequenceSet) { self.wanted = wanted }

    func feed(_ event: ResponseEvent) -> Outcome {
        switch event {
        case .fetchStart(let n):
            response = FetchResponse(sequenceNumber: n)
            streaming = nil; collecting = nil; isMessage = false
        case .fetchAttribute(let attribute):
            response?.attributes.append(attribute)
        case .fetchBodyStart(let section, let origin, let size):
            if section == .complete, origin == nil, let r = response, let uid = r.uid, let flags = r.flags, r.internalDate != nil {
                isMessage = true
                let pieces = Pieces()
                streaming = pieces
                // `n:*` names the highest message even below `n` (RFC 3501 §6.4.8): read, not kept.
                if wanted.admits(uid) { ready.append((uid, flags, r.internalDate, size, pieces)) }
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
            // body with its UID is a message whatever else came with it, never a report to drop.
            if let uid = r.uid, let body = r.body() {
                if wanted.admits(uid) {
                    let pieces = Pieces()
                    pieces.pieces = [body]
                    pieces.ended = true
                    ready.append((uid, r.flags ?? [], r.internalDate, body.count, pieces))
                }
                return .messageEnded(modSeq: r.modSeq)
            }
            return .report(r)
        default:
            break
        }
        return .consumed
    }
}
