import Foundation

/// One IMAP connection, after the transport is open: sends commands (several may be in flight:
/// pipelining) and reads their responses on the caller's thread, keeping track of what every
/// response says about the session (capabilities, enabled extensions).
///
/// Commands are queued to a sender thread; `waitForCompletion(of:)` reads responses until the
/// given tag completes, handing every untagged response and FETCH event to the caller's handler.
/// Responses of other commands that complete meanwhile are kept for their own wait.
/// One caller thread drives a session at a time.
public final class IMAPSession: @unchecked Sendable {
    /// `local` or `remote` (or a pullimap section): the component name of log lines.
    public let name: String
    /// What the server advertised most recently (RFC 3501 §7.2.1; also from `[CAPABILITY]` codes).
    public private(set) var capabilities = CapabilitySet()
    /// Extensions the server reported as enabled (RFC 5161 §3.2).
    public private(set) var enabled: Set<String> = []
    /// Whether the greeting was PREAUTH or a login succeeded.
    public internal(set) var isAuthenticated = false
    /// Called with the text of `[ALERT]` responses, which RFC 3501 §7.1 says must reach the user.
    public var alertHandler: (@Sendable (String) -> Void)?

    private let reader: ResponseReader
    private let sender: CommandSender
    private let debugLog: (@Sendable (String) -> Void)?
    private let revealSecrets: Bool
    private var tagNumber = 0
    private var completedResponses: [String: TaggedResponse] = [:]
    /// The stream below the IMAP layer: replaced when TLS or COMPRESS starts.
    public private(set) var stream: ByteStream

    /// - Parameters:
    ///   - debugLog: receives `C: `/`S: ` traffic lines (`--debug`); nil logs nothing.
    ///   - revealSecrets: log LOGIN/AUTHENTICATE arguments too (`--debug` given twice).
    public init(stream: ByteStream, name: String, debugLog: (@Sendable (String) -> Void)? = nil, revealSecrets: Bool = false) {
        self.stream = stream
        self.name = name
        self.debugLog = debugLog
        self.revealSecrets = revealSecrets
        let traffic = debugLog.map { TrafficLog(emit: $0) }
        self.reader = ResponseReader(stream: stream, traffic: traffic)
        self.sender = CommandSender(stream: stream)
        sender.start()
    }

    deinit { sender.stop() }

    /// The encoder for this server: LITERAL+ when advertised (RFC 7888), else synchronizing.
    public var encoder: CommandEncoder { CommandEncoder(capabilities: capabilities) }

    // MARK: Greeting

    public enum Greeting: Sendable, Equatable {
        case notAuthenticated(ResponseText)
        case preAuthenticated(ResponseText)
    }

    /// The greeting read by ``readGreeting()`` (shown by `pullimap --serverinfo`).
    public private(set) var greeting: Greeting?

    /// Reads the server greeting (RFC 3501 §7.1): OK, PREAUTH, or BYE (refused).
    public func readGreeting() throws -> Greeting {
        let event = try reader.next()
        switch event {
        case .untagged(.ok(let text)):
            observe(text.code)
            greeting = .notAuthenticated(text)
            return .notAuthenticated(text)
        case .untagged(.preAuth(let text)):
            observe(text.code)
            greeting = .preAuthenticated(text)
            isAuthenticated = true
            return .preAuthenticated(text)
        case .untagged(.bye(let text)):
            throw IMAPClientError.greetingRejected(text.text)
        default:
            throw IMAPClientError.protocolViolation("expected a greeting, got \(event)")
        }
    }

    // MARK: Commands

    /// Queues a command and returns its tag; the bytes go out as soon as the sender gets to them.
    @discardableResult
    public func send(_ command: Command) throws -> String {
        tagNumber += 1
        let tag = String(format: "%06d", tagNumber - 1)
        debugLog?("C: " + CommandEncoder.logDescription(command, tag: tag, redactingSecrets: !revealSecrets))
        do {
            try sender.enqueue(tag: tag, segments: encoder.encode(command, tag: tag).segments)
        } catch {
            throw IMAPClientError.connectionLost(String(describing: error))
        }
        return tag
    }

    /// Starts a command written in pieces (an APPEND whose messages stream in from another
    /// server): `prefix` gets the tag and returns the first bytes; ``continueCommand(tag:_:)``
    /// adds the rest, ending with CRLF. Nothing else may be sent until the command is complete.
    /// The pieces may hold non-synchronizing literals only (LITERAL+, RFC 7888).
    public func beginCommand(logAs description: String, _ prefix: (String) -> [UInt8]) throws -> String {
        tagNumber += 1
        let tag = String(format: "%06d", tagNumber - 1)
        debugLog?("C: \(tag) \(description)")
        do { try sender.enqueue(tag: tag, segments: [prefix(tag)]) } catch {
            throw IMAPClientError.connectionLost(String(describing: error))
        }
        return tag
    }

    /// More bytes of the command ``beginCommand(logAs:_:)`` started; waits while the connection
    /// is behind (at most a megabyte or so is queued), so that memory does not follow the data.
    public func continueCommand(tag: String, _ bytes: [UInt8]) throws {
        do { try sender.enqueueStreamed(tag: tag, bytes: bytes) } catch {
            throw IMAPClientError.connectionLost(String(describing: error))
        }
    }

    /// Sends raw bytes after what is queued: a SASL response or IDLE's `DONE`.
    public func sendRaw(_ bytes: [UInt8], logAs description: String) throws {
        debugLog?("C: " + description)
        do { try sender.enqueueRaw(bytes) } catch { throw IMAPClientError.connectionLost(String(describing: error)) }
    }

