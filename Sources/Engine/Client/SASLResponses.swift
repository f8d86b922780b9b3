/// The client side of the two SASL mechanisms interimap(1) supports.
extension AuthMechanism {
    /// PLAIN's single message: authzid NUL authcid NUL passwd, with an empty authzid (RFC 4616 §2).
    static func plainMessage(username: String, password: String) -> [UInt8] {
        [0] + Array(username.utf8) + [0] + Array(password.utf8)
    }

    /// The first mechanism of the `auth` preference list that the server advertises as
    /// `AUTH=MECH` (interimap(1), `auth`); nil when none is.
    static func choose(preferences: [AuthMechanism], advertised: CapabilitySet) -> AuthMechanism? {
        let offered = Set(advertised.authMechanisms)
        return preferences.first { offered.contains($0.rawValue) }
    }
}
