/// The commands of one SMTP/LMTP mail transaction for a message (RFC 5321 §3.3): `MAIL FROM`
/// with its parameters, `RCPT TO`, and the data to send after DATA's 354.
struct MailTransaction {
    let message: OutgoingMessage
    let mail: String
    let rcpt: String
    let data: MessageData

    /// Builds the transaction for `message` on a session whose server announced `extensions`:
    /// `BODY=8BITMIME` when the message has 8-bit octets and the server supports it (RFC 6152),
    /// `SIZE=` when the server announced SIZE (RFC 1870), `SMTPUTF8` when an address is not
    /// ASCII and the server supports it (RFC 6531).
    init(_ message: OutgoingMessage, extensions: ServiceExtensions) throws(MailDeliveryError) {
        try Self.validate(message.reversePath, role: "sender")
        try Self.validate(message.recipient, role: "recipient")
        self.message = message
        data = MessageData(message: message.body)
        var mail = "MAIL FROM:<\(message.reversePath)>"
        if data.hasEightBitOctets && extensions.eightBitMIME { mail += " BODY=8BITMIME" }
        if extensions.maximumMessageSize != nil { mail += " SIZE=\(data.messageSize)" }
        if extensions.smtpUTF8 && !(message.reversePath + message.recipient).unicodeScalars.allSatisfy(\.isASCII) {
            mail += " SMTPUTF8"
        }
        self.mail = mail
        rcpt = "RCPT TO:<\(message.recipient)>"
    }

    /// The pipelined group (RFC 2920 §3.1: MAIL and RCPT anywhere in a group, DATA last).
    var envelopeGroup: [String] { [mail, rcpt, "DATA"] }

    /// A CR or LF in an address would end the command early and inject another (RFC 5321 §4.1.2
    /// allows neither in a path).
    private static func validate(_ address: String, role: String) throws(MailDeliveryError) {
        if address.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidAddress(role: role, address: address)
        }
    }
}
