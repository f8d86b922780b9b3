import Foundation

/// Builds the wire form (or a log description) of a command, choosing for each string the
/// lightest representation the grammar allows (RFC 3501 §4.1-4.3): atom, quoted string, or
/// literal.
struct CommandWriter {
    enum Purpose {
        case wire(CommandEncoder.LiteralMode)
        /// A log line: literal data elided, secrets optionally replaced.
        case log(redactSecrets: Bool)
    }

    /// Longer strings are sent as literals even when they could be quoted: servers limit line
    /// lengths, literals do not count towards them.
    static let maxQuotedLength = 1000
    /// RFC 7888 §4: LITERAL- allows non-synchronising literals up to 4096 bytes.
    static let literalMinusLimit = 4096

    let purpose: Purpose
    private(set) var segments: [[UInt8]] = []
    private(set) var current: [UInt8] = []

    init(purpose: Purpose) { self.purpose = purpose }

    mutating func raw(_ s: String) { current.append(contentsOf: s.utf8) }
    mutating func raw(_ b: [UInt8]) { current.append(contentsOf: b) }
    mutating func sp() { current.append(WireSyntax.sp) }

    /// Items separated by spaces.
    mutating func joined<T>(_ items: [T], _ write: (inout CommandWriter, T) -> Void) {
        for (i, item) in items.enumerated() {
            if i > 0 { sp() }
            write(&self, item)
        }
    }

    /// `(items)`.
    mutating func parenthesized<T>(_ items: [T], _ write: (inout CommandWriter, T) -> Void) {
        raw("(")
        joined(items, write)
        raw(")")
    }

    /// `astring`: an atom when every byte is an ASTRING-CHAR (and it is not "NIL", which a
    /// server could read as nil), else a string.
    mutating func astring(_ bytes: [UInt8]) {
        if !bytes.isEmpty, bytes.count <= CommandWriter.maxQuotedLength, bytes.allSatisfy(WireSyntax.isAStringChar),
           !(bytes.count == 3 && String(decoding: bytes, as: UTF8.self).uppercased() == "NIL") {
            raw(bytes)
        } else {
            string(bytes)
        }
    }

    mutating func astring(_ s: String) { astring(Array(s.utf8)) }

    /// `list-mailbox`: list-chars (wildcards allowed) as an atom, else a string.
    mutating func listMailbox(_ bytes: [UInt8]) {
        if !bytes.isEmpty, bytes.count <= CommandWriter.maxQuotedLength, bytes.allSatisfy(WireSyntax.isListChar) {
            raw(bytes)
        } else {
            string(bytes)
        }
    }

    /// `string`: quoted when every byte is a 7-bit TEXT-CHAR (no NUL, CR, LF) and the string is
    /// short, else a literal.
    mutating func string(_ bytes: [UInt8]) {
        let quotable = bytes.count <= CommandWriter.maxQuotedLength
            && bytes.allSatisfy { $0 != 0 && $0 < 0x80 && $0 != WireSyntax.cr && $0 != WireSyntax.lf }
        guard quotable else { return literal(bytes) }
        current.append(WireSyntax.dquote)
        for b in bytes {
            if b == WireSyntax.dquote || b == WireSyntax.backslash { current.append(WireSyntax.backslash) }
            current.append(b)
        }
        current.append(WireSyntax.dquote)
    }

    mutating func string(_ s: String) { string(Array(s.utf8)) }

    /// A literal: `{n}` CRLF data. Synchronising literals end the segment.
    mutating func literal(_ bytes: [UInt8]) {
        switch purpose {
        case .log:
            raw("{\(bytes.count)}…")
        case .wire(let mode):
            let nonSync: Bool
            switch mode {
            case .synchronizing: nonSync = false
            case .literalPlus: nonSync = true
            case .literalMinus: nonSync = bytes.count <= CommandWriter.literalMinusLimit
            }
            raw(nonSync ? "{\(bytes.count)+}\r\n" : "{\(bytes.count)}\r\n")
            if !nonSync {
                segments.append(current)
                current = []
                current.reserveCapacity(bytes.count + 64)
            }
            current.append(contentsOf: bytes)
        }
    }

    /// Writes credentials, or a placeholder in a redacted log description.
    mutating func secret(_ write: (inout CommandWriter) -> Void) {
        if case .log(redactSecrets: true) = purpose {
            raw("[REDACTED]")
        } else {
            write(&self)
        }
    }

    mutating func mailbox(_ name: MailboxName) { astring(name.wireBytes) }

    mutating func flags(_ flags: [Flag]) { parenthesized(flags) { $0.raw($1.rawValue) } }

    mutating func sequenceSet(_ set: SequenceSet) { raw(set.description) }

    /// Finishes the command with CRLF.
    mutating func finish() -> EncodedCommand {
        if case .wire = purpose { raw("\r\n") }
        segments.append(current)
        current = []
        return EncodedCommand(segments: segments)
    }
}
