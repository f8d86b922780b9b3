/// `pullimap --serverinfo`: what a section's server offers, printed for the user to read (and
/// to paste: the certificate's SPKI fingerprint comes as an `SSL_fingerprint` line). Connects
/// and logs in, EXAMINEs the mailbox (read-only) and touches neither the statefile nor any
/// delivery target.
public enum ServerInfo {
    /// The lines to print for `session`, logged in, whose mailbox `connection` has EXAMINEd.
    public static func lines(section: String, session: IMAPSession, mailbox: SelectedPullMailbox, mailboxName: String) -> [String] {
        var lines: [String] = []
        switch session.greeting {
        case .notAuthenticated(let text)?: lines.append("greeting: * OK \(text)")
        case .preAuthenticated(let text)?: lines.append("greeting: * PREAUTH \(text)")
        case nil: break
        }
        lines.append("capabilities: \(session.capabilities.ordered.joined(separator: " "))")
        if let tls = tlsSession(of: session.stream) {
            lines.append("TLS: \(tls.protocolVersion), cipher \(tls.cipher) (\(tls.cipherBits) bits)")
            lines.append("certificate subject: \(tls.peerSubject ?? "none")")
            lines.append("certificate issuer: \(tls.peerIssuer ?? "none")")
            lines.append("certificate valid from \(tls.peerNotBefore ?? "?") until \(tls.peerNotAfter ?? "?")")
            if let fingerprint = tls.peerSPKIFingerprint { lines.append("SSL_fingerprint = \(fingerprint)") }
        } else {
            lines.append("TLS: none")
        }
        let uidValidity = mailbox.uidValidity.map(String.init) ?? "none"
        let uidNext = mailbox.uidNext.map(String.init) ?? "none"
        lines.append("mailbox \(mailboxName): UIDVALIDITY \(uidValidity), UIDNEXT \(uidNext), \(mailbox.messageCount) message(s)")
        return lines.map { "\(section): \($0)" }
    }

    /// The TLS session of the connection, if TLS is in use (the stream is a TLSStream once
    /// `type = imaps` connected or STARTTLS succeeded; `--serverinfo` turns COMPRESS off).
    private static func tlsSession(of stream: ByteStream) -> TLSStream.Session? {
        (stream as? TLSStream)?.session
    }
}
