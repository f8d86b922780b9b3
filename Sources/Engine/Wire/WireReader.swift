/// Thrown by the grammar when it reaches a literal whose data lies beyond the bytes it was
/// given: the caller must buffer `size` more bytes (and the rest of the line) and parse again.
struct LiteralPending: Error {
    let size: Int
}

/// Lexical layer of the response grammar (RFC 3501 §4, §9): reads atoms, numbers, quoted
/// strings, literals, NIL and lists from a byte range that holds whole lines.
///
/// Works on an `UnsafeBufferPointer` for speed; every read checks `pos < end` first, so no input
/// can make it read outside the range.
struct WireReader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Start of the response (for error excerpts).
    let start: Int
    let end: Int
    var pos: Int
    let limits: ResponseParserLimits

    init(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, limits: ResponseParserLimits) {
        self.bytes = bytes
        self.start = range.lowerBound
        self.end = min(range.upperBound, bytes.count)
        self.pos = range.lowerBound
        self.limits = limits
    }

    // MARK: errors

    func error(_ kind: ResponseParserError.Kind, at position: Int? = nil) -> ResponseParserError {
        ResponseParserError(kind, excerpt: ResponseParserError.excerpt(bytes, range: start..<end, at: position ?? pos))
    }

    func syntax(_ expected: String, at position: Int? = nil) -> ResponseParserError {
        error(.syntax(expected: expected), at: position)
    }

    // MARK: bytes

    @inline(__always)
    func peek() -> UInt8? { pos < end ? bytes[pos] : nil }

    @inline(__always)
    func peek(offset: Int) -> UInt8? { pos + offset < end ? bytes[pos + offset] : nil }

    @inline(__always)
    mutating func consume(_ b: UInt8) -> Bool {
        guard pos < end, bytes[pos] == b else { return false }
        pos += 1
        return true
    }

    mutating func expect(_ b: UInt8, _ what: String) throws {
        guard consume(b) else { throw syntax(what) }
    }

    mutating func expectSP() throws { try expect(WireSyntax.sp, "SP") }

    mutating func skipSpaces() {
        while pos < end, bytes[pos] == WireSyntax.sp { pos += 1 }
    }

    /// At CR, LF or the end of the range.
    var atLineEnd: Bool {
        guard let b = peek() else { return true }
        return b == WireSyntax.cr || b == WireSyntax.lf
    }

    /// Trailing spaces, then CRLF (or a bare LF), which must end the range.
    mutating func expectLineEnd() throws {
        skipSpaces()
        if consume(WireSyntax.cr) {
            try expect(WireSyntax.lf, "LF after CR")
        } else if !consume(WireSyntax.lf) {
            throw syntax("end of line")
        }
        guard pos == end else { throw syntax("end of response") }
    }

    /// End of the line content (before CRLF), at or after `pos`.
    var contentEnd: Int {
        var e = end
        if e > pos, bytes[e - 1] == WireSyntax.lf { e -= 1 }
        if e > pos, bytes[e - 1] == WireSyntax.cr { e -= 1 }
        return e
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    func array(_ range: Range<Int>) -> [UInt8] { Array(bytes[range]) }

    /// ASCII-uppercased text of `range` (for keyword comparison).
    func upper(_ range: Range<Int>) -> String {
        var s = String()
        s.unicodeScalars.reserveCapacity(range.count)
        for i in range { s.unicodeScalars.append(Unicode.Scalar(WireSyntax.upper(bytes[i]))) }
        return s
    }

    // MARK: atoms and numbers

    /// A non-empty atom (leniently: 8-bit bytes and list wildcards admitted); `]` only if
    /// `allowBracket` (ASTRING-CHAR), `[` only if `allowOpenBracket`.
    mutating func readAtom(allowBracket: Bool = false, allowOpenBracket: Bool = true, what: String = "atom") throws -> Range<Int> {
        let s = pos
        while pos < end {
            let b = bytes[pos]
            guard WireSyntax.isLenientAtomByte(b, allowBracket: allowBracket), allowOpenBracket || b != WireSyntax.lbracket else { break }
            pos += 1
        }
        guard pos > s else { throw syntax(what) }
        return s..<pos
    }

    /// Whether the next bytes are `NIL` (case-insensitive) followed by a non-atom byte.
    var atNIL: Bool {
        guard pos + 3 <= end, WireSyntax.upper(bytes[pos]) == 0x4e, WireSyntax.upper(bytes[pos + 1]) == 0x49,
              WireSyntax.upper(bytes[pos + 2]) == 0x4c else { return false }
        guard pos + 3 < end else { return true }
        return !WireSyntax.isLenientAtomByte(bytes[pos + 3], allowBracket: false)
    }

    mutating func readNumber(what: String = "number") throws -> UInt64 {
        let s = pos
        var v: UInt64 = 0
        while pos < end, WireSyntax.isDigit(bytes[pos]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(bytes[pos] - 0x30))
            guard !o1, !o2 else { throw error(.numberOutOfRange, at: s) }
            v = a
            pos += 1
        }
        guard pos > s else { throw syntax(what) }
        return v
    }

    mutating func readNumber32(what: String = "number") throws -> UInt32 {
        let s = pos
        let v = try readNumber(what: what)
        guard v <= UInt64(UInt32.max) else { throw error(.numberOutOfRange, at: s) }
        return UInt32(v)
    }

    /// An nz-number (RFC 3501 §9): a UID, UIDNEXT or UIDVALIDITY, 1 to 2^32-1; 0 is refused.
    mutating func readNZNumber32(what: String = "number") throws -> UInt32 {
        let s = pos
        let v = try readNumber32(what: what)
        guard v != 0 else { throw error(.numberOutOfRange, at: s) }
        return v
    }

    /// A mod-sequence-value (RFC 7162 §7): below 2^63.
    mutating func readModSeq() throws -> UInt64 {
        let s = pos
        let v = try readNumber(what: "mod-sequence")
        guard v < 1 << 63 else { throw error(.numberOutOfRange, at: s) }
        return v
    }

    // MARK: strings

    /// A quoted string (RFC 3501 §9 `quoted`): `\\` and `\"` are unescaped; any other escaped
    /// byte is taken literally and 8-bit bytes are tolerated; CR/LF are not allowed.
    mutating func readQuoted() throws -> [UInt8] {
        try expect(WireSyntax.dquote, "quoted string")
        let s = pos
        // Fast path: no escapes.
        while pos < end {
            let b = bytes[pos]
            if b == WireSyntax.dquote { let r = array(s..<pos); pos += 1; return r }
            if b == WireSyntax.backslash { break }
            if b == WireSyntax.cr || b == WireSyntax.lf { throw syntax("closing quote") }
            pos += 1
        }
        var out = array(s..<pos)
        while pos < end {
            let b = bytes[pos]
            switch b {
            case WireSyntax.dquote:
                pos += 1
                return out
            case WireSyntax.backslash:
                pos += 1
                guard pos < end, bytes[pos] != WireSyntax.cr, bytes[pos] != WireSyntax.lf else { throw syntax("escaped character") }
                out.append(bytes[pos])
                pos += 1
            case WireSyntax.cr, WireSyntax.lf:
                throw syntax("closing quote")
            default:
                out.append(b)
                pos += 1
            }
        }
        throw syntax("closing quote")
    }

    /// `{n}`, `{n+}` (RFC 7888; never sent by servers, accepted anyway) or `~{n}` (RFC 3516
    /// literal8) and the CRLF after it; returns n. Sizes are IMAP `number`s (32-bit).
    mutating func readLiteralHeader() throws -> Int {
        let s = pos
        _ = consume(WireSyntax.tilde)
        try expect(WireSyntax.lbrace, "literal")
        var v: UInt64 = 0
        var digits = 0
        while pos < end, WireSyntax.isDigit(bytes[pos]) {
            v = digits >= 19 ? UInt64.max : v * 10 + UInt64(bytes[pos] - 0x30)
            digits += 1
            pos += 1
        }
        guard digits > 0 else { throw syntax("literal size", at: s) }
        _ = consume(WireSyntax.plus)
        try expect(WireSyntax.rbrace, "'}' closing the literal size")
        _ = consume(WireSyntax.cr)
        try expect(WireSyntax.lf, "CRLF after the literal size")
        guard v <= UInt64(UInt32.max) else { throw error(.literalTooLarge(size: v, limit: Int(UInt32.max)), at: s) }
        return Int(v)
    }

    /// A literal and its data. Throws `LiteralPending` if the data is not in the range yet.
    mutating func readLiteral() throws -> [UInt8] {
        let s = pos
        let n = try readLiteralHeader()
        guard n <= limits.maxLiteralSize else { throw error(.literalTooLarge(size: UInt64(n), limit: limits.maxLiteralSize), at: s) }
        guard pos + n <= end else { throw LiteralPending(size: n) }
        let r = array(pos..<(pos + n))
        pos += n
        return r
    }

    @inline(__always)
    var atLiteral: Bool {
        guard let b = peek() else { return false }
        return b == WireSyntax.lbrace || (b == WireSyntax.tilde && peek(offset: 1) == WireSyntax.lbrace)
    }

    /// `string`: quoted or literal.
    mutating func readString() throws -> [UInt8] {
        if atLiteral { return try readLiteral() }
        if peek() == WireSyntax.dquote { return try readQuoted() }
        throw syntax("string")
    }

    /// `nstring`: string or NIL.
    mutating func readNString() throws -> [UInt8]? {
        if atNIL { pos += 3; return nil }
        if atLiteral || peek() == WireSyntax.dquote { return try readString() }
        throw syntax("string or NIL")
    }

    /// `astring`: atom (with `]`) or string.
    mutating func readAString(what: String = "astring") throws -> [UInt8] {
        if atLiteral || peek() == WireSyntax.dquote { return try readString() }
        return array(try readAtom(allowBracket: true, what: what))
    }

    // MARK: generic values

    /// Any value: list, string, NIL or atom.
    mutating func readValue(depth: Int = 0) throws -> WireValue {
        guard let b = peek() else { throw syntax("value") }
        if b == WireSyntax.lparen {
            guard depth < limits.maxNestingDepth else { throw error(.nestingTooDeep(limit: limits.maxNestingDepth)) }
            pos += 1
            var items: [WireValue] = []
            while true {
                skipSpaces()
                if consume(WireSyntax.rparen) { return .list(items) }
                if atLineEnd { throw syntax("')'") }
                items.append(try readValue(depth: depth + 1))
            }
        }
        if b == WireSyntax.dquote || atLiteral { return .string(try readString()) }
        if atNIL { pos += 3; return .nilValue }
        return .atom(string(try readAtom(allowBracket: true, what: "value")))
    }

    /// Skips one value of any shape without building it (iterative, so depth is bounded only by
    /// `maxNestingDepth`). Atoms may carry a `[...]` section, as in BODY[1]<0>.
    mutating func skipValue() throws {
        var depth = 0
        repeat {
            skipSpaces()
            guard let b = peek() else { throw syntax(depth > 0 ? "')'" : "value") }
            switch b {
            case WireSyntax.lparen:
                depth += 1
                guard depth <= limits.maxNestingDepth else { throw error(.nestingTooDeep(limit: limits.maxNestingDepth)) }
                pos += 1
            case WireSyntax.rparen:
                guard depth > 0 else { throw syntax("value") }
                depth -= 1
                pos += 1
            case WireSyntax.cr, WireSyntax.lf:
                throw syntax(depth > 0 ? "')'" : "value")
            case WireSyntax.dquote:
                _ = try readQuoted()
            default:
                if atLiteral {
                    _ = try readLiteral()
                } else {
                    _ = try readAtom(allowBracket: true, allowOpenBracket: false, what: "value")
                    try skipBracketSuffix()
                }
            }
        } while depth > 0
    }

    /// Skips `[...]` (quoted strings inside respected) and `<...>` after an atom, if present.
    mutating func skipBracketSuffix() throws {
        if consume(WireSyntax.lbracket) {
            var inQuote = false
            while true {
                guard let b = peek(), b != WireSyntax.cr, b != WireSyntax.lf else { throw syntax("']'") }
                pos += 1
                if inQuote {
                    if b == WireSyntax.backslash { pos += 1 } else if b == WireSyntax.dquote { inQuote = false }
                } else if b == WireSyntax.dquote {
                    inQuote = true
                } else if b == WireSyntax.rbracket {
                    break
                }
            }
        }
        if consume(WireSyntax.lt) {
            while let b = peek(), b != WireSyntax.gt {
                guard b != WireSyntax.cr, b != WireSyntax.lf else { throw syntax("'>'") }
                pos += 1
            }
            try expect(WireSyntax.gt, "'>'")
        }
    }

    /// The rest of the line (RFC 3501 `text`), without CRLF; never fails.
    mutating func readText() -> String {
        let s = pos
        while pos < end, bytes[pos] != WireSyntax.cr, bytes[pos] != WireSyntax.lf { pos += 1 }
        return string(s..<pos)
    }

    // MARK: common structures

    /// `flag-list`: `(` [flag *(SP flag)] `)`; `\*` (PERMANENTFLAGS) is kept as the flag `\*`.
    mutating func readFlagList() throws -> [Flag] {
        try expect(WireSyntax.lparen, "'(' opening a flag list")
        var flags: [Flag] = []
        while true {
            skipSpaces()
            if consume(WireSyntax.rparen) { return flags }
            let s = pos
            if consume(WireSyntax.backslash), consume(WireSyntax.star) {
                flags.append(Flag("\\*"))
                continue
            }
            pos = s
            _ = consume(WireSyntax.backslash)
            _ = try readAtom(allowBracket: false, what: "flag or ')'")
            flags.append(Flag(string(s..<pos)))
        }
    }

    /// A sequence set of numbers (no `*`: servers send explicit numbers), e.g. `1:3,5`.
    mutating func readSequenceSet() throws -> SequenceSet {
        let s = pos
        while pos < end {
            let b = bytes[pos]
            guard WireSyntax.isDigit(b) || b == 0x3a || b == 0x2c else { break }
            pos += 1
        }
        guard let set = SequenceSet(wireBytes: UnsafeBufferPointer(rebasing: bytes[s..<pos])) else { throw syntax("sequence set", at: s) }
        return set
    }

    /// A mailbox hierarchy delimiter: a one-character quoted string or NIL.
    mutating func readDelimiter() throws -> Character? {
        if atNIL { pos += 3; return nil }
        let s = pos
        let d = String(decoding: try readQuoted(), as: UTF8.self)
        guard d.count == 1, let c = d.first else { throw syntax("a single-character hierarchy delimiter", at: s) }
        return c
    }
}
