/// The response rules of RFC 3501 §7 and the extensions (RFC 7162, 5258, 5465, 4315, 4731,
/// 2342, 2971), over a range that holds one complete response (all literals included).
/// FETCH is handled by `FetchGrammar.swift`, attribute by attribute.
extension WireReader {
    /// A whole response: continuation request, tagged or untagged (not FETCH).
    mutating func readResponse() throws -> ResponseEvent {
        guard let first = peek() else { throw syntax("response") }
        if first == WireSyntax.plus {
            pos += 1
            _ = consume(WireSyntax.sp)
            let text = readText()
            try expectLineEnd()
            return .continuation(ContinuationRequest(text: text))
        }
        if first == WireSyntax.star {
            pos += 1
            try expectSP()
            return .untagged(try readUntagged())
        }
        let tag = try readTag()
        try expectSP()
        let kw = upper(try readAtom(allowBracket: false, what: "OK, NO or BAD"))
        guard let status = CompletionStatus(rawValue: kw) else { throw syntax("OK, NO or BAD", at: pos - kw.utf8.count) }
        let text = try readResponseText()
        try expectLineEnd()
        return .tagged(TaggedResponse(tag: tag, status: status, text: text))
    }

    /// `tag`: ASTRING-CHARs except `+`.
    mutating func readTag() throws -> String {
        let s = pos
        while let b = peek(), WireSyntax.isLenientAtomByte(b, allowBracket: true), b != WireSyntax.plus { pos += 1 }
        guard pos > s else { throw syntax("tag, '*' or '+'") }
        return string(s..<pos)
    }

    /// `[SP] ["[" resp-text-code "]" SP] text` up to the line end; never fails on the text. A
    /// bracket without its closing bracket on the line is plain text.
    mutating func readResponseText() throws -> ResponseText {
        _ = consume(WireSyntax.sp)
        var code: ResponseCode?
        if peek() == WireSyntax.lbracket {
            var j = pos + 1
            while j < end, bytes[j] != WireSyntax.rbracket, bytes[j] != WireSyntax.cr, bytes[j] != WireSyntax.lf { j += 1 }
            if j < end, bytes[j] == WireSyntax.rbracket {
                code = responseCode(in: (pos + 1)..<j)
                pos = j + 1
                _ = consume(WireSyntax.sp)
            }
        }
        return ResponseText(code: code, text: readText())
    }

    /// Parses the inside of `[...]`. A known code whose arguments do not parse becomes
    /// `.other`, so that an odd response code never fails a whole response.
    func responseCode(in range: Range<Int>) -> ResponseCode {
        var r = WireReader(bytes, range: range, limits: limits)
        guard let nameRange = try? r.readAtom(allowBracket: false) else {
            return .other(name: "", text: range.isEmpty ? nil : string(range))
        }
        let name = string(nameRange)
        let argStart = r.pos < range.upperBound && bytes[r.pos] == WireSyntax.sp ? r.pos + 1 : r.pos
        let text = argStart < range.upperBound ? string(argStart..<range.upperBound) : nil
        if let known = try? r.knownResponseCode(name.uppercased()) { return known }
        return .other(name: name, text: text)
    }

    private mutating func knownResponseCode(_ name: String) throws -> ResponseCode? {
        let code: ResponseCode
        switch name {
        // Codes without arguments: anything after the name is ignored.
        case "ALERT": return .alert
        case "PARSE": return .parse
        case "READ-ONLY": return .readOnly
        case "READ-WRITE": return .readWrite
        case "TRYCREATE": return .tryCreate
        case "NOMODSEQ": return .noModSeq
        case "CLOSED": return .closed
        case "UIDNOTSTICKY": return .uidNotSticky
        case "UIDNEXT": try expectSP(); code = .uidNext(try readNZNumber32())
        case "UIDVALIDITY": try expectSP(); code = .uidValidity(try readNZNumber32())
        case "UNSEEN": try expectSP(); code = .unseen(try readNumber32())
        case "HIGHESTMODSEQ": try expectSP(); code = .highestModSeq(try readModSeq())
        case "PERMANENTFLAGS": try expectSP(); code = .permanentFlags(try readFlagList())
        case "CAPABILITY": code = .capability(try readAtomList())
        case "APPENDUID":
            try expectSP()
            let v = try readNZNumber32()
            try expectSP()
            code = .appendUID(uidValidity: v, uids: try readSequenceSet())
        case "COPYUID":
            try expectSP()
            let v = try readNZNumber32()
            try expectSP()
            let source = try readSequenceSet()
            try expectSP()
            code = .copyUID(uidValidity: v, source: source, destination: try readSequenceSet())
        case "MODIFIED": try expectSP(); code = .modified(try readSequenceSet())
        case "BADCHARSET":
            var charsets: [String] = []
            if consume(WireSyntax.sp) {
                try expect(WireSyntax.lparen, "'('")
                while true {
                    skipSpaces()
                    if consume(WireSyntax.rparen) { break }
                    charsets.append(String(decoding: try readAString(), as: UTF8.self))
                }
            }
            code = .badCharset(charsets)
        default: return nil
        }
        skipSpaces()
        guard pos == end else { return nil }
        return code
    }

