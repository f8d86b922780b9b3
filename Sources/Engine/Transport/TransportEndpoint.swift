/// How to reach one IMAP server: the `type`, `host`, `port`, `proxy`, `command`,
/// `null-stderr` and `SSL_*` options of a [local] or [remote] section (interimap(1)), plus
/// SO_KEEPALIVE (enabled by `--watch`).
public struct TransportEndpoint: Equatable, Sendable {

    public var type: ConnectionType
    /// Server name or IP literal (`[..]` forces an IP literal); default localhost.
    public var host: String
    /// nil: the type's default port.
    public var port: UInt16?
    /// SOCKS5 proxy for imap and imaps.
    public var proxy: SOCKS5Proxy?
    /// The tunnel command (type=tunnel).
    public var command: String?
    /// Send the tunnel command's standard error to /dev/null.
    public var nullStderr: Bool
    /// SO_KEEPALIVE on the TCP socket (types other than tunnel).
    public var keepAlive: Bool
    /// Bound on each TCP connection attempt, in seconds (nil: the system's).
    public var connectTimeout: Double?
    /// TLS settings for imaps, and for STARTTLS over imap.
    public var tls: TLSConfiguration

    public init(type: ConnectionType = .imaps, host: String = "localhost", port: UInt16? = nil,
                proxy: SOCKS5Proxy? = nil, command: String? = nil, nullStderr: Bool = false,
                keepAlive: Bool = false, connectTimeout: Double? = nil, tls: TLSConfiguration = TLSConfiguration()) {
        self.type = type
        self.host = host
        self.port = port
        self.proxy = proxy
        self.command = command
        self.nullStderr = nullStderr
        self.keepAlive = keepAlive
        self.connectTimeout = connectTimeout
        self.tls = tls
    }

    /// The port to connect to: `port`, or the type's default (`ConnectionType.defaultPort`; a
    /// tunnel, which has none, never connects to a port).
    public var effectivePort: UInt16 { port ?? type.defaultPort ?? 0 }

    /// "host:port" or "tunnel 'command'", for log and error messages.
    public var peerDescription: String {
        if type == .tunnel { return "tunnel '\(command ?? "")'" }
        let address = (try? HostAddress(parsing: host))?.description ?? host
        return "\(address):\(effectivePort)"
    }
}
