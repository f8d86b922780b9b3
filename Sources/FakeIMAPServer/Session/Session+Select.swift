import Engine
import Foundation

/// SELECT, EXAMINE (RFC 3501 §6.3.1–6.3.2) with the CONDSTORE and QRESYNC parameters
/// (RFC 7162 §3.1.8, §3.2.5), CLOSE, UNSELECT (RFC 3691), and the synchronisation of the
/// selected mailbox that produces unsolicited responses.
extension ServerSession {
    struct QResyncParameters {
        var uidValidity: UInt32
        var modSeq: UInt64
        var knownUIDs: SequenceSet?
    }

    func select(_ args: inout Arguments, readOnly: Bool) throws -> Completion {
        let name = try args.mailbox()
        var qresync: QResyncParameters?
        if let params = args.optionalList() {
            var p = params[...]
            while let t = p.popFirst() {
                switch t.atomValue?.uppercased() {
                case "CONDSTORE" where hasCapability(.condStore):
                    condStoreEnabled = true
                case "QRESYNC" where hasCapability(.qresync):
                    // RFC 7162 §3.2.5: QRESYNC must have been enabled first.
                    guard qresyncEnabled else { throw args.bad("QRESYNC not enabled") }
                    guard case .list(let q)? = p.popFirst(), q.count >= 2, q.count <= 4,
                          let v = q[0].atomValue.flatMap({ UInt32($0) }), v > 0,
                          let m = q[1].atomValue.flatMap({ UInt64($0) }) else { throw args.bad("Invalid QRESYNC parameters") }
                    var known: SequenceSet?
                    if q.count >= 3 {
                        guard let s = q[2].atomValue, let set = try? SequenceSet(parsing: s) else { throw args.bad("Invalid QRESYNC known-uids") }
                        known = set
                    }
                    if q.count == 4, q[3].listValue == nil { throw args.bad("Invalid QRESYNC seq-match-data") }
                    qresync = QResyncParameters(uidValidity: v, modSeq: m, knownUIDs: known)
                default:
                    throw args.bad("Unknown SELECT parameter")
                }
            }
        }
        try args.end()
        // RFC 7162 §3.2.11: leaving the selected mailbox is marked with [CLOSED] (dovecot sends
        // it whether or not the new selection succeeds).
        if selected != nil {
            selected = nil
            state = .authenticated
            try sendUntagged("OK [CLOSED] Previous mailbox closed.")
        }
        // dovecot gives no response code here (unlike RENAME or DELETE).
        guard store.mailbox(name) != nil else { throw CommandFailure.no("Mailbox doesn't exist: \(name)") }
        // Claim \Recent for this session (RFC 3501 §2.3.2): the first read-write session to see
        // a message gets it.
        let (box, firstRecent): (FakeMailbox?, UInt32) = store.mutate { s in
            guard let id = s.id(of: name) else { return (nil, 0) }
            let first = s.mailboxes[id]?.firstRecentUID ?? 0
            if !readOnly { s.withMailbox(id: id) { $0.firstRecentUID = $0.uidNext } }
            return (s.mailboxes[id], first)
        }
        guard let box else { throw CommandFailure.no("Mailbox doesn't exist: \(name)") }
        // EXAMINE shows \Recent without claiming it (as dovecot does).
        let recent = Set(box.messages.filter { $0.uid >= firstRecent }.map(\.uid))
        var view = ServerSelectedMailbox(box, readOnly: readOnly, recent: recent)

        try sendUntagged("FLAGS " + WireFormat.mailboxFlags(box.keywords))
        if readOnly {
            try sendUntagged("OK [PERMANENTFLAGS ()] Read-only mailbox.")
        } else {
            try sendUntagged("OK [PERMANENTFLAGS " + WireFormat.mailboxFlags(box.keywords).dropLast() + " \\*)] Flags permitted.")
        }
        try sendUntagged("\(box.messages.count) EXISTS")
        try sendUntagged("\(recent.count) RECENT")
        if let firstUnseen = box.messages.firstIndex(where: { !$0.flags.contains(.seen) }) {
            try sendUntagged("OK [UNSEEN \(firstUnseen + 1)] First unseen.")
        }
        try sendUntagged("OK [UIDVALIDITY \(box.uidValidity)] UIDs valid")
        try sendUntagged("OK [UIDNEXT \(box.uidNext)] Predicted next UID")
        // Yahoo's quirk: HIGHESTMODSEQ without CONDSTORE (ProviderProfile+Yahoo.swift).
        if (condStoreEnabled && hasCapability(.condStore)) || has(.highestModSeqWithoutCondStore) {
            if box.noModSeq {
                try sendUntagged("OK [NOMODSEQ] No permanent modsequences")
            } else {
                try sendUntagged(highestModSeqResponse(box.highestModSeq))
            }
        }
        // RFC 7162 §3.2.5.1: with a matching UIDVALIDITY, report what changed since modseq.
        if let q = qresync, q.uidValidity == box.uidValidity, !box.noModSeq {
            let vanished = box.expunged(since: q.modSeq, within: q.knownUIDs)
            if !vanished.isEmpty { try sendUntagged("VANISHED (EARLIER) " + vanishedUIDs(vanished)) }
            for (i, m) in box.messages.enumerated() where m.modSeq > q.modSeq {
                if let known = q.knownUIDs, !known.contains(m.uid), !(known.includesStar && m.uid >= (known.last ?? 1)) { continue }
                try sendUntagged("\(i + 1) FETCH (UID \(m.uid) FLAGS \(WireFormat.flagList(m.flags, recent: view.recent.contains(m.uid))) MODSEQ (\(m.modSeq)))")
            }
        }
        view.syncedHighestModSeq = box.highestModSeq
        selected = view
        state = .selected
        return Completion(readOnly ? "Examine completed." : "Select completed.", code: readOnly ? "READ-ONLY" : "READ-WRITE")
    }

