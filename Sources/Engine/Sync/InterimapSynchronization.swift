import Foundation

/// One `interimap` run: lock the database, connect both servers at once, find the mailboxes,
/// reconcile their existence and subscriptions, and synchronize every mailbox whose state moved.
final class InterimapSynchronization {
    let configuration: InterimapConfiguration
    let log: SyncLog
    let database: SyncDatabase
    let local: any MailStore
    let remote: any MailStore
    /// Whether the hierarchy delimiters are known (after the first LIST).
    private var delimitersKnown = false

    /// - Parameters: local, remote: the two stores, connected (``IMAPStoreConnector``, or in
    ///   memory in the tests).
    init(configuration: InterimapConfiguration, log: SyncLog, database: SyncDatabase, local: any MailStore, remote: any MailStore) {
        self.configuration = configuration
        self.log = log
        self.database = database
        self.local = local
        self.remote = remote
    }

    /// Learns both servers' hierarchy delimiters (for commands that act on names only).
    func learnDelimiters() throws {
        try MailboxDiscovery(configuration: configuration, commandLineMailboxes: [], log: log).learnDelimiters([local, remote])
        delimitersKnown = true
    }

    /// The default command: synchronize (or, with `--repair`, repair) the mailboxes in scope.
    func synchronize(repair: Bool, mailboxes: [String]) throws {
        let discovery = MailboxDiscovery(configuration: configuration, commandLineMailboxes: mailboxes, log: log)
        // The LIST responses carry the delimiter; it must be known beforehand only to write the
        // patterns (MAILBOX arguments for a remote server, NUL in list-mailbox).
        if !delimitersKnown && (!mailboxes.isEmpty || configuration.listMailbox.contains { $0.contains("\0") }) {
            try discovery.learnDelimiters([local, remote])
        }
        var listed = try discovery.list([local, remote])
        delimitersKnown = true
        // Names one server listed and the other did not: ask the other about them by name.
        let localNames = Set((listed[.local] ?? []).map(\.database)), remoteNames = Set((listed[.remote] ?? []).map(\.database))
        let found = try discovery.lookUp([.local: Array(remoteNames.subtracting(localNames)).sorted { $0.lexicographicallyPrecedes($1) },
                                          .remote: Array(localNames.subtracting(remoteNames)).sorted { $0.lexicographicallyPrecedes($1) }],
                                         on: [local, remote])
        for (side, mailboxes) in found { listed[side, default: []].append(contentsOf: mailboxes) }
        let work = try reconcile(local: listed[.local] ?? [], remote: listed[.remote] ?? [], repair: repair)
        let progress = SyncProgress(line: log.sink.progressLine)
        progress.start(mailboxes: work.count, messages: try estimateCopies(work, listed: listed))
        let mailboxes = work.map {
            MailboxSynchronizer(local: local, remote: remote, database: database, log: log, record: $0, repair: repair, progress: progress)
        }
        try SynchronizationPipeline(local: local, remote: remote, mailboxes: mailboxes, progress: progress).run()
        // Leave no mailbox selected: a server may answer LIST-STATUS for the selected mailbox
        // with the values of its SELECT (dovecot does), which would hide new mail from the next
        // pass of --watch. UNSELECT (RFC 3691) on both, pipelined.
        let unselects = try [local, remote].map { try $0.unselect() }
        for pending in unselects { try pending.wait() }
    }

    /// Creates what exists on one side only, follows subscriptions, and returns the database
    /// records of the mailboxes that need synchronizing.
    func reconcile(local localList: [ListedMailbox], remote remoteList: [ListedMailbox], repair: Bool) throws -> [SyncDatabase.MailboxRecord] {
        var byName: [[UInt8]: (l: ListedMailbox?, r: ListedMailbox?)] = [:]
        var order: [[UInt8]] = []
        for m in localList { if byName[m.database] == nil { order.append(m.database) }; byName[m.database, default: (nil, nil)].l = m }
        for m in remoteList { if byName[m.database] == nil { order.append(m.database) }; byName[m.database, default: (nil, nil)].r = m }
        var records: [[UInt8]: SyncDatabase.MailboxRecord] = [:]
        for r in try database.mailboxes() { records[r.name] = r }

        // A known mailbox missing from one server only: deleted or renamed there. Nothing is
        // changed anywhere until the user says which (interimap(1), KNOWN BUGS AND LIMITATIONS).
        for name in order {
            guard let pair = byName[name], let _ = records[name] else { continue }
            if pair.l == nil { throw SyncError.mailboxVanished(server: "local", mailbox: display(name)) }
            if pair.r == nil { throw SyncError.mailboxVanished(server: "remote", mailbox: display(name)) }
        }

        // New mailboxes are created where they are missing (and subscribed where the other
        // server has them subscribed) with every CREATE and SUBSCRIBE sent at once, pipelined:
        // one round trip for them all. Their answers are then taken mailbox by mailbox.
        var created: [[UInt8]: [(any MailStore, Pending<Void>)]] = [:]
        var subscriptions: [[UInt8]: [(any MailStore, Pending<Void>)]] = [:]
        for name in order where records[name] == nil {
            guard let pair = byName[name] else { continue }
            let subscribed = (pair.l?.isSubscribed ?? false) || (pair.r?.isSubscribed ?? false)
            for (server, listed) in [(local, pair.l), (remote, pair.r)] {
                if listed == nil { created[name, default: []].append((server, try server.create(name))) }
                if subscribed && listed?.isSubscribed != true {
                    subscriptions[name, default: []].append((server, try server.setSubscribed(name, true)))
                }
            }
        }

        var work: [SyncDatabase.MailboxRecord] = []
        for name in order {
            guard let pair = byName[name] else { continue }
            if records[name] == nil {
                // New on one or both servers: created where it was missing; now remember it.
                for (server, pending) in created[name] ?? [] { try finishCreate(name, on: server, pending) }
                let subscribed = (pair.l?.isSubscribed ?? false) || (pair.r?.isSubscribed ?? false)
                for (server, pending) in subscriptions[name] ?? [] {
                    try pending.wait()
                    log.info(server.name, "", "Subscribe to " + server.display(name))
                }
                try database.write { try $0.insertMailbox(name: name, subscribed: subscribed) }
                log.notice("database", "", "Created mailbox \(display(name))")
                guard let record = try database.mailbox(named: name) else { continue }
                work.append(record)
                continue
            }
            guard var record = records[name], let l = pair.l, let r = pair.r else { continue }
            // Subscriptions: the side that differs from the database changed; follow it.
            if l.isSubscribed != r.isSubscribed {
                if l.isSubscribed == record.subscribed {
                    try subscribe(name, on: local, r.isSubscribed)
                } else {
                    try subscribe(name, on: remote, l.isSubscribed)
                }
                record.subscribed = l.isSubscribed == record.subscribed ? r.isSubscribed : l.isSubscribed
                try database.write { try $0.setSubscribed(mailbox: record.index, record.subscribed) }
            } else if l.isSubscribed != record.subscribed {
                record.subscribed = l.isSubscribed
                try database.write { try $0.setSubscribed(mailbox: record.index, record.subscribed) }
            }
            if try repair || isDirty(record, local: l.status, remote: r.status) { work.append(record) }
        }
        return work
    }

