/// The data of a `* STATUS mailbox (...)` response (RFC 3501 §7.2.4, RFC 7162 §3.1.5); items the
/// server did not send are nil.
public struct MailboxStatus: Sendable, Hashable {
    public var messages: UInt32?
    public var recent: UInt32?
    public var uidNext: UInt32?
    public var uidValidity: UInt32?
    public var unseen: UInt32?
    public var highestModSeq: UInt64?
    /// Items not modelled above, in the order sent (names as sent).
    public var otherItems: [OtherItem]

    /// A status item this library does not model.
    public struct OtherItem: Sendable, Hashable {
        public var name: String
        public var value: WireValue
        public init(name: String, value: WireValue) {
            self.name = name
            self.value = value
        }
    }

    public init(messages: UInt32? = nil, recent: UInt32? = nil, uidNext: UInt32? = nil, uidValidity: UInt32? = nil,
                unseen: UInt32? = nil, highestModSeq: UInt64? = nil, otherItems: [OtherItem] = []) {
        self.messages = messages
        self.recent = recent
        self.uidNext = uidNext
        self.uidValidity = uidValidity
        self.unseen = unseen
        self.highestModSeq = highestModSeq
        self.otherItems = otherItems
    }
}
