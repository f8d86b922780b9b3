import Foundation

/// An IMAP failure on one of the two servers, named as log lines name it: `local(INBOX): ...`.
struct ServerFailure: Error, CustomStringConvertible, ExitStatusProviding {
    let server: String
    let mailbox: String?
    let error: IMAPClientError
    /// What was being done, e.g. `Couldn't create mailbox Work`.
    var context: String?
    var description: String { server + (mailbox.map { "(\($0))" } ?? "") + ": " + message }
    /// The server's own status and words first (`NO ...`, `BAD ...`), as the reference logs them.
    var message: String {
        let reason: String
        switch error {
        case let .commandFailed(command, text): reason = "NO \(text) (\(command))"
        case let .commandRejected(command, text): reason = "BAD \(text) (\(command))"
        default: reason = String(describing: error)
        }
        return context.map { "\($0): \(reason)" } ?? reason
    }
    var exitStatus: ExitStatus { error.exitStatus }
}

/// One of the two servers of a synchronization (`local` or `remote`): its session, how it names
/// mailboxes, and the mailbox currently selected on it. Every response it reads goes through
/// `consume(_:)`, so no report of a change is ever lost, whichever command it arrived during.
final class SyncServer {
    let side: SyncDatabase.Side
    let session: IMAPSession
    var naming: MailboxNaming
    let log: SyncLog
    private(set) var selected: SelectedMailbox?
    private var assembler = FetchAssembler()
    /// Receives complete FETCH responses carrying a body (new messages being copied).
    var bodyHandler: ((FetchResponse) throws -> Void)?

    init(side: SyncDatabase.Side, session: IMAPSession, naming: MailboxNaming, log: SyncLog) {
        self.side = side
        self.session = session
        self.naming = naming
        self.log = log
    }

    var name: String { side.rawValue }

    /// A database name as this server spells it in log lines (its delimiter, no reference).
    func display(_ database: [UInt8]) -> String { MailboxNaming.display(database, delimiter: naming.delimiter) }

    /// Routes one event to the selected mailbox's state (or to the body handler).
    func consume(_ event: ResponseEvent) throws {
        if FetchAssembler.isFetchEvent(event) {
            guard let fetch = assembler.feed(event) else { return }
            if !fetch.bodies.isEmpty, let bodyHandler {
                try bodyHandler(fetch)
                selected?.observe(code: fetch.modSeq.map { .highestModSeq($0) })
            } else {
                selected?.observe(fetch: fetch)
            }
            return
        }
        guard case .untagged(let untagged) = event else { return }
        switch untagged {
        case .vanished(_, let uids): selected?.observe(vanished: uids)
        case .expunge:
            // With QRESYNC enabled the server must report expunges as VANISHED (RFC 7162 §3.2.10);
            // a sequence number alone cannot be mapped to a UID without a full resync.
            throw IMAPClientError.protocolViolation("\(name): server sent EXPUNGE although QRESYNC is enabled")
        case .ok(let text), .no(let text), .bad(let text):
            if text.code == .closed { return }
            selected?.observe(code: text.code)
        default: break
        }
    }

    // MARK: Commands with response routing

    func send(_ command: Command) throws -> String { try session.send(command) }

    func wait(_ tag: String, command: @autoclosure () -> String) throws -> TaggedResponse {
        do {
            let response = try session.waitForCompletion(of: tag) { try self.consume($0) }
            selected?.observe(code: response.code)
            return try session.check(response, command: command())
        } catch let error as IMAPClientError {
            throw ServerFailure(server: name, mailbox: selected.map { display($0.database) }, error: error, context: nil)
        }
    }

    func execute(_ command: Command) throws -> TaggedResponse {
        try wait(try send(command), command: IMAPSession.commandName(command))
    }

    /// Starts selecting `wireName` with QRESYNC parameters from the database state.
    func sendSelect(database: [UInt8], wireName: String, state: SyncDatabase.MailboxState?) throws -> String {
        var parameters: [SelectParameter] = []
        if let state, state.highestModSeq > 0 {
            // Known UIDs: those below the recorded UIDNEXT, so VANISHED (EARLIER) covers exactly
            // the messages the database knows of (RFC 7162 §3.2.5.1).
            let known = state.uidNext > 1 ? SequenceSet(ranges: [1...(state.uidNext - 1)]) : nil
            parameters = [.qresync(QResyncParameters(uidValidity: state.uidValidity, modSeq: state.highestModSeq, knownUIDs: known))]
        } else {
            parameters = [.condStore]
        }
        selected = SelectedMailbox(database: database, wireName: wireName)
        return try send(.select(MailboxName(wire: wireName), parameters: parameters))
    }

    func finishSelect(_ tag: String) throws -> SelectedMailbox {
        _ = try wait(tag, command: "SELECT")
        guard let selected else { throw IMAPClientError.protocolViolation("\(name): no selected mailbox") }
        return selected
    }

    func updateSelected(_ body: (inout SelectedMailbox) -> Void) {
        guard var s = selected else { return }
        body(&s)
        selected = s
    }

    func takePendingUpdates() -> (vanished: SequenceSet, flags: [UInt32: [Flag]]) {
        guard var s = selected else { return (SequenceSet(), [:]) }
        let out = (s.pendingVanished, s.pendingFlags)
        s.pendingVanished = SequenceSet(); s.pendingFlags = [:]
        selected = s
        return out
    }

    /// Starts leaving the selected mailbox. UNSELECT (RFC 3691) when offered; otherwise EXAMINE
    /// of a name that cannot exist, whose failure leaves no mailbox selected (RFC 3501 §6.3.1), as
    /// CLOSE would expunge the `\Deleted` messages (RFC 3501 §6.4.2).
    func sendUnselect() throws -> String {
        if session.capabilities.contains("UNSELECT") { return try send(.unselect) }
        return try send(.examine(MailboxName(wire: "interimap-unselect-\(UUID().uuidString)")))
    }

    func finishUnselect(_ tag: String) throws {
        if session.capabilities.contains("UNSELECT") { _ = try wait(tag, command: "UNSELECT") } else {
            _ = try session.waitForCompletion(of: tag) { try self.consume($0) }
        }
        selected = nil
    }
}