    /// Sizes the progress line: the messages of each mailbox that the database does not map
    /// yet are those to copy (LIST-STATUS's MESSAGES, RFC 5819; an estimate: expunges count too).
    private func estimateCopies(_ work: [SyncDatabase.MailboxRecord], listed: [SyncDatabase.Side: [ListedMailbox]]) throws -> Int {
        guard log.sink.progressLine != nil else { return 0 }
        var counts: [[UInt8]: Int] = [:]
        for side in [SyncDatabase.Side.local, .remote] {
            for mailbox in listed[side] ?? [] { counts[mailbox.database, default: 0] += Int(mailbox.status?.messages ?? 0) }
        }
        var total = 0
        for record in work { total += max(0, (counts[record.name] ?? 0) - 2 * (try database.mappingCount(mailbox: record.index))) }
        return total
    }

    /// Whether a mailbox may have changed since it was last in sync, from the STATUS of both
    /// servers. A plain server cannot say whether flags changed: its mailboxes are always looked
    /// at. A CONDSTORE server need not count an expunge in HIGHESTMODSEQ (only QRESYNC requires it,
    /// RFC 7162 §3.2.10), so its message count is compared with the mapping too.
    private func isDirty(_ record: SyncDatabase.MailboxRecord, local: MailboxStatus?, remote: MailboxStatus?) throws -> Bool {
        guard let ls = record.local, let rs = record.remote, let local, let remote else { return true }
        if self.local.level == .plain || self.remote.level == .plain { return true }
        if local.uidNext != ls.uidNext || local.highestModSeq != ls.highestModSeq || local.uidValidity != ls.uidValidity
            || remote.uidNext != rs.uidNext || remote.highestModSeq != rs.highestModSeq || remote.uidValidity != rs.uidValidity {
            return true
        }
        guard self.local.level < .qresync || self.remote.level < .qresync else { return false }
        let mapped = try database.mappingCount(mailbox: record.index)
        for (server, status) in [(self.local, local), (self.remote, remote)] where server.level < .qresync {
            if status.messages.map({ Int($0) != mapped }) ?? true { return true }
        }
        return false
    }

    private func display(_ name: [UInt8]) -> String { MailboxNaming.display(name, delimiter: local.naming.delimiter) }

    private func finishCreate(_ name: [UInt8], on server: any MailStore, _ pending: Pending<Void>) throws {
        do {
            try pending.wait()
        } catch var failure as ServerFailure {
            failure.context = "Couldn't create mailbox \(server.display(name))"
            throw failure
        }
        log.info(server.name, "", "Created mailbox \(server.display(name))")
    }

    private func subscribe(_ name: [UInt8], on server: any MailStore, _ subscribed: Bool) throws {
        try server.setSubscribed(name, subscribed).wait()
        log.info(server.name, "", (subscribed ? "Subscribe to " : "Unsubscribe from ") + server.display(name))
    }

    /// LOGOUT from both servers and log the traffic, as the reference does at exit.
    func finish() {
        for server in [local, remote] { server.logoutBeforeExit() }
        for server in [local, remote] {
            guard let traffic = server.traffic else { continue }
            log.unmarked.info(server.name, "", "IMAP traffic (bytes): \(traffic.summary)")
        }
    }

    /// Byte counts as the reference prints them: `229`, `1.59K`, `3.20M`.
    static func bytes(_ n: Int) -> String { TrafficCounter.bytes(n) }
}
