/// Why a message could not be handed to the SMTP or LMTP server.
///
/// Each case names the protocol, the command that failed (as sent, e.g. `RCPT TO:<a@example.org>`,
/// or `end of message data` for the reply after the final dot) and what the server said, so the
/// one-line description tells the user which side to fix. A transient failure (4yz) and a lost
/// connection leave the message undelivered and are worth retrying; a permanent failure (5yz)
/// will fail again until someone changes the configuration or the server.
public enum MailDeliveryError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding {
    /// A 4yz reply (RFC 5321 §4.2.1: "the command was not accepted … the error condition is temporary").
    case transientFailure(transferProtocol: DeliveryMethod.TransferProtocol, command: String, reply: MailReply)
    /// A 5yz reply: the server will not accept the command as it is.
    case permanentFailure(transferProtocol: DeliveryMethod.TransferProtocol, command: String, reply: MailReply)
    /// The connection ended (or a read/write failed) before the server's reply to `command`.
    case connectionLost(transferProtocol: DeliveryMethod.TransferProtocol, command: String, reason: String)
    /// The server sent something RFC 5321/2033 does not allow here (a malformed line, a reply
    /// code that does not fit the command); the session cannot be trusted any more.
    case protocolViolation(transferProtocol: DeliveryMethod.TransferProtocol, command: String, detail: String)
    /// An envelope address that cannot be written in a command (it contains a control character).
    case invalidAddress(role: String, address: String)
    /// The session was already ended by QUIT or by an earlier failure.
    case sessionClosed(transferProtocol: DeliveryMethod.TransferProtocol)
    /// The TCP connection to the server could not be opened.
    case connectFailed(target: String, reason: String)
    /// A maildir or mbox could not be written: `operation` on `path` failed with `reason`.
    /// `transient` when the same write may work later (a full disk or quota, an interrupted
    /// call); the message is then not counted as delivered.
    case localStoreFailed(path: String, operation: String, reason: String, transient: Bool)
    /// The MDA did not exit 0: exit 75 (EX_TEMPFAIL) is a temporary failure, anything else a
    /// permanent one; `output` is the start of what it wrote on its standard output.
    case mdaFailed(command: String, status: ProcessExitStatus, output: String)

    /// The server's reply, for the two cases that carry one.
    public var reply: MailReply? {
        switch self {
        case .transientFailure(_, _, let reply), .permanentFailure(_, _, let reply): return reply
        default: return nil
        }
    }

    /// Whether trying again later may succeed without anyone changing anything.
    public var isTransient: Bool {
        switch self {
        case .transientFailure, .connectionLost, .connectFailed: return true
        case .localStoreFailed(_, _, _, let transient): return transient
        case .mdaFailed(_, let status, _): return status == .exited(ExitStatus.temporaryFailure.rawValue)
        default: return false
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .transientFailure, .connectionLost: return .temporaryFailure
        case .permanentFailure, .connectFailed: return .unavailable
        case .protocolViolation: return .protocolError
        case .invalidAddress: return .dataError
        case .sessionClosed: return .software
        case .localStoreFailed(_, _, _, let transient): return transient ? .temporaryFailure : .cannotCreate
        case .mdaFailed: return isTransient ? .temporaryFailure : .unavailable
        }
    }

    public var description: String {
        switch self {
        case let .transientFailure(transferProtocol, command, reply):
            return "\(transferProtocol.displayName) server temporarily refused \(command): \(reply)"
        case let .permanentFailure(transferProtocol, command, reply):
            return "\(transferProtocol.displayName) server refused \(command): \(reply)"
        case let .connectionLost(transferProtocol, command, reason):
            return "connection to the \(transferProtocol.displayName) server lost waiting for the reply to \(command): \(reason)"
        case let .protocolViolation(transferProtocol, command, detail):
            return "\(transferProtocol.displayName) protocol error after \(command): \(detail)"
        case let .invalidAddress(role, address):
            return "cannot deliver: the \(role) address \(address.debugDescription) contains a control character"
        case let .sessionClosed(transferProtocol):
            return "the \(transferProtocol.displayName) session is already closed"
        case let .connectFailed(target, reason):
            return "cannot connect to the delivery server \(target): \(reason)"
        case let .localStoreFailed(path, operation, reason, _):
            return "cannot deliver to \(path): \(operation): \(reason)"
        case let .mdaFailed(command, status, output):
            let said = output.isEmpty ? "" : " (\(output.debugDescription))"
            return "the MDA \(command.debugDescription) \(status)\(said)"
        }
    }
}

extension DeliveryMethod.TransferProtocol {
    /// `SMTP` or `LMTP`, for messages.
    public var displayName: String { rawValue.uppercased() }
}
