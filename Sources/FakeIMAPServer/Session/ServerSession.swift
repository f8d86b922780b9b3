import Engine
import Foundation

/// One client connection to the fake server, seen from the server side (the engine's client side
/// is `Engine.IMAPSession`): the RFC 3501 state machine (not authenticated,
/// authenticated, selected, logout) and the command loop. Runs on one thread; a reader thread
/// (`SessionInput`) feeds it, and store changes wake it so it can push unsolicited responses
/// while idle (IDLE, NOTIFY).
final class ServerSession {
    enum State { case notAuthenticated, authenticated, selected, logout }

    let server: FakeIMAPServer
    let number: Int
    let stream: ByteStream
    let input: SessionInput
    let output: SessionOutput
    var store: FakeIMAPStore { server.store }
    var faults: FaultScript { server.faults }

    var state: State = .notAuthenticated
    var user: String?
    /// Extensions turned on by ENABLE or by a CONDSTORE-enabling command (RFC 5161, RFC 7162 §3.1).
    var condStoreEnabled = false
    var qresyncEnabled = false
    var compressionActive = false
    /// Set by COMPRESS: compression starts right after its tagged OK (RFC 4978 §3).
    var pendingCompression = false
    var selected: ServerSelectedMailbox?
    var notify: NotifyState?

    // Per-command bookkeeping.
    var commandName = ""
    var untaggedInCommand = 0
    var dropAfterUntagged: Int?
    var expungeSentInCommand = false
    var commandTag = ""
    /// Set when MESSAGELIMIT cut the running command short (RFC 9738): its OK carries [LIMIT].
    var messageLimitReached = false

    /// The connection-limit slot this session holds; nil with no limit, or when refused.
    var connectionSlot: ConnectionSlots.Slot?
    /// Over the connection limit: authentication is refused (a PREAUTH greeting becomes BYE).
    var overConnectionLimit = false
    /// APPENDs completed in this session (for the profile quirk that drops APPENDUID).
    var appendsCompleted = 0

    init(server: FakeIMAPServer, number: Int, stream: ByteStream) {
        self.server = server
        self.number = number
        self.stream = stream
        let latency = server.configuration.latency
        input = SessionInput(stream: stream, latency: latency)
        output = SessionOutput(stream: stream, latency: latency)
    }

    var capabilities: [String] { faults.capabilities(from: server.configuration.capabilities) }

    /// Whether the server advertises (and so honours) `capability` in this session.
    func hasCapability(_ capability: FakeCapability) -> Bool {
        capabilities.contains { FakeCapability($0) == capability }
    }

    /// What CAPABILITY says in the current state: before authentication the SASL mechanisms
    /// are listed (RFC 3501 §6.2.2), after it the full set.
    var currentCapabilities: [String] {
        if state == .notAuthenticated {
            let disabled = server.configuration.loginDisabled
            return capabilities + (disabled ? ["LOGINDISABLED"] : [])
                + offeredMechanisms.map { "AUTH=\($0)" }
        }
        return capabilities
    }

    // MARK: Running

    func run() {
        let token = store.addObserver { [input] in input.wake() }
        input.start()
        if let slots = server.connectionSlots {
            connectionSlot = slots.claim()
            overConnectionLimit = connectionSlot == nil
        }
        defer {
            connectionSlot?.release()
            store.removeObserver(token)
            try? output.flush()
            stream.close()
        }
        do {
            try greet()
            try loop()
        } catch {
            // End of session: LOGOUT, end of stream, injected drop or a transport failure.
        }
    }

    private func greet() throws {
        let caps = currentCapabilitiesAfterGreeting()
        switch server.configuration.authentication {
        case .preauth where overConnectionLimit:
            try bye("[ALERT] " + Self.tooManyConnections)
        case .preauth(let u):
            state = .authenticated
            user = u
            try sendLine("* PREAUTH [CAPABILITY \(caps)] Logged in as \(u)")
        case .credentials, .accounts:
            try sendLine("* OK [CAPABILITY \(caps)] \(server.configuration.greetingText)")
        }
        try output.flush()
    }

    private func currentCapabilitiesAfterGreeting() -> String {
        if case .preauth = server.configuration.authentication { return capabilities.joined(separator: " ") }
        return currentCapabilities.joined(separator: " ")
    }

    private func loop() throws {
        while state != .logout {
            try output.flush()
            if notify != nil {
                switch try input.wait(watchStore: true, timeout: server.persistence == nil ? nil : 0.2) {
                case .storeChanged:
                    try withPersistence { try deliverNotifications() }
                    continue
                case .timedOut:
                    try withPersistence { try deliverNotifications() }
                    continue
                case .endOfStream: return
                case .input: break
                }
            }
            var reader = CommandReader(input: input, sendContinuation: { [self] in
                try sendLine("+ OK")
                try output.flush()
            })
            reader.nonSynchronizingLimit = hasCapability(.literalPlus) ? .max : hasCapability(.literalMinus) ? 4096 : 0
            reader.literalReceived = { [self] text, count in try checkAppendDrop(text: text, literals: count) }
            let outcome: CommandReader.Outcome
            do { outcome = try reader.next() } catch CommandReadError.lineTooLong {
                try sendLine("* BAD Error in IMAP command received by server: line too long.")
                throw SessionEnd.dropped
            } catch CommandReadError.literalTooLarge {
                try sendLine("* BYE Literal too large.")
                throw SessionEnd.dropped
            }
            switch outcome {
            case .endOfStream: return
            case .malformed(let tag, let text):
                try sendLine("\(tag) BAD \(text)")
            case .command(let command):
                try execute(command)
            }
        }
    }

