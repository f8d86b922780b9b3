import Foundation

/// Waiting for new mail with IDLE (RFC 2177), step 6 of pullimap(1)'s control flow.
///
/// IDLE starts when the server's continuation request arrives; `DONE` ends it as soon as an
/// `EXISTS` shows the mailbox grew (RFC 2177 §3: the server sends untagged responses while
/// idling), or once the timeout expires: RFC 2177 §3 asks clients to re-issue IDLE at least
/// every 29 minutes, so that the server's inactivity logout timer (at least 30 minutes, RFC 3501
/// §5.4) never fires. The timeout runs on a timer thread; the responses are read on the
/// caller's thread.
public struct IdleLoop {
    /// Why an IDLE ended.
    public enum Outcome: Sendable, Equatable {
        /// The mailbox grew: there is mail to pull.
        case newMail
        /// The timeout expired without new mail.
        case timedOut
    }

    public let connection: PullConnection
    public let log: PullLog

    public init(connection: PullConnection, log: PullLog) {
        self.connection = connection
        self.log = log
    }

    /// Idles for at most `timeout` seconds. Returns at once with `.newMail` if mail arrived since
    /// the last check (reported in an earlier command's responses).
    public func waitForNewMail(timeout: TimeInterval) throws -> Outcome {
        if connection.takeNewMail() { return .newMail }
        let session = connection.session
        let terminator = IdleTerminator(session: session)
        let tag = try connection.send(.idle)
        // Cancelled when the IDLE ends early, so no timer keeps the session for the rest of the
        // timeout (up to 29 minutes).
        let timer = DispatchWorkItem { terminator.end(.timedOut) }
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout), execute: timer)
        defer { timer.cancel(); terminator.completed() }
        try connection.wait(tag, command: "IDLE", onEvent: { _ in
            if connection.hasNewMail { terminator.end(.newMail) }
        }, onContinuation: { _ in terminator.idling() })
        _ = connection.takeNewMail()
        return terminator.outcome ?? .newMail
    }
}

/// Sends IDLE's `DONE` once, from whichever thread first wants the IDLE to end, and not before
/// the server's continuation request (RFC 2177 §3: `DONE` answers the `+`).
final class IdleTerminator: @unchecked Sendable {
    private let session: IMAPSession
    /// `lock` protects every field below.
    private let lock = NSLock()
    private var started = false
    private var doneSent = false
    private var finished = false
    private var reason: IdleLoop.Outcome?

    init(session: IMAPSession) { self.session = session }

    /// Why the IDLE ended (the first reason given).
    var outcome: IdleLoop.Outcome? { lock.withLock { reason } }

    /// The continuation request arrived: the server is idling.
    func idling() {
        lock.withLock {
            started = true
            if reason != nil { sendDone() }
        }
    }

    /// Asks for the end of the IDLE.
    func end(_ why: IdleLoop.Outcome) {
        lock.withLock {
            guard !finished else { return }
            if reason == nil { reason = why }
            if started { sendDone() }
        }
    }

    /// The tagged response arrived: later requests are for nothing.
    func completed() { lock.withLock { finished = true } }

    /// Called with `lock` held.
    private func sendDone() {
        guard !doneSent, !finished else { return }
        doneSent = true
        // A failed write surfaces as a lost connection on the reading side.
        try? session.sendIdleDone()
    }
}
