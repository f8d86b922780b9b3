import Foundation

/// Step 3 of interimap(1) for one mailbox in one direction: the messages of `fetchSet` (those at
/// or above `minimumUID` and not in `excluding`) go from `source` to `destination`. Each message
/// is read from the source as it arrives and APPENDed (in MULTIAPPEND batches where offered)
/// while the source goes on sending; each APPENDUID is recorded as soon as it is known.
///
/// ``start()`` only sends the FETCH, so that the FETCHes of many mailboxes ride in one round
/// trip; ``transfer(into:)`` copies what arrives, in the order the FETCHes went out; the APPENDs
/// complete in a window shared by every copy to the same server (``AppendWindow``).
final class MessageCopy {
    let mailbox: MailboxSynchronizer
    let source: any MailStore
    let destination: any MailStore
    private let fetchSet: SequenceSet
    private let minimumUID: UInt32
    private let excluding: SequenceSet
    private var cursor: MessageCursor?
    /// Source UID to destination UID, as the APPENDUIDs came.
    private(set) var added: [(source: UInt32, destination: UInt32)] = []
    /// Batches appended and not yet completed.
    fileprivate var outstanding = 0
    private var highestFetched: UInt32 = 0
    /// The flags each message was copied with, for a plain server's remembered flags.
    private var flagsCopied: [UInt32: [Flag]] = [:]

    init(_ mailbox: MailboxSynchronizer, _ fetchSet: SequenceSet, from source: any MailStore, to destination: any MailStore,
         minimumUID: UInt32, excluding: SequenceSet) {
        self.mailbox = mailbox; self.fetchSet = fetchSet; self.source = source; self.destination = destination
        self.minimumUID = minimumUID; self.excluding = excluding
    }

    /// The bytes of messages one APPEND batch carries at most: a batch is one command, and a
    /// server collects it whole before adding it atomically (RFC 3502 §6.3.11).
    static let appendBatchBytes = 4 << 20

    /// Sends the FETCH (behind the SELECT of the mailbox, if another is selected).
    func start() throws {
        try mailbox.focus(source)
        cursor = try source.fetchMessages(fetchSet)
    }

    /// Copies every message the FETCH brings: the synchronizer drives both servers from here,
    /// neither from inside the other's reading, and the stores bound what waits in between.
    func transfer(into window: AppendWindow) throws {
        guard let cursor else { return }
        // The destination has the mailbox selected while messages are added to it, so that what
        // it reports about them (their HIGHESTMODSEQ) is recorded in its view.
        try mailbox.focus(destination)
        let batchLimit = destination.appendBatchLimit
        var appending: (appender: any MessageAppender, sourceUIDs: [UInt32], copies: [SyncDatabase.PendingCopy])?
        let database = mailbox.database, index = mailbox.record.index
        func flush() throws {
            guard let (appender, uids, copies) = appending else { return }
            appending = nil
            // Recorded before the APPEND can complete (the server adds nothing before the end of
            // the command): after a crash, the next run recognises these copies as its own.
            try database.write { tx in for copy in copies { try tx.addPendingCopy(mailbox: index, copy) } }
            outstanding += 1
            try window.add(self, try appender.finish(), sourceUIDs: uids)
        }
        while let message = try cursor.next() {
            guard message.uid >= minimumUID, !excluding.contains(message.uid) else { continue }
            highestFetched = max(highestFetched, message.uid)
            if appending == nil { appending = (try destination.beginAppend(to: mailbox.record.name), [], []) }
            let hasher = MessageDigest.Hasher()
            let flags = MailboxSynchronizer.normalized(message.flags)
            try appending?.appender.add(flags: flags, internalDate: message.internalDate, body: message.body.hashed(into: hasher))
            mailbox.knownFlags.set(source.side, flags, [message.uid])
            if !mailbox.knownFlags.isEmpty { flagsCopied[message.uid] = flags }
            appending?.sourceUIDs.append(message.uid)
            appending?.copies.append(.init(destination: destination.side, sourceUID: message.uid, size: UInt64(message.body.size),
                                           date: message.internalDate.map { Int64($0.date.timeIntervalSince1970) }, digest: hasher.finish()))
            mailbox.progress?.copied(bytes: Int64(message.body.size))
            CrashPoint.reached("fetch-after-message")
            if let (appender, _, _) = appending, appender.count >= batchLimit || appender.byteCount >= Self.appendBatchBytes { try flush() }
        }
        try flush()
    }