    /// The drop-during-APPEND fault: checked after each literal of an APPEND command.
    private func checkAppendDrop(text: [UInt8], literals: Int) throws {
        let words = text.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count >= 2, String(decoding: words[1], as: UTF8.self).uppercased() == "APPEND" else { return }
        if faults.shouldDropAppend(afterMessages: literals) { throw SessionEnd.dropped }
    }

    // MARK: Executing one command

    static let expungeForbidden: Set<String> = ["FETCH", "STORE", "SEARCH"]
    private func execute(_ command: ReceivedCommand) throws {
        guard case .atom(let first)? = command.tokens.first else { return }
        var name = first.uppercased()
        var argStart = 1
        if name == "UID", command.tokens.count > 1, case .atom(let sub) = command.tokens[1] {
            name = "UID " + sub.uppercased()
            argStart = 2
        }
        commandName = name
        commandTag = command.tag
        messageLimitReached = false
        untaggedInCommand = 0
        expungeSentInCommand = false
        dropAfterUntagged = faults.takeDrop(for: name)
        let info = FaultScript.CommandInfo(session: number, tag: command.tag, name: name,
                                           arguments: command.tokens[argStart...].map(\.description).joined(separator: " "), status: "")
        if dropAfterUntagged == 0 { throw SessionEnd.dropped }

        var action = faults.takeFailure(for: name)
        if action == nil {
            for hook in faults.beforeHooks() {
                if let a = hook(info, store) { action = a; break }
            }
        }
        var result: Result<Completion, CommandFailure>
        switch action {
        case .dropConnection?:
            throw SessionEnd.dropped
        case let .respond(status, code, text)?:
            result = .failure(CommandFailure(status: status, code: code, text: text))
        case nil:
            let args = Arguments(command.tokens[argStart...], command: name)
            result = try withPersistence {
                var r: Result<Completion, CommandFailure>
                do { r = .success(try dispatch(name: name, tag: command.tag, args: args)) } catch let f as CommandFailure {
                    r = .failure(f)
                } catch let e as FakeStoreError {
                    r = .failure(CommandFailure(e))
                }
                if state == .selected {
                    try synchronizeSelected(allowExpunge: !Self.expungeForbidden.contains(name))
                }
                try deliverNotificationsAfterCommand()
                return r
            }
        }
        var status = "OK", code: String?, text: String
        switch result {
        case .success(let c): code = c.code; text = c.text
        case .failure(let f): status = f.status; code = f.code; text = f.text
        }
        if status == "OK", messageLimitReached, code == nil { code = "LIMIT" }
        // RFC 7162 §3.2.10 (as dovecot does): once expunges were reported in a command, its
        // tagged OK carries the HIGHESTMODSEQ they lead to.
        if status == "OK", expungeSentInCommand, condStoreEnabled, let view = selected, let box = currentMailbox(view.id), !box.noModSeq {
            if code == nil { code = "HIGHESTMODSEQ \(box.highestModSeq)" } else { try sendUntagged(highestModSeqResponse(box.highestModSeq)) }
        }
        try sendLine("\(command.tag) \(status) " + (code.map { "[\($0)] " } ?? "") + text)
        try output.flush()
        if state == .logout { throw SessionEnd.finished }
        if pendingCompression {
            pendingCompression = false
            try output.startDeflating()
            try input.startInflating()
        }
        let done = FaultScript.CommandInfo(session: number, tag: info.tag, name: name, arguments: info.arguments, status: status)
        for hook in faults.afterHooks() { hook(done, store) }
    }

    /// Runs `body` between the persistence layer's lock-and-reload and save-and-unlock, so that a
    /// state file shared by several processes sees each command whole.
    func withPersistence<T>(_ body: () throws -> T) throws -> T {
        guard let p = server.persistence else { return try body() }
        try p.begin(store)
        let before = store.changeCount
        do {
            let r = try body()
            try p.end(store, save: store.changeCount != before)
            return r
        } catch {
            try? p.end(store, save: store.changeCount != before)
            throw error
        }
    }

