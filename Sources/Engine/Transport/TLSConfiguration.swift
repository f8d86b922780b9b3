/// The `SSL_*` options of a connection (interimap(1)), for imaps and STARTTLS.
public struct TLSConfiguration: Equatable, Sendable {
    /// `SSL_verify`: verify the certificate chain and match the certificate against the host.
    public var verify: Bool
    /// `SSL_CAfile`. When this or `caPath` is set, the system's default CA locations are not used.
    public var caFile: String?
    /// `SSL_CApath`: a directory in OpenSSL's hash format (`openssl rehash`).
    public var caPath: String?
    /// `SSL_hostname`: the SNI name. nil: the host when it is a name, none for an IP literal;
    /// the empty string disables SNI.
    public var serverName: String?
    /// `SSL_fingerprint`: acceptable SPKI digests. When non-empty, a match authenticates the
    /// server on its own (the chain is not consulted) and no match aborts the handshake.
    public var fingerprints: [SPKIFingerprint]
    /// `SSL_protocol_min`.
    public var protocolMin: TLSProtocolVersion?
    /// `SSL_protocol_max`.
    public var protocolMax: TLSProtocolVersion?
    /// `SSL_protocols` (deprecated).
    public var protocols: TLSProtocolSelection?
    /// `SSL_cipherlist`: TLSv1.2 and below (OpenSSL cipher list syntax).
    public var cipherList: String?
    /// `SSL_ciphersuites`: TLSv1.3 suites.
    public var cipherSuites: String?

    public init(verify: Bool = true, caFile: String? = nil, caPath: String? = nil, serverName: String? = nil,
                fingerprints: [SPKIFingerprint] = [], protocolMin: TLSProtocolVersion? = nil,
                protocolMax: TLSProtocolVersion? = nil, protocols: TLSProtocolSelection? = nil,
                cipherList: String? = nil, cipherSuites: String? = nil) {
        self.verify = verify
        self.caFile = caFile
        self.caPath = caPath
        self.serverName = serverName
        self.fingerprints = fingerprints
        self.protocolMin = protocolMin
        self.protocolMax = protocolMax
        self.protocols = protocols
        self.cipherList = cipherList
        self.cipherSuites = cipherSuites
    }
}
