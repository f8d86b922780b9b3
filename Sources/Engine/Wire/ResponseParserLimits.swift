/// Bounds that keep `ResponseParser`'s memory use independent of what a server sends.
///
/// Body literals of FETCH (`BODY[...]`, `RFC822...`) are streamed in chunks and are not bounded
/// here except by the IMAP grammar itself (a literal size is a 32-bit `number`, RFC 3501 §9).
public struct ResponseParserLimits: Sendable, Hashable {
    /// Longest line, in bytes, not counting literal data (a line ends at CRLF or at a literal's `{n}`).
    public var maxLineLength: Int
    /// Largest literal that is buffered (any literal that is not a FETCH body).
    public var maxLiteralSize: Int
    /// Most bytes buffered for one response or one FETCH attribute, lines and literals together.
    public var maxResponseSize: Int
    /// Size of the `fetchBodyChunk` events; every chunk but the last of a body has exactly this size.
    public var bodyChunkSize: Int
    /// Deepest nesting of parenthesised lists (protects the recursive grammar).
    public var maxNestingDepth: Int
    /// Largest FETCH response `ResponseParser.nextResponse()` collects into one value.
    public var maxCollectedFetchSize: Int

    public init(maxLineLength: Int = 1 << 20, maxLiteralSize: Int = 1 << 20, maxResponseSize: Int = 16 << 20,
                bodyChunkSize: Int = 64 << 10, maxNestingDepth: Int = 64, maxCollectedFetchSize: Int = 64 << 20) {
        self.maxLineLength = max(64, maxLineLength)
        self.maxLiteralSize = max(0, maxLiteralSize)
        self.maxResponseSize = max(64, maxResponseSize)
        self.bodyChunkSize = max(1, bodyChunkSize)
        self.maxNestingDepth = max(4, maxNestingDepth)
        self.maxCollectedFetchSize = max(0, maxCollectedFetchSize)
    }

    public static let `default` = ResponseParserLimits()
}
