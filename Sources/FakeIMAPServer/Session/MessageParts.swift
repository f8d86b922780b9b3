import Foundation

/// The parts of an RFC 5322 message that FETCH can ask for (RFC 3501 §6.4.5): the header,
/// the text, chosen header fields, and the ENVELOPE structure.
///
/// Its header splitting and address parsing are independent of the engine's `MessageHeader`
/// and `AddressListParser` on purpose: here they build what a server sends (raw header lines
/// kept as written for HEADER.FIELDS, the ENVELOPE's address structures), which pullimap then
/// reads with the engine's code; one implementation on both ends would hide its own mistakes.
struct MessageParts {
    let raw: [UInt8]
    /// Header including the blank line that ends it.
    let header: ArraySlice<UInt8>
    let text: ArraySlice<UInt8>

    init(_ raw: [UInt8]) {
        self.raw = raw
        var split = raw.count
        var i = 0
        while i < raw.count {
            if raw[i] == 0x0A {
                if i + 1 < raw.count, raw[i + 1] == 0x0A { split = i + 2; break }
                if i + 2 < raw.count, raw[i + 1] == 0x0D, raw[i + 2] == 0x0A { split = i + 3; break }
            }
            i += 1
        }
        header = raw[0..<split]
        text = raw[split...]
    }

