import Engine
import Foundation

/// SEARCH and UID SEARCH (RFC 3501 §6.4.4) with the MODSEQ criterion (RFC 7162 §3.1.5).
extension ServerSession {
    /// A search criterion evaluated against one message (its sequence number and record).
    typealias SearchPredicate = (Int, FakeMessage) -> Bool

    func search(_ args: inout Arguments, byUID: Bool) throws -> Completion {
        // RFC 4731 §3: `SEARCH RETURN (options) criteria` answers with one ESEARCH response.
        var returnOptions: Set<String>?
        if hasCapability(.esearch), args.optionalAtom("RETURN") {
            var options: Set<String> = []
            for t in try args.list() {
                guard let o = t.atomValue?.uppercased(), ["MIN", "MAX", "COUNT", "ALL"].contains(o) else { throw args.bad("Invalid search return option.") }
                options.insert(o)
            }
            returnOptions = options.isEmpty ? ["ALL"] : options
        }
        if args.optionalAtom("CHARSET") {
            let charset = try args.astring().uppercased()
            guard ["US-ASCII", "UTF-8"].contains(charset) else { throw CommandFailure.no("Unsupported charset", code: "BADCHARSET (US-ASCII UTF-8)") }
        }
        guard let view = selected, let box = currentMailbox(view.id) else { throw CommandFailure.bad("No mailbox selected") }
        var tokens = args.remaining[...]
        if tokens.isEmpty { throw args.bad("Missing search parameters") }
        // NOT and OR nest by recursion: bound them as the tokenizer bounds parentheses.
        let nesting = tokens.filter { ["NOT", "OR"].contains($0.atomValue?.uppercased() ?? "") }.count
        guard nesting <= 256 else { throw args.bad("Search key nested too deeply") }
        var usesModSeq = false
        var predicates: [SearchPredicate] = []
        while !tokens.isEmpty { predicates.append(try searchKey(&tokens, view: view, box: box, usesModSeq: &usesModSeq, args: args)) }
        if usesModSeq {
            if box.noModSeq { throw CommandFailure.bad("Error in IMAP command \(commandName): NOMODSEQ mailbox") }
            condStoreEnabled = true  // RFC 7162 §3.1
        }
        var hits: [UInt32] = []
        var highest: UInt64 = 0
        for (i, uid) in view.uids.enumerated() {
            guard let m = box.messageOrExpunged(uid: uid) else { continue }
            if predicates.allSatisfy({ $0(i + 1, m) }) {
                hits.append(byUID ? uid : UInt32(i + 1))
                highest = max(highest, m.modSeq)
            }
        }
        if let limit = server.configuration.messageLimit, hits.count > limit {
            hits = try limitMessages(hits, byUID: byUID)
        }
        if let options = returnOptions {
            try sendUntagged(esearchResponse(hits, options: options, byUID: byUID, modSeq: usesModSeq && !hits.isEmpty ? highest : nil))
            return Completion("Search completed.")
        }
        var line = "SEARCH" + hits.map { " \($0)" }.joined()
        if usesModSeq && !hits.isEmpty { line += " (MODSEQ \(highest))" }
        try sendUntagged(line)
        return Completion("Search completed.")
    }

    /// `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set] [MODSEQ n]` (RFC 4731 §3.1,
    /// RFC 7162 §3.1.5); nothing after the tag when nothing matched, except COUNT 0.
    private func esearchResponse(_ hits: [UInt32], options: Set<String>, byUID: Bool, modSeq: UInt64?) -> String {
        var line = "ESEARCH (TAG \"\(commandTag)\")" + (byUID ? " UID" : "")
        if let first = hits.min(), options.contains("MIN") { line += " MIN \(first)" }
        if let last = hits.max(), options.contains("MAX") { line += " MAX \(last)" }
        if options.contains("COUNT") { line += " COUNT \(hits.count)" }
        if !hits.isEmpty, options.contains("ALL") { line += " ALL \(SequenceSet(hits))" }
        if let modSeq { line += " MODSEQ \(modSeq)" }
        return line
    }

