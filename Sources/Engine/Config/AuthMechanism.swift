/// A way to log in named by the `auth` option, in the user's order of preference.
///
/// `LOGIN` is the IMAP LOGIN command (RFC 3501 §6.2.3), as interimap(1) uses it, not the SASL
/// mechanism of that name; the others are SASL mechanisms sent with AUTHENTICATE (RFC 3501
/// §6.2.2): PLAIN (RFC 4616), OAUTHBEARER (RFC 7628), XOAUTH2 (Google's and Microsoft's
/// predecessor of OAUTHBEARER), SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-1 (RFC 5802).
/// Names are compared case-insensitively (RFC 4422 §3.1).
public enum AuthMechanism: String, CaseIterable, Equatable, Sendable {
    case plain = "PLAIN"
    case login = "LOGIN"
    case xoauth2 = "XOAUTH2"
    case oauthBearer = "OAUTHBEARER"
    case scramSHA256 = "SCRAM-SHA-256"
    case scramSHA1 = "SCRAM-SHA-1"

    /// The default preference list, `PLAIN LOGIN`.
    public static let defaultPreference: [AuthMechanism] = [.plain, .login]

    /// Whether the password (or token) crosses the wire as it is, so that LOGINDISABLED
    /// (RFC 3501 §6.2.3) forbids it. OAuth tokens are bearer secrets too, but a server offers
    /// an OAuth mechanism under LOGINDISABLED only when it accepts it there.
    public var sendsPasswordInClear: Bool { self == .plain || self == .login }

    /// Whether the secret is an OAuth 2.0 access token rather than a password.
    public var usesAccessToken: Bool { self == .xoauth2 || self == .oauthBearer }
}
