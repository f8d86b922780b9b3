import Foundation

/// The sync engine's store (``MailStore``) over one IMAP connection, at the ``SyncLevel`` the
/// server's capabilities allow: QRESYNC (RFC 7162 §3.2), CONDSTORE (RFC 7162 §3.1) or plain
/// IMAP4rev1. The level decides how a mailbox is selected and what its reports mean; what a
/// lower level cannot learn from reports the synchronizer asks for (``ChangeScan``).
///
/// Every command goes out through ``send(_:claiming:)`` and every response the server sends comes
/// in through ``route(_:)``, one place, whichever operation is waiting: the reply of a command
/// completes it; an untagged response that answers a command in flight (its LIST, STATUS or FETCH
/// data) goes to that command; everything else the server reports about the selected mailbox
/// (VANISHED, flag changes, HIGHESTMODSEQ) is recorded in that mailbox's ``SelectedMailbox``.
///
/// Commands are pipelined: a command's untagged data comes before its completion and after that
/// of the commands sent before it (RFC 3501 §5.5, §7), so untagged responses belong to the oldest
/// command in flight. With QRESYNC a SELECT that replaces a selected mailbox first announces
/// `[CLOSED]` (RFC 7162 §3.2.11): reports read before it are still about the previous mailbox.
final class IMAPMailStore: MailStore {
    let side: SyncDatabase.Side
    let session: IMAPSession
    var naming: MailboxNaming
    let log: SyncLog
    var selected: SelectedMailbox?
    /// `--dry-run`: mailboxes are opened with EXAMINE (RFC 3501 §6.3.2), read-only, so that the
    /// server itself refuses any change to them.
    var readOnly = false

    /// A command sent and not yet completed.
    final class InFlight {
        let tag: String
        /// The mailbox selected when the server runs this command (for a SELECT: the new one).
        let mailbox: SelectedMailbox?
        /// A SELECT's previous mailbox, which reports concern until `[CLOSED]`.
        var closing: SelectedMailbox?
        /// Takes the untagged responses that answer this command; returns whether it did.
        let claim: ((Answer) throws -> Bool)?
        /// Takes the FETCH events of a message copy as they arrive, before they are assembled.
        let streamer: StreamedFetch?
        init(tag: String, mailbox: SelectedMailbox?, closing: SelectedMailbox?, claim: ((Answer) throws -> Bool)?,
             streamer: StreamedFetch? = nil) {
            self.tag = tag; self.mailbox = mailbox; self.closing = closing; self.claim = claim; self.streamer = streamer
        }
    }

    /// An untagged answer offered to the command in flight.
    enum Answer {
        case untagged(UntaggedResponse)
        case fetch(FetchResponse)
    }

    /// Commands in flight, oldest first (`inFlightHead` is the oldest).
    private var inFlight: [InFlight] = []
    private var inFlightHead = 0
    private var completed: [String: TaggedResponse] = [:]
    private var assembler = FetchAssembler()
    /// The ENABLE QRESYNC sent at connection, awaited before the first SELECT.
    private var pendingEnable: Pending<Void>?
    private(set) var level: SyncLevel = .qresync
    /// `--notify` on a server without NOTIFY: IDLE on INBOX (see IMAPMailStore+Watching).
    var watchesInboxOnly = false
    /// Ends the wait of `--notify` on a server with neither NOTIFY nor IDLE.
    let idleEnded = DispatchSemaphore(value: 0)

    /// Commands sent, and round trips: the times this client, having sent commands, had to wait
    /// for the server's answer (`--debug` reports both at the end).
    private(set) var commandCount = 0
    private(set) var roundTripCount = 0
    private var sentSinceLastWait = false

    /// Whether the server can add several messages in one APPEND (RFC 3502).
    var appendBatchLimit: Int { session.capabilities.contains(.multiAppend) ? 128 : 1 }

    let traffic: TrafficCounter?

    init(side: SyncDatabase.Side, session: IMAPSession, listReference: String, log: SyncLog, traffic: TrafficCounter? = nil) {
        self.side = side
        self.session = session
        self.traffic = traffic
        self.naming = MailboxNaming(delimiter: "/", reference: listReference)
        self.log = log
    }

    /// Chooses the level from the capabilities, at most `ceiling` (`sync-level`), and says
    /// which: at info level unless it is QRESYNC.
    func chooseLevel(ceiling: SyncLevel?) {
        let supported = SyncLevel.supported(by: session.capabilities)
        level = min(supported, ceiling ?? .qresync)
        guard level < .qresync else { log.debug(name, "", "Synchronizing at the QRESYNC level"); return }
        let reason = level < supported ? "sync-level = \(level.rawValue)" : "the server does not offer " + (level == .condstore ? "QRESYNC with ENABLE" : "CONDSTORE")
        log.info(name, "", "Synchronizing at the \(level.displayName) level (\(reason))")
    }

