@testable import Engine
import XCTest

/// Every dirty mailbox in flight at once: the steps of interimap(1) cost a constant number of
/// round trips per server, however many mailboxes there are; the answers of each mailbox stay
/// its own; and the crash-safety order holds with many mailboxes in flight (a run interrupted
/// anywhere is completed by the next, with nothing lost and nothing duplicated).
final class SynchronizationPipelineTests: XCTestCase {
    private func name(_ i: Int) -> String { "box\(i)" }

    /// `count` mailboxes on the remote server with three messages each, one of them seen.
    private func fixture(mailboxes count: Int) -> SynchronizerFixture? {
        guard let f = try? SynchronizerFixture() else { return nil }
        for i in 1...count {
            f.remote.addMailbox(name(i))
            f.remote.deliver(name(i), "Subject: \(i).1\n\none\n", flags: [.seen])
            f.remote.deliver(name(i), "Subject: \(i).2\n\ntwo\n")
            f.remote.deliver(name(i), "Subject: \(i).3\n\nthree\n")
        }
        return f
    }

    /// Flags, expunges and new messages on both servers in every mailbox.
    private func changeEverything(_ f: SynchronizerFixture, mailboxes count: Int) {
        for i in 1...count {
            f.local.changeFlags(name(i), 2, [.flagged])
            f.remote.changeFlags(name(i), 3, [.answered])
            f.local.expungeByOther(name(i), 1)
            f.local.deliver(name(i), "Subject: \(i).local\n\nnew here\n")
            f.remote.deliver(name(i), "Subject: \(i).remote\n\nnew there\n")
        }
    }

    private struct Trips: Equatable { var local: Int; var remote: Int }

    private func trips(_ f: SynchronizerFixture, since mark: Trips = Trips(local: 0, remote: 0)) -> Trips {
        Trips(local: f.local.roundTrips - mark.local, remote: f.remote.roundTrips - mark.remote)
    }

    func testRoundTripsDoNotGrowWithTheNumberOfMailboxes() throws {
        var initial: [Trips] = [], resync: [Trips] = [], unchanged: [Trips] = []
        for count in [2, 25] {
            let f = try XCTUnwrap(fixture(mailboxes: count))
            try f.sync()
            try f.assertConverged()
            initial.append(trips(f))
            changeEverything(f, mailboxes: count)
            var mark = trips(f)
            let log = try f.sync()
            try f.assertConverged()
            resync.append(trips(f, since: mark))
            XCTAssertEqual(log.filter { $0.contains("Removed 1 UID(s)") }.count, count, "\(log)")
            XCTAssertEqual(log.filter { $0.contains("Added 1 UID(s)") }.count, 2 * count, "\(log)")
            mark = trips(f)
            try f.sync()
            unchanged.append(trips(f, since: mark))
        }
        XCTAssertEqual(initial[0], initial[1], "initial sync: \(initial)")
        XCTAssertEqual(resync[0], resync[1], "resync after changes: \(resync)")
        XCTAssertEqual(unchanged[0], unchanged[1], "no change: \(unchanged)")
        // LIST, CREATE, SELECT, FETCH (or APPEND), UNSELECT at most, and a few for the changes.
        XCTAssertLessThanOrEqual(max(initial[1].local, initial[1].remote), 6, "\(initial)")
        XCTAssertLessThanOrEqual(max(resync[1].local, resync[1].remote), 8, "\(resync)")
    }

