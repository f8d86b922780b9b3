import Foundation

/// Every dirty mailbox in flight at once: interimap(1)'s steps 1 to 3 run for all of them
/// together, one step at a time, each step's commands for every mailbox sent on both servers
/// before any answer is awaited. A step then costs a round trip or two per server however many
/// mailboxes there are, where walking the mailboxes one after the other cost them per mailbox.
///
/// - Step 1: every SELECT (QRESYNC, with the recorded state) on both servers; their answers
///   carry what changed. A changed UIDVALIDITY or NOMODSEQ anywhere aborts before any change.
/// - Step 2: the STOREs of every mailbox on both servers, then their UID EXPUNGEs; repeated while
///   the answers report more changes made meanwhile by another client.
/// - Step 3: the FETCHes of new messages of every mailbox from one server, each message APPENDed
///   to the other as it arrives, then the other direction. The two directions are not streamed
///   at the same time: each server then only reads (APPENDs) or only sends (FETCH), so neither
///   can be stuck writing to a client that is itself stuck writing to it.
///
/// A mailbox's commands go out behind a SELECT of it when another mailbox is selected
/// (``MailboxSynchronizer/focus(_:)``); the server's `[CLOSED]` tells whose reports are whose.
/// The crash-safety order holds per mailbox, as when they ran one by one: IMAP effects, then the
/// mapping rows, then the recorded UIDNEXT/HIGHESTMODSEQ, one transaction per step.
final class SynchronizationPipeline {
    let local: any MailStore
    let remote: any MailStore
    let mailboxes: [MailboxSynchronizer]
    let progress: SyncProgress?

    init(local: any MailStore, remote: any MailStore, mailboxes: [MailboxSynchronizer], progress: SyncProgress?) {
        self.local = local; self.remote = remote; self.mailboxes = mailboxes; self.progress = progress
    }

    /// A guard against a server that reports changes forever.
    static let roundLimit = 1000

    func run() throws {
        // Step 1.
        for mailbox in mailboxes { try mailbox.sendSelect() }
        for mailbox in mailboxes { try mailbox.finishSelect() }
        // Below QRESYNC, what the SELECTs could not report is looked for, every mailbox at once.
        for mailbox in mailboxes { try mailbox.sendChangeScans() }
        for mailbox in mailboxes { try mailbox.finishChangeScans() }
        for mailbox in mailboxes { try mailbox.begin() }

        var active = mailboxes
        var round = 0
        while !active.isEmpty {
            round += 1
            try propagateUpdates(active)
            for mailbox in active { try mailbox.commitModSeqs() }
            // Messages new on both servers that are the same message (an APPEND whose APPENDUID
            // an interrupted run never recorded): mapped instead of copied again. The copies an
            // interrupted run recorded as pending first (rare: one mailbox at a time).
            if round == 1 {
                for mailbox in active { try mailbox.recoverPendingCopies() }
                let requests = try active.map { try $0.sendPairingKeys() }
                for (mailbox, request) in zip(active, requests) {
                    if let request { try mailbox.finishPairing(request) }
                }
            }
            try copyNewMessages(active)
            var unfinished: [MailboxSynchronizer] = []
            for mailbox in active {
                if try mailbox.endCopies() { progress?.mailboxFinished() } else { unfinished.append(mailbox) }
            }
            // Step 3's end: flag changes arrived meanwhile, back to step 2 for those mailboxes.
            active = unfinished
            if round >= Self.roundLimit { break }
        }
    }

    /// Step 2 until neither server reports more changes.
    private func propagateUpdates(_ mailboxes: [MailboxSynchronizer]) throws {
        while true {
            let busy = mailboxes.filter(\.hasPendingUpdates)
            guard !busy.isEmpty else { return }
            let plans = try busy.map { ($0, try $0.planUpdates()) }
            try MailboxSynchronizer.apply(plans, local: local, remote: remote)
            for (mailbox, plan) in plans { try mailbox.recordUpdates(plan) }
        }
    }

    /// Step 3, both directions, until no more messages arrive.
    private func copyNewMessages(_ mailboxes: [MailboxSynchronizer]) throws {
        for mailbox in mailboxes { mailbox.beginCopies() }
        var copying = mailboxes
        while !copying.isEmpty {
            try copy(copying, from: local, to: remote)
            try copy(copying, from: remote, to: local)
            copying = copying.filter { $0.endPass() }
        }
    }

    /// One direction of a pass: every FETCH sent, then the messages copied in that order.
    private func copy(_ mailboxes: [MailboxSynchronizer], from source: any MailStore, to destination: any MailStore) throws {
        let copies = try mailboxes.compactMap { try $0.copy(from: source, to: destination) }
        guard !copies.isEmpty else { return }
        for copy in copies { try copy.start() }
        let window = AppendWindow(destination)
        for copy in copies {
            progress?.mailboxStarted(copy.mailbox.displayName)
            try copy.transfer(into: window)
        }
        try window.drain()
        var modSeqReads: [Pending<[UInt32: [Flag]]>] = []
        for copy in copies {
            let (uids, fetchedUpTo) = copy.finish()
            copy.mailbox.copied(uids, to: destination, fetchedUpTo: fetchedUpTo)
            // A CONDSTORE server need not say what mod-sequence our APPENDs got (no QRESYNC
            // reports): read it, or the next run would take our own copies for changes.
            if !uids.isEmpty && copy.mailbox.view(on: destination).level == .condstore {
                try copy.mailbox.focus(destination)
                modSeqReads.append(try destination.fetchFlags(SequenceSet(uids)))
            }
        }
        for read in modSeqReads { _ = try read.wait() }
        for copy in copies { try copy.mailbox.settleSelects() }
    }
}
