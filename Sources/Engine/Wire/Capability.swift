/// One capability a server can advertise (RFC 3501 §7.2.1), named by a constant so that a
/// misspelt name does not compile: `capabilities.contains(.qresync)`. Names compare
/// case-insensitively (RFC 3501 §9: atoms are case-insensitive), so the value keeps the upper case.
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// The name in upper case, as compared.
    public let name: String

    /// A capability as a server spells it (any case).
    public init(_ name: String) { self.name = name.uppercased() }

    public var description: String { name }

    /// `AUTH=mechanism` (RFC 3501 §6.2.2).
    public static func auth(_ mechanism: String) -> Capability { Capability("AUTH=" + mechanism) }

    public static let imap4rev1 = Capability("IMAP4rev1")
    public static let startTLS = Capability("STARTTLS")
    public static let loginDisabled = Capability("LOGINDISABLED")
    /// RFC 4959.
    public static let saslIR = Capability("SASL-IR")
    /// RFC 5161.
    public static let enable = Capability("ENABLE")
    /// RFC 7162 §3.1.
    public static let condStore = Capability("CONDSTORE")
    /// RFC 7162 §3.2.
    public static let qresync = Capability("QRESYNC")
    /// RFC 4315.
    public static let uidPlus = Capability("UIDPLUS")
    /// RFC 3502.
    public static let multiAppend = Capability("MULTIAPPEND")
    /// RFC 7888 §4: non-synchronizing literals of any size.
    public static let literalPlus = Capability("LITERAL+")
    /// RFC 7888 §5: non-synchronizing literals up to 4096 octets.
    public static let literalMinus = Capability("LITERAL-")
    /// RFC 5258.
    public static let listExtended = Capability("LIST-EXTENDED")
    /// RFC 5819.
    public static let listStatus = Capability("LIST-STATUS")
    /// RFC 5465.
    public static let notify = Capability("NOTIFY")
    /// RFC 2177.
    public static let idle = Capability("IDLE")
    /// RFC 3691.
    public static let unselect = Capability("UNSELECT")
    /// RFC 4731.
    public static let esearch = Capability("ESEARCH")
    /// RFC 4978.
    public static let compressDeflate = Capability("COMPRESS=DEFLATE")
    /// RFC 9586.
    public static let uidOnly = Capability("UIDONLY")
    /// RFC 6851.
    public static let move = Capability("MOVE")
    /// RFC 2342.
    public static let namespace = Capability("NAMESPACE")
    /// RFC 6154.
    public static let specialUse = Capability("SPECIAL-USE")
}
