import Engine

/// One message the fake receiver accepted (or stored before a simulated crash).
public struct FakeMailDelivery: Sendable, Equatable {
    /// 1-based number of the transaction (MAIL command) over the receiver's lifetime.
    public var transaction: Int
    /// 1-based number of the connection it arrived on.
    public var connection: Int
    public var transferProtocol: DeliveryMethod.TransferProtocol
    /// The reverse-path of MAIL FROM, without angle brackets (empty for `<>`).
    public var reversePath: String
    /// The MAIL parameters as sent (`BODY=8BITMIME`, `SIZE=123`).
    public var mailParameters: [String]
    /// The accepted recipients, without angle brackets.
    public var recipients: [String]
    /// The message as the server stores it: the data after removing the dot-stuffing and the
    /// terminating ".CRLF" (RFC 5321 §4.5.2), so it ends with the CRLF of its last line.
    public var message: [UInt8]
    /// Whether the client got no reply for it (stored by ``FakeMailFault/Action/disconnectAfterStoring``).
    public var unacknowledged: Bool
}
