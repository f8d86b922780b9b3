/// The line pullimap logs for each message it pulls, in the reference's shape:
/// `SECTION(MAILBOX): UID 12 from <a@example.org> (21-Nov-2026 17:55:22 +0000)`.
///
/// The address is the envelope sender exactly as sent in `MAIL FROM:<…>` (empty for `<>`); the
/// parenthesised part is the message's INTERNALDATE with the server's fields and time zone, written
/// with a two-digit day (the reference prints the server's string, whose day may be space-padded
/// or one digit: the same date either way). The line is logged with `--no-delivery` too.
public enum DeliveryLogLine {
    /// `UID 12 from <a@example.org> (21-Nov-2026 17:55:22 +0000)`, without the prefix.
    public static func message(uid: UInt32, reversePath: String, internalDate: String) -> String {
        "UID \(uid) from <\(reversePath)> (\(internalDate))"
    }

    /// The same with an INTERNALDATE already parsed (written with a two-digit day).
    public static func message(uid: UInt32, reversePath: String, internalDate: InternalDate) -> String {
        message(uid: uid, reversePath: reversePath, internalDate: internalDate.description)
    }

    /// The reference's prefix for lines about a mailbox: `SECTION(MAILBOX): `.
    public static func prefix(section: String, mailbox: String) -> String {
        "\(section)(\(mailbox)): "
    }
}
