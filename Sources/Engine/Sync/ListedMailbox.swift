/// A mailbox as one server's LIST (RFC 5258) with LIST-STATUS (RFC 5819) described it.
struct ListedMailbox {
    var wireName: String
    var database: [UInt8]
    var attributes: [MailboxAttribute]
    var status: MailboxStatus?

    var isSubscribed: Bool { attributes.contains(.subscribed) }
    /// `\NonExistent` and `\Noselect` names are hierarchy levels, not mailboxes to synchronize.
    var isSelectable: Bool { !attributes.contains(.nonExistent) && !attributes.contains(.noSelect) }
}
