@testable import Engine
import XCTest

/// Recovery of what an interrupted run left behind, and `--repair` (interimap(1), DESCRIPTION:
/// "full synchronization"; OPTIONS: `--repair`).
final class SynchronizationRecoveryTests: XCTestCase {
    private func syncedFixture(_ count: Int) throws -> SynchronizerFixture {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...count { f.local.deliver("INBOX", "Subject: \(i)\n\nmessage \(i)\n") }
        try f.sync()
        return f
    }

    func testMappedMessagesAboveTheRecordedUIDNextAreComparedInFull() throws {
        // A run copied messages 3 and 4 and recorded their mapping, then died before recording
        // UIDNEXT: their flag changes since may predate any recorded HIGHESTMODSEQ.
        let f = try syncedFixture(2)
        f.local.deliver("INBOX", "Subject: 3\n\n3\n", flags: [.seen])
        f.local.deliver("INBOX", "Subject: 4\n\n4\n")
        f.remote.deliver("INBOX", "Subject: 3\n\n3\n")
        f.remote.deliver("INBOX", "Subject: 4\n\n4\n")
        let record = try XCTUnwrap(try f.state("INBOX"))
        try f.database.write { tx in
            try tx.addMapping(mailbox: record.index, localUID: 3, remoteUID: 3)
            try tx.addMapping(mailbox: record.index, localUID: 4, remoteUID: 4)
        }
        f.remote.expungeByOther("INBOX", 4)
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.contains("Full synchronization of 2 pending message(s)") }, "\(log)")
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").first { $0.uid == 3 }?.flags, [.seen], "the flags differing are merged")
        XCTAssertEqual(f.local.messages("INBOX").map(\.uid), [1, 2, 3], "the copy gone from one server goes from the other")
    }

    func testIdenticalUnmappedMessagesOnBothServersArePairedNotCopiedAgain() throws {
        let f = try syncedFixture(2)
        // An APPEND whose APPENDUID was never recorded: the same message new on both servers.
        f.local.deliver("INBOX", "Subject: twin\n\nsame bytes\n", date: 1_700_000_500)
        f.remote.deliver("INBOX", "Subject: twin\n\nsame bytes\n", date: 1_700_000_500)
        // Same size and date, other bytes: not the same message.
        f.local.deliver("INBOX", "Subject: tw1n\n\nsame bytes\n", date: 1_700_000_600)
        f.remote.deliver("INBOX", "Subject: tw2n\n\nsame bytes\n", date: 1_700_000_600)
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.contains("Paired 1 message(s) already on both servers: local UID(s) 3 with remote UID(s) 3") }, "\(log)")
        try f.assertConverged()
        // 2 synchronized, the pair, and each lookalike copied to the other side.
        XCTAssertEqual(f.local.messages("INBOX").count, 5)
    }

    func testAnAppendWithoutAPPENDUIDStopsAndTheNextRunPairsTheCopy() throws {
        let f = try syncedFixture(1)
        f.local.deliver("INBOX", "Subject: lost uid\n\nx\n")
        f.remote.withholdAppendUID = true
        XCTAssertThrowsError(try f.sync()) { error in
            XCTAssertEqual(error as? SyncError, .missingAppendUID(server: "remote", mailbox: "INBOX"))
        }
        XCTAssertEqual(f.remote.messages("INBOX").count, 2, "the APPEND itself went through")
        f.remote.withholdAppendUID = false
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.contains("Paired 1 message(s)") }, "\(log)")
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").count, 2, "no duplicate")
    }

    /// A run that APPENDed copies and died before recording their mappings (the APPENDUID
    /// withheld stands for the crash): here the remote holds copies of local 2 and 3.
    private func interruptedCopy() throws -> SynchronizerFixture {
        let f = try syncedFixture(1)
        f.local.deliver("INBOX", "Subject: a\n\ncopied, then expunged\n", date: 1_700_000_100)
        f.local.deliver("INBOX", "Subject: b\n\ncopied, kept\n", flags: [.seen], date: 1_700_000_200)
        f.remote.withholdAppendUID = true
        XCTAssertThrowsError(try f.sync())
        f.remote.withholdAppendUID = false
        XCTAssertEqual(f.remote.messages("INBOX").count, 3, "the APPEND went through")
        let record = try XCTUnwrap(try f.state("INBOX"))
        XCTAssertEqual(try f.database.pendingCopies(mailbox: record.index).map(\.sourceUID), [2, 3], "both copies pending")
        return f
    }

    func testACopyWhoseOriginalWasExpungedAfterACrashIsExpungedNotCopiedBack() throws {
        let f = try interruptedCopy()
        f.local.expungeByOther("INBOX", 2)
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.hasSuffix("remote(INBOX): Removed 1 UID(s) 2") }, "\(log)")
        XCTAssertEqual(f.local.messages("INBOX").map(\.uid), [1, 3], "the expunged message does not come back")
        XCTAssertFalse(f.remote.messages("INBOX").contains { String(decoding: $0.body, as: UTF8.self).contains("then expunged") })
        try f.assertConverged()
        let record = try XCTUnwrap(try f.state("INBOX"))
        XCTAssertEqual(try f.database.pendingCopies(mailbox: record.index), [], "the pending rows are gone")
        XCTAssertEqual(try f.mapping("INBOX"), [1: 1, 3: 3])
    }

    func testACopyWhoseOriginalStillExistsIsMappedWithItsFlagsMerged() throws {
        let f = try interruptedCopy()
        f.local.changeFlags("INBOX", 3, [.seen, .flagged])
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.contains("Paired 2 message(s) an interrupted run copied: local UID(s) 2:3 with remote UID(s) 2:3") }, "\(log)")
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").count, 3, "no duplicate")
        XCTAssertEqual(f.remote.messages("INBOX").last?.flags.sorted(), [.flagged, .seen])
    }

    func testACopyAlsoExpungedOnItsDestinationIsForgotten() throws {
        let f = try interruptedCopy()
        f.remote.expungeByOther("INBOX", 2)
        f.local.expungeByOther("INBOX", 2)
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.local.messages("INBOX").map(\.uid), [1, 3])
        let record = try XCTUnwrap(try f.state("INBOX"))
        XCTAssertEqual(try f.database.pendingCopies(mailbox: record.index), [])
    }

    func testACopyLookingLikeAPendingOneButWithOtherBytesIsKept() throws {
        let f = try interruptedCopy()
        f.local.expungeByOther("INBOX", 2)
        // Another client's message with the same size and date as the pending copy of 2.
        f.remote.deliver("INBOX", "Subject: a\n\ncopied, then expungeD\n", date: 1_700_000_100)
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.local.messages("INBOX").count, 3, "the lookalike is copied, only the pending copy went")
        XCTAssertTrue(f.local.messages("INBOX").contains { String(decoding: $0.body, as: UTF8.self).contains("expungeD") })
    }

    func testNoPendingCopyOutlivesASuccessfulRun() throws {
        let f = try syncedFixture(3)
        f.remote.deliver("INBOX", "Subject: r\n\nremote\n")
        try f.sync()
        let record = try XCTUnwrap(try f.state("INBOX"))
        XCTAssertEqual(try f.database.pendingCopies(mailbox: record.index), [])
        // A row whose APPEND never reached the server: nothing matches it, it is forgotten and
        // the message is copied as any new one.
        f.local.deliver("INBOX", "Subject: 5\n\nfive\n")
        try f.database.write { tx in
            try tx.addPendingCopy(mailbox: record.index, .init(destination: .remote, sourceUID: 5, size: 20, date: nil,
                                                               digest: MessageDigest.sha256(Array("Subject: 5\r\n\r\nfive\r\n".utf8))))
        }
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").count, 5)
        XCTAssertEqual(try f.database.pendingCopies(mailbox: record.index), [])
    }

    func testRepairCopiesUnmappedMessagesAndMergesMissedFlagUpdates() throws {
        let f = try syncedFixture(3)
        let record = try XCTUnwrap(try f.state("INBOX"))
        // The database lost a pair; a flag change was never seen (the recorded HIGHESTMODSEQ
        // was moved past it).
        try f.database.write { try $0.removeMapping(mailbox: record.index, localUID: 2) }
        f.local.changeFlags("INBOX", 3, [.flagged])
        try f.database.write { tx in
            var state = try XCTUnwrap(record.local)
            state.highestModSeq = f.local.mailboxes[MemoryMailStore.name("INBOX")]?.highestModSeq ?? 0
            try tx.setState(.local, mailbox: record.index, state)
        }
        let log = try f.sync(repair: true)
        XCTAssertTrue(log.contains { $0.contains("Missed flag update in INBOX for (lUID,rUID) = (3,3). Repairing.") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("No match for modified local UID 2. Redownloading.") }, "\(log)")
        XCTAssertEqual(f.remote.messages("INBOX").first { $0.uid == 3 }?.flags, [.flagged])
        // --repair may duplicate (interimap(1)): both copies of 2 are now on both sides.
        XCTAssertEqual(f.remote.messages("INBOX").count, 4)
        XCTAssertEqual(f.local.messages("INBOX").count, 4)
    }

    func testRepairRecopiesAMessageThatDisappearedFromOneServer() throws {
        let f = try syncedFixture(2)
        // Gone from the local server without the remote one being told (an expunge the
        // database never saw: its mod-sequence is below the recorded HIGHESTMODSEQ).
        let box = try XCTUnwrap(f.local.mailboxes[MemoryMailStore.name("INBOX")])
        box.messages[2] = nil
        let log = try f.sync(repair: true)
        XCTAssertTrue(log.contains { $0.contains("local(INBOX): WARNING: UID 2 disappeared. Redownloading remote UID 2.") }, "\(log)")
        try f.assertConverged()
        XCTAssertEqual(f.local.messages("INBOX").count, 2, "--repair never loses the surviving copy")
    }
}
