/// The client side of one SASL exchange (RFC 4422 §3) inside IMAP's AUTHENTICATE (RFC 3501
/// §6.2.2). Every mechanism here is client-first, so each has an initial response, sent with the
/// command when the server offers SASL-IR (RFC 4959) and after the first empty challenge when not.
protocol SASLClient {
    var mechanism: AuthMechanism { get }
    /// The client's first message.
    mutating func initialResponse() throws -> [UInt8]
    /// The answer to a server challenge; nil cancels the exchange (`*`, RFC 3501 §6.2.2).
    /// A mechanism that finds the challenge wrong records why and returns nil.
    mutating func answer(_ challenge: [UInt8]) -> [UInt8]?
    /// Why the exchange was cancelled or must not be trusted (the server failed to prove itself,
    /// a challenge did not follow the mechanism), once it is over; nil when all is well.
    func clientSideFailure(afterSuccess: Bool) -> AuthenticationError?
    /// An error more precise than the server's NO text (the OAuth error JSON), if the mechanism has one.
    func serverRefusal(text: String) -> AuthenticationError?
}

extension SASLClient {
    func clientSideFailure(afterSuccess: Bool) -> AuthenticationError? { nil }
    func serverRefusal(text: String) -> AuthenticationError? { nil }
}

/// PLAIN (RFC 4616 §2): authzid NUL authcid NUL passwd, with an empty authzid. There is nothing
/// to answer after it: a further challenge cancels.
struct PlainSASLClient: SASLClient {
    let username: String
    let password: String
    var mechanism: AuthMechanism { .plain }

    func initialResponse() -> [UInt8] { [0] + Array(username.utf8) + [0] + Array(password.utf8) }
    func answer(_ challenge: [UInt8]) -> [UInt8]? { nil }
}
