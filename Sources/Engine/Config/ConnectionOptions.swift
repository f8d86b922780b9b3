/// How to connect and log in to one IMAP server: the connection options shared by interimap's
/// `[local]`/`[remote]` sections and each pullimap section, with the defaults of the man pages.
public struct ConnectionOptions: Equatable, Sendable {
    /// `type` (default imaps).
    public var type: ConnectionType = .imaps
    /// `host` as written (default `localhost`); `[...]` marks an IP literal, see ``hostName``.
    public var host: String = "localhost"
    /// `port` as written; nil for the type's default (``effectivePort``), which is filled in only
    /// when the endpoint is built, so that a later `type` cannot leave a stale default behind.
    public var port: Int?
    /// `proxy`: `socks5://` or `socks5h://[USER:PASSWORD@]PROXYHOST[:PROXYPORT]` (RFC 1928, RFC 1929).
    public var proxy: String?
    /// `command` for type=tunnel (required for it).
    public var command: String?
    /// `STARTTLS` (default YES; only used for type=imap).
    public var startTLS: Bool = true
    /// `auth`, in order of preference (default PLAIN LOGIN).
    public var authMechanisms: [AuthMechanism] = AuthMechanism.defaultPreference
    /// `username`.
    public var username: String?
    /// `password`.
    public var password: String?
    /// `passwordeval`: a shell command printing the password, or the access token of an OAuth
    /// mechanism; run at each connection (mpop(1) and msmtp(1) use the same name).
    public var passwordCommand: String?
    /// `compress`: use COMPRESS=DEFLATE (RFC 4978) when advertised. Default depends on the program
    /// and section: NO for interimap's [local], YES for its [remote] and for pullimap.
    public var compress: Bool = true
    /// `null-stderr`: send the tunnel command's standard error to /dev/null (default NO).
    public var nullStderr: Bool = false
    /// `SSL_protocols` (deprecated): versions to enable or disable.
    public var sslProtocols: [TLSProtocolToggle]?
    /// `SSL_protocol_min`.
    public var sslProtocolMin: TLSProtocolVersion?
    /// `SSL_protocol_max`.
    public var sslProtocolMax: TLSProtocolVersion?
    /// `SSL_cipherlist` (pullimap(1) also spells it `SSL_cipher_list`): TLSv1.2 and below cipher list.
    public var sslCipherList: String?
    /// `SSL_ciphersuites`: TLSv1.3 cipher suites (may be empty).
    public var sslCipherSuites: String?
    /// `SSL_fingerprint`: acceptable SPKI digests; empty when unset.
    public var sslFingerprints: [SPKIFingerprint] = []
    /// `SSL_verify` (default YES): verify the chain and the host name.
    public var sslVerify: Bool = true
    /// `SSL_CAfile`.
    public var sslCAFile: String?
    /// `SSL_CApath`.
    public var sslCAPath: String?
    /// `SSL_hostname`: `nil` when unset (SNI from ``host``); the empty string disables SNI.
    public var sslHostname: String?

    public init() {}

    /// The port to connect to: ``port``, or the type's default (nil for a tunnel).
    public var effectivePort: Int? { port ?? type.defaultPort.map(Int.init) }

    /// The host without the brackets of an IP literal.
    public var hostName: String { (try? HostAddress(parsing: host))?.name ?? host }

    /// Whether ``host`` is an IP address (in brackets, or bare), so no name resolution is needed.
    public var hostIsIPLiteral: Bool { (try? HostAddress(parsing: host))?.isIPLiteral ?? false }

    /// The name to send in the TLS SNI extension (RFC 6066 §3), or `nil` for none: interimap(1)
    /// "The default value is taken from the host option when it is a hostname, and to the empty
    /// string when it is an IP literal. Setting SSL_hostname to the empty string explicitly
    /// disables SNI."
    public var serverNameIndication: String? {
        if let sslHostname { return sslHostname.isEmpty ? nil : sslHostname }
        return hostIsIPLiteral ? nil : hostName
    }

}
