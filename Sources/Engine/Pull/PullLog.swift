import Foundation
import Logging

/// pullimap's log lines, prefixed as the reference prefixes them: `SECTION: ` before the mailbox
/// is selected and `SECTION(MAILBOX): ` for everything about the mailbox, e.g.
/// `acct(INBOX): UID 12 from <a@example.org> (21-Nov-2026 17:55:22 +0000)`.
public struct PullLog: Sendable {
    public let sink: LogSink
    public let section: String
    public let mailbox: String
    private let selection = SelectionFlag()

    public init(sink: LogSink, section: String, mailbox: String) {
        self.sink = sink
        self.section = section
        self.mailbox = mailbox
    }

    /// From now on, traffic lines carry the mailbox (as the reference's do once it is selected).
    public func mailboxSelected() { selection.set() }

    /// A line about the mailbox.
    public func info(_ message: String) { sink.record(level: .info, component: section, mailbox: mailbox, message: message) }
    public func warning(_ message: String) { sink.record(level: .warning, component: section, mailbox: mailbox, message: message) }
    public func debug(_ message: String) { sink.record(level: .debug, component: section, mailbox: mailbox, message: message) }

    /// A line about the account rather than the mailbox (`SECTION: `).
    public func accountInfo(_ message: String) { sink.record(level: .info, component: section, mailbox: "", message: message) }

    /// Whether `--debug` lines are written (so traces are not even formatted otherwise).
    public var isDebugEnabled: Bool { sink.threshold <= .debug }

    /// The `--debug` receiver of IMAP traffic lines (`C: …`/`S: …`).
    public var imapTrafficLog: @Sendable (String) -> Void {
        let log = self
        return { line in
            log.sink.record(level: .debug, component: log.section, mailbox: log.selection.isSet ? log.mailbox : "", message: line)
        }
    }

    /// The `--debug` receiver of SMTP/LMTP traffic, in the same `C: `/`S: ` shape.
    public var mailTrafficLog: (MailTrafficDirection, String) -> Void {
        let log = self
        return { direction, line in log.debug((direction == .sent ? "C: " : "S: ") + line) }
    }
}

/// Whether the mailbox was selected; set once, read from the IMAP reader threads.
private final class SelectionFlag: @unchecked Sendable {
    /// Protects `value`.
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