    /// ENABLE QRESYNC (RFC 7162 §3.2.3; it implies CONDSTORE) at the QRESYNC level. Its answer is
    /// awaited only before the first SELECT, so that the commands sent meanwhile (LIST) ride in
    /// the same round trip.
    func enableQResync() throws {
        guard level == .qresync else { return }
        pendingEnable = try command(.enable(["QRESYNC"]), name: "ENABLE")
    }

    /// Waits for the ENABLE. A server that does not answer it with `* ENABLED QRESYNC` (RFC 5161
    /// §3.2; iCloud is reported not to) may not have turned QRESYNC on: its VANISHED reports
    /// cannot be counted on, so the level drops to CONDSTORE, said once.
    private func awaitEnable() throws {
        guard let enable = pendingEnable else { return }
        pendingEnable = nil
        try enable.wait()
        if !session.enabled.contains("QRESYNC") {
            level = .condstore
            log.info(name, "", "Synchronizing at the CONDSTORE level (the server did not confirm ENABLE QRESYNC)")
        }
    }

    // MARK: Sending and routing

    /// Sends `command`; its untagged answers go to `claim` while it is the oldest in flight.
    /// - Parameter selecting: for a SELECT, the mailbox it selects.
    func send(_ command: Command, selecting: SelectedMailbox? = nil, streamer: StreamedFetch? = nil,
              claiming claim: ((Answer) throws -> Bool)? = nil) throws -> String {
        let mailbox = selecting ?? selected
        // `[CLOSED]` ends the previous mailbox's reports with QRESYNC only (RFC 7162 §3.2.11);
        // without it whatever follows the SELECT is about the new mailbox.
        let closing = selecting == nil || level < .qresync ? nil : selected
        let tag = try failing { try session.send(command) }
        register(tag, mailbox: mailbox, closing: closing, claim: claim, streamer: streamer)
        return tag
    }

    /// Records a command just sent (by ``send(_:selecting:streamer:claiming:)``, or written in pieces).
    func register(_ tag: String, mailbox: SelectedMailbox? = nil, closing: SelectedMailbox? = nil,
                  claim: ((Answer) throws -> Bool)? = nil, streamer: StreamedFetch? = nil) {
        inFlight.append(InFlight(tag: tag, mailbox: mailbox ?? selected, closing: closing, claim: claim, streamer: streamer))
        commandCount += 1
        sentSinceLastWait = true
    }

    /// Sends a command whose completion is all its result: a pending that throws unless it is OK.
    func command(_ command: Command, name: String, claiming claim: ((Answer) throws -> Bool)? = nil) throws -> Pending<Void> {
        let tag = try send(command, claiming: claim)
        return Pending { _ = try self.wait(tag, command: name) }
    }

    /// Reads until `tag` completes; throws (naming this server and mailbox) unless it is OK.
    @discardableResult
    func wait(_ tag: String, command: @autoclosure () -> String) throws -> TaggedResponse {
        let response = try waitForCompletion(of: tag)
        let checked = try failing { try session.check(response, command: command()) }
        // `OK [LIMIT]`: the server acted on part of the messages only (RFC 9738 §3, Yahoo's
        // MESSAGELIMIT). Taking that for the whole answer would lose messages silently.
        if case .other(let code, _)? = checked.code, code.uppercased() == "LIMIT" {
            throw failure(.commandFailed(command: command(), text: "the server answered for part of the messages only ([LIMIT], RFC 9738 MESSAGELIMIT)"))
        }
        return checked
    }

    /// Reads until `tag` completes, whatever its status.
    func waitForCompletion(of tag: String) throws -> TaggedResponse {
        if sentSinceLastWait && completed[tag] == nil { roundTripCount += 1; sentSinceLastWait = false }
        while true {
            if let response = completed.removeValue(forKey: tag) { return response }
            try readOne()
        }
    }

    /// Whether `tag` has completed (its answer read), without reading more.
    func isCompleted(_ tag: String) -> Bool { completed[tag] != nil }

    /// Reads one thing the server says and routes it.
    func readOne() throws {
        if sentSinceLastWait { roundTripCount += 1; sentSinceLastWait = false }
        switch try failing({ try session.readEvent() }) {
        case .tagged(let response): try complete(response)
        case .response(let event): try route(event)
        case .continuation(let request):
            if idling { return }  // "+ idling" (RFC 2177 §3)
            throw failure(.protocolViolation("unexpected continuation request '\(request.text)'"))
        }
    }

