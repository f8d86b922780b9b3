/// A generic IMAP data item, as the grammar of RFC 3501 §4 builds every response from: atoms
/// (numbers included), strings (quoted or literal, kept as bytes), `NIL`, and parenthesised lists.
///
/// Used wherever a response carries data this library does not model (unknown STATUS items,
/// LIST extended data, ID fields, ESEARCH extensions), so that nothing a server sends is lost.
public indirect enum WireValue: Sendable, Hashable, CustomStringConvertible {
    /// An atom or a number, exactly as sent.
    case atom(String)
    /// A quoted string or a literal: the bytes between the quotes (unescaped) or the literal data.
    case string([UInt8])
    /// `NIL`.
    case nilValue
    /// A parenthesised list.
    case list([WireValue])

    /// The string value (atom text or string bytes decoded as UTF-8), or nil for NIL and lists.
    public var stringValue: String? {
        switch self {
        case .atom(let s): return s
        case .string(let b): return String(decoding: b, as: UTF8.self)
        case .nilValue, .list: return nil
        }
    }

    /// The value as an unsigned number, if it is an atom made only of digits.
    public var numberValue: UInt64? {
        guard case .atom(let s) = self, !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(s)
    }

    /// The wire-like rendering: strings are quoted (non-printable bytes escaped as `\xNN` for
    /// readability; this is a description, not an encoder).
    public var description: String {
        switch self {
        case .atom(let s): return s
        case .nilValue: return "NIL"
        case .list(let items): return "(" + items.map(\.description).joined(separator: " ") + ")"
        case .string(let bytes):
            var s = "\""
            for b in bytes {
                switch b {
                case UInt8(ascii: "\""): s += "\\\""
                case UInt8(ascii: "\\"): s += "\\\\"
                case 0x20...0x7e: s.unicodeScalars.append(Unicode.Scalar(b))
                default: s += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
            return s + "\""
        }
    }
}

extension String {
    /// Left-pads with zeros to `width` characters (for fixed-width numeric fields).
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