    /// `*(SP atom)` up to the end of the line (capabilities, ENABLED).
    mutating func readAtomList() throws -> [String] {
        var atoms: [String] = []
        while true {
            skipSpaces()
            if atLineEnd { return atoms }
            atoms.append(string(try readAtom(allowBracket: true, what: "capability")))
        }
    }

    // MARK: untagged

    mutating func readUntagged() throws -> UntaggedResponse {
        if let b = peek(), WireSyntax.isDigit(b) {
            let n = try readNumber32()
            try expectSP()
            let kwRange = try readAtom(allowBracket: false, what: "response keyword")
            switch upper(kwRange) {
            case "EXISTS": try expectLineEnd(); return .exists(n)
            case "RECENT": try expectLineEnd(); return .recent(n)
            case "EXPUNGE": try expectLineEnd(); return .expunge(n)
            case "FETCH": throw syntax("FETCH handled as a stream", at: kwRange.lowerBound)
            default: return .other(generic(number: n, keyword: kwRange))
            }
        }
        let kwRange = try readAtom(allowBracket: false, what: "response keyword")
        let kw = upper(kwRange)
        switch kw {
        case "OK", "NO", "BAD", "BYE", "PREAUTH":
            let text = try readResponseText()
            try expectLineEnd()
            switch kw {
            case "OK": return .ok(text)
            case "NO": return .no(text)
            case "BAD": return .bad(text)
            case "BYE": return .bye(text)
            default: return .preAuth(text)
            }
        case "CAPABILITY":
            let caps = try readAtomList()
            try expectLineEnd()
            return .capability(caps)
        case "ENABLED":
            let caps = try readAtomList()
            try expectLineEnd()
            return .enabled(caps)
        case "FLAGS":
            try expectSP()
            let flags = try readFlagList()
            try expectLineEnd()
            return .flags(flags)
        case "LIST", "LSUB":
            try expectSP()
            let listing = try readMailboxListing()
            try expectLineEnd()
            return kw == "LIST" ? .list(listing) : .lsub(listing)
        case "STATUS":
            try expectSP()
            let name = MailboxName(wire: try readAString(what: "mailbox"))
            try expectSP()
            let status = try readStatusAttributes()
            try expectLineEnd()
            return .status(mailbox: name, status: status)
        case "SEARCH":
            let search = try readSearch()
            try expectLineEnd()
            return .search(search)
        case "ESEARCH":
            let esearch = try readESearch()
            try expectLineEnd()
            return .esearch(esearch)
        case "NAMESPACE":
            var groups: [[Namespace]] = []
            for _ in 0..<3 {
                try expectSP()
                groups.append(try readNamespaceGroup())
            }
            try expectLineEnd()
            return .namespace(NamespaceResponse(personal: groups[0], otherUsers: groups[1], shared: groups[2]))
        case "VANISHED":
            try expectSP()
            var earlier = false
            if peek() == WireSyntax.lparen {
                let s = pos
                guard case .list(let items) = try readValue(), items.count == 1,
                      items[0].stringValue?.uppercased() == "EARLIER" else { throw syntax("(EARLIER)", at: s) }
                earlier = true
                try expectSP()
            }
            let uids = try readSequenceSet()
            try expectLineEnd()
            return .vanished(earlier: earlier, uids: uids)
        case "ID":
            try expectSP()
            let params = try readIDParameters()
            try expectLineEnd()
            return .id(params)
        default:
            return .other(generic(number: nil, keyword: kwRange))
        }
    }

    private mutating func generic(number: UInt32?, keyword: Range<Int>) -> GenericUntaggedResponse {
        _ = consume(WireSyntax.sp)
        let e = max(pos, contentEnd)
        let args = array(pos..<e)
        pos = end
        return GenericUntaggedResponse(number: number, keyword: string(keyword), arguments: args)
    }

    /// RFC 5258 `mailbox-list`: `(attributes) delimiter name [SP (extended items)]`.
    mutating func readMailboxListing() throws -> MailboxListing {
        try expect(WireSyntax.lparen, "'(' opening the mailbox attributes")
        var attributes: [MailboxAttribute] = []
        while true {
            skipSpaces()
            if consume(WireSyntax.rparen) { break }
            let s = pos
            _ = consume(WireSyntax.backslash)
            _ = try readAtom(allowBracket: false, what: "mailbox attribute or ')'")
            attributes.append(MailboxAttribute(string(s..<pos)))
        }
        try expectSP()
        let delimiter = try readDelimiter()
        try expectSP()
        let name = MailboxName(wire: try readAString(what: "mailbox name"))
        var items: [MailboxListing.ExtendedItem] = []
        skipSpaces()
        if consume(WireSyntax.lparen) {
            while true {
                skipSpaces()
                if consume(WireSyntax.rparen) { break }
                let tag = String(decoding: try readAString(what: "extended item tag or ')'"), as: UTF8.self)
                try expectSP()
                items.append(MailboxListing.ExtendedItem(tag: tag, value: try readValue(depth: 1)))
            }
        }
        return MailboxListing(attributes: attributes, delimiter: delimiter, name: name, extendedItems: items)
    }

