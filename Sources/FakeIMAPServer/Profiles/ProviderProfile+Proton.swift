extension ProviderProfile {
    /// Proton Mail Bridge (127.0.0.1:1143): IMAP4rev1 with UIDPLUS, IDLE and MOVE only.
    ///
    /// Quirk: APPEND sometimes completes without APPENDUID although UIDPLUS is advertised
    /// ("Server supports UIDPLUS but got no APPENDUID appending a message"):
    /// https://github.com/ProtonMail/proton-bridge/issues/170. The report does not say when; the
    /// fake leaves it out of every second APPEND of a session, so tests are repeatable.
    public static let proton = ProviderProfile(
        name: "proton",
        capabilities: ["IMAP4rev1", "IDLE", "MOVE", "UIDPLUS"],
        quirks: [.appendUIDSometimesMissing])
}
