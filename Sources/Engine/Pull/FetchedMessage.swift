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
    /// body (RFC 3501 §7.4.2 lets a server send FETCH responses at any time).
    public init?(_ response: FetchResponse) {
        let body = response.body(.complete)
        guard response.envelope != nil || body != nil, let uid = response.uid else { return nil }
        self.init(uid: uid, envelope: response.envelope, internalDate: response.internalDate, body: body)
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
