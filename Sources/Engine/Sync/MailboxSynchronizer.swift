import Foundation

/// Synchronizes one mailbox between the two servers: interimap(1) DESCRIPTION, steps 1 to 3,
/// with the "full synchronization" of messages an interrupted run left half-copied.
///
/// Order of effects, chosen so that a crash anywhere can be recovered by the next run:
/// IMAP changes first, then the database rows that describe them, and the recorded
/// HIGHESTMODSEQ/UIDNEXT last. A rerun after a crash sees the same reports again (the recorded
/// values did not move) and applying them twice is harmless: expunging an expunged UID and
/// storing the same flags change nothing. An APPEND whose APPENDUID was not recorded before the
/// process died left the same message unmapped on both servers; the next run pairs the two
/// copies by size, date and bytes instead of copying them again. Every copy is recorded as
/// pending before its APPEND can complete (`PendingCopies`), so that a copy whose original was
/// expunged before the next run is expunged too instead of coming back as a new message.
final class MailboxSynchronizer {
    let local: any MailStore
    let remote: any MailStore
    let database: SyncDatabase
    let log: SyncLog
    let record: SyncDatabase.MailboxRecord
    /// `--repair`: compare every message of the mailbox, not only the pending ones.
    let repair: Bool
    /// How many APPENDs may be in flight on one server before waiting for the oldest.
    var appendWindow = 8
    /// Counts what is copied, for the progress line.
    let progress: SyncProgress?
    /// The flags to remember for a server synchronized at the plain level.
    private var knownFlags = KnownFlags(plain: [])

    init(local: any MailStore, remote: any MailStore, database: SyncDatabase, log: SyncLog,
         record: SyncDatabase.MailboxRecord, repair: Bool, progress: SyncProgress? = nil) {
        self.local = local; self.remote = remote; self.database = database; self.log = log
        self.record = record; self.repair = repair; self.progress = progress
    }

    var displayName: String { MailboxNaming.display(record.name, delimiter: local.naming.delimiter) }

