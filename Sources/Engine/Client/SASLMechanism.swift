import Foundation

/// The SASL mechanisms interimap(1) supports for AUTHENTICATE: PLAIN (RFC 4616) and LOGIN
/// (draft-murchison-sasl-login). Anything else is refused at configuration time.
public enum SASLMechanism: String, Sendable, CaseIterable {
    case plain = "PLAIN"
    case login = "LOGIN"

    /// The `auth` option: the first mechanism of the preference list that the server advertises
    /// as `AUTH=MECH` (interimap(1), `auth`). Nil means none matched: fall back to LOGIN command.
    public static func choose(preferences: [SASLMechanism], advertised: CapabilitySet) -> SASLMechanism? {
        let offered = Set(advertised.authMechanisms)
        return preferences.first { offered.contains($0.rawValue) }
    }

    /// PLAIN's single message: authzid NUL authcid NUL passwd (RFC 4616 §2), empty authzid.
    public static func plainResponse(username: String, password: String) -> [UInt8] {
        [0] + Array(username.utf8) + [0] + Array(password.utf8)
    }

    /// LOGIN answers the server's two challenges ("Username:", "Password:") in order.
    public static func loginResponses(username: String, password: String) -> [[UInt8]] {
        [Array(username.utf8), Array(password.utf8)]
    }

    /// Base64 as SASL exchanges use it in IMAP (RFC 3501 §6.2.2); an empty response is "=" in
    /// SASL-IR (RFC 4959 §3) and an empty line in a continuation.
    public static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
