/// A body item of a FETCH response collected in memory (`BODY[section]<origin>`; `RFC822`,
/// `RFC822.HEADER` and `RFC822.TEXT` are reported as the sections `[]`, `[HEADER]` and `[TEXT]`,
/// which RFC 3501 §6.4.5 defines them to be equivalent to).
public struct FetchedBody: Sendable, Hashable {
    public var section: BodySection
    /// The starting octet of a partial fetch (`BODY[]<origin>`), nil for a complete one.
    public var origin: UInt32?
    /// The data; empty for NIL.
    public var bytes: [UInt8]

    public init(section: BodySection, origin: UInt32? = nil, bytes: [UInt8]) {
        self.section = section
        self.origin = origin
        self.bytes = bytes
    }
}
