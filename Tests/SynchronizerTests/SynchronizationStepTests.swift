@testable import Engine
import XCTest

/// interimap(1), DESCRIPTION, steps 1 to 4, on two in-memory stores.
final class SynchronizationStepTests: XCTestCase {
    func testInitialSyncCopiesEveryMessageWithItsFlagsAndMapsIt() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX")
        f.local.deliver("INBOX", "Subject: one\n\nbody 1\n", flags: [.seen])
        f.local.deliver("INBOX", "Subject: two\n\nbody 2\n", flags: [.flagged, Flag("$Label1")])
        f.remote.addMailbox("INBOX")
        f.remote.deliver("INBOX", "Subject: three\n\nbody 3\n")
        let log = try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").count, 3)
        XCTAssertTrue(log.contains { $0.contains("remote(INBOX): Added 2 UID(s) 1:2 -> 2:3") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("local(INBOX): Added 1 UID(s) 3 <- 1") }, "\(log)")
        // The recorded state is each server's UIDNEXT and HIGHESTMODSEQ after the copies.
        let record = try XCTUnwrap(try f.state("INBOX"))
        XCTAssertEqual(record.local?.uidNext, 4)
        XCTAssertEqual(record.remote?.uidNext, 4)
        XCTAssertEqual(record.local?.highestModSeq, f.local.mailboxes[MemoryMailStore.name("INBOX")]?.highestModSeq)
        XCTAssertEqual(record.remote?.highestModSeq, f.remote.mailboxes[MemoryMailStore.name("INBOX")]?.highestModSeq)
    }

    func testNewMailboxIsCreatedOnTheOtherServerAndItsSubscriptionFollowed() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX")
        f.remote.addMailbox("INBOX")
        f.remote.addMailbox("Work/Reports", subscribed: true)
        f.remote.deliver("Work/Reports", "Subject: r\n\nq3\n")
        let log = try f.sync()
        XCTAssertTrue(log.contains { $0.contains("local: Created mailbox Work/Reports") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("database: Created mailbox Work/Reports") }, "\(log)")
        XCTAssertEqual(f.local.mailboxes[MemoryMailStore.name("Work/Reports")]?.subscribed, true)
        try f.assertConverged()
    }

    func testNewMailboxesAreAllCreatedBeforeTheirAnswersAreAwaited() throws {
        let f = try SynchronizerFixture()
        for name in ["INBOX", "A", "B", "C"] { f.local.addMailbox(name, subscribed: name != "B") }
        f.remote.addMailbox("INBOX")
        // The stores answer at once here; what matters is the order the commands go out in:
        // every CREATE and SUBSCRIBE before the first mailbox is selected (one pipeline).
        try f.sync()
        let ops = f.remote.operations.filter { !$0.hasPrefix("list") && !$0.hasPrefix("learn") }
        XCTAssertEqual(Array(ops.prefix(5)), ["create A", "subscribe A true", "create B", "create C", "subscribe C true"])
        try f.assertConverged()
    }

    func testAResyncWithNothingNewChangesNothing() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX")
        f.remote.addMailbox("INBOX")
        for i in 1...5 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        let log = try f.sync()
        XCTAssertEqual(f.writes(local: l, remote: r), [])
        // The mailbox is not even selected: LIST-STATUS showed nothing moved.
        XCTAssertFalse(f.local.operations.dropFirst(l).contains { $0.hasPrefix("select") })
        XCTAssertFalse(log.contains { $0.contains("Added") || $0.contains("Updated") })
    }

    func testFlagChangesPropagateBothWays() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        f.local.changeFlags("INBOX", 1, [.seen])
        f.remote.changeFlags("INBOX", 2, [.answered, Flag("$Work")])
        let log = try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").first { $0.uid == 1 }?.flags, [.seen])
        XCTAssertEqual(Set(f.local.messages("INBOX").first { $0.uid == 2 }?.flags ?? []), [.answered, Flag("$Work")])
        XCTAssertTrue(log.contains { $0.contains("remote(INBOX): Updated flags (\\Seen) for UID 1") }, "\(log)")
    }

    func testConflictingFlagChangesBecomeTheirUnionWithAWarning() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        f.local.deliver("INBOX", "Subject: c\n\nc\n")
        try f.sync()
        f.local.changeFlags("INBOX", 1, [.seen])
        f.remote.changeFlags("INBOX", 1, [.flagged])
        let log = try f.sync()
        try f.assertConverged()
        XCTAssertEqual(Set(f.local.messages("INBOX")[0].flags), [.seen, .flagged])
        XCTAssertTrue(log.contains { $0.contains("Conflicting flag update in INBOX for local UID 1 (\\Seen) and remote UID 1 (\\Flagged)") }, "\(log)")
    }

    func testExpungesPropagateAndTheirMappingGoes() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...4 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        f.local.expungeByOther("INBOX", 2)
        f.remote.expungeByOther("INBOX", 3)
        let log = try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.local.messages("INBOX").map(\.uid), [1, 4])
        XCTAssertEqual(try f.mapping("INBOX"), [1: 1, 4: 4])
        XCTAssertTrue(log.contains { $0.contains("remote(INBOX): Removed 1 UID(s) 2") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("local(INBOX): Removed 1 UID(s) 3") }, "\(log)")
    }

    func testAnExpungeWinsOverAFlagChangeOnTheOtherSide() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        f.local.deliver("INBOX", "Subject: x\n\nx\n")
        try f.sync()
        f.local.expungeByOther("INBOX", 1)
        f.remote.changeFlags("INBOX", 1, [.flagged])
        try f.sync()
        XCTAssertEqual(f.remote.messages("INBOX").count, 0)
        XCTAssertEqual(try f.mapping("INBOX"), [:])
    }

    func testAFlagChangeDuringTheFetchOfNewMessagesIsPropagatedInTheSameRun() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        f.local.deliver("INBOX", "Subject: old\n\nold\n")
        try f.sync()
        for i in 1...3 { f.local.deliver("INBOX", "Subject: new \(i)\n\n\(i)\n") }
        // While the new messages stream out, another client flags the old one.
        var done = false
        f.local.afterFetchedMessage = { _ in
            guard !done else { return }
            done = true
            f.local.changeFlags("INBOX", 1, [.flagged])
        }
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.remote.messages("INBOX").first { $0.uid == 1 }?.flags, [.flagged])
        // The recorded HIGHESTMODSEQ covers the change: the next run has nothing to do.
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        try f.sync()
        XCTAssertEqual(f.writes(local: l, remote: r), [])
    }

    func testFetchResponsesOutOfUIDOrderAreMappedToTheirOwnCopies() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...6 { f.local.deliver("INBOX", "Subject: \(i)\n\nmessage \(i)\n") }
        f.local.fetchInReverseOrder = true
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(try f.mapping("INBOX"), [6: 1, 5: 2, 4: 3, 3: 4, 2: 5, 1: 6])
    }

    func testMessagesArrivingBetweenOurAppendsAreCopiedToo() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        f.remote.appendBatchLimit = 1
        // A message delivered to the remote mailbox while our APPENDs go in takes a UID between theirs.
        var delivered = false
        f.remote.beforeOperation = { op in
            if op.hasPrefix("append"), !delivered, f.remote.operations.filter({ $0.hasPrefix("append") }).count == 2 {
                delivered = true
                f.remote.deliver("INBOX", "Subject: meanwhile\n\nm\n")
            }
        }
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(f.local.messages("INBOX").count, 4)
    }

    func testChangedUIDValidityStopsWithNothingChanged() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        f.local.deliver("INBOX", "Subject: a\n\na\n")
        try f.sync()
        f.remote.mailboxes[MemoryMailStore.name("INBOX")]?.uidValidity = 9999
        f.local.deliver("INBOX", "Subject: b\n\nb\n")
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        XCTAssertThrowsError(try f.sync()) { error in
            guard case .uidValidityChanged(let server, let mailbox, let expected, let found)? = error as? SyncError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([server, mailbox], ["remote", "INBOX"])
            XCTAssertEqual([expected, found], [5000, 9999])
        }
        XCTAssertEqual(f.writes(local: l, remote: r), [])
    }

    func testAMailboxWithoutModSeqStopsTheRun() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX").noModSeq = true
        f.remote.addMailbox("INBOX")
        XCTAssertThrowsError(try f.sync()) { error in
            XCTAssertEqual(error as? SyncError, .noModSeq(server: "local", mailbox: "INBOX"))
        }
    }

    func testAKnownMailboxMissingOnOneServerStopsTheRunWithoutChangingAnything() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        f.local.addMailbox("Archive"); f.local.deliver("Archive", "Subject: a\n\na\n")
        try f.sync()
        f.remote.mailboxes[MemoryMailStore.name("Archive")] = nil
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        XCTAssertThrowsError(try f.sync()) { error in
            XCTAssertEqual(error as? SyncError, .mailboxVanished(server: "remote", mailbox: "Archive"))
        }
        XCTAssertEqual(f.writes(local: l, remote: r), [])
    }

    func testAVanishedSetReachingTheLastUIDCostsWorkForTheMappingOnly() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        for uid: UInt32 in 1...3 { f.local.expungeByOther("INBOX", uid) }
        // The server reports the expunges as one range up to the largest UID there can be.
        f.local.reportOnSelect = { $0.observe(vanished: SequenceSet(ranges: [1...UInt32.max])) }
        let start = Date()
        try f.sync()
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "proportional to the mapping, not to 2^32 UIDs")
        XCTAssertEqual(f.remote.messages("INBOX").count, 0)
        XCTAssertEqual(try f.mapping("INBOX"), [:])
    }
}
