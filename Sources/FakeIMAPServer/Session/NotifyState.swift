/// What a client asked NOTIFY SET to report (RFC 5465 §3), and the state of every mailbox it
/// was last told about, so that a change is reported once.
struct NotifyState {
    enum Filter: Equatable {
        case inboxes, personal, subscribed
        case subtree([String])
        case mailboxes([String])
    }

    /// Events for the selected mailbox, or nil when SELECTED is not asked for.
    var selectedEvents: Set<String>?
    /// FETCH items to send with MessageNew for the selected mailbox.
    var selectedFetch: [ServerSession.FetchItem] = []
    /// Filters for the other mailboxes, first match wins.
    var groups: [(filter: Filter, events: Set<String>)] = []

    /// What the client last heard of each mailbox, by identity.
    var baseline: [UInt64: MailboxSummary] = [:]
    var subscriptions: Set<String> = []

    struct MailboxSummary: Equatable {
        var name: String
        var uidValidity: UInt32
        var messages: Int
        var uidNext: UInt32
        var highestModSeq: UInt64
        var unseen: Int

        init(_ box: FakeMailbox) {
            name = box.name
            uidValidity = box.uidValidity
            messages = box.messages.count
            uidNext = box.uidNext
            highestModSeq = box.advertisedHighestModSeq
            unseen = box.unseenCount
        }
    }

    func events(for name: String, subscriptions: Set<String>, delimiter: Character) -> Set<String> {
        for g in groups {
            switch g.filter {
            case .personal: return g.events
            case .inboxes: if name == "INBOX" { return g.events }
            case .subscribed: if subscriptions.contains(name) { return g.events }
            case .subtree(let roots):
                if roots.contains(where: { name == $0 || name.hasPrefix($0 + String(delimiter)) }) { return g.events }
            case .mailboxes(let names): if names.contains(name) { return g.events }
            }
        }
        return []
    }
}
