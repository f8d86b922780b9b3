/// A mailbox status data item (RFC 3501 §6.3.10, RFC 7162 §3.1.5), as requested in STATUS and
/// `LIST ... RETURN (STATUS (...))`.
public enum StatusItem: Sendable, Hashable, CustomStringConvertible {
    case messages
    case recent
    case uidNext
    case uidValidity
    case unseen
    case highestModSeq
    /// Any other item, sent verbatim (must be an atom).
    case other(String)

    public var description: String {
        switch self {
        case .messages: return "MESSAGES"
        case .recent: return "RECENT"
        case .uidNext: return "UIDNEXT"
        case .uidValidity: return "UIDVALIDITY"
        case .unseen: return "UNSEEN"
        case .highestModSeq: return "HIGHESTMODSEQ"
        case .other(let s): return s
        }
    }
}
