/// The pieces of SCRAM's message grammar (RFC 5802 §7) that both ends need.
public enum SCRAMMessage {
    /// `a=value` attributes of a SCRAM message, in order; nil when a part is not one.
    public static func attributes(_ message: String) -> [(name: Character, value: String)]? {
        var out: [(name: Character, value: String)] = []
        for part in message.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.count >= 2, let name = part.first, name.isASCII, name.isLetter, part.dropFirst().first == "=" else { return nil }
            out.append((name, String(part.dropFirst(2))))
        }
        return out
    }

    /// The `saslname` of RFC 5802 §5.1 (also the `a=` of a GS2 header, RFC 5801 §4):
    /// `=` and `,` written `=3D` and `=2C`.
    public static func escapedName(_ name: String) -> String {
        var out = ""
        for c in name {
            switch c {
            case "=": out += "=3D"
            case ",": out += "=2C"
            default: out.append(c)
            }
        }
        return out
    }

    /// The inverse of ``escapedName(_:)``; nil for a `=` not followed by `3D` or `2C`.
    public static func unescapedName(_ text: String) -> String? {
        var out = ""
        var rest = Substring(text)
        while let c = rest.first {
            if c == "=" {
                if rest.hasPrefix("=3D") { out.append("=") } else if rest.hasPrefix("=2C") { out.append(",") } else { return nil }
                rest = rest.dropFirst(3)
            } else {
                out.append(c); rest = rest.dropFirst()
            }
        }
        return out
    }
}
