/// One message of APPEND; several make a MULTIAPPEND (RFC 3502).
public struct AppendMessage: Sendable, Hashable {
    /// Flags to set (never `\Recent`, which the server rejects).
    public var flags: [Flag]
    public var internalDate: InternalDate?
    /// The RFC 5322 message, with CRLF line endings.
    public var body: [UInt8]

    public init(flags: [Flag] = [], internalDate: InternalDate? = nil, body: [UInt8]) {
        self.flags = flags
        self.internalDate = internalDate
        self.body = body
    }
}
