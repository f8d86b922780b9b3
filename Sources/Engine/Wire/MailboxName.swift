/// A mailbox name as it travels on the wire: modified UTF-7 bytes (RFC 3501 §5.1.3).
///
/// The wire form is what identifies a mailbox to the server, so it is what this type stores;
/// the Unicode form is derived. `INBOX` is case-insensitive (RFC 3501 §5.1) and is normalised
/// to upper case.
public struct MailboxName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The bytes exactly as sent on the wire (except INBOX's capitalisation).
    public let wireBytes: [UInt8]

    public static let inbox = MailboxName(wire: Array("INBOX".utf8))

    /// A name from its wire form (as parsed from a response).
    public init(wire: [UInt8]) {
        if wire.count == 5, String(decoding: wire, as: UTF8.self).uppercased() == "INBOX" {
            wireBytes = Array("INBOX".utf8)
        } else {
            wireBytes = wire
        }
    }

    /// A name from its wire form given as a string (already modified UTF-7).
    public init(wire: String) { self.init(wire: Array(wire.utf8)) }

    /// A name from its Unicode form, encoded to modified UTF-7.
    public init(_ unicodeName: String) { self.init(wire: Array(ModifiedUTF7.encode(unicodeName).utf8)) }

    /// The wire form as a string (8-bit bytes, which a well-behaved server never sends without
    /// UTF8=ACCEPT, are decoded as UTF-8).
    public var wireString: String { String(decoding: wireBytes, as: UTF8.self) }

    /// The Unicode name; throws if the wire form is not valid modified UTF-7.
    public func decoded() throws -> String { try ModifiedUTF7.decode(wireString) }

    /// The Unicode name, or the wire form if it is not valid modified UTF-7 (for messages).
    public var displayName: String { (try? decoded()) ?? wireString }

    public var isInbox: Bool { wireBytes == MailboxName.inbox.wireBytes }

    public var description: String { displayName }

    public static func < (a: MailboxName, b: MailboxName) -> Bool { a.wireBytes.lexicographicallyPrecedes(b.wireBytes) }
}
