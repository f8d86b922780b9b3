import Foundation

/// What recovers from an interrupted run, and `--repair`: pairing identical copies, the full
/// synchronization of pending messages, messages no mapping mentions.
extension MailboxSynchronizer {
    // MARK: Interrupted copies

    /// Sizes and dates asked for by ``sendPairingKeys()``.
    final class PairingRequest {
        let mapped: [SyncDatabase.Side: SequenceSet]
        let keys: [(any MailStore, Pending<[UInt32: MessageKey]>)]
        init(mapped: [SyncDatabase.Side: SequenceSet], keys: [(any MailStore, Pending<[UInt32: MessageKey]>)]) {
            self.mapped = mapped; self.keys = keys
        }
    }

    /// The first half of pairing unmapped new messages that exist on both servers with the same
    /// size, internal date and bytes. A run killed between an APPEND and the recording of its
    /// APPENDUID (or with pipelined APPENDs in flight) left such copies; pairing them makes
    /// recovery free of duplicates. Only size and date are fetched for all new messages (sent
    /// here, for many mailboxes at once); bodies only for the messages whose size and date match
    /// one on the other server (``finishPairing(_:)``).
    func sendPairingKeys() throws -> PairingRequest? {
        // Nothing to pair unless both servers have messages above the recorded UIDNEXT.
        guard localView.uidNext > state.local.uidNext, remoteView.uidNext > state.remote.uidNext else { return nil }
        let mapped: [SyncDatabase.Side: SequenceSet] = [
            .local: try database.mappedUIDs(mailbox: record.index, side: .local, from: state.local.uidNext),
            .remote: try database.mappedUIDs(mailbox: record.index, side: .remote, from: state.remote.uidNext),
        ]
        var requests: [(any MailStore, Pending<[UInt32: MessageKey]>)] = []
        for server in [local, remote] {
            try focus(server)
            requests.append((server, try server.fetchKeys(Self.openSet(from: uidNext(server), excluding: mapped[server.side] ?? SequenceSet()))))
        }
        return PairingRequest(mapped: mapped, keys: requests)
    }

    private func uidNext(_ server: any MailStore) -> UInt32 { max(server.side == .local ? state.local.uidNext : state.remote.uidNext, 1) }

    func finishPairing(_ request: PairingRequest) throws {
        var keys: [SyncDatabase.Side: [UInt32: String]] = [:]
        for (server, pending) in request.keys {
            let start = uidNext(server), excluded = request.mapped[server.side] ?? SequenceSet()
            keys[server.side] = try pending.wait().filter { $0.key >= start && !excluded.contains($0.key) }.mapValues { "\($0.size) \($0.date)" }
        }
        try settleSelects()
        let localKeys = keys[.local] ?? [:], remoteKeys = keys[.remote] ?? [:]
        let common = Set(localKeys.values).intersection(remoteKeys.values)
        guard !common.isEmpty else { return }
        let localCandidates = SequenceSet(localKeys.filter { common.contains($0.value) }.keys)
        let remoteCandidates = SequenceSet(remoteKeys.filter { common.contains($0.value) }.keys)
        try focus(local)
        let localDigests = try local.fetchDigests(localCandidates)
        try focus(remote)
        let remoteDigests = try remote.fetchDigests(remoteCandidates)
        let digests: [SyncDatabase.Side: [UInt32: [UInt8]]] = [.local: try localDigests.wait(), .remote: try remoteDigests.wait()]
        try settleSelects()
        var available: [String: [UInt32]] = [:]
        for r in remoteCandidates.numbers {
            if let d = digests[.remote]?[r], let k = remoteKeys[r] { available[k + " " + MessageDigest.hex(d), default: []].append(r) }
        }
        var pairs: [(UInt32, UInt32)] = []
        for l in localCandidates.numbers {
            guard let d = digests[.local]?[l], let k = localKeys[l] else { continue }
            let key = k + " " + MessageDigest.hex(d)
            if var list = available[key], !list.isEmpty {
                pairs.append((l, list.removeFirst()))
                available[key] = list
            }
        }
        guard !pairs.isEmpty else { return }
        try database.write { tx in
            for (l, r) in pairs { try tx.addMapping(mailbox: record.index, localUID: l, remoteUID: r) }
        }
        log.info("", displayName, "Paired \(pairs.count) message(s) already on both servers: local UID(s) "
                 + "\(SyncLog.uids(pairs.map { $0.0 })) with remote UID(s) \(SyncLog.uids(pairs.map { $0.1 }))")
        try fullSynchronization(pairs)
    }

