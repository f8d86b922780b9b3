/// The data of a `* SEARCH` response (RFC 3501 §7.2.5), with the highest mod-sequence of the
/// matching messages when the search used MODSEQ (RFC 7162 §3.1.5).
public struct SearchResponse: Sendable, Hashable {
    /// Message sequence numbers or UIDs (for UID SEARCH), in the order sent.
    public var numbers: [UInt32]
    public var highestModSeq: UInt64?

    public init(numbers: [UInt32], highestModSeq: UInt64? = nil) {
        self.numbers = numbers
        self.highestModSeq = highestModSeq
    }
}