    private func dispatch(name: String, tag: String, args: Arguments) throws -> Completion {
        var args = args
        // Commands valid in any state (RFC 3501 §6.1).
        switch name {
        case "CAPABILITY": try args.end(); return try capability()
        case "NOOP", "CHECK":
            // dovecot ignores arguments after NOOP.
            if name == "CHECK" { try requireSelected(); try args.end() }
            return Completion(name == "NOOP" ? "NOOP completed." : "Check completed.")
        case "LOGOUT": try args.end(); return try logout()
        case "ID" where hasCapability(.id): return try id(&args)
        default: break
        }
        if state == .notAuthenticated {
            if overConnectionLimit, name == "LOGIN" || name == "AUTHENTICATE" {
                throw CommandFailure.no(Self.tooManyConnections, code: "ALERT")
            }
            switch name {
            case "LOGIN": return try login(&args)
            case "AUTHENTICATE": return try authenticate(&args)
            case "STARTTLS": throw CommandFailure.bad("TLS support isn't enabled.")
            default:
                if Self.knownCommands.contains(name) { throw CommandFailure.bad("Error in IMAP command \(name): Not logged in.") }
                throw CommandFailure.bad("Error in IMAP command \(name): Unknown command.")
            }
        }
        switch name {
        case "LOGIN", "AUTHENTICATE": throw CommandFailure.bad("Error in IMAP command \(name): Already logged in.")
        case "ENABLE" where hasCapability(.enable): return try enable(&args)
        case "NAMESPACE" where hasCapability(.namespace): try args.end(); return try namespace()
        case "COMPRESS" where hasCapability(.compressDeflate): return try compress(&args)
        case "CREATE": return try create(&args)
        case "DELETE": return try delete(&args)
        case "RENAME": return try rename(&args)
        case "SUBSCRIBE": return try subscribe(&args, on: true)
        case "UNSUBSCRIBE": return try subscribe(&args, on: false)
        case "LIST": return try list(&args)
        case "LSUB": return try lsub(&args)
        case "STATUS": return try status(&args)
        case "SELECT": return try select(&args, readOnly: false)
        case "EXAMINE": return try select(&args, readOnly: true)
        case "APPEND": return try append(&args)
        case "IDLE" where hasCapability(.idle): try args.end(); return try idle()
        case "NOTIFY" where hasCapability(.notify): return try notifyCommand(&args)
        default: break
        }
        switch name {
        case "CLOSE": try requireSelected(); try args.end(); return try close(expunge: true)
        case "UNSELECT" where hasCapability(.unselect): try requireSelected(); try args.end(); return try close(expunge: false)
        case "FETCH", "UID FETCH": try requireSelected(); return try fetch(&args, byUID: name.hasPrefix("UID"))
        case "STORE", "UID STORE": try requireSelected(); return try storeCommand(&args, byUID: name.hasPrefix("UID"))
        case "SEARCH", "UID SEARCH": try requireSelected(); return try search(&args, byUID: name.hasPrefix("UID"))
        case "EXPUNGE": try requireSelected(); try args.end(); return try expunge(uids: nil)
        case "UID EXPUNGE" where hasCapability(.uidPlus):
            try requireSelected()
            let set = try args.atom()
            try args.end()
            return try expunge(uids: try limitMessages(parseSet(set, byUID: true), byUID: true))
        case "COPY", "UID COPY": try requireSelected(); return try copy(&args, byUID: name.hasPrefix("UID"), move: false)
        case "MOVE" where hasCapability(.move), "UID MOVE" where hasCapability(.move):
            try requireSelected()
            return try copy(&args, byUID: name.hasPrefix("UID"), move: true)
        default:
            throw CommandFailure.bad("Error in IMAP command \(name): Unknown command.")
        }
    }

    /// Gmail's words for a connection over its limit.
    static let tooManyConnections = "Too many simultaneous connections. (Failure)"

    static let knownCommands: Set<String> = [
        "ENABLE", "NAMESPACE", "COMPRESS", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "LSUB",
        "STATUS", "SELECT", "EXAMINE", "APPEND", "IDLE", "NOTIFY", "CLOSE", "UNSELECT", "FETCH", "UID FETCH", "STORE",
        "UID STORE", "SEARCH", "UID SEARCH", "EXPUNGE", "UID EXPUNGE", "COPY", "UID COPY", "MOVE", "UID MOVE",
    ]

    func requireSelected() throws {
        if state != .selected { throw CommandFailure.bad("No mailbox selected") }
    }

    func currentMailbox(_ id: UInt64) -> FakeMailbox? { store.read { $0.mailboxes[id] } }

    // MARK: Writing responses

    /// Writes one response line (CRLF added). Untagged responses count towards the
    /// drop-after-N fault of the running command.
    func sendLine(_ line: String) throws {
        try output.send(Array((line + "\r\n").utf8))
    }

    func sendUntagged(_ text: String) throws {
        try sendUntaggedBytes(Array(("* " + text + "\r\n").utf8))
    }

    func sendUntaggedBytes(_ bytes: [UInt8]) throws {
        try output.send(bytes)
        untaggedInCommand += 1
        if let limit = dropAfterUntagged, untaggedInCommand >= limit {
            try output.flush()
            throw SessionEnd.dropped
        }
    }

    /// Sends `* BYE` and ends the session (RFC 3501 §7.1.5).
    func bye(_ text: String) throws -> Never {
        try sendLine("* BYE \(text)")
        try output.flush()
        throw SessionEnd.dropped
    }
}
