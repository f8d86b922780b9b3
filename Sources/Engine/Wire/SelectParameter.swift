/// A parameter of SELECT / EXAMINE (RFC 7162 §3.1.8 CONDSTORE, §3.2.5 QRESYNC).
public enum SelectParameter: Sendable, Hashable {
    case condStore
    case qresync(QResyncParameters)
}

/// `QRESYNC (uidvalidity modseq [known-uids [seq-match-data]])` (RFC 7162 §3.2.5).
public struct QResyncParameters: Sendable, Hashable {
    public var uidValidity: UInt32
    public var modSeq: UInt64
    public var knownUIDs: SequenceSet?
    /// Message sequence numbers and the UIDs they had, to help the server compute VANISHED.
    public var sequenceMatch: SequenceMatch?

    /// `(known-sequence-set known-uid-set)`.
    public struct SequenceMatch: Sendable, Hashable {
        public var sequenceNumbers: SequenceSet
        public var uids: SequenceSet
        public init(sequenceNumbers: SequenceSet, uids: SequenceSet) {
            self.sequenceNumbers = sequenceNumbers
            self.uids = uids
        }
    }

    public init(uidValidity: UInt32, modSeq: UInt64, knownUIDs: SequenceSet? = nil, sequenceMatch: SequenceMatch? = nil) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.sequenceMatch = sequenceMatch
    }
}
