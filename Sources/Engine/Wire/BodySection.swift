/// The section of a `BODY[section]` fetch item or response (RFC 3501 §6.4.5, `section-spec`),
/// e.g. `[]`, `[HEADER]`, `[1.2.TEXT]`, `[HEADER.FIELDS (From To)]`.
public struct BodySection: Sendable, Hashable, CustomStringConvertible {
    /// Which part of the (sub)message is meant.
    public enum Kind: Sendable, Hashable {
        /// The whole part (or, with an empty `part`, the whole message).
        case complete
        case header
        case headerFields([String])
        case headerFieldsNot([String])
        case text
        /// The MIME header of a body part (requires a non-empty `part`).
        case mime
    }

    /// Part numbers, e.g. `[1, 2]` for `1.2`; empty for the top level.
    public var part: [UInt32]
    public var kind: Kind

    public init(part: [UInt32] = [], kind: Kind = .complete) {
        self.part = part
        self.kind = kind
    }

    /// `[]`: the whole message.
    public static let complete = BodySection()
    public static let header = BodySection(kind: .header)
    public static let text = BodySection(kind: .text)

    /// The text between the brackets, e.g. `1.2.HEADER.FIELDS (From To)`. Header field names
    /// are written as atoms when they can be, else quoted.
    public var description: String {
        var s = part.map(String.init).joined(separator: ".")
        let suffix: String?
        switch kind {
        case .complete: suffix = nil
        case .header: suffix = "HEADER"
        case .headerFields(let f): suffix = "HEADER.FIELDS (" + f.map(BodySection.fieldName).joined(separator: " ") + ")"
        case .headerFieldsNot(let f): suffix = "HEADER.FIELDS.NOT (" + f.map(BodySection.fieldName).joined(separator: " ") + ")"
        case .text: suffix = "TEXT"
        case .mime: suffix = "MIME"
        }
        if let suffix { s += s.isEmpty ? suffix : "." + suffix }
        return s
    }

    private static func fieldName(_ name: String) -> String {
        let bytes = Array(name.utf8)
        if !bytes.isEmpty, bytes.allSatisfy(WireSyntax.isAtomChar) { return name }
        return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
