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

    public init(options: ConnectionOptions, name: String, keepAlive: Bool = false, debugLevel: Int = 0,
                debugLog: (@Sendable (String) -> Void)? = nil, traffic: TrafficCounter? = nil) {
        self.options = options; self.name = name; self.keepAlive = keepAlive
        self.debugLevel = debugLevel; self.debugLog = debugLog; self.traffic = traffic
    }

    /// Connects and logs in; returns a session in the authenticated state.
    public func open() throws -> IMAPSession {
        var endpoint = try options.transportEndpoint(keepAlive: keepAlive)
        // interimap(1), null-stderr: "This option is ignored when the --debug flag is set."
        endpoint.nullStderr = options.nullStderr && debugLevel == 0
        let stream = try Connector.open(endpoint, traffic: traffic)
        let session = IMAPSession(stream: stream, name: name, debugLog: debugLevel > 0 ? debugLog : nil,
                                  revealSecrets: debugLevel > 1)
        do {
            try login(session, endpoint: endpoint)
            return session
        } catch {
            session.close()
            throw error
        }
    }

    /// The steps after the transport is up, on an existing session (tests use an in-memory stream).
    public func login(_ session: IMAPSession, endpoint: TransportEndpoint? = nil) throws {
        let greeting = try session.readGreeting()
        if session.capabilities.ordered.isEmpty { try session.execute(.capability) }

        // STARTTLS (RFC 2595 §3.1, RFC 3501 §6.2.1): only for type=imap, and required when asked,
        // so that a man in the middle cannot strip the capability to keep the session in clear.
        if options.type == .imap && options.startTLS {
            if case .preAuthenticated = greeting {
                throw IMAPClientError.startTLSUnavailable
            }
            guard session.capabilities.contains("STARTTLS") else { throw IMAPClientError.startTLSUnavailable }
            try session.execute(.startTLS)
            let tls = try (endpoint ?? options.transportEndpoint(keepAlive: keepAlive)).tls
            try session.layerStream { try TLSStream.handshake(over: $0, host: options.host, configuration: tls) }
            // The capabilities before TLS must be forgotten (RFC 3501 §6.2.1).
            session.discardCapabilities()
            try session.execute(.capability)
        }

        if !session.isAuthenticated {
            try authenticate(session)
        }

        // COMPRESS=DEFLATE (RFC 4978 §3): after authentication, when both sides want it.
        if options.compress && session.capabilities.contains("COMPRESS=DEFLATE") {
            try session.execute(.compressDeflate)
            try session.layerStream { stream in
                let deflate = try DeflateStream(over: stream)
                return traffic?.countingDecompressed(deflate) ?? deflate
            }
        }
    }

    private func authenticate(_ session: IMAPSession) throws {
        guard let username = options.username else {
            throw IMAPClientError.authenticationImpossible("the server requires a login and no username is set")
        }
        guard let password = options.password else {
            throw IMAPClientError.authenticationImpossible("the server requires a login and no password is set")
        }
        let response: TaggedResponse
        if let mechanism = AuthMechanism.choose(preferences: options.authMechanisms, advertised: session.capabilities) {
            response = try authenticate(session, mechanism: mechanism, username: username, password: password)
        } else {
            // No preferred SASL mechanism advertised: the LOGIN command (RFC 3501 §6.2.3), unless
            // the server forbids it (typically before STARTTLS).
            guard !session.capabilities.loginDisabled else {
                let offered = session.capabilities.authMechanisms.joined(separator: " ")
                throw IMAPClientError.authenticationImpossible("LOGIN is disabled and none of the auth mechanisms "
                    + "\(options.authMechanisms.map(\.rawValue).joined(separator: " ")) is offered (server offers: \(offered.isEmpty ? "none" : offered))")
            }
            response = try session.execute(.login(username: username, password: password))
        }
        session.isAuthenticated = true
        // Capabilities may change after login (RFC 3501 §6.2.2); servers often send them in the OK.
        if case .capability? = response.code {} else { try session.execute(.capability) }
    }

    private func authenticate(_ session: IMAPSession, mechanism: AuthMechanism, username: String, password: String) throws -> TaggedResponse {
        switch mechanism {
        case .plain:
            let message = AuthMechanism.plainMessage(username: username, password: password)
            if session.capabilities.contains("SASL-IR") {
                // The initial response goes with the command (RFC 4959 §3), saving a round trip.
                return try session.execute(.authenticate(mechanism: "PLAIN", initialResponse: message))
            }
            var sent = false
            return try session.execute(.authenticate(mechanism: "PLAIN", initialResponse: nil)) { _ in } onContinuation: { _ in
                guard !sent else {
                    try session.sendRaw(CommandEncoder.authenticationCancel, logAs: "*")
                    return
                }
                sent = true
                try session.sendRaw(CommandEncoder.authenticationResponse(message), logAs: "[REDACTED]")
            }
        case .login:
            // LOGIN's two challenges ask for the user name, then the password.
            var answers = [Array(username.utf8), Array(password.utf8)]
            return try session.execute(.authenticate(mechanism: "LOGIN", initialResponse: nil)) { _ in } onContinuation: { _ in
                guard !answers.isEmpty else {
                    try session.sendRaw(CommandEncoder.authenticationCancel, logAs: "*")
                    return
                }
                try session.sendRaw(CommandEncoder.authenticationResponse(answers.removeFirst()),
                                    logAs: debugLevel > 1 ? "(SASL response)" : "[REDACTED]")
            }
        }
    }
}
