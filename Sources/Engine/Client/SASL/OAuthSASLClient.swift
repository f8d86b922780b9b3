import Foundation

/// OAUTHBEARER (RFC 7628) and XOAUTH2 (its predecessor, still what Gmail and Microsoft 365
/// document): the access token in the client's first message.
///
/// A refused token is answered with an error challenge, a JSON object with `status`, `scope`
/// and `schemes` (RFC 7628 §3.2.2); the client must then send the dummy response, after which
/// the server ends the exchange with NO (RFC 7628 §3.2.3). The JSON says more than the NO text
/// (an expired token, a token without the mail scope), so it is kept for the error.
struct OAuthSASLClient: SASLClient {
    let mechanism: AuthMechanism
    let server: String
    let username: String?
    let token: String
    /// Sent in OAUTHBEARER's `host` and `port` keys (RFC 7628 §3.1) when known (not for tunnels).
    let host: String?
    let port: Int?
    private(set) var errorStatus: String?
    private(set) var errorScope: String?

    init(mechanism: AuthMechanism, server: String, username: String?, token: String, host: String?, port: Int?) {
        self.mechanism = mechanism; self.server = server; self.username = username
        self.token = token; self.host = host; self.port = port
    }

    func initialResponse() -> [UInt8] {
        let separator = "\u{1}"
        switch mechanism {
        case .xoauth2:
            return Array("user=\(username ?? "")\(separator)auth=Bearer \(token)\(separator)\(separator)".utf8)
        default:
            // gs2-header (RFC 5801 §4) without channel binding, then key/value pairs (RFC 7628 §3.1).
            var message = "n," + (username.map { "a=" + SCRAMMessage.escapedName($0) } ?? "") + "," + separator
            if let host { message += "host=\(host)\(separator)" }
            if let port { message += "port=\(port)\(separator)" }
            message += "auth=Bearer \(token)\(separator)\(separator)"
            return Array(message.utf8)
        }
    }

    mutating func answer(_ challenge: [UInt8]) -> [UInt8]? {
        let error = Self.parseError(challenge)
        errorStatus = error.status ?? "unknown"
        errorScope = error.scope
        // The dummy response: a single %x01 for OAUTHBEARER (RFC 7628 §3.2.3); XOAUTH2 servers
        // expect an empty response.
        return mechanism == .oauthBearer ? [1] : []
    }

    func serverRefusal(text: String) -> AuthenticationError? {
        guard let errorStatus else { return nil }
        return .tokenRefused(server: server, mechanism: mechanism.rawValue, status: errorStatus, scope: errorScope, text: text)
    }

    /// The `status` and `scope` members of the error JSON; anything else (not JSON, other
    /// types) gives nils: the server's NO still ends the exchange.
    static func parseError(_ challenge: [UInt8]) -> (status: String?, scope: String?) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(challenge)) as? [String: Any] else { return (nil, nil) }
        // The server's words go into a one-line error: no control characters, bounded length.
        func text(_ key: String) -> String? {
            let value: String
            if let s = object[key] as? String { value = s } else if let n = object[key] as? NSNumber { value = n.stringValue } else { return nil }
            let clean = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(200))
            return clean.isEmpty ? nil : clean
        }
        return (text("status"), text("scope"))
    }
}
