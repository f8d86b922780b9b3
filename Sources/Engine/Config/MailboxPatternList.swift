/// The `list-mailbox` value of interimap(1): "A space separated list of mailbox patterns to use
/// when issuing the initial LIST command [...] Names containing special characters such as spaces
/// or brackets need to be enclosed in double quotes. Within double quotes C-style backslash escape
/// sequences can be used [...] as well as hexadecimal escape sequences `\xHH'. [...] A null
/// character should be used instead [of the hierarchy delimiter]."
///
/// The parsed patterns keep NUL (`\x00`, `\0`) where the hierarchy delimiter goes: the sync code
/// substitutes the server's delimiter. Accepted, as in the reference implementation:
/// - unquoted patterns of printable ASCII except `(`, `)`, `{`, `"` and `\` (RFC 3501 `list-char`:
///   wildcards `*`, `%` and `]` are allowed);
/// - quoted patterns `"..."`, non-empty, with escapes `\\ \" \a \b \t \n \v \f \r \0` and `\xHH`
///   (exactly two hex digits); a quoted pattern must be followed by a space or the end.
/// Octal escapes other than `\0` are not accepted (neither does the reference). Mailbox names
/// must be modified UTF-7 (RFC 3501 §5.1.3), so non-ASCII characters and bytes are errors.
public enum MailboxPatternList {
    /// Parses a `list-mailbox` value into its patterns.
    public static func parse(_ value: String) throws(MailboxPatternListError) -> [String] {
        let characters = Array(value.unicodeScalars)
        var patterns: [String] = []
        var position = 0
        func isBlank(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" }
        while position < characters.count {
            if isBlank(characters[position]) { position += 1; continue }
            let start = position
            if characters[position] == "\"" {
                position += 1
                var pattern = String.UnicodeScalarView()
                var closed = false
                while position < characters.count {
                    let scalar = characters[position]
                    position += 1
                    if scalar == "\"" { closed = true; break }
                    if scalar == "\\" {
                        guard position < characters.count else { break }
                        let escape = characters[position]
                        position += 1
                        switch escape {
                        case "\\": pattern.append("\\")
                        case "\"": pattern.append("\"")
                        case "a": pattern.append("\u{07}")
                        case "b": pattern.append("\u{08}")
                        case "t": pattern.append("\t")
                        case "n": pattern.append("\n")
                        case "v": pattern.append("\u{0B}")
                        case "f": pattern.append("\u{0C}")
                        case "r": pattern.append("\r")
                        case "0": pattern.append("\u{00}")
                        case "x":
                            guard position + 1 < characters.count,
                                  let high = hexValue(characters[position]), let low = hexValue(characters[position + 1])
                            else {
                                throw MailboxPatternListError(offset: position - 2, reason: "'\\x' must be followed by two hexadecimal digits")
                            }
                            let byte = high * 16 + low
                            guard byte < 0x80, let scalar = Unicode.Scalar(byte) else {
                                throw MailboxPatternListError(offset: position - 2, reason: "'\\x\(String(characters[position]))\(String(characters[position + 1]))' is not ASCII (mailbox names must be modified UTF-7)")
                            }
                            pattern.append(scalar)
                            position += 2
                        default:
                            throw MailboxPatternListError(offset: position - 2, reason: "unknown escape sequence '\\\(String(escape))'")
                        }
                        continue
                    }
                    guard scalar.isASCII else {
                        throw MailboxPatternListError(offset: position - 1, reason: "non-ASCII character '\(String(scalar))' (mailbox names must be modified UTF-7)")
                    }
                    pattern.append(scalar)
                }
                guard closed else {
                    throw MailboxPatternListError(offset: start, reason: "unterminated quoted name (missing the closing '\"')")
                }
                guard !pattern.isEmpty else {
                    throw MailboxPatternListError(offset: start, reason: "empty quoted name")
                }
                if position < characters.count, !isBlank(characters[position]) {
                    throw MailboxPatternListError(offset: position, reason: "a quoted name must be followed by a space")
                }
                patterns.append(String(pattern))
            } else {
                var pattern = String.UnicodeScalarView()
                while position < characters.count, !isBlank(characters[position]) {
                    let scalar = characters[position]
                    guard scalar.isASCII else {
                        throw MailboxPatternListError(offset: position, reason: "non-ASCII character '\(String(scalar))' (mailbox names must be modified UTF-7)")
                    }
                    guard scalar.value >= 0x20, scalar.value != 0x7F, !"(){\"\\".unicodeScalars.contains(scalar) else {
                        throw MailboxPatternListError(offset: position, reason: "character '\(String(scalar))' is not allowed outside double quotes")
                    }
                    pattern.append(scalar)
                    position += 1
                }
                patterns.append(String(pattern))
            }
        }
        guard !patterns.isEmpty else {
            throw MailboxPatternListError(offset: 0, reason: "no mailbox pattern")
        }
        return patterns
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": return scalar.value - 0x30
        case "a"..."f": return scalar.value - 0x61 + 10
        case "A"..."F": return scalar.value - 0x41 + 10
        default: return nil
        }
    }
}

/// A malformed `list-mailbox` value: what is wrong and at which character offset.
public struct MailboxPatternListError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 0-based offset (in Unicode scalars) in the value.
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at offset \(offset)" }
}
