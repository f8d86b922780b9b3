/// The completion result of a command (RFC 3501 §7.1): `OK`, `NO` (operational failure) or
/// `BAD` (protocol error).
public enum CompletionStatus: String, Sendable, Hashable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
}

/// A tagged status response, e.g. `a1 OK [READ-WRITE] Select completed` (RFC 3501 §7.1).
public struct TaggedResponse: Sendable, Hashable, CustomStringConvertible {
    public var tag: String
    public var status: CompletionStatus
    public var text: ResponseText

    public init(tag: String, status: CompletionStatus, text: ResponseText) {
        self.tag = tag
        self.status = status
        self.text = text
    }

    /// The response code, if any.
    public var code: ResponseCode? { text.code }

    public var description: String { "\(tag) \(status.rawValue) \(text)" }
}
