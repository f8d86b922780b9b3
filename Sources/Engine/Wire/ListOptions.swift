/// A LIST selection option (RFC 5258 §3.1), e.g. `LIST (SUBSCRIBED) "" "*"`.
public enum ListSelectionOption: Sendable, Hashable, CustomStringConvertible {
    case subscribed
    case remote
    case recursiveMatch
    /// RFC 6154 §5.1.
    case specialUse
    case other(String)

    public var description: String {
        switch self {
        case .subscribed: return "SUBSCRIBED"
        case .remote: return "REMOTE"
        case .recursiveMatch: return "RECURSIVEMATCH"
        case .specialUse: return "SPECIAL-USE"
        case .other(let s): return s
        }
    }
}

/// A LIST return option (RFC 5258 §3.2, RFC 5819 LIST-STATUS), e.g.
/// `RETURN (SUBSCRIBED STATUS (UIDVALIDITY UIDNEXT HIGHESTMODSEQ))`.
public enum ListReturnOption: Sendable, Hashable {
    case children
    case subscribed
    /// RFC 5819 §2: a STATUS response for each listed mailbox that can be selected.
    case status([StatusItem])
    /// RFC 6154 §5.2.
    case specialUse
    case other(String)
}
