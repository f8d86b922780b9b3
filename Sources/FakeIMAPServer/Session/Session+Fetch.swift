import Engine
import Foundation

/// FETCH and UID FETCH (RFC 3501 §6.4.5, §6.4.8) with the CHANGEDSINCE and VANISHED modifiers
/// (RFC 7162 §3.1.4.1, §3.2.6).
extension ServerSession {
    enum FetchItem: Equatable {
        case uid, flags, modSeq, internalDate, size, envelope, bodyStructure
        case rfc822, rfc822Header, rfc822Text
        case body(peek: Bool, section: String, partial: (Int, Int)?)

        static func == (a: FetchItem, b: FetchItem) -> Bool { a.key == b.key }
        var key: String {
            switch self {
            case .uid: return "UID"
            case .flags: return "FLAGS"
            case .modSeq: return "MODSEQ"
            case .internalDate: return "INTERNALDATE"
            case .size: return "RFC822.SIZE"
            case .envelope: return "ENVELOPE"
            case .bodyStructure: return "BODYSTRUCTURE"
            case .rfc822: return "RFC822"
            case .rfc822Header: return "RFC822.HEADER"
            case .rfc822Text: return "RFC822.TEXT"
            case let .body(peek, section, partial): return (peek ? "BODY.PEEK" : "BODY") + "[\(section)]" + (partial.map { "<\($0.0).\($0.1)>" } ?? "")
            }
        }
        /// Whether fetching it sets `\Seen` (RFC 3501 §6.4.5).
        var setsSeen: Bool {
            switch self {
            case .rfc822, .rfc822Text: return true
            case .body(let peek, _, _): return !peek
            default: return false
            }
        }
    }

    func parseFetchItems(_ token: CommandToken, args: Arguments) throws -> [FetchItem] {
        let names: [String]
        switch token {
        case .atom(let a):
            switch a.uppercased() {
            case "ALL": return [.flags, .internalDate, .size, .envelope]
            case "FAST": return [.flags, .internalDate, .size]
            case "FULL": return [.flags, .internalDate, .size, .envelope, .bodyStructure]
            default: names = [a]
            }
        case .list(let l):
            names = try l.map { t in guard let a = t.atomValue else { throw args.bad("Invalid fetch attribute.") }; return a }
        default: throw args.bad("Invalid fetch attribute.")
        }
        return try names.map { try parseFetchItem($0, args: args) }
    }

    private func parseFetchItem(_ raw: String, args: Arguments) throws -> FetchItem {
        let upper = raw.uppercased()
        switch upper {
        case "UID": return .uid
        case "FLAGS": return .flags
        case "MODSEQ" where hasCapability(.condStore): return .modSeq
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .size
        case "ENVELOPE": return .envelope
        case "BODYSTRUCTURE", "BODY": return .bodyStructure
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        default: break
        }
        let peek: Bool
        var rest: Substring
        if upper.hasPrefix("BODY.PEEK[") { peek = true; rest = raw.dropFirst(10) } else if upper.hasPrefix("BODY[") { peek = false; rest = raw.dropFirst(5) } else {
            throw args.bad("Unknown parameter \(raw)")
        }
        guard let close = rest.lastIndex(of: "]") else { throw args.bad("Invalid section") }
        let section = String(rest[..<close])
        rest = rest[rest.index(after: close)...]
        var partial: (Int, Int)?
        if !rest.isEmpty {
            guard rest.first == "<", rest.last == ">" else { throw args.bad("Invalid partial") }
            let nums = rest.dropFirst().dropLast().split(separator: ".")
            guard nums.count == 2, let o = Int(nums[0]), let n = Int(nums[1]), o >= 0, n > 0 else { throw args.bad("Invalid partial") }
            partial = (o, n)
        }
        // Normalise the section keyword's case; keep header field names as given.
        let normalized: String
        if let sp = section.firstIndex(of: " ") {
            normalized = section[..<sp].uppercased() + section[sp...]
        } else {
            normalized = section.uppercased()
        }
        let kind = normalized.split(separator: " ").first.map(String.init) ?? ""
        guard ["", "HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "1", "1.MIME", "MIME"].contains(kind) else {
            throw args.bad("Invalid BODY[..] parameter: Unknown section name")
        }
        return .body(peek: peek, section: normalized, partial: partial)
    }

