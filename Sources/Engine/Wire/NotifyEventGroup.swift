/// Which mailboxes an event group of NOTIFY SET watches (RFC 5465 §6).
public enum NotifyMailboxFilter: Sendable, Hashable {
    /// The selected mailbox, with immediate expunge notifications.
    case selected
    /// The selected mailbox, expunges delayed until a command that allows them.
    case selectedDelayed
    case personal
    case inboxes
    case subscribed
    /// The mailboxes and all their descendants.
    case subtree([MailboxName])
    case mailboxes([MailboxName])
}

/// An event NOTIFY can report (RFC 5465 §5, RFC 5423).
public enum NotifyEvent: Sendable, Hashable {
    /// New messages, with the attributes the server should send in the unsolicited FETCH.
    case messageNew([FetchItem])
    case messageExpunge
    case flagChange
    case annotationChange
    case mailboxName
    case subscriptionChange
    case mailboxMetadataChange
    case serverMetadataChange
}

/// One `(filter (events))` group of NOTIFY SET (RFC 5465 §3.1); no events means `NONE`.
public struct NotifyEventGroup: Sendable, Hashable {
    public var filter: NotifyMailboxFilter
    public var events: [NotifyEvent]

    public init(_ filter: NotifyMailboxFilter, events: [NotifyEvent]) {
        self.filter = filter
        self.events = events
    }
}
