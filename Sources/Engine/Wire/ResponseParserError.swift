/// Why `ResponseParser` rejected a server's output. After an error the parser stays failed:
/// the connection is out of sync and must be dropped.
public struct ResponseParserError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The bytes do not follow the IMAP grammar; `expected` says what the grammar wanted.
        case syntax(expected: String)
        /// A line outgrew `ResponseParserLimits.maxLineLength`.
        case lineTooLong(limit: Int)
        /// A literal announced more bytes than allowed (`size` is saturated at `UInt64.max`).
        case literalTooLarge(size: UInt64, limit: Int)
        /// One response (or one FETCH attribute) outgrew `ResponseParserLimits.maxResponseSize`.
        case responseTooLarge(limit: Int)
        /// Lists nested deeper than `ResponseParserLimits.maxNestingDepth`.
        case nestingTooDeep(limit: Int)
        /// A number does not fit the field (e.g. a UID above 2^32-1).
        case numberOutOfRange
        /// A FETCH collected by `nextResponse()` outgrew `ResponseParserLimits.maxCollectedFetchSize`.
        case collectedFetchTooLarge(limit: Int)
    }

    public let kind: Kind
    /// A short, printable excerpt of the input around the offending byte.
    public let excerpt: String

    public init(_ kind: Kind, excerpt: String) {
        self.kind = kind
        self.excerpt = excerpt
    }

    public var description: String {
        let what: String
        switch kind {
        case .syntax(let expected): what = "expected \(expected)"
        case .lineTooLong(let limit): what = "line longer than \(limit) bytes"
        case .literalTooLarge(let size, let limit):
            what = size == UInt64.max ? "literal size out of range" : "literal of \(size) bytes exceeds the limit of \(limit)"
        case .responseTooLarge(let limit): what = "response larger than \(limit) bytes"
        case .nestingTooDeep(let limit): what = "lists nested deeper than \(limit) levels"
        case .numberOutOfRange: what = "number out of range"
        case .collectedFetchTooLarge(let limit): what = "FETCH response larger than \(limit) bytes"
        }
        return "invalid IMAP response: \(what) near \"\(excerpt)\""
    }

    /// Printable rendering of `bytes[range]` with the position `at` marked by `⟨here⟩`, elided to
    /// about 40 bytes on each side; control and 8-bit bytes are written `\xNN`.
    static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, at position: Int) -> String {
        let pos = min(max(position, range.lowerBound), range.upperBound)
        let lo = max(range.lowerBound, pos - 40), hi = min(range.upperBound, pos + 40)
        var s = lo > range.lowerBound ? "…" : ""
        func render(_ r: Range<Int>) {
            for i in r {
                let b = bytes[i]
                switch b {
                case 0x0d: s += "\\r"
                case 0x0a: s += "\\n"
                case 0x5c: s += "\\\\"
                case 0x20...0x7e: s.unicodeScalars.append(Unicode.Scalar(b))
                default: s += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
                }
            }
        }
        render(lo..<pos)
        s += "⟨here⟩"
        render(pos..<hi)
        if hi < range.upperBound { s += "…" }
        return s
    }

    static func excerpt(_ bytes: [UInt8], range: Range<Int>, at position: Int) -> String {
        bytes.withUnsafeBufferPointer { excerpt($0, range: range, at: position) }
    }
}