    // MARK: Full synchronization

    /// Compares the flags of mapped messages on both servers (interimap(1): "full
    /// synchronization"): a message gone from one server is expunged from the other, differing
    /// flag lists become their union on both.
    func fullSynchronization(_ pairs: [(UInt32, UInt32)]) throws {
        try focus(local)
        let localRequest = try local.fetchFlags(SequenceSet(pairs.map { $0.0 }))
        try focus(remote)
        let remoteRequest = try remote.fetchFlags(SequenceSet(pairs.map { $0.1 }))
        let localFlags = try localRequest.wait(), remoteFlags = try remoteRequest.wait()
        try settleSelects()
        // The flags just read supersede the changes reported before them (by a scan below
        // QRESYNC, or meanwhile): comparing them is all that is left to do.
        for (l, r) in pairs { localView.pendingFlags[l] = nil; remoteView.pendingFlags[r] = nil }
        var plan = UpdatePlan()
        var recopyToLocal = SequenceSet(), recopyToRemote = SequenceSet()
        for (l, r) in pairs {
            switch (localFlags[l], remoteFlags[r]) {
            case (nil, nil):
                if repair { log.warning("", "", "Pair (lUID,rUID) = (\(l),\(r)) vanished from \(displayName). Repairing.") }
                plan.removedPairs.append((l, r))
            case (nil, _?):
                plan.removedPairs.append((l, r))
                if repair {
                    // --repair never loses a message: the surviving copy is replicated again.
                    log.warning(local.name, local.display(record.name), "UID \(l) disappeared. Redownloading remote UID \(r).")
                    recopyToLocal.insert(r)
                } else {
                    plan.remote.expunge.append(r)
                }
            case (_?, nil):
                plan.removedPairs.append((l, r))
                if repair {
                    log.warning(remote.name, remote.display(record.name), "UID \(r) disappeared. Redownloading local UID \(l).")
                    recopyToRemote.insert(l)
                } else {
                    plan.local.expunge.append(l)
                }
            case let (lf?, rf?):
                let a = Self.normalized(lf), b = Self.normalized(rf)
                guard a != b else { continue }
                let union = Self.normalized(a + b)
                if repair { log.warning("", "", "Missed flag update in \(displayName) for (lUID,rUID) = (\(l),\(r)). Repairing.") }
                if union != a { plan.local.stores[union, default: []].append(l) }
                if union != b { plan.remote.stores[union, default: []].append(r) }
            }
        }
        try Self.apply([(self, plan)], local: local, remote: remote)
        try recordUpdates(plan)
        if !recopyToRemote.isEmpty { try recopy(recopyToRemote, from: local, to: remote) }
        if !recopyToLocal.isEmpty { try recopy(recopyToLocal, from: remote, to: local) }
    }

    private func recopy(_ uids: SequenceSet, from source: any MailStore, to destination: any MailStore) throws {
        _ = try MessageCopy(self, uids, from: source, to: destination, minimumUID: 1, excluding: SequenceSet()).run()
        try settleSelects()
    }

    /// `--repair`: messages below the recorded UIDNEXT that no mapping mentions are copied to the
    /// other server (interimap(1): "in the worst case, might yield a message duplicate").
    func copyUnmappedBelowUIDNext() throws {
        for (source, destination, limit) in [(local, remote, state.local.uidNext), (remote, local, state.remote.uidNext)] where limit > 1 {
            try focus(source)
            let all = try source.fetchFlags(SequenceSet(ranges: [1...(limit - 1)])).wait()
            try settleSelects()
            let mapped = try database.mappedUIDs(mailbox: record.index, side: source.side, from: 1)
            let missing = SequenceSet(all.keys.filter { !mapped.contains($0) })
            guard !missing.isEmpty else { continue }
            for uid in missing.numbers {
                log.warning(destination.name, destination.display(record.name), "No match for modified \(source.name) UID \(uid). Redownloading.")
            }
            try recopy(missing, from: source, to: destination)
        }
    }
}
