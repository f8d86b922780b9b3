/// Splits a command into tokens. The input is the command text with each literal replaced by a
/// NUL byte (NUL cannot occur in command text, RFC 3501 §9 `CHAR8`/`TEXT-CHAR`) and the literals'
/// contents given apart, so a literal is never rescanned as text.
struct CommandTokenizer {
    enum Failure: Error, Equatable { case syntax(String) }

    private let text: [UInt8]
    private let literals: [[UInt8]]
    private var pos = 0
    private var literalIndex = 0
    private var depth = 0
    /// Deeper parenthesised lists are refused (BAD) rather than recursed into: a 1 MiB command of
    /// `((((...` must not exhaust a session thread's stack.
    static let maximumDepth = 64

    init(text: [UInt8], literals: [[UInt8]]) {
        self.text = text
        self.literals = literals
    }

    static func tokenize(text: [UInt8], literals: [[UInt8]]) throws -> [CommandToken] {
        var t = CommandTokenizer(text: text, literals: literals)
        return try t.tokens(until: nil)
    }

    private mutating func tokens(until close: UInt8?) throws -> [CommandToken] {
        var out: [CommandToken] = []
        while true {
            while pos < text.count && text[pos] == 0x20 { pos += 1 }
            guard pos < text.count else {
                if close != nil { throw Failure.syntax("missing ')'") }
                return out
            }
            let c = text[pos]
            if let close, c == close { pos += 1; return out }
            switch c {
            case UInt8(ascii: "("):
                pos += 1
                depth += 1
                guard depth <= Self.maximumDepth else { throw Failure.syntax("lists nested too deeply") }
                out.append(.list(try tokens(until: UInt8(ascii: ")"))))
                depth -= 1
            case UInt8(ascii: ")"):
                throw Failure.syntax("unexpected ')'")
            case UInt8(ascii: "\""):
                out.append(.quoted(try quoted()))
            case 0:
                pos += 1
                guard literalIndex < literals.count else { throw Failure.syntax("literal out of place") }
                out.append(.literal(literals[literalIndex]))
                literalIndex += 1
            default:
                out.append(.atom(try atom()))
            }
        }
    }

    private mutating func quoted() throws -> [UInt8] {
        pos += 1
        var out: [UInt8] = []
        while pos < text.count {
            let c = text[pos]
            if c == UInt8(ascii: "\"") { pos += 1; return out }
            if c == UInt8(ascii: "\\") {
                pos += 1
                guard pos < text.count else { break }
                out.append(text[pos])
            } else {
                if c == 0 { throw Failure.syntax("literal inside a quoted string") }
                out.append(c)
            }
            pos += 1
        }
        throw Failure.syntax("unterminated quoted string")
    }

    /// An atom; a `[` opens a section that runs to its matching `]` whatever it holds
    /// (`BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>`).
    private mutating func atom() throws -> String {
        var out: [UInt8] = []
        var depth = 0
        while pos < text.count {
            let c = text[pos]
            if depth == 0 && (c == 0x20 || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: "\"") || c == 0) { break }
            if c == UInt8(ascii: "[") { depth += 1 }
            if c == UInt8(ascii: "]") { depth = max(0, depth - 1) }
            if c < 0x20 || c == 0x7f { throw Failure.syntax("control character in command") }
            out.append(c)
            pos += 1
        }
        if depth > 0 { throw Failure.syntax("missing ']'") }
        return String(decoding: out, as: UTF8.self)
    }
}
