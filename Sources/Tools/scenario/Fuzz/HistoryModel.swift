/// What must be true of the two servers at each point of a crash history: the messages alive
/// (not expunged by another client anywhere), where each is certainly present, the expunged
/// ones that must never come back, the mailboxes, and the flags where they are certain. It
/// checks events as a shrink leaves them (an event about a message no longer appended is
/// dropped) and says what to expect after each run.
struct HistoryModel {
    typealias Side = HistoryEvent.Side

    struct Message {
        var mailbox: String
        var origin: Side
        /// On both servers, as a clean run left it.
        var synchronized = false
        var expunged = false
        /// The side another client expunged it on: it must never be there again.
        var expungedOn: Side?
        /// Each side's flags; nil where an interrupted run made them uncertain.
        var flags: [Side: Set<String>?]
        /// Sides whose flags another client changed since the last clean run.
        var changed: Set<Side> = []
    }

    struct Mailbox {
        var sides: Set<Side>
        /// Known to the database and present on both servers.
        var synchronized = false
    }

    private(set) var messages: [String: Message] = [:]
    /// Labels in the order they were appended.
    private(set) var order: [String] = []
    private(set) var mailboxes: [String: Mailbox] = ["INBOX": Mailbox(sides: [.local, .remote], synchronized: false)]
    /// Whether a run was interrupted since the last clean run.
    private(set) var interrupted = false

    // MARK: What may happen next

    /// Messages certainly on `side` and not expunged: another client may change or expunge them.
    func presentLabels(on side: Side) -> [String] {
        order.filter { label in
            guard let m = messages[label], !m.expunged, mailboxes[m.mailbox] != nil else { return false }
            return m.origin == side || m.synchronized
        }
    }

    func mailboxNames(on side: Side) -> [String] { mailboxes.filter { $0.value.sides.contains(side) }.keys.sorted() }

    /// Mailboxes `--delete` may remove: synchronized, and not INBOX (never deleted, interimap(1)).
    var deletable: [String] { mailboxes.filter { $0.value.synchronized && $0.key != "INBOX" }.keys.sorted() }

    // MARK: Applying events

    /// Applies an event; false when it no longer makes sense (it is then left out).
    mutating func apply(_ event: HistoryEvent) -> Bool {
        switch event {
        case let .append(side, mailbox, label, flags):
            guard messages[label] == nil, mailboxes[mailbox]?.sides.contains(side) == true else { return false }
            messages[label] = Message(mailbox: mailbox, origin: side, flags: [side: Set(flags), side.other: Set(flags)])
            order.append(label)
        case let .setFlags(side, mailbox, label, flags):
            guard presentLabels(on: side).contains(label), messages[label]?.mailbox == mailbox,
                  messages[label]?.flags[side] != .some(Set(flags)) else { return false }
            messages[label]?.flags[side] = .some(Set(flags))
            if messages[label]?.synchronized == false { messages[label]?.flags[side.other] = .some(Set(flags)) }
            messages[label]?.changed.insert(side)
        case let .expunge(side, mailbox, label):
            guard presentLabels(on: side).contains(label), messages[label]?.mailbox == mailbox else { return false }
            messages[label]?.expunged = true
            messages[label]?.expungedOn = side
        case let .create(side, mailbox):
            guard mailboxes[mailbox] == nil else { return false }
            mailboxes[mailbox] = Mailbox(sides: [side])
        case .delete(let mailbox):
            guard deletable.contains(mailbox) else { return false }
            mailboxes[mailbox] = nil
            for label in order where messages[label]?.mailbox == mailbox { messages[label] = nil }
            order.removeAll { messages[$0] == nil }
        case .run(let interruption):
            if interruption == nil { cleanRun() } else { interrupted = true }
        }
        return true
    }

    /// A run that completed: every mailbox and every live message on both servers; flags follow
    /// interimap(1): a change on one side wins, changes on both sides give their union.
    private mutating func cleanRun() {
        for name in mailboxes.keys {
            mailboxes[name]?.sides = [.local, .remote]
            mailboxes[name]?.synchronized = true
        }
        for label in order {
            guard var m = messages[label], !m.expunged else { continue }
            let result: Set<String>?
            if interrupted && !m.changed.isEmpty {
                // A change an interrupted run propagated may come back as a change of the other
                // side too (its HIGHESTMODSEQ was not recorded): the union is then taken.
                result = nil
            } else if m.changed.count == 2, let l = m.flags[.local] ?? nil, let r = m.flags[.remote] ?? nil {
                result = l.union(r)
            } else if m.changed.count == 2 {
                result = nil
            } else if let side = m.changed.first {
                result = m.flags[side] ?? nil
            } else {
                result = m.flags[m.origin] ?? nil
            }
            m.flags = [.local: result, .remote: result]
            m.changed = []
            m.synchronized = true
            messages[label] = m
        }
        interrupted = false
    }
}

extension HistoryEvent.Side {
    var other: Self { self == .local ? .remote : .local }
}
