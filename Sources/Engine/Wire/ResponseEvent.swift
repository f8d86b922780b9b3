/// What `ResponseParser.next()` reports. Every response but FETCH is one event; a FETCH response
/// is a sequence so that a body of any size passes through a bounded buffer:
///
///     fetchStart(n)  (fetchAttribute(a) | fetchBodyStart fetchBodyChunk* fetchBodyEnd)*  fetchEnd
///
/// The chunking is a function of the data only (not of how it arrived): every chunk of a body
/// but the last holds exactly `ResponseParserLimits.bodyChunkSize` bytes.
public enum ResponseEvent: Sendable, Hashable {
    case tagged(TaggedResponse)
    case untagged(UntaggedResponse)
    case continuation(ContinuationRequest)
    /// `* n FETCH (`: the message sequence number.
    case fetchStart(sequenceNumber: UInt32)
    case fetchAttribute(FetchAttribute)
    /// A body item begins; `size` bytes follow in chunks (0 for NIL or an empty string).
    /// `RFC822`, `RFC822.HEADER` and `RFC822.TEXT` are reported as sections `[]`, `[HEADER]`, `[TEXT]`.
    case fetchBodyStart(section: BodySection, origin: UInt32?, size: Int)
    case fetchBodyChunk([UInt8])
    case fetchBodyEnd
    /// The closing parenthesis of the FETCH response.
    case fetchEnd
}
