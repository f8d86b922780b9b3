/// The data of a `* ESEARCH` response (RFC 4731 §3.1, RFC 7162 §3.1.5).
public struct ESearchResponse: Sendable, Hashable {
    /// The tag of the command this answers (`(TAG "a1")`), if sent.
    public var tag: String?
    /// Whether the numbers are UIDs.
    public var isUID: Bool
    public var min: UInt32?
    public var max: UInt32?
    public var count: UInt32?
    public var all: SequenceSet?
    public var highestModSeq: UInt64?
    /// Return data this library does not model, in the order sent.
    public var otherItems: [MailboxStatus.OtherItem]

    public init(tag: String? = nil, isUID: Bool = false, min: UInt32? = nil, max: UInt32? = nil, count: UInt32? = nil,
                all: SequenceSet? = nil, highestModSeq: UInt64? = nil, otherItems: [MailboxStatus.OtherItem] = []) {
        self.tag = tag
        self.isUID = isUID
        self.min = min
        self.max = max
        self.count = count
        self.all = all
        self.highestModSeq = highestModSeq
        self.otherItems = otherItems
    }
}
