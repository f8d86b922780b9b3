/// Failures of an IMAP session, each with the server's own words when it gave any.
public enum IMAPClientError: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// The server greeted with BYE (RFC 3501 §7.1.5) or sent something that is not a greeting.
    case greetingRejected(String)
    /// A command got NO: the command's name and the server's text.
    case commandFailed(command: String, text: String)
    /// A command got BAD: the server did not understand it (a bug on one side).
    case commandRejected(command: String, text: String)
    /// The server said BYE and closed the connection.
    case serverClosed(String)
    /// The connection ended before the tagged response of a command.
    case connectionLost(String)
    /// `STARTTLS = YES` but the server does not advertise STARTTLS: abort rather than send
    /// credentials in clear (RFC 2595 §3.1; protects against capability stripping).
    case startTLSUnavailable
    /// `STARTTLS = YES` and the server greets with PREAUTH: the session is authenticated in clear,
    /// STARTTLS can no longer be sent (RFC 3501 §6.2.1); someone may have stripped it.
    case preAuthenticatedInClear
    /// A required extension is missing (interimap(1): QRESYNC, LIST-EXTENDED, LIST-STATUS or NOTIFY, UIDPLUS).
    case missingCapability(String)
    /// Authentication is needed but no way is possible: a reason for the user.
    case authenticationImpossible(String)
    /// The server's bytes do not follow the IMAP grammar.
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .greetingRejected(let t): return "server refused the connection: \(t)"
        case let .commandFailed(c, t): return "\(c) failed: \(t)"
        case let .commandRejected(c, t): return "\(c) rejected (BAD): \(t)"
        case .serverClosed(let t): return "server closed the connection: \(t)"
        case .connectionLost(let t): return "connection lost: \(t)"
        case .preAuthenticatedInClear:
            // The reference's words.
            return "PREAUTH greeting on plaintext connection? MiTM in action? Aborting, set \"STARTTLS = NO\" to ignore."
        case .startTLSUnavailable: return "server did not advertise STARTTLS capability (set STARTTLS = NO to connect anyway, unencrypted)"
        case .missingCapability(let c): return "server does not support \(c)"
        case .authenticationImpossible(let t): return "cannot authenticate: \(t)"
        case .protocolViolation(let t): return "protocol error: \(t)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .greetingRejected, .serverClosed: return .unavailable
        case .commandFailed(let c, _) where c == "LOGIN" || c == "AUTHENTICATE": return .permissionDenied
        case .commandFailed: return .unavailable
        case .commandRejected, .protocolViolation: return .protocolError
        case .connectionLost: return .temporaryFailure
        case .startTLSUnavailable, .preAuthenticatedInClear, .missingCapability: return .unavailable
        case .authenticationImpossible: return .configuration
        }
    }
}