    func run() throws {
        // Step 1: SELECT on both servers at once (two pipelines, one round trip).
        let localSelect = try local.select(record.name, recorded: record.local)
        let remoteSelect = try remote.select(record.name, recorded: record.remote)
        let localSelected = try localSelect.wait()
        let remoteSelected = try remoteSelect.wait()
        try check(localSelected, state: record.local, server: local)
        try check(remoteSelected, state: record.remote, server: remote)
        // Below QRESYNC, look for the changes the SELECT could not report (both servers at once).
        let scans = try [(local, localSelected, record.local), (remote, remoteSelected, record.remote)].compactMap {
            try ChangeScan.start(on: $0.0, selected: $0.1, recorded: $0.2, database: database, mailbox: record.index)
        }
        knownFlags = KnownFlags(plain: [(local, localSelected), (remote, remoteSelected)].filter { $0.1.level == .plain }.map { $0.0.side })
        var unremembered: [(UInt32, UInt32)] = []
        for scan in scans {
            let uids = try scan.finish()
            knownFlags.scanned(scan)
            unremembered += scan.server.side == .local ? try database.mappings(mailbox: record.index, localUIDs: uids)
                                                       : try database.mappings(mailbox: record.index, remoteUIDs: uids)
        }
        let selectedUIDNext = (local: localSelected.uidNext, remote: remoteSelected.uidNext)

        var state = States(local: record.local ?? .init(uidValidity: localSelected.uidValidity, uidNext: 1, highestModSeq: 0),
                           remote: record.remote ?? .init(uidValidity: remoteSelected.uidValidity, uidNext: 1, highestModSeq: 0))
        if record.local == nil || record.remote == nil {
            // A new mailbox: remember its UIDVALIDITY before copying anything, so that a crash
            // during the first copy is recovered like any other.
            try database.write { tx in
                try tx.setState(.local, mailbox: record.index, state.local)
                try tx.setState(.remote, mailbox: record.index, state.remote)
            }
        }

        // Messages copied by an interrupted run (mapped, but at or above the recorded UIDNEXT):
        // compare them in full, as their changes may predate any recorded HIGHESTMODSEQ.
        var pending: [(UInt32, UInt32)] = []
        try database.forEachMapping(mailbox: record.index, localFrom: repair ? 1 : state.local.uidNext,
                                    remoteFrom: repair ? 1 : state.remote.uidNext) { pending.append(($0, $1)) }
        // Messages whose flags a plain server's scan could not compare with remembered ones.
        let pendingLocal = Set(pending.map { $0.0 })
        pending += unremembered.filter { !pendingLocal.contains($0.0) }
        if !pending.isEmpty {
            if !repair { log.debug("", displayName, "Full synchronization of \(pending.count) pending message(s)") }
            try fullSynchronization(pending)
        }
        if repair { try copyUnmappedBelowUIDNext(state) }

        var rounds = 0
        while true {
            rounds += 1
            // Step 2: propagate expunges and flag changes until neither server reports more.
            while local.selected?.hasPendingUpdates == true || remote.selected?.hasPendingUpdates == true {
                try propagateUpdates()
            }
            let before = (state.local.highestModSeq, state.remote.highestModSeq)
            state.local.highestModSeq = max(state.local.highestModSeq, local.selected?.highestModSeq ?? 0)
            state.remote.highestModSeq = max(state.remote.highestModSeq, remote.selected?.highestModSeq ?? 0)
            if before != (state.local.highestModSeq, state.remote.highestModSeq) { try commitStates(state) }

            // Messages new on both servers that are the same message (an APPEND whose APPENDUID
            // an interrupted run never recorded): map them instead of copying them again.
            if rounds == 1 {
                try recoverPendingCopies(state)
                try pairIdenticalNewMessages(state)
            }

            // Step 3: new messages, both directions, until no more arrive. `next` is each server's
            // UIDNEXT as far as this run has seen every message below it: its UIDNEXT at SELECT,
            // then past every message fetched from it and every message appended to it.
            var next = (local: max(state.local.uidNext, selectedUIDNext.local), remote: max(state.remote.uidNext, selectedUIDNext.remote))
            var again = false
            var firstPass = true
            repeat {
                // A server that had nothing new at SELECT needs no FETCH on the first pass: what
                // arrives later gets a UID at or above `next` (or shows as a gap below).
                let localHasNew = !firstPass || selectedUIDNext.local > state.local.uidNext
                let remoteBefore = next.remote
                let toRemote = localHasNew ? try copyNewMessages(from: local, to: remote, since: state.local.uidNext, known: &next.local) : []
                if let last = toRemote.last { next.remote = max(next.remote, last + 1) }
                let remoteHasNew = !firstPass || selectedUIDNext.remote > state.remote.uidNext
                    || !Self.isContiguous(toRemote, from: remoteBefore)
                let localBefore = next.local
                let toLocal = remoteHasNew ? try copyNewMessages(from: remote, to: local, since: state.remote.uidNext, known: &next.remote) : []
                if let last = toLocal.last { next.local = max(next.local, last + 1) }
                firstPass = false
                // Our APPENDs got UIDs in a row from the UIDNEXT we knew, unless another client's
                // message arrived in between (RFC 3501 §2.3.1.1: UIDs ascend): then that message
                // has a UID below `next` and another pass copies it. No round trip is spent
                // asking otherwise: messages arriving later get UIDs at or above `next`.
                again = !Self.isContiguous(toRemote, from: remoteBefore) || !Self.isContiguous(toLocal, from: localBefore)
            } while again
            state.local.uidNext = max(state.local.uidNext, next.local)
            state.remote.uidNext = max(state.remote.uidNext, next.remote)
            // Our own APPENDs moved the servers' HIGHESTMODSEQ; the responses told us by how much.
            if !(local.selected?.hasPendingUpdates ?? false) && !(remote.selected?.hasPendingUpdates ?? false) {
                state.local.highestModSeq = max(state.local.highestModSeq, local.selected?.highestModSeq ?? 0)
                state.remote.highestModSeq = max(state.remote.highestModSeq, remote.selected?.highestModSeq ?? 0)
                try commitStates(state)
                break
            }
            try commitStates(state)
            // Step 3's end: flag changes arrived meanwhile, back to step 2.
            if rounds > 1000 { break }
        }
        try knownFlags.commit(to: database, mailbox: record.index)
    }