    /// `(name value ...)` of a STATUS response.
    mutating func readStatusAttributes() throws -> MailboxStatus {
        try expect(WireSyntax.lparen, "'(' opening the status items")
        var st = MailboxStatus()
        while true {
            skipSpaces()
            if consume(WireSyntax.rparen) { return st }
            let nameRange = try readAtom(allowBracket: false, what: "status item or ')'")
            try expectSP()
            switch upper(nameRange) {
            case "MESSAGES": st.messages = try readNumber32()
            case "RECENT": st.recent = try readNumber32()
            case "UIDNEXT": st.uidNext = try readNZNumber32()
            case "UIDVALIDITY": st.uidValidity = try readNZNumber32()
            case "UNSEEN": st.unseen = try readNumber32()
            case "HIGHESTMODSEQ": st.highestModSeq = try readModSeq()
            default: st.otherItems.append(MailboxStatus.OtherItem(name: string(nameRange), value: try readValue(depth: 1)))
            }
        }
    }

    /// `*(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]` (RFC 7162 §3.1.5).
    mutating func readSearch() throws -> SearchResponse {
        var numbers: [UInt32] = []
        var modSeq: UInt64?
        while consume(WireSyntax.sp) {
            guard let b = peek() else { break }
            if WireSyntax.isDigit(b) {
                numbers.append(try readNumber32())
            } else if b == WireSyntax.lparen {
                pos += 1
                skipSpaces()
                let kw = try readAtom(allowBracket: false, what: "MODSEQ")
                guard upper(kw) == "MODSEQ" else { throw syntax("MODSEQ", at: kw.lowerBound) }
                try expectSP()
                modSeq = try readModSeq()
                skipSpaces()
                try expect(WireSyntax.rparen, "')'")
            } else if b == WireSyntax.sp || atLineEnd {
                continue
            } else {
                throw syntax("message number")
            }
        }
        return SearchResponse(numbers: numbers, highestModSeq: modSeq)
    }

    /// RFC 4731 `esearch-response`.
    mutating func readESearch() throws -> ESearchResponse {
        var r = ESearchResponse()
        skipSpaces()
        if peek() == WireSyntax.lparen {
            let s = pos
            guard case .list(let items) = try readValue(), items.count == 2, items[0].stringValue?.uppercased() == "TAG",
                  let tag = items[1].stringValue else { throw syntax("(TAG \"tag\")", at: s) }
            r.tag = tag
        }
        while true {
            skipSpaces()
            if atLineEnd { return r }
            let nameRange = try readAtom(allowBracket: false, what: "search return data")
            let name = upper(nameRange)
            if name == "UID" { r.isUID = true; continue }
            try expectSP()
            switch name {
            case "MIN": r.min = try readNumber32()
            case "MAX": r.max = try readNumber32()
            case "COUNT": r.count = try readNumber32()
            case "ALL": r.all = try readSequenceSet()
            case "MODSEQ": r.highestModSeq = try readModSeq()
            default: r.otherItems.append(MailboxStatus.OtherItem(name: string(nameRange), value: try readValue(depth: 1)))
            }
        }
    }

    /// One of the three NAMESPACE groups: NIL or `((prefix delimiter ext...) ...)` (RFC 2342 §5).
    mutating func readNamespaceGroup() throws -> [Namespace] {
        if atNIL { pos += 3; return [] }
        try expect(WireSyntax.lparen, "'(' or NIL")
        var out: [Namespace] = []
        while true {
            skipSpaces()
            if consume(WireSyntax.rparen) { return out }
            try expect(WireSyntax.lparen, "'(' opening a namespace")
            let prefix = MailboxName(wire: try readString())
            try expectSP()
            let delimiter = try readDelimiter()
            var extensions: [WireValue] = []
            while true {
                skipSpaces()
                if consume(WireSyntax.rparen) { break }
                if atLineEnd { throw syntax("')'") }
                extensions.append(try readValue(depth: 2))
            }
            out.append(Namespace(prefix: prefix, delimiter: delimiter, extensions: extensions))
        }
    }

    /// `NIL` or `(key value ...)` (RFC 2971 §4).
    mutating func readIDParameters() throws -> [IDParameter]? {
        if atNIL { pos += 3; return nil }
        let s = pos
        guard case .list(let items) = try readValue(), items.count % 2 == 0 else { throw syntax("ID parameter list", at: s) }
        var out: [IDParameter] = []
        var i = 0
        while i < items.count {
            guard let key = items[i].stringValue else { throw syntax("ID field name", at: s) }
            out.append(IDParameter(key: key, value: items[i + 1].stringValue))
            i += 2
        }
        return out
    }
}