    func fetch(_ args: inout Arguments, byUID: Bool) throws -> Completion {
        let setText = try args.atom()
        let itemsToken = try args.next()
        var items = try parseFetchItems(itemsToken, args: args)
        var changedSince: UInt64?
        var vanished = false
        if let modifiers = args.optionalList() {
            var m = modifiers[...]
            while let t = m.popFirst() {
                switch t.atomValue?.uppercased() {
                case "CHANGEDSINCE" where hasCapability(.condStore):
                    guard let v = m.popFirst()?.atomValue.flatMap({ UInt64($0) }) else { throw args.bad("Invalid CHANGEDSINCE modseq") }
                    changedSince = v
                case "VANISHED" where hasCapability(.qresync):
                    vanished = true
                default: throw args.bad("Unknown FETCH modifier")
                }
            }
        }
        try args.end()
        // RFC 7162 §3.2.6: VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC enabled.
        if vanished && (!byUID || changedSince == nil || !qresyncEnabled) {
            throw args.bad("VANISHED can only be used with UID FETCH, CHANGEDSINCE and QRESYNC enabled")
        }
        guard var view = selected, let boxBefore = currentMailbox(view.id) else { throw CommandFailure.bad("No mailbox selected") }
        if (items.contains(.modSeq) || changedSince != nil) && boxBefore.noModSeq {
            throw CommandFailure.bad("Error in IMAP command \(commandName): NOMODSEQ mailbox")
        }
        // RFC 7162 §3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE; CHANGEDSINCE implies MODSEQ.
        if items.contains(.modSeq) || changedSince != nil { condStoreEnabled = true }
        if changedSince != nil && !items.contains(.modSeq) { items.append(.modSeq) }
        let uids = try limitMessages(parseSet(setText, byUID: byUID), byUID: byUID)
        if byUID { items.removeAll { $0 == .uid }; items.insert(.uid, at: 0) }

        // Implicit \Seen (RFC 3501 §6.4.5): one change for the whole command.
        var seenChanged: Set<UInt32> = []
        if !view.readOnly && items.contains(where: \.setsSeen) {
            let target = uids.filter { uid in
                boxBefore.message(uid: uid).map { m in !m.flags.contains(.seen) && (changedSince.map { m.modSeq > $0 } ?? true) } ?? false
            }
            if !target.isEmpty {
                seenChanged = Set(store.mutate { s in
                    s.withMailbox(id: view.id) { $0.store(uids: target, flags: [.seen], operation: .add).changed } ?? []
                })
            }
        }
        guard let box = currentMailbox(view.id) else { throw CommandFailure.no("Mailbox doesn't exist") }

        if vanished, let since = changedSince, let requested = try? SequenceSet(parsing: setText) {
            let gone = box.expunged(since: since, within: requested)
            if !gone.isEmpty { try sendUntagged("VANISHED (EARLIER) " + vanishedUIDs(gone)) }
        }

        var responses: [(uid: UInt32, bytes: [UInt8])] = []
        for uid in uids {
            // Expunged messages the client has not been told about yet are still answered.
            guard let m = box.messageOrExpunged(uid: uid), let seq = view.sequenceNumber(ofUID: uid) else { continue }
            if let since = changedSince, m.modSeq <= since { continue }
            var list = items
            if seenChanged.contains(uid) && !list.contains(.flags) { list.append(.flags) }
            if seenChanged.contains(uid) && condStoreEnabled && !list.contains(.modSeq) { list.append(.modSeq) }
            responses.append((uid, fetchResponse(seq: seq, message: m, items: list, recent: view.recent.contains(uid))))
            // Only this command's own change counts as reported: changes by others are reported
            // again by the synchronisation that ends the command, as dovecot does.
            if seenChanged.contains(uid) { view.knownModSeq[uid] = m.modSeq }
        }
        if let order = faults.takeReorder(for: commandName) {
            switch order {
            case .reversed: responses.reverse()
            case .shuffled(let seed):
                var rng = SplitMix64(seed: seed)
                responses.shuffle(using: &rng)
            }
        }
        selected = view
        for r in responses { try sendUntaggedBytes(r.bytes) }
        return Completion("Fetch completed.")
    }


    /// One `* n FETCH (...)` response with the items in the order given.
    func fetchResponse(seq: Int, message m: FakeMessage, items list: [FetchItem], recent: Bool) -> [UInt8] {
        var b = ResponseBuilder("* \(seq) FETCH (")
        var parts: MessageParts?
        func msgParts() -> MessageParts {
            if let p = parts { return p }
            let p = MessageParts(m.body); parts = p; return p
        }
        for (i, item) in list.enumerated() {
            if i > 0 { b.text(" ") }
            switch item {
            case .uid: b.text("UID \(m.uid)")
            case .flags:
                b.text("FLAGS " + WireFormat.flagList(m.flags, recent: recent))
            case .modSeq: b.text("MODSEQ (\(m.modSeq))")
            case .internalDate: b.text("INTERNALDATE " + WireFormat.internalDate(m.internalDate))
            case .size: b.text("RFC822.SIZE \(m.body.count)")
            case .envelope:
                b.text("ENVELOPE ")
                b.text(String(decoding: msgParts().envelope().bytes, as: UTF8.self))
            case .bodyStructure: b.text("BODYSTRUCTURE " + msgParts().bodyStructure())
            case .rfc822: b.text("RFC822 "); b.literal(m.body)
            case .rfc822Header: b.text("RFC822.HEADER "); b.literal(Array(msgParts().header))
            case .rfc822Text: b.text("RFC822.TEXT "); b.literal(Array(msgParts().text))
            case let .body(_, section, partial):
                var data = sectionData(section, parts: msgParts())
                var name = "BODY[\(section)]"
                if let (o, n) = partial {
                    name += "<\(o)>"
                    let (sum, overflow) = o.addingReportingOverflow(n)
                    data = o >= data.count ? [] : Array(data[o..<(overflow ? data.count : min(data.count, sum))])
                }
                b.text(name + " ")
                b.literal(data)
            }
        }
        b.text(")\r\n")
        return b.bytes
    }

    private func sectionData(_ section: String, parts: MessageParts) -> [UInt8] {
        let words = section.split(separator: " ", maxSplits: 1)
        switch words.first.map(String.init) ?? "" {
        case "": return parts.raw
        case "HEADER": return Array(parts.header)
        case "TEXT", "1": return Array(parts.text)
        case "MIME", "1.MIME": return Array(parts.header)
        case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
            let names = words.count > 1 ? words[1].trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: " ").map(String.init) : []
            return parts.headerFields(names, not: words[0] == "HEADER.FIELDS.NOT")
        default: return []
        }
    }
}

/// A small deterministic generator so an injected shuffle is reproducible (and, in the scenario
/// tool, a crash history from its seed).
public struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
