import Foundation

/// Opening an authenticated session from a server section's options: transport, greeting,
/// STARTTLS, authentication and COMPRESS, in the order RFC 3501 and its extensions require.
public struct SessionLogin: Sendable {
    public var options: ConnectionOptions
    /// Component name for logs: `local`, `remote`, or a pullimap section.
    public var name: String
    /// SO_KEEPALIVE (interimap `--watch`, pullimap `--idle`).
    public var keepAlive: Bool
    public var debugLevel: Int
    public var debugLog: (@Sendable (String) -> Void)?
    public var traffic: TrafficCounter?
    /// How long `passwordeval` may run.
    public var passwordCommandTimeout: TimeInterval = 60

    public init(options: ConnectionOptions, name: String, keepAlive: Bool = false, debugLevel: Int = 0,
                debugLog: (@Sendable (String) -> Void)? = nil, traffic: TrafficCounter? = nil) {
        self.options = options; self.name = name; self.keepAlive = keepAlive
        self.debugLevel = debugLevel; self.debugLog = debugLog; self.traffic = traffic
    }

    /// Connects and logs in; returns a session in the authenticated state.
    /// `passwordeval` runs first, before the transport is opened: a helper that fails costs no
    /// connection, and every new connection gets a fresh token.
    public func open() throws -> IMAPSession {
        let secret = try commandSecret()
        var endpoint = try options.transportEndpoint(keepAlive: keepAlive)
        // interimap(1), null-stderr: "This option is ignored when the --debug flag is set."
        endpoint.nullStderr = options.nullStderr && debugLevel == 0
        let stream = try Connector.open(endpoint, traffic: traffic)
        let session = IMAPSession(stream: stream, name: name, debugLog: debugLevel > 0 ? debugLog : nil,
                                  revealSecrets: debugLevel > 1)
        do {
            try login(session, endpoint: endpoint, secret: secret)
            return session
        } catch {
            session.close()
            throw error
        }
    }

    /// The output of `passwordeval`, or nil when it is not set.
    func commandSecret() throws -> String? {
        guard let command = options.passwordCommand else { return nil }
        return try PasswordCommand(command: command, section: name, timeout: passwordCommandTimeout).run()
    }

    /// The steps after the transport is up, on an existing session (tests use an in-memory stream).
    public func login(_ session: IMAPSession, endpoint: TransportEndpoint? = nil) throws {
        try login(session, endpoint: endpoint, secret: commandSecret())
    }

    func login(_ session: IMAPSession, endpoint: TransportEndpoint?, secret: String?) throws {
        let greeting = try session.readGreeting()
        if session.capabilities.ordered.isEmpty { try session.execute(.capability) }

        // STARTTLS (RFC 2595 §3.1, RFC 3501 §6.2.1): only for type=imap, and required when asked,
        // so that a man in the middle cannot strip the capability to keep the session in clear.
        if options.type == .imap && options.startTLS {
            if case .preAuthenticated = greeting {
                throw IMAPClientError.preAuthenticatedInClear
            }
            guard session.capabilities.contains(.startTLS) else { throw IMAPClientError.startTLSUnavailable }
            try session.execute(.startTLS)
            let tls = try (endpoint ?? options.transportEndpoint(keepAlive: keepAlive)).tls
            try session.layerStream { try TLSStream.handshake(over: $0, host: options.host, configuration: tls) }
            // The capabilities before TLS must be forgotten (RFC 3501 §6.2.1).
            session.discardCapabilities()
            try session.execute(.capability)
        }

        if !session.isAuthenticated {
            try authenticate(session, secret: secret ?? options.password)
        }

        // COMPRESS=DEFLATE (RFC 4978 §3): after authentication, when both sides want it.
        if options.compress && session.capabilities.contains(.compressDeflate) {
            try session.execute(.compressDeflate)
            try session.layerStream { stream in
                let deflate = try DeflateStream(over: stream)
                return traffic?.countingDecompressed(deflate) ?? deflate
            }
        }
    }