    /// One APPEND completed: its APPENDUID is recorded at once.
    fileprivate func complete(_ result: Pending<AppendedUIDs>, sourceUIDs: [UInt32]) throws {
        outstanding -= 1
        let appended = try result.wait()
        let database = mailbox.database, index = mailbox.record.index
        guard appended.uidValidity == mailbox.view(on: destination).uidValidity, appended.uids.count == sourceUIDs.count else {
            throw SyncError.missingAppendUID(server: destination.name, mailbox: destination.display(mailbox.record.name))
        }
        for _ in sourceUIDs { CrashPoint.reached("append-after-message") }
        // APPENDUID lists the new UIDs in the order of the messages (RFC 4315 §3, RFC 3502 §6.3.11).
        let pairs = Array(zip(sourceUIDs, appended.uids))
        for (sourceUID, newUID) in pairs { mailbox.knownFlags.set(destination.side, flagsCopied.removeValue(forKey: sourceUID) ?? [], [newUID]) }
        let toLocal = destination.side == .local
        try database.write { tx in
            for (sourceUID, newUID) in pairs {
                try tx.addMapping(mailbox: index, localUID: toLocal ? newUID : sourceUID, remoteUID: toLocal ? sourceUID : newUID)
                try tx.removePendingCopy(mailbox: index, destination: destination.side, sourceUID: sourceUID)
            }
        }
        added.append(contentsOf: pairs.map { (source: $0.0, destination: $0.1) })
    }

    /// Once every APPEND completed: the log line, and the UIDs for the mailbox's bookkeeping.
    /// Returns the destination's new UIDs, sorted, and the source's UIDNEXT as far as the FETCH showed.
    func finish() -> (uids: [UInt32], fetchedUpTo: UInt32) {
        if !added.isEmpty {
            let sources = added.map(\.source), destinations = added.map(\.destination)
            let (localUIDs, remoteUIDs) = destination.side == .local ? (destinations, sources) : (sources, destinations)
            mailbox.log.info(destination.name, destination.display(mailbox.record.name), "Added \(added.count) UID(s) \(SyncLog.uids(localUIDs)) "
                + (destination.side == .local ? "<-" : "->") + " \(SyncLog.uids(remoteUIDs))")
        }
        return (added.map(\.destination).sorted(), highestFetched + 1)
    }

    /// Runs one copy alone, start to end (the rare copies of `--repair` and full synchronization).
    func run() throws -> [UInt32] {
        try start()
        let window = AppendWindow(destination)
        try transfer(into: window)
        try window.drain()
        return finish().uids
    }
}

/// The APPENDs in flight on one server, across the copies of many mailboxes: at most `limit`
/// wait for their completion, the oldest completed first (its APPENDUID recorded) when one more
/// goes out. What is in flight has been sent already, so the window bounds how much a crash can
/// leave unrecorded (recovered by pairing), not memory.
final class AppendWindow {
    private var inFlight: [(copy: MessageCopy, result: Pending<AppendedUIDs>, sourceUIDs: [UInt32])] = []
    private var head = 0
    let limit: Int

    /// How many APPEND batches may be in flight on one server before waiting for the oldest.
    static let batchesInFlight = 32

    init(_ destination: any MailStore) {
        // MULTIAPPEND (RFC 3502) adds a batch atomically in one command; without it, one message
        // per APPEND. Either way several commands are in flight (pipelining).
        limit = destination.appendBatchLimit == 1 ? 4 * Self.batchesInFlight : Self.batchesInFlight
    }

    fileprivate func add(_ copy: MessageCopy, _ result: Pending<AppendedUIDs>, sourceUIDs: [UInt32]) throws {
        inFlight.append((copy, result, sourceUIDs))
        // The APPEND is on its way; the server may or may not have added it yet.
        CrashPoint.reached("append-batch-middle")
        if inFlight.count - head >= limit { try completeOldest() }
    }

    private func completeOldest() throws {
        let entry = inFlight[head]
        head += 1
        inFlight.dropTakenPrefix(&head)
        try entry.copy.complete(entry.result, sourceUIDs: entry.sourceUIDs)
    }

    /// Completes every APPEND in flight.
    func drain() throws {
        while head < inFlight.count { try completeOldest() }
        inFlight = []
        head = 0
    }
}