    private func searchKey(_ tokens: inout ArraySlice<CommandToken>, view: ServerSelectedMailbox, box: FakeMailbox,
                           usesModSeq: inout Bool, args: Arguments) throws -> SearchPredicate {
        guard let token = tokens.popFirst() else { throw args.bad("Missing search parameters") }
        func string() throws -> String {
            guard let s = tokens.popFirst()?.stringValue else { throw args.bad("Missing search parameter") }
            return s
        }
        func number() throws -> UInt64 {
            guard let s = tokens.popFirst()?.atomValue, let v = UInt64(s) else { throw args.bad("Invalid search number") }
            return v
        }
        func day() throws -> DateComponents {
            guard let s = tokens.popFirst()?.stringValue, let d = WireFormat.parseSearchDate(s) else { throw args.bad("Invalid search date parameter") }
            return d
        }
        func compareDay(_ m: FakeMessage, _ d: DateComponents) -> ComparisonResult {
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(secondsFromGMT: m.timeZoneOffset) ?? cal.timeZone
            let c = cal.dateComponents([.year, .month, .day], from: m.internalDate)
            let a = (c.year ?? 0, c.month ?? 0, c.day ?? 0), b = (d.year ?? 0, d.month ?? 0, d.day ?? 0)
            return a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
        }
        func contains(_ haystack: String?, _ needle: String) -> Bool {
            guard let h = haystack else { return false }
            return needle.isEmpty || h.range(of: needle, options: .caseInsensitive) != nil
        }
        func flag(_ f: Flag, _ present: Bool) -> SearchPredicate { { _, m in m.flags.contains(f) == present } }

        switch token {
        case .list(let inner):
            var sub = inner[...]
            var preds: [SearchPredicate] = []
            while !sub.isEmpty { preds.append(try searchKey(&sub, view: view, box: box, usesModSeq: &usesModSeq, args: args)) }
            return { s, m in preds.allSatisfy { $0(s, m) } }
        case .quoted, .literal:
            throw args.bad("Unknown search key")
        case .atom(let raw):
            let key = raw.uppercased()
            switch key {
            case "ALL": return { _, _ in true }
            case "ANSWERED": return flag(.answered, true)
            case "UNANSWERED": return flag(.answered, false)
            case "DELETED": return flag(.deleted, true)
            case "UNDELETED": return flag(.deleted, false)
            case "DRAFT": return flag(.draft, true)
            case "UNDRAFT": return flag(.draft, false)
            case "FLAGGED": return flag(.flagged, true)
            case "UNFLAGGED": return flag(.flagged, false)
            case "SEEN": return flag(.seen, true)
            case "UNSEEN": return flag(.seen, false)
            case "KEYWORD": let k = Flag(try string()); return { _, m in m.flags.contains(k) }
            case "UNKEYWORD": let k = Flag(try string()); return { _, m in !m.flags.contains(k) }
            case "RECENT": return { _, m in view.recent.contains(m.uid) }
            case "OLD": return { _, m in !view.recent.contains(m.uid) }
            case "NEW": return { _, m in view.recent.contains(m.uid) && !m.flags.contains(.seen) }
            case "BEFORE": let d = try day(); return { _, m in compareDay(m, d) == .orderedAscending }
            case "ON": let d = try day(); return { _, m in compareDay(m, d) == .orderedSame }
            case "SINCE": let d = try day(); return { _, m in compareDay(m, d) != .orderedAscending }
            case "SENTBEFORE", "SENTON", "SENTSINCE":
                let d = try day()
                return { _, m in
                    guard let v = MessageParts(m.body).value("Date"), let date = Self.parseHeaderDate(v) else { return false }
                    let probe = FakeMessage(uid: 0, modSeq: 0, flags: [], internalDate: date.0, timeZoneOffset: date.1, body: [])
                    let r = compareDay(probe, d)
                    return key == "SENTBEFORE" ? r == .orderedAscending : key == "SENTON" ? r == .orderedSame : r != .orderedAscending
                }
            case "LARGER": let n = try number(); return { _, m in UInt64(m.body.count) > n }
            case "SMALLER": let n = try number(); return { _, m in UInt64(m.body.count) < n }
            case "FROM", "TO", "CC", "BCC", "SUBJECT":
                let field = key == "SUBJECT" ? "Subject" : key.capitalized
                let needle = try string()
                return { _, m in contains(MessageParts(m.body).value(field), needle) }
            case "HEADER":
                let field = try string(), needle = try string()
                return { _, m in contains(MessageParts(m.body).value(field), needle) }
            case "BODY":
                let needle = try string()
                return { _, m in contains(String(decoding: MessageParts(m.body).text, as: UTF8.self), needle) }
            case "TEXT":
                let needle = try string()
                return { _, m in contains(String(decoding: m.body, as: UTF8.self), needle) }
            case "NOT":
                let p = try searchKey(&tokens, view: view, box: box, usesModSeq: &usesModSeq, args: args)
                return { s, m in !p(s, m) }
            case "OR":
                let a = try searchKey(&tokens, view: view, box: box, usesModSeq: &usesModSeq, args: args)
                let b = try searchKey(&tokens, view: view, box: box, usesModSeq: &usesModSeq, args: args)
                return { s, m in a(s, m) || b(s, m) }
            case "UID":
                guard let s = tokens.popFirst()?.atomValue else { throw args.bad("Missing UID set") }
                let set = Set(try parseSet(s, byUID: true))
                return { _, m in set.contains(m.uid) }
            case "MODSEQ" where hasCapability(.condStore):
                usesModSeq = true
                // Optional entry name and type (RFC 7162 §3.1.5): `"/flags/\\seen" all`.
                if case .quoted? = tokens.first { _ = tokens.popFirst(); _ = tokens.popFirst() }
                let n = try number()
                return { _, m in m.modSeq >= n }
            default:
                if let first = key.first, first.isNumber || first == "*" {
                    let set = Set(try parseSet(raw, byUID: false))
                    return { _, m in set.contains(m.uid) }
                }
                throw args.bad("Unknown search key \(raw)")
            }
        }
    }

    /// An RFC 5322 Date header value, e.g. `Tue, 1 Jul 2003 10:52:37 +0200`.
    static func parseHeaderDate(_ value: String) -> (Date, Int)? {
        var v = value
        if let comma = v.firstIndex(of: ",") { v = String(v[v.index(after: comma)...]) }
        if let paren = v.firstIndex(of: "(") { v = String(v[..<paren]) }
        let parts = v.split(separator: " ")
        guard parts.count >= 5 else { return nil }
        let day = parts[0].count == 1 ? " " + parts[0] : String(parts[0])
        return WireFormat.parseDateTime("\(day)-\(parts[1])-\(parts[2]) \(parts[3].count == 5 ? parts[3] + ":00" : String(parts[3])) \(parts[4])")
    }
}