    private func authenticate(_ session: IMAPSession, secret: String?) throws {
        let mechanism = try AuthMechanism.choose(preferences: options.authMechanisms, capabilities: session.capabilities,
                                                 server: name)
        let username = options.username
        if username == nil && mechanism != .oauthBearer {
            throw IMAPClientError.authenticationImpossible("the server requires a login and no username is set")
        }
        guard let secret else {
            let what = mechanism.usesAccessToken ? "an access token" : "a password"
            throw IMAPClientError.authenticationImpossible("the server requires a login and no password or passwordeval "
                + "is set (\(mechanism.rawValue) needs \(what))")
        }
        let response: TaggedResponse
        switch mechanism {
        case .login:
            // The IMAP LOGIN command (RFC 3501 §6.2.3), as the reference sends for `auth = LOGIN`.
            response = try session.execute(.login(username: username ?? "", password: secret))
        case .plain:
            response = try authenticate(session, PlainSASLClient(username: username ?? "", password: secret))
        case .xoauth2, .oauthBearer:
            let tunnel = options.type == .tunnel
            response = try authenticate(session, OAuthSASLClient(mechanism: mechanism, server: name, username: username, token: secret,
                                                                 host: tunnel ? nil : options.hostName, port: tunnel ? nil : options.effectivePort))
        case .scramSHA256, .scramSHA1:
            response = try authenticate(session, SCRAMSASLClient(mechanism: mechanism, server: name, username: username ?? "", password: secret))
        }
        session.isAuthenticated = true
        // Capabilities may change after login (RFC 3501 §6.2.2); servers often send them in the OK.
        if case .capability? = response.code {} else { try session.execute(.capability) }
    }

    /// One AUTHENTICATE exchange (RFC 3501 §6.2.2): the initial response with the command when
    /// the server offers SASL-IR (RFC 4959 §3), else after its first empty challenge; then the
    /// mechanism answers each challenge. A mechanism that cancels (`*`) still waits for the
    /// server's tagged reply, so that the session ends in step.
    private func authenticate<Client: SASLClient>(_ session: IMAPSession, _ client: Client) throws -> TaggedResponse {
        var client = client
        let name = client.mechanism.rawValue
        let initial = try client.initialResponse()
        let withCommand = session.capabilities.contains(.saslIR)
        var initialPending = !withCommand
        var cancelled = false
        let tag = try session.send(.authenticate(mechanism: name, initialResponse: withCommand ? initial : nil))
        let response = try session.waitForCompletion(of: tag) { _ in } onContinuation: { request in
            var answer: [UInt8]?
            if initialPending {
                initialPending = false
                answer = initial
            } else if !cancelled, let challenge = request.base64Decoded {
                answer = client.answer(challenge)
            }
            guard let answer else {
                cancelled = true
                try session.sendRaw(CommandEncoder.authenticationCancel, logAs: "*")
                return
            }
            let line = CommandEncoder.authenticationResponse(answer)
            // `--debug` once hides what the mechanism sends (password, token, SCRAM proof); twice
            // shows it, as interimap(1) says of credentials.
            try session.sendRaw(line, logAs: debugLevel > 1 ? String(decoding: line.dropLast(2), as: UTF8.self) : "[REDACTED]")
        }
        switch response.status {
        case .ok:
            if let failure = client.clientSideFailure(afterSuccess: true) { throw failure }
            return response
        case .no:
            if let failure = client.clientSideFailure(afterSuccess: false) { throw failure }
            if let refusal = client.serverRefusal(text: response.text.text) { throw refusal }
            throw IMAPClientError.commandFailed(command: "AUTHENTICATE", text: response.text.description)
        case .bad:
            if let failure = client.clientSideFailure(afterSuccess: false) { throw failure }
            throw IMAPClientError.commandRejected(command: "AUTHENTICATE", text: response.text.description)
        }
    }
}
