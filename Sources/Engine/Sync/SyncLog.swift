import Logging

/// interimap's log lines, with the component (`local`, `remote`, `database`) and the mailbox
/// that `log-prefix` renders (interimap(1), `log-prefix`), e.g. `local(INBOX): Added 1 UID(s) 4 <- 3`.
struct SyncLog: Sendable {
    let sink: LogSink
    /// `--dry-run`: the changes these lines describe were not made, and each line says so with
    /// ``dryRunMarker`` before its message. Lines about what was found rather than done (the
    /// traffic, a server's ALERT) are written through ``unmarked``.
    var dryRun = false

    /// What starts the message of each line of a dry run (interimap(1), `--dry-run`).
    static let dryRunMarker = "[dry-run] "

    init(sink: LogSink, dryRun: Bool = false) {
        self.sink = sink
        self.dryRun = dryRun
    }

    /// The same log without the dry-run marking.
    var unmarked: SyncLog { SyncLog(sink: sink) }

    private func marked(_ message: String) -> String { dryRun ? Self.dryRunMarker + message : message }

    func info(_ component: String, _ mailbox: String = "", _ message: String) {
        sink.record(level: .info, component: component, mailbox: mailbox, message: marked(message))
    }

    /// A line `--quiet` keeps, as the reference keeps it: the database's creation and the
    /// changes to its list of mailboxes.
    func notice(_ component: String, _ mailbox: String = "", _ message: String) {
        sink.record(level: .notice, component: component, mailbox: mailbox, message: marked(message))
    }

    func warning(_ component: String, _ mailbox: String = "", _ message: String) {
        sink.record(level: .warning, component: component, mailbox: mailbox, message: marked(message))
    }

    func debug(_ component: String, _ mailbox: String = "", _ message: String) {
        sink.record(level: .debug, component: component, mailbox: mailbox, message: message)
    }

    /// `N UID(s)` lists as the reference writes them: compact sets (`1:3,7`).
    static func uids<S: Sequence>(_ uids: S) -> String where S.Element == UInt32 {
        SequenceSet(uids).description
    }
}
