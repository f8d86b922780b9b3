/// The `type` option: how to reach the IMAP server.
public enum ConnectionType: String, CaseIterable, Equatable, Sendable {
    /// IMAP over TCP, upgraded with STARTTLS unless `STARTTLS=NO` (RFC 2595 §3.1).
    case imap
    /// IMAP over TLS from the first byte (port 993).
    case imaps
    /// IMAP over a socketpair to a child process running `command`.
    case tunnel

    /// The default `port` for this type: 143 for imap, 993 for imaps (RFC 8314 §7.3).
    public var defaultPort: Int {
        switch self {
        case .imap: return 143
        case .imaps, .tunnel: return 993
        }
    }
}