    func testEverySelectGoesOutBeforeAnyMailboxIsWorkedOn() throws {
        let f = try XCTUnwrap(fixture(mailboxes: 4))
        try f.sync()
        changeEverything(f, mailboxes: 4)
        let lMark = f.local.operations.count, rMark = f.remote.operations.count
        try f.sync()
        try f.assertConverged()
        for (side, operations) in [("local", Array(f.local.operations.dropFirst(lMark))), ("remote", Array(f.remote.operations.dropFirst(rMark)))] {
            let selects = operations.indices.filter { operations[$0].hasPrefix("select ") }
            XCTAssertEqual(selects.count, 4, "\(side): \(operations)")
            let firstWork = operations.firstIndex { !$0.hasPrefix("select ") && $0 != "list" }
            XCTAssertLessThan(selects.last ?? 0, firstWork ?? Int.max, "\(side): \(operations)")
            // Later batches of a mailbox's commands go behind a SELECT of it again (QRESYNC from
            // what this run saw), never on another mailbox's selection.
            var current: String?
            for op in operations {
                if op.hasPrefix("select ") || op.hasPrefix("reselect ") { current = op.split(separator: " ").last.map(String.init) }
                if op.hasPrefix("setFlags") || op.hasPrefix("markDeleted") || op.hasPrefix("expunge") || op.hasPrefix("fetch") {
                    XCTAssertNotNil(current, "\(side): \(op) with no mailbox selected")
                }
                if op.hasPrefix("append "), let box = op.split(separator: " ").dropFirst().first {
                    XCTAssertEqual(current, String(box), "\(side): \(op) appends to the selected mailbox")
                }
            }
        }
    }

    func testAFlagChangeToAMailboxNotSelectedAtThatMomentIsNotLost() throws {
        let f = try XCTUnwrap(fixture(mailboxes: 3))
        try f.sync()
        changeEverything(f, mailboxes: 3)
        // While box3's messages are fetched, another client changes box1 (no longer selected):
        // it shows when box1 is selected again, in this run or the next.
        var done = false
        f.local.beforeOperation = { op in
            guard !done, op.hasPrefix("fetchMessages"), f.local.selected?.database == MemoryMailStore.name("box3") else { return }
            done = true
            f.local.changeFlags("box1", 2, [.flagged, .draft])
        }
        try f.sync()
        XCTAssertTrue(done)
        f.local.beforeOperation = nil
        try f.sync()
        try f.assertConverged()
        XCTAssertEqual(Set(f.remote.messages("box1").first { $0.body == Array("Subject: 1.2\r\n\r\ntwo\r\n".utf8) }?.flags ?? []),
                       [.flagged, .draft])
    }

    /// The crash-safety contract with many mailboxes in flight: a run dropped before any one of
    /// its operations, on either server, leaves a database that the next run completes from,
    /// with every change made once and no message duplicated or lost.
    func testARunInterruptedAnywhereIsCompletedByTheNext() throws {
        let count = 2
        // The operations of an uninterrupted run, to interrupt each in turn.
        let probe = try XCTUnwrap(fixture(mailboxes: count))
        try probe.sync()
        changeEverything(probe, mailboxes: count)
        let lMark = probe.local.operations.count, rMark = probe.remote.operations.count
        try probe.sync()
        let steps = [("local", probe.local.operations.count - lMark), ("remote", probe.remote.operations.count - rMark)]
        var interrupted = 0
        for (side, total) in steps {
            for k in 0..<total {
                let f = try XCTUnwrap(fixture(mailboxes: count))
                try f.sync()
                changeEverything(f, mailboxes: count)
                let store = side == "local" ? f.local : f.remote
                var seen = 0
                store.failWhen = { _ in defer { seen += 1 }; return seen == k }
                do { try f.sync(); XCTFail("\(side) operation \(k) was not interrupted") } catch { interrupted += 1 }
                store.failWhen = nil
                try f.sync()
                try f.assertConverged()
                for i in 1...count {
                    let local = f.local.messages(name(i))
                    XCTAssertEqual(local.count, 4, "\(side) \(k): \(name(i)): two kept, one expunged, one new from each side")
                    XCTAssertEqual(Set(local.map(\.body)).count, local.count, "\(side) \(k): no duplicates")
                    let flags = Dictionary(local.map { (String(decoding: $0.body, as: UTF8.self), Set($0.flags)) }) { a, _ in a }
                    XCTAssertEqual(flags["Subject: \(i).2\r\n\r\ntwo\r\n"], [.flagged], "\(side) \(k)")
                    XCTAssertEqual(flags["Subject: \(i).3\r\n\r\nthree\r\n"], [.answered], "\(side) \(k)")
                }
            }
        }
        XCTAssertEqual(interrupted, steps.map(\.1).reduce(0, +))
        XCTAssertGreaterThan(interrupted, 20, "\(steps)")
    }
}
