/// Parses an RFC 5322 address list (§3.4: `From`, `Sender`, `To`, …) into the address form of
/// an IMAP ENVELOPE (RFC 3501 §7.4.2), so a sender taken from a raw header and one taken from a
/// server's ENVELOPE go through the same code.
///
/// Accepted forms: `local@domain`, `Name <local@domain>`, `"Quoted Name" <…>`, a source route
/// `<@relay:local@domain>` (dropped), comments `(…)` anywhere (ignored), groups
/// `Name: a@b, c@d;` (a group marker with a nil host, the members, then an end marker with nil
/// mailbox and host, as RFC 3501 writes them), a bare `local` (nil host). Garbage between
/// commas yields no address; parsing never fails.
///
/// The fake server builds its ENVELOPEs with its own, simpler parser (`MessageParts.addresses`
/// in FakeIMAPServer) on purpose: what a server sends is then checked by this code rather
/// than produced by it.
public enum AddressListParser {
    enum Token: Equatable {
        case word(String)
        case special(Character)
        case domainLiteral(String)
    }

    public static func parse(_ text: String) -> [EnvelopeAddress] {
        let tokens = tokenize(text)
        var addresses: [EnvelopeAddress] = []
        var i = 0
        while i < tokens.count {
            if tokens[i] == .special(",") || tokens[i] == .special(";") { i += 1; continue }
            // A group starts with a phrase and ":" before any "<" or "@".
            var j = i
            while j < tokens.count, case .word = tokens[j] { j += 1 }
            if j > i, j < tokens.count, tokens[j] == .special(":") {
                let name = phrase(tokens[i..<j])
                addresses.append(EnvelopeAddress(name: nil, adl: nil, mailbox: name, host: nil))
                i = j + 1
                while i < tokens.count, tokens[i] != .special(";") {
                    if tokens[i] == .special(",") { i += 1; continue }
                    if let address = parseMailbox(tokens, &i) { addresses.append(address) }
                }
                if i < tokens.count { i += 1 }  // ";"
                addresses.append(EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil))
                continue
            }
            if let address = parseMailbox(tokens, &i) { addresses.append(address) }
        }
        return addresses
    }

    /// One mailbox from `i`; leaves `i` at the "," or ";" that ends it (or the end).
    private static func parseMailbox(_ tokens: [Token], _ i: inout Int) -> EnvelopeAddress? {
        let start = i
        func isEnd(_ token: Token) -> Bool { token == .special(",") || token == .special(";") }
        // Phrase (display name) or local-part, up to "<", "@" or the end of the item.
        while i < tokens.count, !isEnd(tokens[i]), tokens[i] != .special("<"), tokens[i] != .special("@") { i += 1 }
        let leading = tokens[start..<i]
        var result: EnvelopeAddress?
        if i < tokens.count, tokens[i] == .special("<") {
            i += 1
            var inner: [Token] = []
            while i < tokens.count, tokens[i] != .special(">") { inner.append(tokens[i]); i += 1 }
            if i < tokens.count { i += 1 }  // ">"
            // Obsolete source route (§4.4 obs-route): "@a,@b:" before the address.
            if let colon = inner.firstIndex(of: .special(":")), inner.first == .special("@") {
                inner.removeSubrange(0...colon)
            }
            let name = phrase(leading)
            if let at = inner.lastIndex(of: .special("@")) {
                result = EnvelopeAddress(name: name.isEmpty ? nil : name, adl: nil,
                                         mailbox: dotted(inner[..<at]), host: dotted(inner[(at + 1)...]))
            } else if !inner.isEmpty {
                result = EnvelopeAddress(name: name.isEmpty ? nil : name, adl: nil, mailbox: dotted(inner[...]), host: nil)
            } else {
                // `<>`: the null path.
                result = EnvelopeAddress(name: name.isEmpty ? nil : name, adl: nil, mailbox: nil, host: nil)
            }
        } else if i < tokens.count, tokens[i] == .special("@") {
            i += 1
            let domainStart = i
            while i < tokens.count, !isEnd(tokens[i]), tokens[i] != .special("<") { i += 1 }
            let local = dotted(leading)
            let domain = dotted(tokens[domainStart..<i])
            if !local.isEmpty { result = EnvelopeAddress(name: nil, adl: nil, mailbox: local, host: domain.isEmpty ? nil : domain) }
        } else if !leading.isEmpty {
            let local = dotted(leading)
            if !local.isEmpty { result = EnvelopeAddress(name: nil, adl: nil, mailbox: local, host: nil) }
        }
        // Skip whatever garbage remains in this item.
        while i < tokens.count, !isEnd(tokens[i]) { i += 1 }
        if i == start, i < tokens.count, !isEnd(tokens[i]) { i += 1 }
        return result
    }

    /// A display name: the words separated by single spaces.
    private static func phrase(_ tokens: ArraySlice<Token>) -> String {
        tokens.compactMap { token -> String? in
            switch token {
            case .word(let w): return w
            case .special(let c): return c == "." ? "." : nil
            case .domainLiteral(let d): return d
            }
        }.joined(separator: " ")
    }

    /// A local part or a domain: words, dots and domain literals run together.
    private static func dotted(_ tokens: ArraySlice<Token>) -> String {
        var text = ""
        for token in tokens {
            switch token {
            case .word(let w): text += w
            case .special(let c): if c == "." { text += "." }
            case .domainLiteral(let d): text += d
            }
        }
        return text
    }

    /// §3.2: specials are `()<>[]:;@\\,."`; quoted strings, domain literals and comments take
    /// "\\" escapes; comments nest (§3.2.2).
    static func tokenize(_ text: String) -> [Token] {
        let chars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        let specials: Set<Unicode.Scalar> = ["<", ">", ":", ";", "@", ",", "."]
        let whitespace: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]
        let wordBreaks: Set<Unicode.Scalar> = specials.union(whitespace).union(["(", ")", "\"", "[", "]", "\\"])
        func string(_ scalars: [Unicode.Scalar]) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            return String(view)
        }
        while i < chars.count {
            let c = chars[i]
            if whitespace.contains(c) {
                i += 1
            } else if c == "(" {
                var depth = 0
                while i < chars.count {
                    if chars[i] == "\\" { i += 2; continue }
                    if chars[i] == "(" { depth += 1 }
                    if chars[i] == ")" { depth -= 1; if depth == 0 { i += 1; break } }
                    i += 1
                }
            } else if c == "\"" || c == "[" {
                let close: Unicode.Scalar = c == "\"" ? "\"" : "]"
                var word: [Unicode.Scalar] = []
                i += 1
                while i < chars.count, chars[i] != close {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    word.append(chars[i])
                    i += 1
                }
                i += 1
                tokens.append(c == "\"" ? .word(string(word)) : .domainLiteral("[" + string(word) + "]"))
            } else if specials.contains(c) {
                tokens.append(.special(Character(c)))
                i += 1
            } else if c == ")" || c == "]" || c == "\\" {
                i += 1  // a stray closing bracket or backslash: ignored
            } else {
                var word: [Unicode.Scalar] = []
                while i < chars.count, !wordBreaks.contains(chars[i]) {
                    word.append(chars[i])
                    i += 1
                }
                tokens.append(.word(string(word)))
            }
        }
        return tokens
    }
}
