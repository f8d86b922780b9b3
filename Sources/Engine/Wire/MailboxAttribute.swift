/// A mailbox name attribute from LIST/LSUB (RFC 3501 §7.2.2, RFC 5258 §3, RFC 6154 special-use).
/// Attributes are case-insensitive, so known ones are normalised to their canonical spelling.
public struct MailboxAttribute: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public static let noInferiors = MailboxAttribute("\\Noinferiors")
    public static let noSelect = MailboxAttribute("\\Noselect")
    public static let marked = MailboxAttribute("\\Marked")
    public static let unmarked = MailboxAttribute("\\Unmarked")
    /// RFC 5258 §3: the mailbox does not exist (it may still have children, or be subscribed).
    public static let nonExistent = MailboxAttribute("\\NonExistent")
    public static let subscribed = MailboxAttribute("\\Subscribed")
    public static let remote = MailboxAttribute("\\Remote")
    public static let hasChildren = MailboxAttribute("\\HasChildren")
    public static let hasNoChildren = MailboxAttribute("\\HasNoChildren")

    private static let canonical: [String: String] = {
        let known = ["\\Noinferiors", "\\Noselect", "\\Marked", "\\Unmarked", "\\NonExistent", "\\Subscribed",
                     "\\Remote", "\\HasChildren", "\\HasNoChildren", "\\All", "\\Archive", "\\Drafts",
                     "\\Flagged", "\\Junk", "\\Sent", "\\Trash"]
        return Dictionary(uniqueKeysWithValues: known.map { ($0.lowercased(), $0) })
    }()

    public init(_ raw: String) {
        rawValue = MailboxAttribute.canonical[raw.lowercased()] ?? raw
    }

    public var description: String { rawValue }
}