    /// CLOSE expunges `\Deleted` messages silently (RFC 3501 §6.4.2); UNSELECT does not.
    func close(expunge: Bool) throws -> Completion {
        if expunge, let view = selected, !view.readOnly {
            store.mutate { s in
                s.withMailbox(id: view.id) { box in
                    _ = box.expunge(uids: box.messages.filter { $0.flags.contains(.deleted) }.map(\.uid))
                }
            }
        }
        selected = nil
        state = .authenticated
        return Completion(expunge ? "Close completed." : "Unselect completed.")
    }

    /// Reports to the client what changed in the selected mailbox since it last heard, in
    /// dovecot's order: new keywords (FLAGS), flag changes (FETCH, with UID and MODSEQ under
    /// CONDSTORE, RFC 7162 §3.1.4), expunges (EXPUNGE, or VANISHED once QRESYNC is enabled,
    /// RFC 7162 §3.2.10) unless `allowExpunge` is false (RFC 3501 §7.4.1 forbids them during
    /// FETCH, STORE and SEARCH), then new messages (EXISTS, RECENT).
    func synchronizeSelected(allowExpunge: Bool) throws {
        guard var view = selected else { return }
        guard let box = currentMailbox(view.id) else {
            selected = nil
            try bye("Selected mailbox was deleted, have to disconnect.")
        }
        if box.uidValidity != view.uidValidity {
            selected = nil
            try bye("Mailbox UIDVALIDITY changed, have to disconnect.")
        }
        if box.highestModSeq == view.syncedHighestModSeq && box.keywords.count == view.keywordCount
            && !(view.pendingExpunges && allowExpunge) {
            return
        }
        if box.keywords.count != view.keywordCount {
            try sendUntagged("FLAGS " + WireFormat.mailboxFlags(box.keywords))
            if view.readOnly {
                try sendUntagged("OK [PERMANENTFLAGS ()] Read-only mailbox.")
            } else {
                try sendUntagged("OK [PERMANENTFLAGS " + WireFormat.mailboxFlags(box.keywords).dropLast() + " \\*)] Flags permitted.")
            }
            view.keywordCount = box.keywords.count
        }
        var existing = Set<UInt32>()
        existing.reserveCapacity(box.messages.count)
        for m in box.messages { existing.insert(m.uid) }
        let gone = view.uids.filter { !existing.contains($0) }
        // Flag changes of messages the client knows; an expunged message whose expunge must
        // wait still gets its last flag change, as dovecot reports it.
        let withModSeq = condStoreEnabled && !box.noModSeq
        var reportedModSeq = false
        let pendingGone = allowExpunge ? [] : gone.compactMap { box.messageOrExpunged(uid: $0) }
        for m in (box.messages + pendingGone).sorted(by: { $0.uid < $1.uid }) {
            guard let known = view.knownModSeq[m.uid], m.modSeq > known, let seq = view.sequenceNumber(ofUID: m.uid) else { continue }
            let flags = WireFormat.flagList(m.flags, recent: view.recent.contains(m.uid))
            if withModSeq {
                try sendUntagged("\(seq) FETCH (UID \(m.uid) FLAGS \(flags) MODSEQ (\(m.modSeq)))")
                reportedModSeq = true
            } else if condStoreEnabled {
                try sendUntagged("\(seq) FETCH (UID \(m.uid) FLAGS \(flags))")
            } else {
                try sendUntagged("\(seq) FETCH (FLAGS \(flags))")
            }
            view.knownModSeq[m.uid] = m.modSeq
        }
        // Expunges, after the flag changes (dovecot's order).
        if !gone.isEmpty {
            if allowExpunge {
                if qresyncEnabled {
                    try sendUntagged("VANISHED " + vanishedUIDs(SequenceSet(gone)))
                    let g = Set(gone)
                    view.uids.removeAll { g.contains($0) }
                } else {
                    for uid in gone {
                        if let seq = view.sequenceNumber(ofUID: uid) {
                            try sendUntagged("\(seq) EXPUNGE")
                            view.uids.remove(at: seq - 1)
                        }
                    }
                }
                for uid in gone { view.knownModSeq[uid] = nil; view.recent.remove(uid) }
                view.pendingExpunges = false
                expungeSentInCommand = true
            } else {
                view.pendingExpunges = true
            }
        }
        // New messages.
        let last = view.uids.last ?? 0
        let fresh: [FakeMessage] = box.messages.filter { $0.uid > last && view.knownModSeq[$0.uid] == nil }
        if !fresh.isEmpty {
            let firstRecent: UInt32
            if view.readOnly {
                firstRecent = box.firstRecentUID
            } else {
                firstRecent = store.mutate { s in
                    s.withMailbox(id: view.id) { b -> UInt32 in
                        let f = b.firstRecentUID
                        b.firstRecentUID = max(b.firstRecentUID, b.uidNext)
                        return f
                    } ?? UInt32.max
                }
            }
            for m in fresh where m.uid >= firstRecent { view.recent.insert(m.uid) }
            for m in fresh {
                view.uids.append(m.uid)
                view.knownModSeq[m.uid] = m.modSeq
            }
            try sendUntagged("\(view.uids.count) EXISTS")
        }
        // RECENT only when its count changed (after new messages or expunges), as dovecot.
        if view.recent.count != view.reportedRecent {
            try sendUntagged("\(view.recent.count) RECENT")
            view.reportedRecent = view.recent.count
        }
        // New messages carry no MODSEQ to the client: tell it the mailbox's (dovecot does so
        // unless a FETCH in the same batch carried one).
        if !fresh.isEmpty && withModSeq && !reportedModSeq {
            try sendUntagged("OK [HIGHESTMODSEQ \(box.highestModSeq)] Highest")
        }
        view.syncedHighestModSeq = box.highestModSeq
        selected = view
    }

    /// Resolves a sequence set against the selected mailbox: UIDs (`*` is the largest UID)
    /// or message sequence numbers (`*` is the number of messages; RFC 3501 §9 `seq-number`).
    /// Returns UIDs in increasing order, only those of messages the client knows.
    func parseSet(_ text: String, byUID: Bool) throws -> [UInt32] {
        guard let view = selected else { throw CommandFailure.bad("No mailbox selected") }
        if byUID {
            let largest = view.uids.last ?? max(1, (currentMailbox(view.id)?.uidNext ?? 2) - 1)
            guard let set = try? SequenceSet(parsing: text, largest: largest) else { throw CommandFailure.bad("Error in IMAP command: Invalid uidset") }
            return view.uids.filter { set.contains($0) }
        }
        guard let set = try? SequenceSet(parsing: text, largest: UInt32(max(view.uids.count, 0))) else {
            throw CommandFailure.bad("Error in IMAP command: Invalid messageset")
        }
        if let last = set.last, Int(last) > view.uids.count { throw CommandFailure.bad("Error in IMAP command: Invalid messageset") }
        return set.numbers.compactMap { n in n >= 1 && Int(n) <= view.uids.count ? view.uids[Int(n) - 1] : nil }
    }
}