    /// One thing the server said, as ``readEvent()`` hands it over.
    public enum SessionEvent {
        /// An untagged response, or one piece of a FETCH response.
        case response(ResponseEvent)
        /// The completion of a command (its tag says which).
        case tagged(TaggedResponse)
        /// A continuation request that no queued literal is waiting for: a SASL challenge, or
        /// IDLE's `+ idling`.
        case continuation(ContinuationRequest)
    }

    /// Reads the next thing the server says, blocking until it is complete. What it says about the
    /// session (capabilities, enabled extensions, alerts) is taken into account first, and a
    /// continuation request for a queued literal goes straight to the sender.
    public func readEvent() throws -> SessionEvent {
        while true {
            let event = try reader.next()
            switch event {
            case .tagged(let response):
                observe(response.code)
                sender.commandCompleted(tag: response.tag)
                return .tagged(response)
            case .continuation(let request):
                if sender.isWaitingForContinuation { sender.continuationReceived(); continue }
                return .continuation(request)
            case .untagged(let untagged):
                observe(untagged)
                return .response(event)
            default:
                return .response(event)
            }
        }
    }

    /// Reads responses until `tag` completes and returns its tagged response, whatever its status.
    /// - Parameters:
    ///   - onEvent: every untagged response and FETCH event read meanwhile.
    ///   - onContinuation: continuation requests that no queued literal is waiting for
    ///     (SASL challenges, IDLE's `+ idling`). Without a handler such a request is a protocol error.
    public func waitForCompletion(of tag: String,
                                  onEvent: (ResponseEvent) throws -> Void = { _ in },
                                  onContinuation: ((ContinuationRequest) throws -> Void)? = nil) throws -> TaggedResponse {
        if let done = completedResponses.removeValue(forKey: tag) { return done }
        while true {
            switch try readEvent() {
            case .tagged(let response):
                if response.tag == tag { return response }
                completedResponses[response.tag] = response
            case .continuation(let request):
                guard let onContinuation else {
                    throw IMAPClientError.protocolViolation("unexpected continuation request '\(request.text)'")
                }
                try onContinuation(request)
            case .response(let event):
                try onEvent(event)
            }
        }
    }

    /// Sends a command, waits for it, and throws `commandFailed`/`commandRejected` unless it is OK.
    @discardableResult
    public func execute(_ command: Command, onEvent: (ResponseEvent) throws -> Void = { _ in },
                        onContinuation: ((ContinuationRequest) throws -> Void)? = nil) throws -> TaggedResponse {
        let tag = try send(command)
        return try check(try waitForCompletion(of: tag, onEvent: onEvent, onContinuation: onContinuation), command: Self.commandName(command))
    }

    /// Throws unless `response` is OK.
    /// The command's name is only worked out for a failure (`commandName` encodes the command).
    public func check(_ response: TaggedResponse, command: @autoclosure () -> String) throws -> TaggedResponse {
        switch response.status {
        case .ok: return response
        case .no: throw IMAPClientError.commandFailed(command: command(), text: response.text.description)
        case .bad: throw IMAPClientError.commandRejected(command: command(), text: response.text.description)
        }
    }

    /// The command's name for error messages (`UID FETCH`, `SELECT`, ...).
    static func commandName(_ command: Command) -> String {
        let words = CommandEncoder.logDescription(command, tag: "x").split(separator: " ")
        guard words.count >= 2 else { return "command" }
        if words[1] == "UID", words.count >= 3 { return "UID \(words[2])" }
        return String(words[1])
    }

    // MARK: Session state from responses

    private func observe(_ untagged: UntaggedResponse) {
        switch untagged {
        case .capability(let list): capabilities = CapabilitySet(list)
        case .enabled(let list): enabled.formUnion(list.map { $0.uppercased() })
        case .ok(let text), .no(let text), .bad(let text), .preAuth(let text), .bye(let text):
            observe(text.code)
            if text.code == .alert { alertHandler?(text.text) }
        default: break
        }
    }

    private func observe(_ code: ResponseCode?) {
        if case .capability(let list)? = code { capabilities = CapabilitySet(list) }
    }

    /// Forgets the capabilities, as RFC 3501 §6.2.1 requires after STARTTLS.
    func discardCapabilities() { capabilities = CapabilitySet() }

    // MARK: Stream layering

    /// Layers a new stream (TLS, DEFLATE) over the current one once everything queued is sent and
    /// nothing unread is buffered.
    public func layerStream(_ makeStream: (ByteStream) throws -> ByteStream) throws {
        do { try sender.drain() } catch { throw IMAPClientError.connectionLost(String(describing: error)) }
        let newStream = try makeStream(stream)
        try reader.replaceStream(newStream)
        sender.replaceStream(newStream)
        stream = newStream
    }

    /// Closes the connection without LOGOUT.
    public func close() {
        sender.stop()
        stream.close()
    }

    /// LOGOUT (RFC 3501 §6.1.3), then close. Errors are ignored: the session is over either way.
    public func logout() {
        if let tag = try? send(.logout) { _ = try? waitForCompletion(of: tag) }
        close()
    }

    /// LOGOUT as the last act of a process that is about to exit: the reply is not awaited (the
    /// server ends the session on reading LOGOUT; waiting would cost a round trip) and the
    /// transport is only half-closed, so a tunnel command is not waited for either: it reads
    /// end of file, exits, and is reaped by init once this process is gone.
    public func logoutBeforeExit() {
        if (try? send(.logout)) != nil { try? sender.drain() }
        sender.stop()
        stream.shutdownWrite()
    }
}
