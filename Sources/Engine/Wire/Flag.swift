/// A message flag or keyword (RFC 3501 §2.3.2). System flags start with a backslash; keywords are
/// atoms. Comparison of system flags is case-insensitive (RFC 3501 §9, `flag`), so the value is
/// normalised to the canonical capitalisation on construction.
public struct Flag: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    public static let seen = Flag("\\Seen")
    public static let answered = Flag("\\Answered")
    public static let flagged = Flag("\\Flagged")
    public static let deleted = Flag("\\Deleted")
    public static let draft = Flag("\\Draft")
    /// Session-only flag (RFC 3501 §2.3.2): never stored nor propagated by a client.
    public static let recent = Flag("\\Recent")

    private static let systemFlags = ["\\seen": "\\Seen", "\\answered": "\\Answered", "\\flagged": "\\Flagged",
                                      "\\deleted": "\\Deleted", "\\draft": "\\Draft", "\\recent": "\\Recent"]

    public init(_ raw: String) {
        if raw.hasPrefix("\\"), let canon = Flag.systemFlags[raw.lowercased()] { rawValue = canon } else { rawValue = raw }
    }

    public var isSystem: Bool { rawValue.hasPrefix("\\") }
    public var description: String { rawValue }
    public static func < (a: Flag, b: Flag) -> Bool { a.rawValue < b.rawValue }
}
