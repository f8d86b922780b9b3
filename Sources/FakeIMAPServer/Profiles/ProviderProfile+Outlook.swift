extension ProviderProfile {
    /// Outlook.com / Microsoft 365 / Exchange Online (outlook.office365.com). Advertised after login,
    /// as logged in https://github.com/jstedfast/MailKit/issues/638 and
    /// https://github.com/MailCore/mailcore2/issues/1206: `IMAP4 IMAP4rev1 ... UIDPLUS MOVE ID
    /// UNSELECT CHILDREN IDLE NAMESPACE LITERAL+`. No ENABLE, no CONDSTORE or QRESYNC, no
    /// LIST-EXTENDED or LIST-STATUS, no NOTIFY, no MULTIAPPEND.
    ///
    /// Quirk: STATUS responses end with a space before CRLF, reported in
    /// https://github.com/modern-email/defects/issues/9, https://github.com/djc/imap-proto/pull/152
    /// ("Outlook server sends STATUS responses with a space at the end") and
    /// https://github.com/duesee/imap-codec/pull/468 (Microsoft Exchange).
    public static let outlook = ProviderProfile(
        name: "outlook",
        capabilities: ["IMAP4", "IMAP4rev1", "UIDPLUS", "MOVE", "ID", "UNSELECT", "CHILDREN", "IDLE", "NAMESPACE", "LITERAL+"],
        quirks: [.statusTrailingSpace])
}
