/// The human-readable part of a status response with its optional response code
/// (RFC 3501 §9 `resp-text`), e.g. `[UIDNEXT 5] Predicted next UID`.
public struct ResponseText: Sendable, Hashable, CustomStringConvertible {
    public var code: ResponseCode?
    /// The text after the code; 8-bit bytes are decoded as UTF-8 (invalid sequences replaced).
    public var text: String

    public init(code: ResponseCode? = nil, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String {
        guard let code else { return text }
        return text.isEmpty ? "[\(code)]" : "[\(code)] \(text)"
    }
}
