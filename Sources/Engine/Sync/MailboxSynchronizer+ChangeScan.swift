/// Step 1's end below QRESYNC: what a server's SELECT could not report is looked for
/// (``ChangeScan``), the commands of every mailbox on both servers sent before any answer is
/// awaited, each behind the SELECT of its mailbox.
extension MailboxSynchronizer {
    func sendChangeScans() throws {
        knownFlags = KnownFlags(plain: [local, remote].filter { view(on: $0).level == .plain }.map(\.side))
        for (server, recorded) in [(local, record.local), (remote, record.remote)] where view(on: server).level < .qresync {
            try focus(server)
            if let scan = try ChangeScan.start(on: server, selected: view(on: server), recorded: recorded, database: database, mailbox: record.index) {
                scans.append(scan)
            }
        }
    }

    /// The scans' answers, recorded in the mailbox's views as a QRESYNC SELECT's would be.
    func finishChangeScans() throws {
        for scan in scans {
            let uids = try scan.finish()
            knownFlags.scanned(scan)
            unremembered += scan.server.side == .local ? try database.mappings(mailbox: record.index, localUIDs: uids)
                                                       : try database.mappings(mailbox: record.index, remoteUIDs: uids)
        }
        scans = []
        try settleSelects()
    }
}
