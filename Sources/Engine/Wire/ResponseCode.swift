/// A response code, the bracketed part of a status response (RFC 3501 §7.1 `resp-text-code`),
/// with the codes of the extensions a synchronising client relies on.
public enum ResponseCode: Sendable, Hashable, CustomStringConvertible {
    /// `ALERT`: the text must be shown to the user (RFC 3501 §7.1).
    case alert
    /// `PARSE`: the server could not parse a message's headers.
    case parse
    /// `READ-ONLY` / `READ-WRITE`: access mode of the selected mailbox.
    case readOnly
    case readWrite
    /// `TRYCREATE`: the target mailbox of APPEND/COPY does not exist.
    case tryCreate
    /// `UIDNEXT n`, `UIDVALIDITY n`, `UNSEEN n` (RFC 3501 §7.1).
    case uidNext(UInt32)
    case uidValidity(UInt32)
    case unseen(UInt32)
    /// `HIGHESTMODSEQ n` (RFC 7162 §3.1.2.1).
    case highestModSeq(UInt64)
    /// `NOMODSEQ`: the mailbox does not support persistent mod-sequences (RFC 7162 §3.1.2.2).
    case noModSeq
    /// `CLOSED`: the previous mailbox was closed by a SELECT/EXAMINE (RFC 7162 §3.2.11).
    case closed
    /// `PERMANENTFLAGS (...)`; `\*` is included as the flag `\*`.
    case permanentFlags([Flag])
    /// `CAPABILITY ...` in a greeting or a LOGIN/AUTHENTICATE completion.
    case capability([String])
    /// `APPENDUID uidvalidity uids` (RFC 4315 §3); with MULTIAPPEND the set lists one UID per
    /// appended message, in order.
    case appendUID(uidValidity: UInt32, uids: SequenceSet)
    /// `COPYUID uidvalidity source destination` (RFC 4315 §3).
    case copyUID(uidValidity: UInt32, source: SequenceSet, destination: SequenceSet)
    /// `UIDNOTSTICKY` (RFC 4315 §3).
    case uidNotSticky
    /// `MODIFIED set`: messages a conditional STORE did not change (RFC 7162 §3.1.3).
    case modified(SequenceSet)
    /// `BADCHARSET [(charsets)]`.
    case badCharset([String])
    /// Any other code (or a known one whose arguments did not parse): its name and the text
    /// after it, up to the closing bracket.
    case other(name: String, text: String?)

    public var description: String {
        switch self {
        case .alert: return "ALERT"
        case .parse: return "PARSE"
        case .readOnly: return "READ-ONLY"
        case .readWrite: return "READ-WRITE"
        case .tryCreate: return "TRYCREATE"
        case .uidNext(let n): return "UIDNEXT \(n)"
        case .uidValidity(let n): return "UIDVALIDITY \(n)"
        case .unseen(let n): return "UNSEEN \(n)"
        case .highestModSeq(let n): return "HIGHESTMODSEQ \(n)"
        case .noModSeq: return "NOMODSEQ"
        case .closed: return "CLOSED"
        case .permanentFlags(let f): return "PERMANENTFLAGS (" + f.map(\.rawValue).joined(separator: " ") + ")"
        case .capability(let c): return (["CAPABILITY"] + c).joined(separator: " ")
        case .appendUID(let v, let u): return "APPENDUID \(v) \(u)"
        case .copyUID(let v, let s, let d): return "COPYUID \(v) \(s) \(d)"
        case .uidNotSticky: return "UIDNOTSTICKY"
        case .modified(let s): return "MODIFIED \(s)"
        case .badCharset(let c): return c.isEmpty ? "BADCHARSET" : "BADCHARSET (" + c.joined(separator: " ") + ")"
        case .other(let name, let text): return text.map { "\(name) \($0)" } ?? name
        }
    }
}
