/// One message as the `UID FETCH` of a pull cycle returned it (pullimap(1), Control flow step 1):
/// what delivery needs (the body and the envelope sender) and what the log line shows.
public struct FetchedMessage: Sendable, Equatable {
    public var uid: UInt32
    /// `ENVELOPE` (RFC 3501 §7.4.2): its sender is the reverse-path of the delivery.
    public var envelope: Envelope?
    /// `INTERNALDATE`, for the log line (and nothing else).
    public var internalDate: InternalDate?
    /// `BODY[]`, nil with `--no-delivery` (which does not fetch bodies).
    public var body: [UInt8]?

    public init(uid: UInt32, envelope: Envelope?, internalDate: InternalDate?, body: [UInt8]?) {
        self.uid = uid
        self.envelope = envelope
        self.internalDate = internalDate
        self.body = body
    }

    /// The message of a FETCH response, or nil for a response that is not one of ours: an
    /// unsolicited FETCH reporting another client's flag change carries neither ENVELOPE nor a
    /// body (RFC 3501 §7.4.2 lets a server send FETCH responses at any time). A response with
    /// data but no UID breaks RFC 3501 §6.4.8 ("UID FETCH ... MUST send the UID"): dropping it
    /// could let UIDNEXT move past an undelivered message, so it is an error.
    public static func from(_ response: FetchResponse) throws(FetchedMessageError) -> FetchedMessage? {
        let body = response.body(.complete)
        guard response.envelope != nil || body != nil else { return nil }
        guard let uid = response.uid else { throw FetchedMessageError(sequenceNumber: response.sequenceNumber) }
        return FetchedMessage(uid: uid, envelope: response.envelope, internalDate: response.internalDate, body: body)
    }

    /// The reverse-path of `MAIL FROM:<…>`: the envelope's sender as the reference takes it, or,
    /// if the server sent no ENVELOPE, the message's own Sender/From field.
    public var reversePath: String {
        if let envelope { return EnvelopeSender.reversePath(for: envelope) }
        if let body { return EnvelopeSender.reversePath(forMessage: body) }
        return ""
    }

    /// The octets this message holds in memory (for the read-ahead bound).
    var memoryFootprint: Int { (body?.count ?? 0) + 256 }
}

/// A FETCH response to `UID FETCH` that carries message data but no UID.
public struct FetchedMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var sequenceNumber: UInt32
    public var description: String { "FETCH response for message \(sequenceNumber) has no UID" }
}
