@testable import Engine
import GRDB
import XCTest

/// Servers below QRESYNC (CONDSTORE only, or plain IMAP4rev1), on either side of a pair: the
/// changes their SELECT cannot report are looked for, and every change still crosses.
final class SyncLevelTests: XCTestCase {
    private static let pairs: [(SyncLevel, SyncLevel)] = [
        (.qresync, .condstore), (.qresync, .plain), (.condstore, .plain), (.plain, .condstore), (.plain, .plain), (.condstore, .condstore),
    ]

    private func fixture(_ local: SyncLevel, _ remote: SyncLevel) throws -> SynchronizerFixture {
        let f = try SynchronizerFixture()
        f.local.level = local
        f.remote.level = remote
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        return f
    }

    func testEveryKindOfChangeCrossesAtEveryMixOfLevels() throws {
        for (l, r) in Self.pairs {
            let f = try fixture(l, r)
            for i in 1...4 { f.local.deliver("INBOX", "Subject: l\(i)\n\nl\(i)\n", flags: i == 1 ? [.seen] : []) }
            for i in 1...3 { f.remote.deliver("INBOX", "Subject: r\(i)\n\nr\(i)\n") }
            try f.sync()
            try f.assertConverged()
            // Flag changes on both sides, a conflict, expunges on both sides, new mail.
            f.local.changeFlags("INBOX", 2, [.flagged])
            f.remote.changeFlags("INBOX", 1, [.answered])   // remote 1 is local 5 (r1)
            f.local.changeFlags("INBOX", 3, [.seen])
            f.remote.changeFlags("INBOX", 6, [.draft])      // remote 6 is local 3 (l3): a conflict
            f.local.expungeByOther("INBOX", 4)
            f.remote.expungeByOther("INBOX", 2)
            f.local.deliver("INBOX", "Subject: l5\n\nl5\n")
            f.remote.deliver("INBOX", "Subject: r4\n\nr4\n", flags: [.seen])
            let log = try f.sync()
            try f.assertConverged()
            let context = "\(l) ↔ \(r): \(log)"
            XCTAssertEqual(f.local.messages("INBOX").count, 7, context)
            XCTAssertEqual(f.remote.messages("INBOX").first { $0.uid == 5 }?.flags, [.flagged], context)
            XCTAssertEqual(f.local.messages("INBOX").first { $0.uid == 5 }?.flags, [.answered], context)
            XCTAssertEqual(Set(f.local.messages("INBOX").first { $0.uid == 3 }?.flags ?? []), [.seen, .draft], context)
            XCTAssertTrue(log.contains { $0.contains("Conflicting flag update") }, context)
            // A third run has nothing to do.
            let (lm, rm) = (f.local.operations.count, f.remote.operations.count)
            try f.sync()
            XCTAssertEqual(f.writes(local: lm, remote: rm), [], "\(l) ↔ \(r)")
        }
    }

    func testACondstoreResyncWithNothingNewSelectsNothing() throws {
        let f = try fixture(.condstore, .condstore)
        for i in 1...5 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        try f.sync()
        XCTAssertFalse((f.local.operations.dropFirst(l) + f.remote.operations.dropFirst(r)).contains { $0.hasPrefix("select") })
    }

    func testACondstoreResyncReadsOnlyTheChangedFlags() throws {
        let f = try fixture(.qresync, .condstore)
        for i in 1...5 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        f.remote.changeFlags("INBOX", 3, [.seen])
        let r = f.remote.operations.count
        try f.sync()
        let ops = Array(f.remote.operations.dropFirst(r))
        XCTAssertTrue(ops.contains { $0.hasPrefix("fetchFlags 1:5 changedSince") }, "\(ops)")
        XCTAssertTrue(ops.contains("existingUIDs 1:5"), "\(ops)")
        XCTAssertFalse(ops.contains { $0.hasPrefix("fetchFlags") && !$0.contains("changedSince") }, "no full FLAGS download: \(ops)")
        XCTAssertEqual(f.local.messages("INBOX").first { $0.uid == 3 }?.flags, [.seen])
    }

    func testACondstoreExpungeIsSeenEvenWhenHighestModSeqDoesNotMove() throws {
        let f = try fixture(.qresync, .condstore)
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        // RFC 7162 §3.2.10 asks a QRESYNC server to count an expunge; a CONDSTORE one need not.
        let box = try XCTUnwrap(f.remote.mailboxes[MemoryMailStore.name("INBOX")])
        box.messages[2] = nil
        try f.sync()
        XCTAssertEqual(f.local.messages("INBOX").map(\.uid), [1, 3])
        try f.assertConverged()
    }

    func testAPlainResyncWithNothingNewReadsUIDsAndFlagsOnly() throws {
        let f = try fixture(.qresync, .plain)
        for i in 1...5 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        let (l, r) = (f.local.operations.count, f.remote.operations.count)
        try f.sync()
        let ops = Array(f.remote.operations.dropFirst(r))
        XCTAssertEqual(ops.filter { $0.hasPrefix("fetch") }, ["fetchFlags 1:5"], "\(ops)")
        XCTAssertEqual(f.writes(local: l, remote: r), [])
    }

    func testPlainFlagsWithoutMemoryAreMergedNotOverwritten() throws {
        let f = try fixture(.qresync, .plain)
        for i in 1...2 { f.local.deliver("INBOX", "Subject: \(i)\n\n\(i)\n") }
        try f.sync()
        // As after a run that died before remembering: both sides changed message 1.
        let index = try XCTUnwrap(try f.state("INBOX")).index
        try f.database.write { try $0.forgetKnownFlags(mailbox: index) }
        f.local.changeFlags("INBOX", 1, [.seen])
        f.remote.changeFlags("INBOX", 1, [.flagged])
        try f.sync()
        XCTAssertEqual(Set(f.local.messages("INBOX")[0].flags), [.seen, .flagged])
        try f.assertConverged()
    }

    func testAQResyncPairCreatesNoTableOfItsOwn() throws {
        let f = try fixture(.qresync, .qresync)
        f.local.deliver("INBOX", "Subject: 1\n\n1\n")
        try f.sync()
        f.local.changeFlags("INBOX", 1, [.seen])
        try f.sync()
        let tables = try f.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        XCTAssertFalse(tables.contains(SyncDatabase.knownFlagsTable), "\(tables)")
        XCTAssertTrue(Set(tables).isSuperset(of: ["local", "mailboxes", "mapping", "remote"]), "\(tables)")
    }
}
