/// An address of a message envelope (RFC 3501 §7.4.2, `address`). A group is written as an
/// address with a nil host and the group name in `mailbox`, ended by an address whose mailbox
/// and host are both nil.
public struct EnvelopeAddress: Sendable, Hashable, CustomStringConvertible {
    public var name: String?
    /// The source route (obsolete, normally nil).
    public var adl: String?
    public var mailbox: String?
    public var host: String?

    public init(name: String?, adl: String?, mailbox: String?, host: String?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }

    /// `mailbox@host`, or nil for group markers.
    public var emailAddress: String? {
        guard let mailbox, let host else { return nil }
        return "\(mailbox)@\(host)"
    }

    public var description: String {
        let addr = emailAddress.map { "<\($0)>" } ?? (mailbox ?? "")
        if let name { return "\(name) \(addr)" }
        return addr
    }
}
