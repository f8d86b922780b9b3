/// The bytes of one command, split where the client must wait for the server.
///
/// Every segment but the last ends with a synchronising literal's `{n}\r\n`: after sending it,
/// the client waits for a continuation request (`+ ...`) before sending the next segment
/// (RFC 3501 §7.5). With LITERAL+ there is a single segment. The last segment ends with CRLF.
public struct EncodedCommand: Sendable, Hashable {
    public var segments: [[UInt8]]

    public init(segments: [[UInt8]]) { self.segments = segments }

    /// Whether the client must wait for continuation requests between segments.
    public var needsContinuations: Bool { segments.count > 1 }

    /// All segments joined (for tests and for servers that accept everything at once).
    public var bytes: [UInt8] { segments.flatMap { $0 } }
}
