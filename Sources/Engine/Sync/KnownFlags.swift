/// The flags a plain server's messages have once a mailbox is synchronized, remembered in the
/// database (``SyncDatabase/setKnownFlags(mailbox:side:_:)``) so that the next run can tell which
/// server changed a message. Nothing is read again to learn them: they are the flags the scan
/// read (``ChangeScan``), with what this run did on top — flags stored, messages expunged, copied
/// from the server or appended to it.
///
/// Written after the mailbox's state, as the last step: a run that dies before leaves the old
/// flags, and the next run sees its own changes as changes again and stores them once more,
/// which is harmless.
final class KnownFlags {
    private final class Side {
        var scanned: [UInt32: [Flag]] = [:]
        var remembered: [UInt32: [Flag]] = [:]
        /// Flags set by this run, and messages it expunged.
        var changes: [UInt32: Change] = [:]
    }

    private enum Change: Equatable {
        case flags([Flag])
        case expunged
    }

    private var sides: [SyncDatabase.Side: Side] = [:]

    /// - Parameter plain: the sides whose mailbox is synchronized at the plain level.
    init(plain: [SyncDatabase.Side]) {
        for side in plain { sides[side] = Side() }
    }

    var isEmpty: Bool { sides.isEmpty }

    func scanned(_ scan: ChangeScan) {
        guard let side = sides[scan.server.side], let remembered = scan.remembered else { return }
        side.scanned = scan.scanned
        side.remembered = remembered
    }

    /// This run gave `uids` these flags (a STORE, a message fetched or appended).
    func set(_ side: SyncDatabase.Side, _ flags: [Flag], _ uids: [UInt32]) {
        guard let tracked = sides[side] else { return }
        for uid in uids { tracked.changes[uid] = .flags(MailboxSynchronizer.normalized(flags)) }
    }

    func expunged(_ side: SyncDatabase.Side, _ uids: [UInt32]) {
        guard let tracked = sides[side] else { return }
        for uid in uids { tracked.changes[uid] = .expunged }
    }

    /// Writes what differs from the remembered flags.
    func commit(to database: SyncDatabase, mailbox: Int64) throws {
        guard !isEmpty else { return }
        try database.write { tx in
            for (name, side) in sides {
                var rows: [UInt32: [Flag]?] = [:]
                for (uid, flags) in side.scanned where side.changes[uid] == nil {
                    let now = MailboxSynchronizer.normalized(flags)
                    if side.remembered[uid] != now { rows[uid] = .some(now) }
                }
                for (uid, change) in side.changes {
                    switch change {
                    case .flags(let flags): if side.remembered[uid] != flags { rows[uid] = .some(flags) }
                    case .expunged: if side.remembered[uid] != nil { rows[uid] = .some(nil) }
                    }
                }
                // UIDs the scan no longer found are gone for good (RFC 3501 §2.3.1.1: never reused).
                for uid in side.remembered.keys where side.scanned[uid] == nil && side.changes[uid] == nil { rows[uid] = .some(nil) }
                try tx.setKnownFlags(mailbox: mailbox, side: name, rows)
            }
        }
    }
}
