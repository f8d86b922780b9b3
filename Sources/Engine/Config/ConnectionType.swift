/// The `type` option: how to reach the IMAP server.
public enum ConnectionType: String, CaseIterable, Equatable, Sendable {
    /// IMAP over TCP, upgraded with STARTTLS unless `STARTTLS=NO` (RFC 2595 §3.1).
    case imap
    /// IMAP over TLS from the first byte (port 993).
    case imaps
    /// IMAP over a socketpair to a child process running `command`.
    case tunnel

    /// The default `port` for this type, the one table of them: 143 for imap (RFC 3501 §2.1),
    /// 993 for imaps (RFC 8314 §7.3); a tunnel has no port.
    public var defaultPort: UInt16? {
        switch self {
        case .imap: return 143
        case .imaps: return 993
        case .tunnel: return nil
        }
    }
}