    /// Whether an IDLE is in progress (its continuation request is expected).
    var idling = false
    /// Whether NOTIFY reported a change while no IDLE was waiting for it.
    var newsBeforeIdle = false

    private var oldest: InFlight? { inFlightHead < inFlight.count ? inFlight[inFlightHead] : nil }

    private func complete(_ response: TaggedResponse) throws {
        guard let index = inFlight[inFlightHead...].firstIndex(where: { $0.tag == response.tag }) else {
            throw failure(.protocolViolation("tagged response for a command never sent: \(response.tag)"))
        }
        let command = inFlight[index]
        command.mailbox?.observe(code: response.code)
        // Commands complete in order in practice; one completing early leaves a hole, skipped here.
        inFlight[index] = InFlight(tag: "", mailbox: command.mailbox, closing: nil, claim: nil)
        while let head = oldest, head.tag.isEmpty { inFlightHead += 1 }
        inFlight.dropTakenPrefix(&inFlightHead)
        completed[response.tag] = response
    }

    /// The one place every untagged response and FETCH goes through.
    private func route(_ event: ResponseEvent) throws {
        let command = oldest
        if FetchAssembler.isFetchEvent(event) {
            if let streamer = command?.streamer {
                switch streamer.feed(event) {
                case .consumed: return
                case .messageEnded(let modSeq):
                    // A new message's MODSEQ is covered by the HIGHESTMODSEQ it raises (RFC 7162 §3.1.1).
                    target(command)?.observe(code: modSeq.map { .highestModSeq($0) })
                    return
                case .report(let fetch):
                    if let uid = fetch.uid { target(command)?.observe(uid: uid, flags: fetch.flags, modSeq: fetch.modSeq) }
                    return
                case .implausible(let uid):
                    throw failure(.protocolViolation("UID FETCH answered with UID \(uid), which the mailbox cannot hold (UIDNEXT \(target(command)?.uidNext ?? 0), no new message announced)"))
                }
            }
            guard let fetch = assembler.feed(event) else { return }
            if let claim = command?.claim, try claim(.fetch(fetch)) { return }
            // Reports of a FETCH carry its UID once QRESYNC is enabled (RFC 7162 §3.2.4); without
            // one a sequence number cannot be told apart from another message's.
            guard let uid = fetch.uid else {
                if fetch.flags != nil { target(command)?.lostTrackOfChanges() }
                return
            }
            target(command)?.observe(uid: uid, flags: fetch.flags, modSeq: fetch.modSeq)
            return
        }
        guard case .untagged(let untagged) = event else { return }
        // An ESEARCH names its command (RFC 4731 §3.1): a server running pipelined commands at
        // once (RFC 3501 §5.5) may answer it before an older command completes.
        if case .esearch(let response) = untagged, let tag = response.tag,
           let owner = inFlight[inFlightHead...].first(where: { $0.tag == tag }), let claim = owner.claim {
            if try claim(.untagged(untagged)) { return }
        }
        if let claim = command?.claim, try claim(.untagged(untagged)) { return }
        switch untagged {
        case .vanished(_, let uids): target(command)?.observe(vanished: uids)
        case .expunge:
            // With QRESYNC enabled the server must report expunges as VANISHED (RFC 7162 §3.2.10);
            // a sequence number alone cannot be mapped to a UID without a full resync. Below
            // QRESYNC it is the normal report (RFC 3501 §7.4.1), of this client's UID EXPUNGE or
            // another's: the next run's scan finds the UIDs that are gone.
            guard level < .qresync else { throw failure(.protocolViolation("server sent EXPUNGE although QRESYNC is enabled")) }
        case .ok(let text), .no(let text), .bad(let text):
            if text.code == .closed { command?.closing = nil; return }
            target(command)?.observe(code: text.code)
        case .exists(let count): target(command)?.observe(exists: count)
        case .status:
            // A STATUS no command asked for is NOTIFY's news of another mailbox (RFC 5465 §5.1);
            // one read while not idling (during the UNSELECT ending a synchronization) must
            // still wake the next IDLE.
            if !idling { newsBeforeIdle = true }
        default: break
        }
    }

    /// The mailbox a report read during `command` is about.
    private func target(_ command: InFlight?) -> SelectedMailbox? {
        guard let command else { return selected }
        return command.closing ?? command.mailbox
    }

    // MARK: Selection

    func select(_ mailbox: [UInt8], recorded: SyncDatabase.MailboxState?) throws -> Pending<SelectedMailbox> {
        let view = SelectedMailbox(database: mailbox, level: level)
        let done = try sendSelect(view, since: recorded)
        return Pending {
            try done.wait()
            return view
        }
    }

