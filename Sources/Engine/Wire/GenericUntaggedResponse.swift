/// An untagged response this library does not model, kept rather than rejected so that a
/// server's extensions never break a session (RFC 3501 §7: clients must ignore what they do not
/// understand), e.g. `* 5 XFOO (a b)` or `* METADATA ...`.
public struct GenericUntaggedResponse: Sendable, Hashable {
    /// The leading number of `* n KEYWORD`, if any.
    public var number: UInt32?
    /// The response keyword, as sent.
    public var keyword: String
    /// Everything after the keyword and its space, without the final CRLF, literals included.
    public var arguments: [UInt8]

    public init(number: UInt32?, keyword: String, arguments: [UInt8]) {
        self.number = number
        self.keyword = keyword
        self.arguments = arguments
    }
}
