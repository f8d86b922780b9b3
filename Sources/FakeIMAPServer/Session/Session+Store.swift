import Engine
import Foundation

/// STORE and UID STORE (RFC 3501 §6.4.6) with UNCHANGEDSINCE (RFC 7162 §3.1.3), EXPUNGE and
/// UID EXPUNGE (RFC 4315 §2.1).
extension ServerSession {
    func parseFlags(_ tokens: [CommandToken], args: Arguments) throws -> Set<Flag> {
        var out: Set<Flag> = []
        for t in tokens {
            guard let a = t.atomValue, !a.isEmpty else { throw args.bad("Invalid flags.") }
            let f = Flag(a)
            if f.isSystem {
                guard WireFormat.systemFlagOrder.contains(f) else {
                    if f == .recent { throw args.bad("\\Recent flag can't be changed.") }
                    throw args.bad("Invalid system flag \(a)")
                }
            } else if !a.utf8.allSatisfy({ ResponseBuilder.isAtomChar($0) }) {
                throw args.bad("Invalid keyword \(a)")
            }
            out.insert(f)
        }
        return out
    }

    func storeCommand(_ args: inout Arguments, byUID: Bool) throws -> Completion {
        let setText = try args.atom()
        var unchangedSince: UInt64?
        if let modifiers = args.optionalList() {
            var m = modifiers[...]
            while let t = m.popFirst() {
                switch t.atomValue?.uppercased() {
                case "UNCHANGEDSINCE" where hasCapability(.condStore):
                    guard let v = m.popFirst()?.atomValue.flatMap({ UInt64($0) }) else { throw args.bad("Invalid UNCHANGEDSINCE modseq") }
                    unchangedSince = v
                default: throw args.bad("Unknown STORE modifier")
                }
            }
        }
        var op = try args.atom().uppercased()
        let operation: FakeMailbox.FlagOperation
        if op.hasPrefix("+") { operation = .add; op.removeFirst() } else if op.hasPrefix("-") { operation = .remove; op.removeFirst() } else { operation = .replace }
        let silent: Bool
        switch op {
        case "FLAGS": silent = false
        case "FLAGS.SILENT": silent = true
        default: throw args.bad("Invalid STORE item \(op)")
        }
        let flagTokens: [CommandToken]
        if let l = args.optionalList() { flagTokens = l } else { flagTokens = args.remaining; while !args.isEmpty { _ = try args.next() } }
        let flags = try parseFlags(flagTokens, args: args)
        try args.end()
        guard var view = selected, let before = currentMailbox(view.id) else { throw CommandFailure.bad("No mailbox selected") }
        if unchangedSince != nil {
            if before.noModSeq { throw CommandFailure.bad("Error in IMAP command \(commandName): NOMODSEQ mailbox") }
            condStoreEnabled = true  // RFC 7162 §3.1: a CONDSTORE-enabling command
        }
        let uids = try limitMessages(parseSet(setText, byUID: byUID), byUID: byUID)
        if view.readOnly { return Completion("Store ignored with read-only mailbox.") }

        let result = store.mutate { s in
            s.withMailbox(id: view.id) { $0.store(uids: uids, flags: flags, operation: operation, unchangedSince: unchangedSince) }
        }
        let (changed, modified) = result ?? ([], [])
        guard let box = currentMailbox(view.id) else { throw CommandFailure.no("Mailbox doesn't exist") }
        let changedSet = Set(changed)
        let withModSeq = condStoreEnabled && !box.noModSeq
        // RFC 3501 §6.4.6 asks for the new flags of each message; dovecot sends them only for
        // messages that changed, and so do we. With .SILENT and CONDSTORE, changed messages
        // still get `FETCH (UID MODSEQ)` (RFC 7162 §3.1.3).
        for uid in uids {
            guard changedSet.contains(uid), let m = box.message(uid: uid), let seq = view.sequenceNumber(ofUID: uid) else { continue }
            var parts: [String] = []
            if byUID || qresyncEnabled || (withModSeq && changedSet.contains(uid)) { parts.append("UID \(m.uid)") }
            if silent {
                guard withModSeq, changedSet.contains(uid) else { continue }
                parts.append("MODSEQ (\(m.modSeq))")
            } else {
                parts.append("FLAGS " + WireFormat.flagList(m.flags, recent: view.recent.contains(uid)))
                if withModSeq { parts.append("MODSEQ (\(m.modSeq))") }
            }
            if !parts.contains(where: { !$0.hasPrefix("UID") }) { continue }
            try sendUntagged("\(seq) FETCH (" + parts.joined(separator: " ") + ")")
            if !silent || changedSet.contains(uid) { view.knownModSeq[uid] = m.modSeq }
        }
        selected = view
        if !modified.isEmpty {
            // RFC 7162 §3.1.3: MODIFIED lists sequence numbers for STORE, UIDs for UID STORE.
            let set = byUID ? SequenceSet(modified) : SequenceSet(modified.compactMap { view.sequenceNumber(ofUID: $0).map(UInt32.init) })
            return Completion("Conditional store failed", code: "MODIFIED \(set)")
        }
        return Completion("Store completed.")
    }

    /// EXPUNGE (all `\Deleted` messages) or UID EXPUNGE (those of `uids`), reported at once.
    func expunge(uids: [UInt32]?) throws -> Completion {
        guard let view = selected else { throw CommandFailure.bad("No mailbox selected") }
        // dovecot answers OK and does nothing in a read-only mailbox.
        if view.readOnly { return Completion("Expunge completed.") }
        let wanted = uids.map(Set.init)
        store.mutate { s in
            s.withMailbox(id: view.id) { box in
                _ = box.expunge(uids: box.messages.filter { $0.flags.contains(.deleted) && (wanted?.contains($0.uid) ?? true) }.map(\.uid))
            }
        }
        try synchronizeSelected(allowExpunge: true)
        return Completion("Expunge completed.")
    }
}
