/// A data item requested by FETCH / UID FETCH (RFC 3501 §6.4.5, RFC 7162 §3.1.4), also used for
/// the fetch attributes of NOTIFY's MessageNew event (RFC 5465 §5.2).
public enum FetchItem: Sendable, Hashable, CustomStringConvertible {
    case uid
    case flags
    case modSeq
    case internalDate
    case rfc822Size
    case envelope
    case bodyStructure
    /// `RFC822` (sets \Seen; prefer `.body(peek: true)`).
    case rfc822
    case rfc822Header
    case rfc822Text
    /// `BODY[section]<origin.length>` or, with `peek`, `BODY.PEEK[...]`, which does not set \Seen.
    case body(section: BodySection = .complete, peek: Bool = true, partial: Partial? = nil)
    /// Sent verbatim.
    case raw(String)

    /// `<origin.length>` of a partial fetch.
    public struct Partial: Sendable, Hashable {
        public var origin: UInt32
        public var length: UInt32
        public init(origin: UInt32, length: UInt32) {
            self.origin = origin
            self.length = length
        }
    }

    public var description: String {
        switch self {
        case .uid: return "UID"
        case .flags: return "FLAGS"
        case .modSeq: return "MODSEQ"
        case .internalDate: return "INTERNALDATE"
        case .rfc822Size: return "RFC822.SIZE"
        case .envelope: return "ENVELOPE"
        case .bodyStructure: return "BODYSTRUCTURE"
        case .rfc822: return "RFC822"
        case .rfc822Header: return "RFC822.HEADER"
        case .rfc822Text: return "RFC822.TEXT"
        case .body(let section, let peek, let partial):
            return (peek ? "BODY.PEEK[" : "BODY[") + section.description + "]" + (partial.map { "<\($0.origin).\($0.length)>" } ?? "")
        case .raw(let s): return s
        }
    }
}
