/// One event of a crash history: what another client does on a server, or a run of interimap
/// (possibly interrupted). Events refer to messages by label and to mailboxes by name; the
/// model (`HistoryModel`) decides which of them still make sense once a shrink removed others.
enum HistoryEvent: Equatable {
    enum Side: String, CaseIterable { case local, remote }

    /// How a run is cut short.
    enum Interruption: Equatable {
        /// SIGKILL at a named crash point (ours only), the Nth time it is reached.
        case crash(point: String, count: Int)
        /// The fake server drops the connection after N untagged responses of a command.
        case drop(side: Side, command: String, count: Int)
        /// The fake server drops the connection after N messages of an APPEND.
        case dropAppend(side: Side, count: Int)
        /// SIGKILL after that many seconds, wherever the run is (for the reference).
        case kill(seconds: Double)
    }

    case append(Side, mailbox: String, label: String, flags: [String])
    case setFlags(Side, mailbox: String, label: String, flags: [String])
    case expunge(Side, mailbox: String, label: String)
    case create(Side, mailbox: String)
    /// `interimap --delete MAILBOX`: gone from both servers and the database.
    case delete(mailbox: String)
    case run(Interruption?)

    /// interimap's crash points that a synchronization reaches (CrashPoint.swift).
    static let crashPoints = ["database-commit-before", "database-commit-after", "fetch-after-message", "append-after-message",
                              "append-batch-middle", "flags-store", "expunge-store"]
    static let flagPool = ["\\Seen", "\\Flagged", "\\Answered", "$Label1", "Junk"]
    static let droppable = ["UID FETCH", "SELECT", "UID STORE", "UID EXPUNGE", "STATUS", "LIST"]

    /// The same interruption for the reference, which has no crash points: a SIGKILL after a
    /// time that grows with the crash point's count (the reference takes about half a second to
    /// start). Not reproducible to the instruction as a crash point is, but the history is.
    var forReference: HistoryEvent {
        guard case .run(.crash(_, let count))? = Optional(self) else { return self }
        return .run(.kill(seconds: 0.3 + 0.25 * Double(count)))
    }
}
