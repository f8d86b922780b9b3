/// What one step of FETCH parsing found (see `WireReader.readFetchStep()`).
enum FetchStep {
    case attribute(FetchAttribute)
    /// An item this library does not model, skipped whole.
    case skipped
    /// A body item whose data is already in the range (quoted string, NIL, or an in-range literal).
    case body(section: BodySection, origin: UInt32?, data: [UInt8])
    /// A body item whose literal data (`size` bytes) follows the range: to be streamed.
    case bodyLiteral(section: BodySection, origin: UInt32?, size: Int)
    /// An unknown item whose value is a literal following the range: to be discarded unbuffered.
    case discardLiteral(size: Int)
    /// The closing `)` and the line end.
    case end
    /// The item contains a literal (not a body) whose data is not buffered yet.
    case needLiteral(size: Int)
}

/// The FETCH response rules of RFC 3501 §7.4.2 (`msg-att`) and RFC 7162 §3.1.4, one data item
/// at a time, so that bodies can be streamed instead of buffered.
extension WireReader {
    /// Reads `* n FETCH (` and returns n.
    mutating func readFetchPrefix() throws -> UInt32 {
        try expect(WireSyntax.star, "'*'")
        try expectSP()
        let n = try readNumber32()
        try expectSP()
        let kw = try readAtom(allowBracket: false, allowOpenBracket: false, what: "FETCH")
        guard upper(kw) == "FETCH" else { throw syntax("FETCH", at: kw.lowerBound) }
        try expectSP()
        try expect(WireSyntax.lparen, "'(' opening the FETCH data")
        return n
    }

    /// Reads the next data item (or the closing parenthesis). On `.needLiteral` the position
    /// is meaningless: the caller parses the same item again once the literal is buffered.
    mutating func readFetchStep() throws -> FetchStep {
        skipSpaces()
        guard let b = peek() else { throw syntax("FETCH data item or ')'") }
        if b == WireSyntax.rparen {
            pos += 1
            try expectLineEnd()
            return .end
        }
        let nameRange = try readAtom(allowBracket: false, allowOpenBracket: false, what: "FETCH data item or ')'")
        do {
            switch upper(nameRange) {
            case "UID":
                try expectSP()
                return .attribute(.uid(try readNZNumber32()))
            case "FLAGS":
                try expectSP()
                return .attribute(.flags(try readFlagList()))
            case "MODSEQ":
                try expectSP()
                try expect(WireSyntax.lparen, "'(' before the mod-sequence")
                skipSpaces()
                let v = try readModSeq()
                skipSpaces()
                try expect(WireSyntax.rparen, "')' after the mod-sequence")
                return .attribute(.modSeq(v))
            case "INTERNALDATE":
                try expectSP()
                let s = pos
                let text = try readString()
                guard let date = InternalDate.parse(text[...]) else { throw syntax("date-time", at: s) }
                return .attribute(.internalDate(date))
            case "RFC822.SIZE":
                try expectSP()
                return .attribute(.rfc822Size(try readNumber32()))
            case "ENVELOPE":
                try expectSP()
                return .attribute(.envelope(try readEnvelope()))
            case "BODY" where peek() == WireSyntax.lbracket:
                let section = try readSection()
                var origin: UInt32?
                if consume(WireSyntax.lt) {
                    origin = try readNumber32()
                    try expect(WireSyntax.gt, "'>'")
                }
                try expectSP()
                return try readBodyValue(section: section, origin: origin)
            case "RFC822":
                try expectSP()
                return try readBodyValue(section: .complete, origin: nil)
            case "RFC822.HEADER":
                try expectSP()
                return try readBodyValue(section: .header, origin: nil)
            case "RFC822.TEXT":
                try expectSP()
                return try readBodyValue(section: .text, origin: nil)
            default:
                // BODYSTRUCTURE, BODY without section, BINARY[...], vendor items: skipped, with a
                // literal value discarded as it streams rather than buffered.
                try skipBracketSuffix()
                try expectSP()
                if atLiteral {
                    let n = try readLiteralHeader()
                    if pos == end { return .discardLiteral(size: n) }
                    guard pos + n <= end else { throw LiteralPending(size: n) }
                    pos += n
                    return .skipped
                }
                try skipValue()
                return .skipped
            }
        } catch let pending as LiteralPending {
            return .needLiteral(size: pending.size)
        }
    }

