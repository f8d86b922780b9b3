/// Recovery of the copies an interrupted run left in flight (see `SyncDatabase.PendingCopy`):
/// the row of each copy says what it looks like on the destination, so the next run finds it
/// among the destination's unmapped new messages by size, date and SHA-256 of its bytes.
extension MailboxSynchronizer {
    /// For each copy still pending from an interrupted run: an unmapped message on its
    /// destination, at or above the recorded UIDNEXT, with its size, date and digest is that
    /// copy. It is mapped to its original if the original still exists unmapped, expunged if the
    /// original was expunged meanwhile (the user's expunge wins over the copy the crash left
    /// unrecorded); a copy that never arrived is simply forgotten. The rows go in the transaction
    /// that records the new mappings.
    func recoverPendingCopies() throws {
        let rows = try database.pendingCopies(mailbox: record.index)
        guard !rows.isEmpty else { return }
        var pairs: [(UInt32, UInt32)] = []
        var expunge: [SyncDatabase.Side: [UInt32]] = [:]
        for (destination, source) in [(remote, local), (local, remote)] {
            let copies = rows.filter { $0.destination == destination.side }
            guard !copies.isEmpty else { continue }
            let start = max(destination.side == .local ? state.local.uidNext : state.remote.uidNext, 1)
            let mapped = try database.mappedUIDs(mailbox: record.index, side: destination.side, from: start)
            // The destination's unmapped new messages and the originals, asked of both at once.
            try focus(destination)
            let keysRequest = try destination.fetchKeys(Self.openSet(from: start, excluding: mapped))
            try focus(source)
            let originalsRequest = try source.fetchKeys(SequenceSet(copies.map(\.sourceUID)))
            let keys = try keysRequest.wait().filter { $0.key >= start && !mapped.contains($0.key) }
            let originals = try originalsRequest.wait()
            try settleSelects()
            let sizes = Set(copies.map(\.size))
            let candidates = keys.filter { sizes.contains($0.value.size) }.keys.sorted()
            guard !candidates.isEmpty else { continue }
            try focus(destination)
            let digests = try destination.fetchDigests(SequenceSet(candidates)).wait()
            try settleSelects()
            var used = Set<UInt32>()
            for copy in copies {
                guard let uid = candidates.first(where: { uid in
                    !used.contains(uid) && digests[uid] == copy.digest && keys[uid]?.size == copy.size
                        && (copy.date == nil || keys[uid]?.date == copy.date)
                }) else { continue }
                if let size = originals[copy.sourceUID]?.size {
                    // Mapped meanwhile (another program paired or copied it): the copy is left
                    // as a message of its own, never lost.
                    let original = SequenceSet([copy.sourceUID])
                    let mappedOriginal = source.side == .local ? try database.mappings(mailbox: record.index, localUIDs: original)
                        : try database.mappings(mailbox: record.index, remoteUIDs: original)
                    guard size == copy.size, mappedOriginal.isEmpty else { continue }
                    used.insert(uid)
                    pairs.append(destination.side == .local ? (uid, copy.sourceUID) : (copy.sourceUID, uid))
                } else {
                    used.insert(uid)
                    expunge[destination.side, default: []].append(uid)
                }
            }
        }
        var plan = UpdatePlan()
        plan.local.expunge = expunge[.local] ?? []
        plan.remote.expunge = expunge[.remote] ?? []
        if !plan.local.isEmpty || !plan.remote.isEmpty {
            log.debug("", displayName, "Expunging \(plan.local.expunge.count + plan.remote.expunge.count) copy(ies) an interrupted run made of message(s) expunged since")
            try Self.apply([(self, plan)], local: local, remote: remote)
        }
        try database.write { tx in
            for (l, r) in pairs { try tx.addMapping(mailbox: record.index, localUID: l, remoteUID: r) }
            try tx.removePendingCopies(mailbox: record.index)
        }
        try recordUpdates(plan)
        guard !pairs.isEmpty else { return }
        log.info("", displayName, "Paired \(pairs.count) message(s) an interrupted run copied: local UID(s) "
                 + "\(SyncLog.uids(pairs.map { $0.0 })) with remote UID(s) \(SyncLog.uids(pairs.map { $0.1 }))")
        try fullSynchronization(pairs)
    }
}
