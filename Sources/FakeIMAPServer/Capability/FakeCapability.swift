/// A capability the fake server may advertise and then honours (RFC 3501 §7.2.1). Every check a
/// session makes goes through one of the named values below, so a misspelt capability does not
/// compile; the configuration and the command line still carry plain strings (a profile, a
/// scenario or `--capabilities` may advertise anything, including names the fake ignores).
///
/// The engine has its own typed capabilities on purpose: the fake is an independent check of
/// the engine, and sharing the type would let one misreading of an RFC pass on both sides.
public struct FakeCapability: Hashable, Sendable, CustomStringConvertible {
    /// Upper case, as compared (capability names are case-insensitive, RFC 3501 §9).
    public let name: String

    public init(_ name: String) { self.name = name.uppercased() }

    public var description: String { name }

    public static let imap4rev1 = FakeCapability("IMAP4rev1")
    public static let saslIR = FakeCapability("SASL-IR")                 // RFC 4959
    public static let id = FakeCapability("ID")                          // RFC 2971
    public static let enable = FakeCapability("ENABLE")                  // RFC 5161
    public static let idle = FakeCapability("IDLE")                      // RFC 2177
    public static let literalPlus = FakeCapability("LITERAL+")           // RFC 7888 §3
    public static let literalMinus = FakeCapability("LITERAL-")          // RFC 7888 §4
    public static let multiAppend = FakeCapability("MULTIAPPEND")        // RFC 3502
    public static let unselect = FakeCapability("UNSELECT")              // RFC 3691
    public static let children = FakeCapability("CHILDREN")              // RFC 3348
    public static let namespace = FakeCapability("NAMESPACE")            // RFC 2342
    public static let uidPlus = FakeCapability("UIDPLUS")                // RFC 4315
    public static let listExtended = FakeCapability("LIST-EXTENDED")     // RFC 5258
    public static let condStore = FakeCapability("CONDSTORE")            // RFC 7162 §3.1
    public static let qresync = FakeCapability("QRESYNC")                // RFC 7162 §3.2
    public static let listStatus = FakeCapability("LIST-STATUS")         // RFC 5819
    public static let move = FakeCapability("MOVE")                      // RFC 6851
    public static let notify = FakeCapability("NOTIFY")                  // RFC 5465
    public static let compressDeflate = FakeCapability("COMPRESS=DEFLATE") // RFC 4978
    public static let esearch = FakeCapability("ESEARCH")                // RFC 4731
    public static let specialUse = FakeCapability("SPECIAL-USE")         // RFC 6154
    public static let uidOnly = FakeCapability("UIDONLY")                // RFC 9586
}
