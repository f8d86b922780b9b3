/// The envelope sender (the reverse-path of `MAIL FROM:<…>`, RFC 5321 §4.1.2) for a message
/// pulled from IMAP.
///
/// As the reference pullimap does, it is the first address of the message's ENVELOPE sender
/// (RFC 3501 §7.4.2: the `Sender` header field, which the server defaults to `From`). A
/// Return-Path field is not used: it records the path of an earlier delivery, not who should
/// receive bounces of this one. When there is no usable address (no field, a group, no domain)
/// the reverse-path is empty, `MAIL FROM:<>`, which is what a bounce-less message gets.
public enum EnvelopeSender {
    /// The reverse-path (without angle brackets) from a FETCH ENVELOPE: the first sender address,
    /// or the first From address if a server left the sender list empty.
    public static func reversePath(for envelope: Envelope) -> String {
        let list = envelope.sender.isEmpty ? envelope.from : envelope.sender
        return list.first.map(path(for:)) ?? ""
    }

    /// The reverse-path from the message's own header: the `Sender` field if present, else
    /// `From`; only the header block is read.
    public static func reversePath(forMessage message: [UInt8]) -> String {
        let header = MessageHeader(message: message)
        for name in ["Sender", "From"] {
            if let value = header.firstValue(named: name) {
                let addresses = AddressListParser.parse(value)
                if let first = addresses.first { return path(for: first) }
            }
        }
        return ""
    }

    /// `local@domain` with the local part written as RFC 5321 §4.1.2 requires: as is when it is
    /// a Dot-string, otherwise as a Quoted-string with `"` and `\` escaped. Empty for a group
    /// marker, a missing or empty mailbox or domain, and anything with a control character or
    /// a space in the domain (which no command could carry).
    public static func path(for address: EnvelopeAddress) -> String {
        guard let mailbox = address.mailbox, let host = address.host, !mailbox.isEmpty, !host.isEmpty else { return "" }
        let controls = mailbox.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        let badHost = host.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">" }
        guard !controls, !badHost else { return "" }
        return localPart(mailbox) + "@" + host
    }

    /// RFC 5321 §4.1.2 Local-part = Dot-string / Quoted-string.
    static func localPart(_ mailbox: String) -> String {
        if isDotString(mailbox) { return mailbox }
        var quoted = "\""
        for scalar in mailbox.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }

    /// Dot-string = Atom *("." Atom), Atom = 1*atext (RFC 5321 §4.1.2; RFC 6531 §3.3 adds
    /// non-ASCII UTF-8 to atext).
    static func isDotString(_ text: String) -> Bool {
        let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".unicodeScalars)
        var atomLength = 0
        for scalar in text.unicodeScalars {
            if scalar == "." {
                if atomLength == 0 { return false }
                atomLength = 0
            } else if scalar.value >= 0x80 || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                        || atextSymbols.contains(scalar) {
                atomLength += 1
            } else {
                return false
            }
        }
        return atomLength > 0
    }
}