    private mutating func readBodyValue(section: BodySection, origin: UInt32?) throws -> FetchStep {
        if atLiteral {
            let n = try readLiteralHeader()
            if pos == end { return .bodyLiteral(section: section, origin: origin, size: n) }
            guard pos + n <= end else { throw LiteralPending(size: n) }
            let data = array(pos..<(pos + n))
            pos += n
            return .body(section: section, origin: origin, data: data)
        }
        if atNIL {
            pos += 3
            return .body(section: section, origin: origin, data: [])
        }
        return .body(section: section, origin: origin, data: try readQuoted())
    }

    /// `section`: `[` section-spec `]` (RFC 3501 §9).
    mutating func readSection() throws -> BodySection {
        try expect(WireSyntax.lbracket, "'['")
        var part: [UInt32] = []
        var kind = BodySection.Kind.complete
        while let b = peek(), WireSyntax.isDigit(b) {
            let n = try readNumber32()
            guard n > 0 else { throw syntax("non-zero part number") }
            part.append(n)
            guard consume(WireSyntax.dot) else { break }
        }
        if peek() != WireSyntax.rbracket {
            let s = pos
            while let b = peek(), (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == WireSyntax.dot { pos += 1 }
            switch upper(s..<pos) {
            case "HEADER": kind = .header
            case "TEXT": kind = .text
            case "MIME": kind = .mime
            case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
                let not = upper(s..<pos).hasSuffix(".NOT")
                try expectSP()
                try expect(WireSyntax.lparen, "'(' opening the header field list")
                var fields: [String] = []
                while true {
                    skipSpaces()
                    if consume(WireSyntax.rparen) { break }
                    // Header field names are astrings but cannot contain ']' here in practice;
                    // stopping atoms at ']' keeps a malformed list from eating the bracket.
                    if atLiteral || peek() == WireSyntax.dquote {
                        fields.append(String(decoding: try readString(), as: UTF8.self))
                    } else {
                        fields.append(string(try readAtom(allowBracket: false, what: "header field name or ')'")))
                    }
                }
                kind = not ? .headerFieldsNot(fields) : .headerFields(fields)
            default:
                throw syntax("section text (HEADER, HEADER.FIELDS, TEXT, MIME)", at: s)
            }
        }
        try expect(WireSyntax.rbracket, "']' closing the section")
        return BodySection(part: part, kind: kind)
    }

    /// `envelope` (RFC 3501 §9).
    mutating func readEnvelope() throws -> Envelope {
        try expect(WireSyntax.lparen, "'(' opening the envelope")
        func text(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }
        var e = Envelope()
        e.date = text(try readNString())
        try expectSP()
        e.subject = text(try readNString())
        try expectSP()
        e.from = try readAddressList()
        try expectSP()
        e.sender = try readAddressList()
        try expectSP()
        e.replyTo = try readAddressList()
        try expectSP()
        e.to = try readAddressList()
        try expectSP()
        e.cc = try readAddressList()
        try expectSP()
        e.bcc = try readAddressList()
        try expectSP()
        e.inReplyTo = text(try readNString())
        try expectSP()
        e.messageID = text(try readNString())
        skipSpaces()
        try expect(WireSyntax.rparen, "')' closing the envelope")
        return e
    }

    /// `"(" 1*address ")" / nil`; spaces between addresses are tolerated.
    private mutating func readAddressList() throws -> [EnvelopeAddress] {
        if atNIL { pos += 3; return [] }
        try expect(WireSyntax.lparen, "address list or NIL")
        var out: [EnvelopeAddress] = []
        func text(_ b: [UInt8]?) -> String? { b.map { String(decoding: $0, as: UTF8.self) } }
        while true {
            skipSpaces()
            if consume(WireSyntax.rparen) { return out }
            try expect(WireSyntax.lparen, "'(' opening an address")
            let name = text(try readNString())
            try expectSP()
            let adl = text(try readNString())
            try expectSP()
            let mailbox = text(try readNString())
            try expectSP()
            let host = text(try readNString())
            skipSpaces()
            try expect(WireSyntax.rparen, "')' closing an address")
            out.append(EnvelopeAddress(name: name, adl: adl, mailbox: mailbox, host: host))
        }
    }
}
