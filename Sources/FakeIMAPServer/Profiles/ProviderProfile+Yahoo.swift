extension ProviderProfile {
    /// Yahoo / AOL (imap.mail.yahoo.com). Advertised after login, as logged in
    /// https://github.com/jstedfast/MailKit/issues/221: `IMAP4rev1 ID NAMESPACE X-ID-ACLID UIDPLUS
    /// LITERAL+ XAPPLEPUSHSERVICE XYMHIGHESTMODSEQ` (the fake drops X-ID-ACLID and
    /// XAPPLEPUSHSERVICE); MOVE and CHILDREN appear in later logs. No ENABLE, no CONDSTORE, no
    /// IDLE, no LIST-EXTENDED.
    ///
    /// Quirks:
    /// - HIGHESTMODSEQ in the SELECT response without CONDSTORE (Yahoo's own XYMHIGHESTMODSEQ
    ///   instead), and CHANGEDSINCE/MODSEQ refused: reported in
    ///   https://github.com/whiteout-io/imap-client/pull/40 and
    ///   https://github.com/warmbly/warmbly/issues/346.
    /// - MESSAGELIMIT (RFC 9738, written by Yahoo's engineers): one command processes at most N
    ///   messages, so `UID FETCH 1:*` on a large folder shows only its first N messages; UIDONLY
    ///   (RFC 9586), which lets a client page through by UID ranges, is not offered here. I found
    ///   no public report giving Yahoo's N; the profile uses 10000 (a scenario sets its own with
    ///   `message-limit`).
    public static let yahoo = ProviderProfile(
        name: "yahoo",
        capabilities: ["IMAP4rev1", "ID", "MOVE", "NAMESPACE", "XYMHIGHESTMODSEQ", "UIDPLUS", "LITERAL+", "CHILDREN", "MESSAGELIMIT=10000"],
        quirks: [.highestModSeqWithoutCondStore],
        messageLimit: 10000)
}
