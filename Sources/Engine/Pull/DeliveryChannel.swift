/// The delivery channel of one pull cycle, opened at the first message (pullimap(1), Control
/// flow step 1.i: "if no SMTP/LMTP transmission channel was opened, open one") and ended with
/// QUIT after the `UID FETCH` (step 2), so a cycle without new mail never connects to the
/// delivery server (nor creates a maildir or opens an mbox).
public final class DeliveryChannel {
    /// Opens the deliverer (``DeliveryTarget/open(clientDomain:trace:)`` in the program, a
    /// session over an in-memory stream in tests).
    public typealias Opener = () throws(MailDeliveryError) -> any MessageDeliverer

    private let open: Opener
    private var deliverer: (any MessageDeliverer)?

    public init(open: @escaping Opener) { self.open = open }

    /// The channel to `target`, introducing the client as `clientDomain` (`deliver-ehlo`).
    public convenience init(target: DeliveryTarget, clientDomain: String,
                            trace: ((MailTrafficDirection, String) -> Void)? = nil) {
        self.init { () throws(MailDeliveryError) in try target.open(clientDomain: clientDomain, trace: trace) }
    }

    /// Whether a deliverer is open.
    public var isOpen: Bool { deliverer?.isOpen ?? false }

    /// Delivers one message, opening the channel first if needed; returns once the target took
    /// responsibility for it (RFC 5321 §4.1.1.4, RFC 2033 §4.2, the maildir rename, the mbox
    /// fsync, the MDA's exit 0). `next` may be announced ahead (see ``MessageDeliverer``).
    public func deliver(_ message: OutgoingMessage, next: OutgoingMessage? = nil) throws(MailDeliveryError) {
        let current: any MessageDeliverer
        if let deliverer, deliverer.isOpen {
            current = deliverer
        } else {
            current = try open()
            deliverer = current
        }
        try current.deliver(message, next: next)
    }

    /// Delivers one message without announcing another.
    public func deliver(message: [UInt8], reversePath: String, recipient: String) throws(MailDeliveryError) {
        try deliver(OutgoingMessage(body: message, reversePath: reversePath, recipient: recipient))
    }

    /// QUIT (step 2), if a deliverer is open.
    public func quit() {
        deliverer?.quit()
        deliverer = nil
    }

    /// Drops the connection without QUIT (after a failure).
    public func close() {
        deliverer?.close()
        deliverer = nil
    }
}
