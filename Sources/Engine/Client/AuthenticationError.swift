/// Why logging in failed on our side or in a way the server explained in more than a NO.
public enum AuthenticationError: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// LOGINDISABLED (RFC 3501 §6.2.3) and no configured mechanism that keeps the password off
    /// the wire is offered. The reference's words.
    case loginsDisabled(server: String)
    /// None of the `auth` mechanisms is offered by the server (the reference's words, and what
    /// the server offers).
    case noMechanism(server: String, configured: [String], offered: [String])
    /// The OAuth error of RFC 7628 §3.2.2 (also sent by XOAUTH2 servers): the JSON's status and scope.
    case tokenRefused(server: String, mechanism: String, status: String, scope: String?, text: String)
    /// SCRAM's server signature (RFC 5802 §3) is missing or wrong: the server does not know the
    /// password, so it is not the server we meant to talk to.
    case serverNotAuthenticated(server: String, mechanism: String, reason: String)
    /// A challenge that does not follow the mechanism's grammar.
    case malformedChallenge(server: String, mechanism: String, reason: String)

    public var description: String {
        switch self {
        case .loginsDisabled(let server):
            return "\(server): Logins are disabled."
        case let .noMechanism(server, configured, offered):
            return "\(server): Failed to choose an authentication mechanism (auth = \(configured.isEmpty ? "(none we support)" : configured.joined(separator: " ")); "
                + "server offers \(offered.isEmpty ? "none" : offered.joined(separator: " ")))"
        case let .tokenRefused(server, mechanism, status, scope, text):
            var line = "\(server): AUTHENTICATE \(mechanism) failed: token refused with status \(status)"
            if let scope { line += ", scope \(scope)" }
            if !text.isEmpty { line += " (\(text))" }
            return line
        case let .serverNotAuthenticated(server, mechanism, reason):
            return "\(server): AUTHENTICATE \(mechanism): the server did not prove it knows the password: \(reason)"
        case let .malformedChallenge(server, mechanism, reason):
            return "\(server): AUTHENTICATE \(mechanism): bad challenge from the server: \(reason)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .loginsDisabled: return .unavailable
        case .noMechanism: return .unavailable
        case .tokenRefused: return .permissionDenied
        case .serverNotAuthenticated, .malformedChallenge: return .protocolError
        }
    }
}
