/// A SASL mechanism from the `auth` option. interimap(1): "Supported authentication mechanisms
/// are PLAIN and LOGIN." (PLAIN is RFC 4616; LOGIN is the de-facto mechanism of
/// draft-murchison-sasl-login.) Names are compared case-insensitively (RFC 4422 §3.1).
public enum AuthMechanism: String, CaseIterable, Equatable, Sendable {
    case plain = "PLAIN"
    case login = "LOGIN"

    /// The default preference list, `PLAIN LOGIN`.
    public static let defaultPreference: [AuthMechanism] = [.plain, .login]
}
