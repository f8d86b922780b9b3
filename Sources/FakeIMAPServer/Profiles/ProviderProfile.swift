/// A mail provider the fake server can play: the capabilities it advertises after login and the
/// ways it departs from the RFCs that clients have reported. A profile only sets configuration;
/// the sessions honour it (a command or extension whose capability is absent is refused as that
/// server refuses it, and each quirk is reproduced where the server would show it).
///
/// One file per provider (`ProviderProfile+Gmail.swift`...) documents each quirk with where it
/// was reported.
public struct ProviderProfile: Sendable, Equatable {
    /// As given to `fake-imapd --profile` and the scenario key `profile`.
    public let name: String
    /// The capabilities after authentication, in the provider's order, restricted to those the
    /// fake implements (others the provider lists are named in its file).
    public let capabilities: [String]
    public let quirks: Set<ServerQuirk>
    /// Simultaneous connections per account; one more is refused.
    public let connectionLimit: Int?
    /// RFC 9738 MESSAGELIMIT: the most messages one command processes.
    public let messageLimit: Int?

    init(name: String, capabilities: [String], quirks: Set<ServerQuirk> = [], connectionLimit: Int? = nil, messageLimit: Int? = nil) {
        self.name = name
        self.capabilities = capabilities
        self.quirks = quirks
        self.connectionLimit = connectionLimit
        self.messageLimit = messageLimit
    }

    public static let all: [ProviderProfile] = [.gmail, .outlook, .yahoo, .icloud, .proton, .courier, .dovecot]

    /// The profile called `name` (case-insensitive), if any.
    public static func named(_ name: String) -> ProviderProfile? {
        all.first { $0.name == name.lowercased() }
    }

    /// dovecot, the reference's own server: everything the fake implements, no quirks.
    public static let dovecot = ProviderProfile(name: "dovecot", capabilities: FakeIMAPServerConfiguration.defaultCapabilities)
}

/// A reported departure from the RFCs, reproduced by the fake server when its profile has it.
public enum ServerQuirk: String, Sendable, Hashable, CaseIterable {
    /// `* OK [HIGHESTMODSEQ n]` with neither the space nor the text RFC 3501 §9 `resp-text` requires.
    case highestModSeqWithoutText = "highestmodseq-without-text"
    /// SELECT reports HIGHESTMODSEQ although CONDSTORE is not advertised (and not honoured).
    case highestModSeqWithoutCondStore = "highestmodseq-without-condstore"
    /// `* STATUS name (...) ` with a space before CRLF.
    case statusTrailingSpace = "status-trailing-space"
    /// ENABLE completes without the `* ENABLED` response RFC 5161 §3.2 requires.
    case noEnabledResponse = "no-enabled-response"
    /// VANISHED responses whose UID list is not an RFC 7162 §3.2.10 `known-uids` set.
    case malformedVanished = "malformed-vanished"
    /// Every second APPEND of a session completes without APPENDUID although UIDPLUS is advertised.
    case appendUIDSometimesMissing = "appenduid-sometimes-missing"
}
