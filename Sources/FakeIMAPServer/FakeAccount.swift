/// A user the fake server knows: a password for LOGIN, PLAIN and SCRAM, and OAuth access tokens
/// for XOAUTH2 and OAUTHBEARER, each valid, expired or without the mail scope.
public struct FakeAccount: Sendable, Equatable {
    public var user: String
    /// nil: the account has no password (OAuth only, as Microsoft 365 mailboxes are now).
    public var password: String?
    public var tokens: [FakeAccessToken]

    public init(user: String, password: String? = nil, tokens: [FakeAccessToken] = []) {
        self.user = user; self.password = password; self.tokens = tokens
    }
}

/// An OAuth 2.0 bearer token and what the server thinks of it (RFC 6750 §3.1 error codes, as
/// RFC 7628 §3.2.2 carries them).
public struct FakeAccessToken: Sendable, Equatable {
    public enum Validity: String, Sendable, Equatable {
        /// Accepted.
        case valid
        /// Refused with status `invalid_token`: expired or revoked.
        case expired
        /// Refused with status `insufficient_scope`: granted without the mail scope.
        case insufficientScope = "insufficient-scope"
    }

    public var value: String
    public var validity: Validity

    public init(_ value: String, validity: Validity = .valid) {
        self.value = value; self.validity = validity
    }
}
