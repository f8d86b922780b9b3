/// How a fake server presents itself: capabilities, authentication, latency.
/// The hierarchy delimiter belongs to the store (`FakeIMAPStore(delimiter:)`).
public struct FakeIMAPServerConfiguration: Sendable {
    /// How clients get to the authenticated state (RFC 3501 §3).
    public enum Authentication: Sendable, Equatable {
        /// `* PREAUTH` greeting (as `doveadm exec imap` and tunnels do).
        case preauth(user: String)
        /// `* OK` greeting; LOGIN or AUTHENTICATE with these credentials.
        case credentials(user: String, password: String)
        /// `* OK` greeting; LOGIN or AUTHENTICATE as any of these accounts.
        case accounts([FakeAccount])

        /// The accounts a client may log in to (none for PREAUTH).
        public var accounts: [FakeAccount] {
            switch self {
            case .preauth: return []
            case let .credentials(user, password): return [FakeAccount(user: user, password: password)]
            case .accounts(let accounts): return accounts
            }
        }
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
    /// Advertise LOGINDISABLED before authentication and refuse LOGIN and the plaintext SASL
    /// mechanisms (PLAIN, LOGIN), as dovecot does on a connection without TLS.
    public var loginDisabled = false
    /// The scope named in the OAuth error JSON (RFC 7628 §3.2.2).
    public var oauthScope = "https://mail.example/imap"
    /// PBKDF2 iterations asked of SCRAM clients (RFC 5802 §5.1; dovecot's default is 4096).
    public var scramIterations = 4096
    /// Send a wrong SCRAM server signature: a server that does not know the password, which the
    /// client must refuse (RFC 5802 §3).
    public var scramWrongServerSignature = false
    /// Departures from the RFCs to reproduce (a provider profile's).
    public var quirks: Set<ServerQuirk> = []
    /// Simultaneous connections allowed; one more is refused (Gmail's limit). Counted across the
    /// processes sharing a state file.
    public var connectionLimit: Int?
    /// RFC 9738 MESSAGELIMIT: the most messages one FETCH, STORE, SEARCH, COPY, MOVE or UID
    /// EXPUNGE processes.
    public var messageLimit: Int?

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

    /// Presents the server as `profile` does: its capabilities, quirks and limits.
    public mutating func apply(_ profile: ProviderProfile) {
        capabilities = profile.capabilities
        quirks = profile.quirks
        connectionLimit = profile.connectionLimit
        messageLimit = profile.messageLimit
    }
}
