/// A small data item of a FETCH response (RFC 3501 §7.4.2, RFC 7162 §3.1.4). Body items
/// (`BODY[...]`, `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`) are not here: the parser streams them
/// as `fetchBodyStart` / `fetchBodyChunk` / `fetchBodyEnd` events. Items this library does not
/// model (BODYSTRUCTURE, BINARY, vendor items) are skipped.
public enum FetchAttribute: Sendable, Hashable {
    case uid(UInt32)
    case flags([Flag])
    /// `MODSEQ (n)` (RFC 7162 §3.1.4.1).
    case modSeq(UInt64)
    case internalDate(InternalDate)
    case rfc822Size(UInt32)
    case envelope(Envelope)
}
