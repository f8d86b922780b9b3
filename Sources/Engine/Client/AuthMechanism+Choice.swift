/// Which of the `auth` mechanisms to use with a server.
extension AuthMechanism {
    /// The first mechanism of `preferences` the server offers: `LOGIN` (the IMAP command) is
    /// always offered unless LOGINDISABLED; SASL mechanisms must be advertised as `AUTH=MECH`
    /// (RFC 3501 §6.2.2). Under LOGINDISABLED (RFC 3501 §6.2.3) nothing that sends the password
    /// as it is (LOGIN, PLAIN) is chosen; the reference's "Logins are disabled." unless a
    /// mechanism that keeps it off the wire (SCRAM, OAuth) is both configured and offered.
    static func choose(preferences: [AuthMechanism], capabilities: CapabilitySet, server: String) throws -> AuthMechanism {
        let offered = Set(capabilities.authMechanisms)
        let loginDisabled = capabilities.loginDisabled
        for mechanism in preferences {
            if loginDisabled && mechanism.sendsPasswordInClear { continue }
            if mechanism == .login || offered.contains(mechanism.rawValue) { return mechanism }
        }
        if loginDisabled { throw AuthenticationError.loginsDisabled(server: server) }
        throw AuthenticationError.noMechanism(server: server, configured: preferences.map(\.rawValue), offered: capabilities.authMechanisms)
    }
}
