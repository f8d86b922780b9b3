import Engine
import Foundation

/// APPEND with MULTIAPPEND (RFC 3502) and APPENDUID (RFC 4315 §3), COPY with COPYUID, MOVE
/// (RFC 6851).
extension ServerSession {
    func append(_ args: inout Arguments) throws -> Completion {
        let name = try args.mailbox()
        var items: [(body: [UInt8], flags: Set<Flag>, date: Date, zone: Int)] = []
        while !args.isEmpty {
            var flags: Set<Flag> = []
            if let l = args.optionalList() { flags = try parseFlags(l, args: args) }
            var date = Date(), zone = 0
            if case .quoted(let q)? = args.peek {
                _ = try args.next()
                guard let (d, z) = WireFormat.parseDateTime(String(decoding: q, as: UTF8.self)) else {
                    throw args.bad("Invalid internal date.")
                }
                date = d; zone = z
            }
            guard case .literal(let body) = try args.next("Missing message literal") else { throw args.bad("Invalid arguments: message must be a literal.") }
            if body.isEmpty { throw CommandFailure.no("Can't save a zero byte message") }
            items.append((body, flags, date, zone))
        }
        if items.isEmpty { throw args.bad("Missing arguments") }
        if items.count > 1 && !hasCapability(.multiAppend) { throw args.bad("Extra arguments.") }
        let result: (UInt32, [UInt32])? = try store.mutate { s in
            guard s.id(of: name) != nil else { return nil }
            return try s.withMailbox(name) { box in (box.uidValidity, box.append(items)) }
        }
        guard let (uidValidity, uids) = result else {
            throw CommandFailure.no("Mailbox doesn't exist: \(name)", code: "TRYCREATE")
        }
        let code = appendUIDGiven() ? "APPENDUID \(uidValidity) \(SequenceSet(uids))" : nil
        return Completion("Append completed.", code: code)
    }

    func copy(_ args: inout Arguments, byUID: Bool, move: Bool) throws -> Completion {
        let setText = try args.atom()
        let target = try args.mailbox()
        try args.end()
        guard let view = selected else { throw CommandFailure.bad("No mailbox selected") }
        if move && view.readOnly { throw CommandFailure.no("Mailbox is read-only.") }
        let uids = try limitMessages(parseSet(setText, byUID: byUID), byUID: byUID)
        let result: (UInt32, [UInt32], [UInt32])? = store.mutate { s in
            guard let targetID = s.id(of: target), let source = s.mailboxes[view.id] else { return nil }
            let messages = uids.compactMap { source.message(uid: $0) }
            guard !messages.isEmpty else { return (s.mailboxes[targetID]?.uidValidity ?? 0, [], []) }
            let newUIDs = s.withMailbox(id: targetID) { box in
                box.append(messages.map { ($0.body, $0.flags, $0.internalDate, $0.timeZoneOffset) })
            } ?? []
            if move { s.withMailbox(id: view.id) { _ = $0.expunge(uids: messages.map(\.uid)) } }
            return (s.mailboxes[targetID]?.uidValidity ?? 0, messages.map(\.uid), newUIDs)
        }
        guard let (uidValidity, sources, destinations) = result else {
            throw CommandFailure.no("Mailbox doesn't exist: \(target)", code: "TRYCREATE")
        }
        let code = !sources.isEmpty && hasCapability(.uidPlus)
            ? "COPYUID \(uidValidity) \(SequenceSet(sources)) \(SequenceSet(destinations))" : nil
        if move {
            // RFC 6851 §4.3: COPYUID goes in an untagged OK before the expunges.
            if let code { try sendUntagged("OK [\(code)] Moved UIDs.") }
            try synchronizeSelected(allowExpunge: true)
            return Completion(sources.isEmpty ? "No messages found." : "Move completed.")
        }
        return Completion(sources.isEmpty ? "No messages found." : "Copy completed.", code: code)
    }
}