    func reselect(_ view: SelectedMailbox) throws -> Pending<Void> {
        // What the view has seen stands for the recorded state: the server reports only what
        // changed since (RFC 7162 §3.2.5.1), about the messages the view knew of.
        try sendSelect(view, since: SyncDatabase.MailboxState(uidValidity: view.uidValidity, uidNext: view.uidNext,
                                                              highestModSeq: view.noModSeq ? 0 : view.highestModSeq))
    }

    /// SELECT with QRESYNC where a state is known (CONDSTORE otherwise, nothing on a plain
    /// server, which would refuse the parameter), into `view`.
    private func sendSelect(_ view: SelectedMailbox, since recorded: SyncDatabase.MailboxState?) throws -> Pending<Void> {
        try awaitEnable()
        let wire = try wireName(view.database)
        // CONDSTORE is turned on by the SELECT parameter (RFC 7162 §3.1.8).
        var parameters: [SelectParameter] = level == .plain ? [] : [.condStore]
        if level == .qresync, let recorded, recorded.highestModSeq > 0 {
            // Known UIDs: those below the recorded UIDNEXT, so VANISHED (EARLIER) covers exactly
            // the messages the database knows of (RFC 7162 §3.2.5.1).
            let known = recorded.uidNext > 1 ? SequenceSet(ranges: [1...(recorded.uidNext - 1)]) : nil
            parameters = [.qresync(QResyncParameters(uidValidity: recorded.uidValidity, modSeq: recorded.highestModSeq, knownUIDs: known))]
        }
        // QRESYNC parameters are allowed with EXAMINE as with SELECT (RFC 7162 §3.2.5).
        let open: Command = readOnly ? .examine(MailboxName(wire: wire), parameters: parameters)
                                     : .select(MailboxName(wire: wire), parameters: parameters)
        let tag = try send(open, selecting: view)
        selected = view
        return Pending {
            try self.wait(tag, command: "SELECT")
            // Without a valid UIDVALIDITY (a nonzero 32-bit number, RFC 3501 §2.3.1.1) no UID of
            // this mailbox can be trusted to name the same message next time.
            guard view.uidValidity != 0 else {
                throw self.failure(.protocolViolation("SELECT gave no valid UIDVALIDITY for \(self.display(view.database))"))
            }
            // CONDSTORE's SELECT reports one or the other (RFC 7162 §3.1.2.1); a missing one is
            // one that was out of range (a mod-sequence is below 2^63, RFC 7162 §7). Without CONDSTORE
            // (the plain level) there is none to check.
            guard view.level == .plain || view.noModSeq || view.highestModSeq != 0 else {
                throw self.failure(.protocolViolation("SELECT gave no valid HIGHESTMODSEQ for \(self.display(view.database))"))
            }
            view.selectCompleted()
        }
    }

    /// Leaves the selected mailbox. UNSELECT (RFC 3691) when offered; otherwise EXAMINE of a name
    /// that cannot exist, whose failure leaves no mailbox selected (RFC 3501 §6.3.1), as CLOSE
    /// would expunge the `\Deleted` messages (RFC 3501 §6.4.2).
    func unselect() throws -> Pending<Void> {
        guard selected != nil else { return .none }
        defer { selected = nil }
        if session.capabilities.contains(.unselect) { return try command(.unselect, name: "UNSELECT") }
        let tag = try send(.examine(MailboxName(wire: "interimap-unselect-\(UUID().uuidString)")))
        return Pending { _ = try self.waitForCompletion(of: tag) }
    }

    // MARK: Errors

    /// The server's wire name of a database name.
    func wireName(_ mailbox: [UInt8]) throws -> String {
        do { return try naming.wireName(database: mailbox) } catch {
            throw SyncError.naming("\(name): cannot name mailbox \(display(mailbox)): \(error)")
        }
    }

    func failure(_ error: IMAPClientError) -> ServerFailure {
        ServerFailure(server: name, mailbox: selected.map { display($0.database) }, error: error, context: nil)
    }

    /// Runs `body`, naming this server (and its mailbox) in the IMAP errors it throws.
    func failing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as IMAPClientError { throw failure(error) }
    }

    // MARK: End of the run

    /// LOGOUT as the last act of the process (the reply is not awaited), and the `--debug` count
    /// of commands and round trips.
    func logoutBeforeExit() {
        log.debug(name, "", "\(commandCount) command(s), \(roundTripCount) round trip(s)")
        session.logoutBeforeExit()
    }
}