    struct States { var local: SyncDatabase.MailboxState; var remote: SyncDatabase.MailboxState }

    private func commitStates(_ state: States) throws {
        CrashPoint.reached("database-commit-before")
        try database.write { tx in
            try tx.setState(.local, mailbox: record.index, state.local)
            try tx.setState(.remote, mailbox: record.index, state.remote)
        }
        CrashPoint.reached("database-commit-after")
    }

    private func check(_ selected: SelectedMailbox, state: SyncDatabase.MailboxState?, server: any MailStore) throws {
        if selected.noModSeq { throw SyncError.noModSeq(server: server.name, mailbox: displayName) }
        if let state, state.uidValidity != selected.uidValidity {
            throw SyncError.uidValidityChanged(server: server.name, mailbox: displayName,
                                               expected: state.uidValidity, found: selected.uidValidity)
        }
    }

    // MARK: Step 2

    /// Propagates the expunges and flag changes both servers reported, in one pipeline per server.
    private func propagateUpdates() throws {
        let (localVanished, localFlags) = local.selected?.takePendingUpdates() ?? (SequenceSet(), [:])
        let (remoteVanished, remoteFlags) = remote.selected?.takePendingUpdates() ?? (SequenceSet(), [:])

        var expungeOnLocal: [UInt32] = [], expungeOnRemote: [UInt32] = []
        var removedPairs: [(UInt32, UInt32)] = []
        // Only mapped UIDs matter: the work is proportional to the mapping, not to the numbers
        // in a VANISHED set (which may name UIDs far beyond any message).
        for (l, r) in try database.mappings(mailbox: record.index, localUIDs: localVanished) {
            if !remoteVanished.contains(r) { expungeOnRemote.append(r) }
            removedPairs.append((l, r))
        }
        for (l, r) in try database.mappings(mailbox: record.index, remoteUIDs: remoteVanished) where !localVanished.contains(l) {
            expungeOnLocal.append(l); removedPairs.append((l, r))
        }

        var storeOnLocal: [[Flag]: [UInt32]] = [:], storeOnRemote: [[Flag]: [UInt32]] = [:]
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
                storeOnLocal[union, default: []].append(l)
                storeOnRemote[union, default: []].append(r)
            } else {
                storeOnRemote[lf, default: []].append(r)
            }
        }
        for (r, flags) in remoteFlags.sorted(by: { $0.key < $1.key }) where !handledRemote.contains(r) {
            guard !remoteVanished.contains(r), let l = try database.localUID(mailbox: record.index, remoteUID: r) else { continue }
            guard !localVanished.contains(l) else { continue }
            storeOnLocal[Self.normalized(flags), default: []].append(l)
        }

        try applyOnBoth(local: (expungeOnLocal, storeOnLocal), remote: (expungeOnRemote, storeOnRemote))
        if !removedPairs.isEmpty {
            try database.write { tx in
                for (l, _) in removedPairs { try tx.removeMapping(mailbox: record.index, localUID: l) }
            }
        }
        logChanges(expunged: expungeOnLocal, stores: storeOnLocal, on: local)
        logChanges(expunged: expungeOnRemote, stores: storeOnRemote, on: remote)
    }

    /// Applies flag changes and expunges on both servers at once: the STOREs of both go out
    /// together (pipelined), then the UID EXPUNGEs once those STOREs completed. The EXPUNGE waits
    /// for its `\Deleted` STORE because a server may run pipelined commands concurrently
    /// (RFC 3501 §5.5), and dovecot does: an EXPUNGE could overtake the STORE it depends on.
    func applyOnBoth(local localChanges: (expunge: [UInt32], stores: [[Flag]: [UInt32]]),
                             remote remoteChanges: (expunge: [UInt32], stores: [[Flag]: [UInt32]])) throws {
        let plan: [(any MailStore, [UInt32], [[Flag]: [UInt32]])] = [(local, localChanges.expunge, localChanges.stores),
                                                                      (remote, remoteChanges.expunge, remoteChanges.stores)]
        var stores: [[Pending<Void>]] = []
        for (server, expunge, changes) in plan {
            var pendings: [Pending<Void>] = []
            for (flags, uids) in changes.sorted(by: { $0.key.map(\.rawValue).joined() < $1.key.map(\.rawValue).joined() }) {
                pendings.append(try server.setFlags(flags, on: SequenceSet(uids)))
                knownFlags.set(server.side, flags, uids)
            }
            knownFlags.expunged(server.side, expunge)
            if !expunge.isEmpty { pendings.append(try server.markDeleted(SequenceSet(expunge))) }
            stores.append(pendings)
        }
        var expunges: [Pending<Void>] = []
        for ((server, expunge, _), pendings) in zip(plan, stores) {
            for pending in pendings {
                try pending.wait()
                CrashPoint.reached("flags-store")
            }
            if !expunge.isEmpty { CrashPoint.reached("expunge-store") }
            expunges.append(try server.expunge(SequenceSet(expunge)))
        }
        for pending in expunges { try pending.wait() }
    }

    func logChanges(expunged: [UInt32], stores: [[Flag]: [UInt32]], on server: any MailStore) {
        if !expunged.isEmpty {
            log.info(server.name, server.display(record.name), "Removed \(expunged.count) UID(s) \(SyncLog.uids(expunged))")
        }
        for (flags, uids) in stores.sorted(by: { $0.value.min() ?? 0 < $1.value.min() ?? 0 }) {
            log.info(server.name, server.display(record.name), "Updated flags \(Self.list(flags)) for UID \(SyncLog.uids(uids))")
        }
    }

    /// Flags as interimap stores and compares them: no `\Recent` (session-only, RFC 3501 §2.3.2),
    /// no duplicates, sorted.
    static func normalized(_ flags: [Flag]) -> [Flag] {
        Array(Set(flags.filter { $0 != .recent })).sorted()
    }

    static func list(_ flags: [Flag]) -> String { "(" + flags.map(\.rawValue).joined(separator: " ") + ")" }

    // MARK: Step 3

    /// Copies the messages of `source` at or above `since` that are not mapped yet to
    /// `destination`, each APPENDed as soon as it arrives (the body of one message in memory at a
    /// time), the APPENDUID recorded right after. Returns the destination's UIDNEXT as far as
    /// these APPENDs show; `known` becomes the source's UIDNEXT as far as the FETCH showed.
    private func copyNewMessages(from source: any MailStore, to destination: any MailStore, since: UInt32,
                                 known: inout UInt32) throws -> [UInt32] {
        let start = max(since, 1)
        let mappedAbove = try database.mappedUIDs(mailbox: record.index, side: source.side, from: start)
        let fetchSet = Self.openSet(from: start, excluding: mappedAbove)
        return try copy(fetchSet, from: source, to: destination, minimumUID: start, excluding: mappedAbove, known: &known)
    }

    /// Whether sorted `uids` are `start, start+1, ...` (or empty).
    static func isContiguous(_ uids: [UInt32], from start: UInt32) -> Bool {
        guard let first = uids.first, let last = uids.last else { return true }
        return first == start && Int(last - first) + 1 == uids.count
    }

    /// `start:*` minus `excluded`, compactly (`3,5:*`).
    static func openSet(from start: UInt32, excluding excluded: SequenceSet) -> SequenceSet {
        var set = SequenceSet()
        var cursor = start
        for r in excluded.ranges where r.upperBound >= cursor {
            if r.lowerBound > cursor { set.insert(cursor...(r.lowerBound - 1)) }
            if r.upperBound == UInt32.max { return set }
            cursor = r.upperBound + 1
        }
        var tail = SequenceSet.from(cursor)
        tail.formUnion(set)
        return tail
    }

    /// Copies the messages of `fetchSet` (those at or above `minimumUID` and not in `excluding`)
    /// from `source` to `destination`: each message is read from the source as it arrives and
    /// APPENDed (in MULTIAPPEND batches where offered) while the source goes on sending, a window
    /// of APPENDs in flight; each APPENDUID is recorded as soon as it is known. Returns the UIDs
    /// the destination gave them, sorted; `known` becomes the source's UIDNEXT as far as the
    /// FETCH showed.
    private func copy(_ fetchSet: SequenceSet, from source: any MailStore, to destination: any MailStore, minimumUID: UInt32,
                      excluding: SequenceSet, known: inout UInt32) throws -> [UInt32] {
        var inFlight: [(result: Pending<AppendedUIDs>, sourceUIDs: [UInt32])] = []
        var appending: (appender: any MessageAppender, sourceUIDs: [UInt32], copies: [SyncDatabase.PendingCopy])?
        var added: [(source: UInt32, destination: UInt32)] = []
        var highestFetched: UInt32 = 0
        var flagsCopied: [UInt32: [Flag]] = [:]
        let destinationValidity = destination.selected?.uidValidity ?? 0
        // MULTIAPPEND (RFC 3502) adds a batch atomically in one command; without it, one message
        // per APPEND. Either way several commands are in flight (pipelining).
        let batchLimit = destination.appendBatchLimit
        let window = batchLimit == 1 ? 4 * appendWindow : appendWindow

        func complete(_ entry: (result: Pending<AppendedUIDs>, sourceUIDs: [UInt32])) throws {
            let appended = try entry.result.wait()
            guard appended.uidValidity == destinationValidity, appended.uids.count == entry.sourceUIDs.count else {
                throw SyncError.missingAppendUID(server: destination.name, mailbox: destination.display(record.name))
            }
            for _ in entry.sourceUIDs { CrashPoint.reached("append-after-message") }
            // APPENDUID lists the new UIDs in the order of the messages (RFC 4315 §3, RFC 3502 §6.3.11).
            let pairs = Array(zip(entry.sourceUIDs, appended.uids))
            for (sourceUID, newUID) in pairs { knownFlags.set(destination.side, flagsCopied.removeValue(forKey: sourceUID) ?? [], [newUID]) }
            try database.write { tx in
                for (sourceUID, newUID) in pairs {
                    let (l, r) = destination.side == .local ? (newUID, sourceUID) : (sourceUID, newUID)
                    try tx.addMapping(mailbox: record.index, localUID: l, remoteUID: r)
                    try tx.removePendingCopy(mailbox: record.index, destination: destination.side, sourceUID: sourceUID)
                }
            }
            added.append(contentsOf: pairs)
        }

        func flush() throws {
            guard let (appender, uids, copies) = appending else { return }
            appending = nil
            // Recorded before the APPEND can complete (the server adds nothing before the end of
            // the command): after a crash, the next run recognises these copies as its own.
            try database.write { tx in for copy in copies { try tx.addPendingCopy(mailbox: record.index, copy) } }
            inFlight.append((try appender.finish(), uids))
            // The APPEND is on its way; the server may or may not have added it yet.
            CrashPoint.reached("append-batch-middle")
            // Bounded: at most `window` APPENDs wait for their completion.
            if inFlight.count >= window { try complete(inFlight.removeFirst()) }
        }

        // Each message goes from the source's FETCH to the destination's APPEND while it arrives,
        // in pieces (the stores bound what waits in between): the synchronizer drives both
        // servers from here, neither from inside the other's reading.
        let messages = try source.fetchMessages(fetchSet)
        while let message = try messages.next() {
            guard message.uid >= minimumUID, !excluding.contains(message.uid) else { continue }
            highestFetched = max(highestFetched, message.uid)
            if appending == nil { appending = (try destination.beginAppend(to: record.name), [], []) }
            let hasher = MessageDigest.Hasher()
            let flags = Self.normalized(message.flags)
            try appending?.appender.add(flags: flags, internalDate: message.internalDate, body: message.body.hashed(into: hasher))
            knownFlags.set(source.side, flags, [message.uid])
            if !knownFlags.isEmpty { flagsCopied[message.uid] = flags }
            appending?.sourceUIDs.append(message.uid)
            appending?.copies.append(.init(destination: destination.side, sourceUID: message.uid, size: UInt64(message.body.size),
                                           date: message.internalDate.map { Int64($0.date.timeIntervalSince1970) }, digest: hasher.finish()))
            progress?.copied(bytes: Int64(message.body.size))
            CrashPoint.reached("fetch-after-message")
            if let (appender, _, _) = appending, appender.count >= batchLimit || appender.byteCount >= Self.appendBatchBytes { try flush() }
        }
        try flush()
        while !inFlight.isEmpty { try complete(inFlight.removeFirst()) }
        known = max(known, highestFetched + 1)
        if !added.isEmpty && destination.selected?.level == .condstore {
            // A CONDSTORE server need not say what mod-sequence our APPENDs got (no QRESYNC
            // reports): read it, or the next run would take our own copies for changes.
            _ = try destination.fetchFlags(SequenceSet(added.map(\.destination))).wait()
        }
        if !added.isEmpty {
            let sources = added.map(\.source), destinations = added.map(\.destination)
            let (localUIDs, remoteUIDs) = destination.side == .local ? (destinations, sources) : (sources, destinations)
            log.info(destination.name, destination.display(record.name), "Added \(added.count) UID(s) \(SyncLog.uids(localUIDs)) "
                + (destination.side == .local ? "<-" : "->") + " \(SyncLog.uids(remoteUIDs))")
        }
        return added.map(\.destination).sorted()
    }

    /// The bytes of messages one APPEND batch carries at most: a batch is one command, and a
    /// server collects it whole before adding it atomically (RFC 3502 §6.3.11).
    static let appendBatchBytes = 4 << 20

    // MARK: Interrupted copies

    /// Pairs unmapped new messages that exist on both servers with the same size, internal date
    /// and bytes. A run killed between an APPEND and the recording of its APPENDUID (or with
    /// pipelined APPENDs in flight) left such copies; pairing them makes recovery free of
    /// duplicates. Only size and date are fetched for all new messages; bodies only for the
    /// messages whose size and date match one on the other server.
    private func pairIdenticalNewMessages(_ state: States) throws {
        // Nothing to pair unless both servers have messages above the recorded UIDNEXT.
        guard (local.selected?.uidNext ?? 0) > state.local.uidNext, (remote.selected?.uidNext ?? 0) > state.remote.uidNext else { return }
        let mapped: [SyncDatabase.Side: SequenceSet] = [
            .local: try database.mappedUIDs(mailbox: record.index, side: .local, from: state.local.uidNext),
            .remote: try database.mappedUIDs(mailbox: record.index, side: .remote, from: state.remote.uidNext),
        ]
        // Sizes and dates of the unmapped new messages of both servers, asked at once.
        var keyRequests: [(any MailStore, Pending<[UInt32: MessageKey]>)] = []
        for server in [local, remote] {
            let start = max(server.side == .local ? state.local.uidNext : state.remote.uidNext, 1)
            keyRequests.append((server, try server.fetchKeys(Self.openSet(from: start, excluding: mapped[server.side] ?? SequenceSet()))))
        }
        var keys: [SyncDatabase.Side: [UInt32: String]] = [:]
        for (server, request) in keyRequests {
            let start = max(server.side == .local ? state.local.uidNext : state.remote.uidNext, 1)
            let excluded = mapped[server.side] ?? SequenceSet()
            keys[server.side] = try request.wait().filter { $0.key >= start && !excluded.contains($0.key) }
                .mapValues { "\($0.size) \($0.date)" }
        }
        let localKeys = keys[.local] ?? [:], remoteKeys = keys[.remote] ?? [:]
        let common = Set(localKeys.values).intersection(remoteKeys.values)
        guard !common.isEmpty else { return }
        let localCandidates = SequenceSet(localKeys.filter { common.contains($0.value) }.keys)
        let remoteCandidates = SequenceSet(remoteKeys.filter { common.contains($0.value) }.keys)
        let localDigests = try local.fetchDigests(localCandidates), remoteDigests = try remote.fetchDigests(remoteCandidates)
        let digests: [SyncDatabase.Side: [UInt32: [UInt8]]] = [.local: try localDigests.wait(), .remote: try remoteDigests.wait()]
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
        let localRequest = try local.fetchFlags(SequenceSet(pairs.map { $0.0 }))
        let remoteRequest = try remote.fetchFlags(SequenceSet(pairs.map { $0.1 }))
        let localFlags = try localRequest.wait(), remoteFlags = try remoteRequest.wait()
        // The flags just read supersede the changes reported before them (by a SELECT below
        // QRESYNC's level of detail, or meanwhile): comparing them is all that is left to do.
        for (l, r) in pairs { local.selected?.pendingFlags[l] = nil; remote.selected?.pendingFlags[r] = nil }
        var expungeOnLocal: [UInt32] = [], expungeOnRemote: [UInt32] = []
        var storeOnLocal: [[Flag]: [UInt32]] = [:], storeOnRemote: [[Flag]: [UInt32]] = [:]
        var removed: [UInt32] = []
        var recopyToLocal = SequenceSet(), recopyToRemote = SequenceSet()
        for (l, r) in pairs {
            switch (localFlags[l], remoteFlags[r]) {
            case (nil, nil):
                if repair { log.warning("", "", "Pair (lUID,rUID) = (\(l),\(r)) vanished from \(displayName). Repairing.") }
                removed.append(l)
            case (nil, _?):
                removed.append(l)
                if repair {
                    // --repair never loses a message: the surviving copy is replicated again.
                    log.warning(local.name, local.display(record.name), "UID \(l) disappeared. Redownloading remote UID \(r).")
                    recopyToLocal.insert(r)
                } else {
                    expungeOnRemote.append(r)
                }
            case (_?, nil):
                removed.append(l)
                if repair {
                    log.warning(remote.name, remote.display(record.name), "UID \(r) disappeared. Redownloading local UID \(l).")
                    recopyToRemote.insert(l)
                } else {
                    expungeOnLocal.append(l)
                }
            case let (lf?, rf?):
                let a = Self.normalized(lf), b = Self.normalized(rf)
                guard a != b else { continue }
                let union = Self.normalized(a + b)
                if repair { log.warning("", "", "Missed flag update in \(displayName) for (lUID,rUID) = (\(l),\(r)). Repairing.") }
                if union != a { storeOnLocal[union, default: []].append(l) }
                if union != b { storeOnRemote[union, default: []].append(r) }
            }
        }
        try applyOnBoth(local: (expungeOnLocal, storeOnLocal), remote: (expungeOnRemote, storeOnRemote))
        if !removed.isEmpty {
            try database.write { tx in for l in removed { try tx.removeMapping(mailbox: record.index, localUID: l) } }
        }
        logChanges(expunged: expungeOnLocal, stores: storeOnLocal, on: local)
        logChanges(expunged: expungeOnRemote, stores: storeOnRemote, on: remote)
        var ignored: UInt32 = 0
        if !recopyToRemote.isEmpty { _ = try copy(recopyToRemote, from: local, to: remote, minimumUID: 1, excluding: SequenceSet(), known: &ignored) }
        if !recopyToLocal.isEmpty { _ = try copy(recopyToLocal, from: remote, to: local, minimumUID: 1, excluding: SequenceSet(), known: &ignored) }
    }

    /// `--repair`: messages below the recorded UIDNEXT that no mapping mentions are copied to the
    /// other server (interimap(1): "in the worst case, might yield a message duplicate").
    private func copyUnmappedBelowUIDNext(_ state: States) throws {
        for (source, destination, limit) in [(local, remote, state.local.uidNext), (remote, local, state.remote.uidNext)] where limit > 1 {
            let all = try source.fetchFlags(SequenceSet(ranges: [1...(limit - 1)])).wait()
            let mapped = try database.mappedUIDs(mailbox: record.index, side: source.side, from: 1)
            let missing = SequenceSet(all.keys.filter { !mapped.contains($0) })
            guard !missing.isEmpty else { continue }
            for uid in missing.numbers {
                log.warning(destination.name, destination.display(record.name), "No match for modified \(source.name) UID \(uid). Redownloading.")
            }
            var ignored: UInt32 = 0
            _ = try copy(missing, from: source, to: destination, minimumUID: 1, excluding: SequenceSet(), known: &ignored)
        }
    }
}
