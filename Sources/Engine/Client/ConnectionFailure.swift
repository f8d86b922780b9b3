/// A failure to reach or log in to one server, whatever layer it came from (name resolution, TCP,
/// the SOCKS proxy, TLS, STARTTLS, the greeting, authentication), named by the server's section
/// as the reference names it in its log line: `remote: ERROR: NO [AUTHENTICATIONFAILED]
/// Authentication failed.`, `acct: ERROR: connect(127.0.0.1:1): Connection refused`.
public struct ConnectionFailure: Error, CustomStringConvertible, ExitStatusProviding {
    /// `local`, `remote`, or a pullimap section.
    public let server: String
    public let error: Error

    public init(server: String, error: Error) {
        self.server = server
        self.error = error
    }

    /// The line's text after `ERROR: `. A refused login is the server's own status and words,
    /// as the reference writes it; errors that already name the server do not name it twice.
    public var message: String {
        if case let IMAPClientError.commandFailed(command, text) = error, command == "LOGIN" || command == "AUTHENTICATE" {
            return "NO \(text)"
        }
        let text = String(describing: error)
        for prefix in [server + ": ", "[\(server)] "] where text.hasPrefix(prefix) { return String(text.dropFirst(prefix.count)) }
        return text
    }

    public var description: String { "\(server): \(message)" }

    public var exitStatus: ExitStatus {
        if let error = error as? ExitStatusProviding { return error.exitStatus }
        return .software
    }
}

extension TransportError: ExitStatusProviding {
    /// Network trouble that may go away by itself (the ones `--idle` reconnects after) is a
    /// temporary failure, worth retrying as it is (sysexits(3) EX_TEMPFAIL); a TLS or COMPRESS
    /// failure will not go away by waiting (EX_PROTOCOL).
    public var exitStatus: ExitStatus {
        switch self {
        case .closed, .system, .resolve, .socks: return .temporaryFailure
        case .tls, .compression: return .protocolError
        case .tunnel: return .unavailable
        case .configuration: return .configuration
        }
    }
}
