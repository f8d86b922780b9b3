import Foundation

/// Step 2 of interimap(1): expunges and flag changes reported by one server are applied on the
/// other, for many mailboxes at once.
extension MailboxSynchronizer {
    /// What to do on one server for one mailbox: UIDs to expunge, and UIDs per flag list to store.
    struct Changes {
        var expunge: [UInt32] = []
        var stores: [[Flag]: [UInt32]] = [:]
        var isEmpty: Bool { expunge.isEmpty && stores.isEmpty }
    }

    /// The changes of step 2 for one mailbox, and the mapping rows they end.
    struct UpdatePlan {
        var local = Changes()
        var remote = Changes()
        var removedPairs: [(UInt32, UInt32)] = []
        func changes(on server: any MailStore) -> Changes { server.side == .local ? local : remote }
    }

    /// Takes the expunges and flag changes both servers reported and decides what to change.
    func planUpdates() throws -> UpdatePlan {
        let (localVanished, localFlags) = localView.takePendingUpdates()
        let (remoteVanished, remoteFlags) = remoteView.takePendingUpdates()
        var plan = UpdatePlan()
        // Only mapped UIDs matter: the work is proportional to the mapping, not to the numbers
        // in a VANISHED set (which may name UIDs far beyond any message).
        for (l, r) in try database.mappings(mailbox: record.index, localUIDs: localVanished) {
            if !remoteVanished.contains(r) { plan.remote.expunge.append(r) }
            plan.removedPairs.append((l, r))
        }
        for (l, r) in try database.mappings(mailbox: record.index, remoteUIDs: remoteVanished) where !localVanished.contains(l) {
            plan.local.expunge.append(l); plan.removedPairs.append((l, r))
        }

        var handledRemote = Set<UInt32>()
        for (l, flags) in localFlags.sorted(by: { $0.key < $1.key }) {
            guard !localVanished.contains(l), let r = try database.remoteUID(mailbox: record.index, localUID: l) else { continue }
            guard !remoteVanished.contains(r) else { continue }  // expunged there: the expunge wins
            let lf = Self.normalized(flags)
            if let other = remoteFlags[r] {
                handledRemote.insert(r)
                let rf = Self.normalized(other)
                if lf == rf { continue }
                // Changed on both servers: RFC 4549 §4.3 leaves the choice to the client;
                // interimap(1) takes the union and says so.
                let union = Self.normalized(lf + rf)
                log.warning("", "", "Conflicting flag update in \(displayName) for local UID \(l) \(Self.list(lf)) and remote UID \(r) \(Self.list(rf)). Setting both to the union \(Self.list(union)).")
                plan.local.stores[union, default: []].append(l)
                plan.remote.stores[union, default: []].append(r)
            } else {
                plan.remote.stores[lf, default: []].append(r)
            }
        }
        for (r, flags) in remoteFlags.sorted(by: { $0.key < $1.key }) where !handledRemote.contains(r) {
            guard !remoteVanished.contains(r), let l = try database.localUID(mailbox: record.index, remoteUID: r) else { continue }
            guard !localVanished.contains(l) else { continue }
            plan.local.stores[Self.normalized(flags), default: []].append(l)
        }
        return plan
    }

    /// The IMAP changes of `plan` are made: the mapping rows of expunged pairs go, and the log says what changed.
    func recordUpdates(_ plan: UpdatePlan) throws {
        for (server, changes) in [(local, plan.local), (remote, plan.remote)] {
            for (flags, uids) in changes.stores { knownFlags.set(server.side, flags, uids) }
            knownFlags.expunged(server.side, changes.expunge)
        }
        if !plan.removedPairs.isEmpty {
            try database.write { tx in
                for (l, _) in plan.removedPairs { try tx.removeMapping(mailbox: record.index, localUID: l) }
            }
        }
        logChanges(plan.local, on: local)
        logChanges(plan.remote, on: remote)
    }

    private func logChanges(_ changes: Changes, on server: any MailStore) {
        if !changes.expunge.isEmpty {
            log.info(server.name, server.display(record.name), "Removed \(changes.expunge.count) UID(s) \(SyncLog.uids(changes.expunge))")
        }
        for (flags, uids) in changes.stores.sorted(by: { $0.value.min() ?? 0 < $1.value.min() ?? 0 }) {
            log.info(server.name, server.display(record.name), "Updated flags \(Self.list(flags)) for UID \(SyncLog.uids(uids))")
        }
    }

    /// Applies the plans of many mailboxes on both servers at once: every STORE of both servers
    /// goes out together (pipelined, each mailbox's behind its SELECT), then every UID EXPUNGE
    /// once those STOREs completed. An EXPUNGE waits for its `\Deleted` STORE because a server
    /// may run pipelined commands concurrently (RFC 3501 §5.5), and dovecot does: an EXPUNGE
    /// could overtake the STORE it depends on. Two round trips per server, however many mailboxes.
    static func apply(_ plans: [(MailboxSynchronizer, UpdatePlan)], local: any MailStore, remote: any MailStore) throws {
        var stores: [[(MailboxSynchronizer, [Pending<Void>])]] = []
        for server in [local, remote] {
            var sent: [(MailboxSynchronizer, [Pending<Void>])] = []
            for (mailbox, plan) in plans {
                let changes = plan.changes(on: server)
                guard !changes.isEmpty else { continue }
                try mailbox.focus(server)
                var pendings: [Pending<Void>] = []
                for (flags, uids) in changes.stores.sorted(by: { $0.key.map(\.rawValue).joined() < $1.key.map(\.rawValue).joined() }) {
                    pendings.append(try server.setFlags(flags, on: SequenceSet(uids)))
                }
                if !changes.expunge.isEmpty { pendings.append(try server.markDeleted(SequenceSet(changes.expunge))) }
                sent.append((mailbox, pendings))
            }
            stores.append(sent)
        }
        var expunges: [Pending<Void>] = []
        for (server, sent) in zip([local, remote], stores) {
            for (mailbox, pendings) in sent {
                for pending in pendings {
                    try pending.wait()
                    CrashPoint.reached("flags-store")
                }
                try mailbox.settleSelects()
            }
            for (mailbox, plan) in plans {
                let expunge = plan.changes(on: server).expunge
                guard !expunge.isEmpty else { continue }
                CrashPoint.reached("expunge-store")
                try mailbox.focus(server)
                expunges.append(try server.expunge(SequenceSet(expunge)))
            }
        }
        for pending in expunges { try pending.wait() }
        for (mailbox, _) in plans { try mailbox.settleSelects() }
    }
}
