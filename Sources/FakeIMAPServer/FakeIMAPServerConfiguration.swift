/// How a fake server presents itself: capabilities, authentication, latency.
/// The hierarchy delimiter belongs to the store (`FakeIMAPStore(delimiter:)`).
public struct FakeIMAPServerConfiguration: Sendable {
    /// How clients get to the authenticated state (RFC 3501 §3).
    public enum Authentication: Sendable, Equatable {
        /// `* PREAUTH` greeting (as `doveadm exec imap` and tunnels do).
        case preauth(user: String)
        /// `* OK` greeting; LOGIN or AUTHENTICATE PLAIN/LOGIN with these credentials.
        case credentials(user: String, password: String)
    }

    /// What dovecot advertises that the fake implements, plus COMPRESS=DEFLATE.
    public static let defaultCapabilities = [
        "IMAP4rev1", "SASL-IR", "ID", "ENABLE", "IDLE", "LITERAL+", "MULTIAPPEND", "UNSELECT", "CHILDREN",
        "NAMESPACE", "UIDPLUS", "LIST-EXTENDED", "CONDSTORE", "QRESYNC", "LIST-STATUS", "MOVE", "NOTIFY",
        "COMPRESS=DEFLATE",
    ]

    public var authentication: Authentication
    /// Capabilities after authentication, in the order advertised. A command or extension
    /// whose capability is absent is refused as a server without it would refuse it.
    public var capabilities: [String]
    /// SASL mechanisms offered before authentication (`AUTH=` capabilities).
    public var authMechanisms: [String]
    public var latency: LatencyModel
    /// Text of the greeting after the response code.
    public var greetingText: String

    public init(authentication: Authentication = .preauth(user: "fake"),
                capabilities: [String] = FakeIMAPServerConfiguration.defaultCapabilities,
                authMechanisms: [String] = ["PLAIN", "LOGIN"],
                latency: LatencyModel = .none,
                greetingText: String = "Fake IMAP server ready.") {
        self.authentication = authentication
        self.capabilities = capabilities
        self.authMechanisms = authMechanisms
        self.latency = latency
        self.greetingText = greetingText
    }
}
