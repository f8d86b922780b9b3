/// Failures below the IMAP layer. Each case carries what a user needs to act on it.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    /// The stream was closed locally or by the peer while writing.
    case closed
    /// A system call failed: which one, on what, and errno's text.
    case system(call: String, target: String, message: String)
    /// Name resolution failed.
    case resolve(host: String, message: String)
    /// TLS handshake, verification or record-layer failure.
    case tls(String)
    /// SOCKS5 proxy negotiation failure (RFC 1928 §6 reply codes are spelled out).
    case socks(String)
    /// COMPRESS=DEFLATE stream corruption.
    case compression(String)
    /// A tunnel command could not be started.
    case tunnel(command: String, message: String)
    /// Nothing moved on the connection for `seconds` while an answer was due (the `timeout` option).
    case timedOut(target: String, seconds: Double)
    /// An invalid transport setting (host, port, proxy URL, TLS option): names the option and value.
    case configuration(String)

    public var description: String {
        switch self {
        case .closed: return "connection closed"
        case let .system(call, target, message): return "\(call)(\(target)): \(message)"
        case let .resolve(host, message): return "cannot resolve '\(host)': \(message)"
        case let .tls(m): return "TLS: \(m)"
        case let .socks(m): return "SOCKS5 proxy: \(m)"
        case let .compression(m): return "COMPRESS=DEFLATE: \(m)"
        case let .tunnel(command, message): return "tunnel '\(command)': \(message)"
        case let .configuration(m): return m
        case let .timedOut(target, seconds): return "\(target): no answer within \(SilenceLimit.format(seconds)) seconds (timeout)"
        }
    }
}
