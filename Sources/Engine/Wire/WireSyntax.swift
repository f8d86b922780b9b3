/// Character classes of the IMAP grammar (RFC 3501 §9), shared by the parser and the encoder.
enum WireSyntax {
    static let cr: UInt8 = 0x0d, lf: UInt8 = 0x0a, sp: UInt8 = 0x20, dquote: UInt8 = 0x22, backslash: UInt8 = 0x5c
    static let lparen: UInt8 = 0x28, rparen: UInt8 = 0x29, lbrace: UInt8 = 0x7b, rbrace: UInt8 = 0x7d
    static let lbracket: UInt8 = 0x5b, rbracket: UInt8 = 0x5d, star: UInt8 = 0x2a, percent: UInt8 = 0x25
    static let plus: UInt8 = 0x2b, lt: UInt8 = 0x3c, gt: UInt8 = 0x3e, dot: UInt8 = 0x2e, tilde: UInt8 = 0x7e

    /// `ATOM-CHAR`: any 7-bit CHAR except atom-specials `( ) { SP CTL % * " \ ]`.
    @inline(__always)
    static func isAtomChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x00...0x20, 0x7f...0xff: return false
        case lparen, rparen, lbrace, percent, star, dquote, backslash, rbracket: return false
        default: return true
        }
    }

    /// `ASTRING-CHAR`: ATOM-CHAR or `]`.
    @inline(__always)
    static func isAStringChar(_ b: UInt8) -> Bool { isAtomChar(b) || b == rbracket }

    /// `list-char`: ATOM-CHAR, list-wildcards (`%`, `*`) or `]` (RFC 3501 §9 `list-mailbox`).
    @inline(__always)
    static func isListChar(_ b: UInt8) -> Bool { isAStringChar(b) || b == percent || b == star }

    /// What the parser accepts inside an atom: the RFC's ATOM-CHAR plus 8-bit bytes, which some
    /// servers put in atoms; `allowBracket` admits `]` (ASTRING-CHAR) where it cannot close a code.
    @inline(__always)
    static func isLenientAtomByte(_ b: UInt8, allowBracket: Bool) -> Bool {
        switch b {
        case 0x00...0x20, 0x7f: return false
        case lparen, rparen, lbrace, dquote: return false
        case rbracket: return allowBracket
        default: return true
        }
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// ASCII upper-casing of a byte.
    @inline(__always)
    static func upper(_ b: UInt8) -> UInt8 { (b >= 0x61 && b <= 0x7a) ? b - 0x20 : b }
}
