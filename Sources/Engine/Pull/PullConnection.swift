import Foundation

/// The IMAP side of a pull: an authenticated session and the one mailbox it pulls from. Every
/// response read through it updates ``mailbox`` (UIDVALIDITY, UIDNEXT, message count), whichever
/// thread reads it, so no `EXISTS` announcing new mail is missed.
public final class PullConnection: @unchecked Sendable {
    public let session: IMAPSession
    /// The mailbox as configured (`mailbox`, UTF-8), for log lines and errors.
    public let mailboxName: String
    /// `lock` protects `state`: the `UID FETCH` responses are read on their own thread.
    private let lock = NSLock()
    private var state = SelectedPullMailbox()

    public init(session: IMAPSession, mailboxName: String) {
        self.session = session
        self.mailboxName = mailboxName
    }

    /// What the responses read so far say about the mailbox.
    public var mailbox: SelectedPullMailbox { lock.withLock { state } }

    /// Clears and returns the "new mail arrived" flag.
    func takeNewMail() -> Bool {
        lock.withLock {
            defer { state.hasNewMail = false }
            return state.hasNewMail
        }
    }

    /// Whether new mail arrived since the flag was last taken (the flag stays set).
    var hasNewMail: Bool { lock.withLock { state.hasNewMail } }

    func observe(_ event: ResponseEvent) { lock.withLock { state.observe(event) } }
    func observe(code: ResponseCode?) { lock.withLock { state.observe(code: code) } }

    /// SELECT (read-write: the `\Seen` and `\Deleted` STOREs need it, RFC 3501 §6.3.1).
    public func select() throws -> SelectedPullMailbox {
        lock.withLock { state = SelectedPullMailbox() }
        _ = try execute(.select(MailboxName(mailboxName)))
        return lock.withLock {
            // The new-mail flag is for mail arriving after this point.
            state.hasNewMail = false
            return state
        }
    }

    /// Sends a command now (it may be pipelined behind others); complete it with ``wait(_:command:)``.
    func send(_ command: Command) throws -> String { try session.send(command) }

    /// Reads responses until `tag` completes, keeping track of the mailbox; throws unless OK.
    @discardableResult
    func wait(_ tag: String, command: @autoclosure () -> String, onEvent: (ResponseEvent) throws -> Void = { _ in },
              onContinuation: ((ContinuationRequest) throws -> Void)? = nil) throws -> TaggedResponse {
        let response = try session.waitForCompletion(of: tag, onEvent: { event in
            self.observe(event)
            try onEvent(event)
        }, onContinuation: onContinuation)
        observe(code: response.code)
        return try session.check(response, command: command())
    }

    @discardableResult
    func execute(_ command: Command, onEvent: (ResponseEvent) throws -> Void = { _ in }) throws -> TaggedResponse {
        try wait(try send(command), command: IMAPSession.commandName(command), onEvent: onEvent)
    }
}