    /// Header lines as (field name, complete lines including continuations and line ends).
    var fields: [(name: String, lines: ArraySlice<UInt8>)] {
        var out: [(String, ArraySlice<UInt8>)] = []
        var start = header.startIndex
        var i = header.startIndex
        func flush(_ end: Int) {
            guard end > start else { return }
            let slice = header[start..<end]
            if let colon = slice.firstIndex(of: UInt8(ascii: ":")) {
                let name = String(decoding: header[start..<colon], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                out.append((name, slice))
            }
        }
        while i < header.endIndex {
            if header[i] == 0x0A {
                let next = i + 1
                if next >= header.endIndex || (header[next] != 0x20 && header[next] != 0x09) {
                    flush(next)
                    start = next
                }
            }
            i += 1
        }
        return out
    }

    /// `HEADER.FIELDS` / `HEADER.FIELDS.NOT`: the chosen lines and a final blank line.
    func headerFields(_ names: [String], not: Bool) -> [UInt8] {
        let wanted = Set(names.map { $0.lowercased() })
        var out: [UInt8] = []
        for f in fields where wanted.contains(f.name.lowercased()) != not {
            out.append(contentsOf: f.lines)
        }
        out.append(contentsOf: [0x0D, 0x0A])
        return out
    }

    /// The unfolded value of the first field with this name.
    func value(_ name: String) -> String? {
        let n = name.lowercased()
        guard let f = fields.first(where: { $0.name.lowercased() == n }) else { return nil }
        let line = String(decoding: f.lines, as: UTF8.self)
        guard let colon = line.firstIndex(of: ":") else { return nil }
        var v = String(line[line.index(after: colon)...])
        v = v.replacingOccurrences(of: "\r\n", with: "").replacingOccurrences(of: "\n", with: "")
        return v.trimmingCharacters(in: .whitespaces)
    }

    /// Number of lines of the text (BODYSTRUCTURE `body-fld-lines`).
    var textLines: Int { text.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }

    // MARK: ENVELOPE (RFC 3501 §7.4.2)

    func envelope() -> ResponseBuilder {
        var b = ResponseBuilder("(")
        func nstring(_ s: String?) { b.nstring(s.map { Array($0.utf8) }) }
        nstring(value("Date"))
        b.text(" ")
        nstring(value("Subject"))
        let from = addresses(value("From"))
        let sender = addresses(value("Sender"))
        let replyTo = addresses(value("Reply-To"))
        for list in [from, sender.isEmpty ? from : sender, replyTo.isEmpty ? from : replyTo,
                     addresses(value("To")), addresses(value("Cc")), addresses(value("Bcc"))] {
            b.text(" ")
            if list.isEmpty { b.text("NIL"); continue }
            b.text("(")
            for a in list {
                b.text("(")
                nstring(a.name)
                b.text(" NIL ")
                nstring(a.mailbox)
                b.text(" ")
                nstring(a.host)
                b.text(")")
            }
            b.text(")")
        }
        b.text(" ")
        nstring(value("In-Reply-To"))
        b.text(" ")
        nstring(value("Message-ID"))
        b.text(")")
        return b
    }

    struct Address { var name: String?; var mailbox: String?; var host: String? }

    /// A forgiving address-list parser: `Name <local@host>`, `local@host`, comments dropped,
    /// groups (`name: a, b;`) as RFC 3501 §7.4.2 writes them: a start marker with the group name
    /// as mailbox and NIL host, the members, then an all-NIL end marker.
    func addresses(_ field: String?) -> [Address] {
        guard let field, !field.isEmpty else { return [] }
        var out: [Address] = []
        var cur = "", inQuote = false, angle = 0, paren = 0
        func flush() {
            if let a = address(cur) { out.append(a) }
            cur = ""
        }
        for c in field {
            if c == "\"" && paren == 0 { inQuote.toggle() }
            if !inQuote {
                if c == "<" { angle += 1 } else if c == ">" { angle = max(0, angle - 1) }
                if c == "(" { paren += 1; continue } else if c == ")" { paren = max(0, paren - 1); continue }
                if paren > 0 { continue }
                if angle == 0 {
                    if c == "," { flush(); continue }
                    if c == ":" {
                        out.append(Address(name: nil, mailbox: cur.trimmingCharacters(in: .whitespaces), host: nil))
                        cur = ""
                        continue
                    }
                    if c == ";" { flush(); out.append(Address(name: nil, mailbox: nil, host: nil)); continue }
                }
            }
            cur.append(c)
        }
        flush()
        return out
    }

    private func address(_ item: String) -> Address? {
        let t = item.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        var name: String?
        var spec = t
        if let lt = t.firstIndex(of: "<"), let gt = t.lastIndex(of: ">"), lt < gt {
            spec = String(t[t.index(after: lt)..<gt])
            let n = t[..<lt].trimmingCharacters(in: .whitespaces)
            if !n.isEmpty { name = n.hasPrefix("\"") && n.hasSuffix("\"") && n.count >= 2 ? String(n.dropFirst().dropLast()) : n }
        }
        spec = spec.trimmingCharacters(in: .whitespaces)
        if let at = spec.lastIndex(of: "@") {
            return Address(name: name, mailbox: String(spec[..<at]), host: String(spec[spec.index(after: at)...]))
        }
        return Address(name: name, mailbox: spec, host: nil)
    }

    /// A single-part BODYSTRUCTURE from Content-Type (RFC 3501 §7.4.2); multipart messages are
    /// described as one opaque part, enough for clients that only look at the type.
    func bodyStructure() -> String {
        var type = "TEXT", subtype = "PLAIN", charset = "us-ascii"
        if let ct = value("Content-Type") {
            let main = ct.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            let ts = main.split(separator: "/")
            if ts.count == 2 { type = ts[0].uppercased(); subtype = ts[1].uppercased() }
            if let r = ct.range(of: "charset=", options: .caseInsensitive) {
                charset = String(ct[r.upperBound...].prefix { $0 != ";" && $0 != " " }).replacingOccurrences(of: "\"", with: "")
            }
        }
        var encoding = value("Content-Transfer-Encoding")?.uppercased() ?? "7BIT"
        // These come from the message: keep only token characters, so that a `"` or `\\` in a
        // header cannot break the quoted strings of the response.
        func token(_ s: String, _ fallback: String) -> String {
            let kept = s.filter { $0.isASCII && ($0.isLetter || $0.isNumber || "-._+".contains($0)) }
            return kept.isEmpty ? fallback : kept
        }
        type = token(type, "TEXT"); subtype = token(subtype, "PLAIN"); charset = token(charset, "us-ascii")
        encoding = token(encoding, "7BIT")
        var s = "(\"\(type)\" \"\(subtype)\" (\"CHARSET\" \"\(charset)\") NIL NIL \"\(encoding)\" \(text.count)"
        if type == "TEXT" { s += " \(textLines)" }
        return s + ")"
    }
}
