/// Opens the byte stream an IMAP session runs over, from `TransportEndpoint`.
///
/// The layers, bottom up: a TCP socket (through a SOCKS5 proxy when set) or a tunnel command;
/// a `CountingStream` when a `TrafficCounter` is given (so the counts are on-the-wire bytes);
/// TLS for type=imaps. STARTTLS and COMPRESS are IMAP commands, so the client adds those layers
/// itself after the server's OK: `TLSStream.handshake(over:host:configuration:)` and
/// `DeflateStream(over:)` on the stream returned here.
public enum Connector {
    /// Connects. For type=imaps the result is the `TLSStream` (for its negotiated `session`);
    /// otherwise the counting stream, or the socket or tunnel itself without a counter.
    /// `silence` bounds every wait of the connection, the TLS handshake included; it is usually
    /// made from `options.timeout` (see ``silenceLimit(for:)``) and also given to the session.
    public static func open(_ options: TransportEndpoint, traffic: TrafficCounter? = nil,
                            silence: SilenceLimit? = nil) throws -> ByteStream {
        let base: ByteStream
        switch options.type {
        case .tunnel:
            guard let command = options.command, !command.allSatisfy(\.isWhitespace) else {
                throw TransportError.configuration("type=tunnel requires a command")
            }
            base = try TunnelStream.spawn(command: command, nullStderr: options.nullStderr, silence: silence)
        case .imap, .imaps:
            if let proxy = options.proxy {
                base = try proxy.connect(to: options.host, port: options.effectivePort,
                                         keepAlive: options.keepAlive, timeout: options.connectTimeoutSeconds,
                                         silence: silence)
            } else {
                base = try SocketStream.connect(host: options.host, port: options.effectivePort,
                                                keepAlive: options.keepAlive, timeout: options.connectTimeoutSeconds,
                                                silence: silence)
            }
        }
        let wire: ByteStream = traffic.map { CountingStream(over: base, counter: $0) } ?? base
        guard options.type == .imaps else { return wire }
        return try TLSStream.handshake(over: wire, host: options.host, configuration: options.tls)
    }

    /// The limit for `options.timeout` (nil when 0 or unset: no limit).
    public static func silenceLimit(for options: TransportEndpoint) -> SilenceLimit? {
        guard let seconds = options.timeout, seconds > 0 else { return nil }
        return SilenceLimit(seconds: seconds)
    }
}
