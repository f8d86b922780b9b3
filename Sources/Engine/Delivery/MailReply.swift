/// One SMTP or LMTP reply (RFC 5321 §4.2): a three-digit code and one or more lines of text.
///
/// A multi-line reply (`250-first`, `250-second`, `250 last`) is a single reply whose `lines`
/// hold the text after each code; RFC 5321 §4.2.1 requires every line to carry the same code.
public struct MailReply: Sendable, Hashable, CustomStringConvertible {
    /// The reply code, 200...599 for the replies a client acts on.
    public var code: Int
    /// The text of each line, without the code and the separator (may be empty strings).
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines.isEmpty ? [""] : lines
    }

    /// 2yz: positive completion.
    public var isPositiveCompletion: Bool { (200...299).contains(code) }
    /// 3yz: positive intermediate (354 after DATA).
    public var isPositiveIntermediate: Bool { (300...399).contains(code) }
    /// 4yz: transient negative completion, the command may succeed later (RFC 5321 §4.2.1).
    public var isTransientFailure: Bool { (400...499).contains(code) }
    /// 5yz: permanent negative completion.
    public var isPermanentFailure: Bool { (500...599).contains(code) }

    /// The text of all lines joined with a space, as one line for a log or an error message.
    public var text: String { lines.filter { !$0.isEmpty }.joined(separator: " ") }

    /// `550 5.1.1 no such user`: the code and the text on one line.
    public var description: String {
        let text = self.text
        return text.isEmpty ? String(code) : "\(code) \(text)"
    }

    /// The lines as they appear on the wire (without CRLF): `250-a`, `250 b`.
    public var wireLines: [String] {
        lines.enumerated().map { index, line in
            let separator = index == lines.count - 1 ? " " : "-"
            return line.isEmpty && separator == " " ? String(code) : "\(code)\(separator)\(line)"
        }
    }
}
