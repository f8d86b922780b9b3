extension ProviderProfile {
    /// iCloud (imap.mail.me.com): QRESYNC and CONDSTORE with ENABLE, ESEARCH, UIDPLUS, IDLE,
    /// LITERAL+, no LIST-EXTENDED, no LIST-STATUS, no NOTIFY, no MULTIAPPEND, no MOVE.
    ///
    /// Quirks:
    /// - ENABLE completes without `* ENABLED`: reported in
    ///   https://github.com/jstedfast/MailKit/issues/1871 and summarized (with Mozilla bug 1747311)
    ///   in https://github.com/Foundry376/Mailspring-Sync/pull/91.
    /// - VANISHED responses clients cannot use; clients turn QRESYNC off for iCloud
    ///   (https://github.com/Foundry376/Mailspring-Sync/pull/91,
    ///   https://github.com/bkaankose/Wino-Mail/issues/43). I found no report quoting the exact
    ///   bytes, so the form reproduced here (UIDs separated by spaces instead of a sequence set) is
    ///   this fake's choice of a malformed VANISHED, not a transcript.
    public static let icloud = ProviderProfile(
        name: "icloud",
        capabilities: ["IMAP4", "IMAP4rev1", "LITERAL+", "NAMESPACE", "UIDPLUS", "CHILDREN", "UNSELECT", "ESEARCH",
                       "CONDSTORE", "QRESYNC", "ENABLE", "SASL-IR", "ID", "IDLE"],
        quirks: [.noEnabledResponse, .malformedVanished])
}
