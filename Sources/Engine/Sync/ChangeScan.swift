/// What changed below the recorded UIDNEXT on a server that cannot report it by itself (no
/// QRESYNC, RFC 7162 §3.2.5): found by asking, and handed to the synchronizer as the same
/// pending updates a QRESYNC SELECT would have given (``SelectedMailbox``), so the rest of the
/// algorithm is the same at every level.
///
/// - CONDSTORE (RFC 7162 §3.1): flag changes by `UID FETCH (FLAGS) (CHANGEDSINCE recorded)`,
///   expunges by comparing the mapped UIDs with those the server still has (one UID SEARCH, or
///   a FETCH of UIDs only). Nothing else is read, however large the mailbox.
/// - plain IMAP4rev1: the UIDs and flags of every message below the recorded UIDNEXT, compared
///   with the flags remembered at the end of the last run (``KnownFlags``), as mbsync does.
///   A mapped message with no remembered flags (first run at this level) is compared with the
///   other server instead (``unremembered``), whose union wins, so no change is lost.
final class ChangeScan {
    let server: any MailStore
    let selected: SelectedMailbox
    private let mapped: SequenceSet
    private let flags: Pending<[UInt32: [Flag]]>
    private let existing: Pending<SequenceSet>?
    /// The flags remembered for this side (plain scans only).
    let remembered: [UInt32: [Flag]]?
    /// Set by ``finish()``: the flags the plain scan read, for ``KnownFlags``.
    private(set) var scanned: [UInt32: [Flag]] = [:]

    /// Starts the scan of one server's selected mailbox, or returns nil when it needs none (a
    /// QRESYNC server, or a mailbox new to the database). Its commands go out at once, so the
    /// scans of both servers share one round trip.
    static func start(on server: any MailStore, selected: SelectedMailbox, recorded: SyncDatabase.MailboxState?,
                      database: SyncDatabase, mailbox: Int64) throws -> ChangeScan? {
        guard selected.level < .qresync, let recorded, recorded.uidNext > 1 else { return nil }
        let known = SequenceSet(ranges: [1...(recorded.uidNext - 1)])
        let mapped = try database.mappings(mailbox: mailbox, side: server.side, in: known)
        if selected.level == .condstore && recorded.highestModSeq > 0 {
            return ChangeScan(server: server, selected: selected, mapped: mapped,
                              flags: try server.fetchFlags(known, changedSince: recorded.highestModSeq),
                              existing: try server.existingUIDs(known), remembered: nil)
        }
        return ChangeScan(server: server, selected: selected, mapped: mapped, flags: try server.fetchFlags(known),
                          existing: nil, remembered: try database.knownFlags(mailbox: mailbox, side: server.side))
    }

    private init(server: any MailStore, selected: SelectedMailbox, mapped: SequenceSet, flags: Pending<[UInt32: [Flag]]>,
                 existing: Pending<SequenceSet>?, remembered: [UInt32: [Flag]]?) {
        self.server = server; self.selected = selected; self.mapped = mapped
        self.flags = flags; self.existing = existing; self.remembered = remembered
    }

    /// Whether this scan read every flag (plain), so that its results are worth remembering.
    var readsEveryFlag: Bool { remembered != nil }

    /// Waits for the answers and records the changes in the selected mailbox. Returns the mapped
    /// UIDs whose flags were never remembered: they need comparing with the other server.
    func finish() throws -> SequenceSet {
        let flags = try flags.wait()
        let present = try existing?.wait() ?? SequenceSet(flags.keys)
        let vanished = mapped.subtracting(present)
        if !vanished.isEmpty { selected.observe(vanished: vanished) }
        guard let remembered else {
            for (uid, list) in flags where mapped.contains(uid) { selected.observe(uid: uid, flags: list, modSeq: nil) }
            return SequenceSet()
        }
        scanned = flags
        var unremembered = SequenceSet()
        for (uid, list) in flags where mapped.contains(uid) {
            guard let before = remembered[uid] else { unremembered.insert(uid); continue }
            if MailboxSynchronizer.normalized(list) != MailboxSynchronizer.normalized(before) { selected.observe(uid: uid, flags: list, modSeq: nil) }
        }
        return unremembered
    }
}
