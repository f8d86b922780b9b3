/// One message on its way to a delivery target.
public struct OutgoingMessage: Sendable, Equatable {
    /// The message as fetched (`BODY[]`), CRLF line endings as IMAP sends them.
    public var body: [UInt8]
    /// The envelope sender (the address inside `MAIL FROM:<…>`, empty for the null path).
    public var reversePath: String
    /// `deliver-rcpt`.
    public var recipient: String

    public init(body: [UInt8], reversePath: String, recipient: String) {
        self.body = body
        self.reversePath = reversePath
        self.recipient = recipient
    }
}

/// A place messages are delivered to (`deliver-method`): an SMTP/LMTP session, a maildir, an
/// mbox file, an MDA. One thread drives a deliverer.
///
/// The exactly-once rule of pullimap's statefile rests on one promise: ``deliver(_:next:)``
/// returns only once the target has taken responsibility for the message (the server's reply,
/// the maildir rename, the fsync of the mbox, the MDA's exit 0), and throws otherwise.
public protocol MessageDeliverer: AnyObject {
    /// Delivers `message`. `next` is the message that will be delivered right after it, when it
    /// is already known: a session may announce it in the same write (RFC 2920 pipelining), so
    /// the next call must then be for exactly that message.
    func deliver(_ message: OutgoingMessage, next: OutgoingMessage?) throws(MailDeliveryError)
    /// Ends cleanly after the last message (SMTP/LMTP: QUIT).
    func quit()
    /// Drops everything unfinished (after a failure).
    func close()
    /// False once ended.
    var isOpen: Bool { get }
}
