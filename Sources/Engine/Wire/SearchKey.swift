/// A SEARCH criterion (RFC 3501 §6.4.4, RFC 7162 §3.1.5): the few a synchronising client needs,
/// combinators, and a raw escape hatch.
public indirect enum SearchKey: Sendable, Hashable {
    case all
    case uid(SequenceSet)
    case before(SearchDate)
    case since(SearchDate)
    case on(SearchDate)
    case seen
    case unseen
    case deleted
    case undeleted
    case flagged
    /// `MODSEQ n`: messages whose mod-sequence is at least n.
    case modSeq(UInt64)
    case not(SearchKey)
    case or(SearchKey, SearchKey)
    /// All of the keys (a parenthesised list when nested).
    case and([SearchKey])
    /// Sent verbatim.
    case raw(String)
}
