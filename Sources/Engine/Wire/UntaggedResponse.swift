/// An untagged response (RFC 3501 §7, with RFC 5258, 5465, 7162, 4731, 2342 and 2971 data).
public enum UntaggedResponse: Sendable, Hashable {
    case ok(ResponseText)
    case no(ResponseText)
    case bad(ResponseText)
    case bye(ResponseText)
    /// Greeting of a pre-authenticated connection (RFC 3501 §7.1.4).
    case preAuth(ResponseText)
    case capability([String])
    /// `* ENABLED ...` (RFC 5161 §3.2).
    case enabled([String])
    case flags([Flag])
    case exists(UInt32)
    case recent(UInt32)
    case expunge(UInt32)
    /// A whole FETCH response; only produced by `ResponseParser.nextResponse()`: `next()`
    /// streams FETCH responses as `fetchStart` ... `fetchEnd` events instead.
    case fetch(FetchResponse)
    /// `* VANISHED [(EARLIER)] uids` (RFC 7162 §3.2.10).
    case vanished(earlier: Bool, uids: SequenceSet)
    case list(MailboxListing)
    case lsub(MailboxListing)
    case status(mailbox: MailboxName, status: MailboxStatus)
    case search(SearchResponse)
    case esearch(ESearchResponse)
    case namespace(NamespaceResponse)
    /// `* ID (...)` or `* ID NIL` (RFC 2971).
    case id([IDParameter]?)
    case other(GenericUntaggedResponse)
}
