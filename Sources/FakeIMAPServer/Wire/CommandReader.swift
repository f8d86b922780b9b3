/// Reads whole commands (RFC 3501 §2.2.1) from the session input: a line, and for each literal
/// announced at its end (`{n}`, or `{n+}` for LITERAL+, RFC 7888) the n octets and the line that
/// continues the command. A synchronising literal gets a `+` continuation first (RFC 3501 §7.5).
struct CommandReader {
    /// Longest command line accepted (dovecot's default is 64 KiB; be generous).
    static let maxLineLength = 1 << 20
    /// Largest literal accepted.
    static let maxLiteralSize = 256 << 20

    enum Outcome {
        case command(ReceivedCommand)
        /// The command is malformed: answer BAD with this text (the tag may be "*").
        case malformed(tag: String, text: String)
        case endOfStream
    }

    let input: SessionInput
    /// Sends a continuation request (already formatted, with CRLF) before a synchronising literal.
    let sendContinuation: () throws -> Void
    /// Largest non-synchronizing literal accepted: unlimited with LITERAL+ (RFC 7888 §3), 4096
    /// octets with LITERAL- (§4), none without either. A larger one is read (so the stream stays
    /// in step) and its command refused BAD [TOOBIG].
    var nonSynchronizingLimit = Int.max
    /// Called after each literal is received, with the command text so far (literals as NUL).
    var literalReceived: (_ textSoFar: [UInt8], _ literalCount: Int) throws -> Void = { _, _ in }

    func next() throws -> Outcome {
        var text: [UInt8] = []
        var literals: [[UInt8]] = []
        var refusedLiteral: Int?
        while true {
            guard var line = try input.readLine(maxLength: Self.maxLineLength) else { return .endOfStream }
            if text.isEmpty && literals.isEmpty && line.isEmpty { continue }  // stray empty line
            if let (size, synchronising) = Self.literalAnnouncement(line) {
                // Drop the announcement `{n}` / `{n+}` from the text; a NUL marks the literal.
                while let last = line.last, last != UInt8(ascii: "{") { line.removeLast() }
                line.removeLast()
                text.append(contentsOf: line)
                text.append(0)
                guard size <= Self.maxLiteralSize else { throw CommandReadError.literalTooLarge }
                if synchronising { try sendContinuation() } else if size > nonSynchronizingLimit { refusedLiteral = size }
                guard let data = try input.readExactly(size) else { return .endOfStream }
                literals.append(data)
                try literalReceived(text, literals.count)
                continue
            }
            text.append(contentsOf: line)
            break
        }
        // The tag: up to the first space (RFC 3501 §9 `tag`).
        guard let sp = text.firstIndex(of: 0x20) else {
            let tag = String(decoding: text, as: UTF8.self)
            return .malformed(tag: tag.isEmpty ? "*" : tag, text: "Error in IMAP command received by server.")
        }
        let tag = String(decoding: text[..<sp], as: UTF8.self)
        guard !tag.isEmpty, tag.utf8.allSatisfy(Self.isTagChar) else {
            return .malformed(tag: "*", text: "Error in IMAP tag.")
        }
        if let size = refusedLiteral {
            let allowed = nonSynchronizingLimit == 0 ? "no non-synchronizing literal is allowed" : "at most \(nonSynchronizingLimit) octets in a non-synchronizing literal"
            return .malformed(tag: tag, text: "[TOOBIG] Literal of \(size) octets refused: \(allowed) (RFC 7888).")
        }
        do {
            let tokens = try CommandTokenizer.tokenize(text: Array(text[(sp + 1)...]), literals: literals)
            guard case .atom = tokens.first else { return .malformed(tag: tag, text: "Error in IMAP command: missing command name.") }
            return .command(ReceivedCommand(tag: tag, tokens: tokens))
        } catch CommandTokenizer.Failure.syntax(let why) {
            return .malformed(tag: tag, text: "Error in IMAP command: \(why).")
        }
    }

    static func isTagChar(_ c: UInt8) -> Bool {
        // ASTRING-CHAR minus "+" (RFC 3501 §9 `tag`).
        c > 0x20 && c < 0x7f && c != UInt8(ascii: "(") && c != UInt8(ascii: ")") && c != UInt8(ascii: "{")
            && c != UInt8(ascii: "%") && c != UInt8(ascii: "*") && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\")
            && c != UInt8(ascii: "+")
    }

    /// `{123}` or `{123+}` at the end of a line.
    static func literalAnnouncement(_ line: [UInt8]) -> (Int, Bool)? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        var synchronising = true
        if digits.last == UInt8(ascii: "+") { synchronising = false; digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let n = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
        return (n, synchronising)
    }
}
