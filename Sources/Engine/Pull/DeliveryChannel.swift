/// The SMTP/LMTP transmission channel of one pull cycle, opened at the first message
/// (pullimap(1), Control flow step 1.i: "if no SMTP/LMTP transmission channel was opened, open
/// one") and ended with QUIT after the `UID FETCH` (step 2), so a cycle without new mail never
/// connects to the delivery server.
public final class DeliveryChannel {
    /// Opens a session and says EHLO/LHLO: over TCP to `deliver-method` in the program, over an
    /// in-memory stream in tests.
    public typealias Opener = () throws(MailDeliveryError) -> MailDeliverySession

    private let open: Opener
    private var session: MailDeliverySession?

    public init(open: @escaping Opener) { self.open = open }

    /// The channel to `method`, introducing the client as `clientDomain` (`deliver-ehlo`).
    public convenience init(method: DeliveryMethod, clientDomain: String,
                            trace: ((MailTrafficDirection, String) -> Void)? = nil) {
        self.init { () throws(MailDeliveryError) in
            try MailDeliverySession.connect(to: method, clientDomain: clientDomain, trace: trace)
        }
    }

    /// Whether a session is open.
    public var isOpen: Bool { session?.isOpen ?? false }

    /// Delivers one message, opening the channel first if needed; returns once the server took
    /// responsibility for it (RFC 5321 §4.1.1.4, RFC 2033 §4.2).
    public func deliver(message: [UInt8], reversePath: String, recipient: String) throws(MailDeliveryError) {
        let current: MailDeliverySession
        if let session, session.isOpen {
            current = session
        } else {
            current = try open()
            session = current
        }
        try current.deliver(message: message, reversePath: reversePath, recipient: recipient)
    }

    /// QUIT (step 2), if a session is open.
    public func quit() {
        session?.quit()
        session = nil
    }

    /// Drops the connection without QUIT (after a failure).
    public func close() {
        session?.close()
        session = nil
    }
}
