extension ProviderProfile {
    /// Gmail (imap.gmail.com). Its advertised list is `IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID
    /// XLIST CHILDREN X-GM-EXT-1 UIDPLUS COMPRESS=DEFLATE ENABLE MOVE CONDSTORE ESEARCH UTF8=ACCEPT
    /// LIST-EXTENDED LIST-STATUS LITERAL- SPECIAL-USE APPENDLIMIT=35651584`; the fake leaves out the
    /// ones it does not implement (QUOTA, XLIST, X-GM-EXT-1, UTF8=ACCEPT, APPENDLIMIT), which no
    /// synchronizer needs. What matters: CONDSTORE without QRESYNC, no NOTIFY, no MULTIAPPEND,
    /// LITERAL- instead of LITERAL+ (non-synchronizing literals of at most 4096 octets, RFC 7888 §4).
    ///
    /// Quirks:
    /// - HIGHESTMODSEQ response code without text: reported in
    ///   https://github.com/modern-email/defects/issues/28 (observed 2023-09, Google's tracker
    ///   https://issuetracker.google.com/issues/289877509).
    /// - At most 15 simultaneous IMAP connections per account ("Too many simultaneous
    ///   connections"): Gmail's help page once said 10 (http://mail.google.com/support/bin/answer.py?hl=en&answer=97150),
    ///   today's figure of 15 is reported in
    ///   https://canarymail.io/help/too-many-simultaneous-connections-on-gmail/ and
    ///   https://mailboxtaxi.com/troubleshooting/fix-too-many-imap-connections (which quotes the
    ///   refusal `NO Too many simultaneous connections (Failure)`).
    public static let gmail = ProviderProfile(
        name: "gmail",
        capabilities: ["IMAP4rev1", "UNSELECT", "IDLE", "NAMESPACE", "ID", "CHILDREN", "UIDPLUS", "COMPRESS=DEFLATE",
                       "ENABLE", "MOVE", "CONDSTORE", "ESEARCH", "LIST-EXTENDED", "LIST-STATUS", "LITERAL-", "SPECIAL-USE"],
        quirks: [.highestModSeqWithoutText],
        connectionLimit: 15)
}
