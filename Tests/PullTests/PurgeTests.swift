import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import XCTest

/// `purge-after`: 0 removes what was delivered right away, N days what is older than N days;
/// nothing undelivered is ever removed.
final class PurgeTests: XCTestCase {
    private let day: TimeInterval = 86400

    func testPurgeAfterZeroRemovesDeliveredMessages() throws {
        let account = try InProcessAccount(self)
        try account.add(1...4)
        account.settings.purge = PurgePolicy(days: 0)
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1])
        XCTAssertEqual(account.uids, [], "expunged")
        XCTAssertEqual(commands.arguments("UID STORE"), ["1:4 +FLAGS.SILENT (\\Seen)", "1:4 +FLAGS.SILENT (\\Deleted)"])
        XCTAssertEqual(commands.arguments("UID EXPUNGE"), ["1:4"])

        // An empty mailbox costs no purge commands.
        try account.pull()
        XCTAssertEqual(commands.count("UID EXPUNGE"), 1)
        try account.add(5...5)
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1])
        XCTAssertEqual(account.uids, [])
    }

    func testPurgeAfterZeroKeepsUndeliveredMessagesAndOthersDeletions() throws {
        let account = try InProcessAccount(self)
        try account.add(1...4)
        account.settings.purge = PurgePolicy(days: 0)
        account.receiver.inject(.refuse(.endOfData, code: 451, text: "4.3.0 later", when: .transaction(3)))
        XCTAssertThrowsError(try account.pull())
        XCTAssertEqual(account.uids, [1, 2, 3, 4], "a failed cycle purges nothing")
        try account.pull()
        XCTAssertEqual(account.uids, [])
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1])
    }

    func testPurgeAfterDaysRemovesOnlyOldDeliveredMessages() throws {
        let account = try InProcessAccount(self)
        let now = Date()
        try account.add(1...2, internalDate: now.addingTimeInterval(-10 * day))
        try account.add(3...4, internalDate: now.addingTimeInterval(-2 * day))
        try account.add(5...5, internalDate: now)
        account.settings.purge = PurgePolicy(days: 5)
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1])
        XCTAssertEqual(account.uids, [3, 4, 5])
        let cutoff = PurgePolicy.cutoff(days: 5, now: now)
        XCTAssertEqual(commands.arguments("UID SEARCH"), ["UID 1:5 BEFORE \(cutoff)"])
        XCTAssertEqual(commands.arguments("UID EXPUNGE"), ["1:2"])
    }

    func testPurgeNeverTouchesUIDsAtOrAboveUIDNext() throws {
        let account = try InProcessAccount(self)
        try account.add(1...4, internalDate: Date().addingTimeInterval(-30 * day))
        let session = try account.openSession()
        defer { session.logout() }
        let connection = PullConnection(session: session, mailboxName: "INBOX")
        _ = try connection.select()
        let log = PullLog(sink: account.log.sink, section: "acct", mailbox: "INBOX")
        // Only UIDs 1 and 2 were delivered (UIDNEXT 3): 3 and 4 stay, however old.
        let removed = try PurgePolicy(days: 7).purge(connection, uidNext: 3, now: Date(), log: log)
        XCTAssertEqual(removed, SequenceSet([1, 2]))
        XCTAssertEqual(account.uids, [3, 4])
        XCTAssertEqual(try PurgePolicy(days: 0).purge(connection, uidNext: 1, now: Date(), log: log), SequenceSet())
        XCTAssertEqual(account.uids, [3, 4])
    }

    func testWithoutUIDPLUSAPlainExpungeIsUsed() throws {
        var configuration = FakeIMAPServerConfiguration()
        configuration.capabilities.removeAll { $0 == "UIDPLUS" }
        let account = try InProcessAccount(self, configuration: configuration)
        try account.add(1...2)
        account.settings.purge = PurgePolicy(days: 0)
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(commands.count("UID EXPUNGE"), 0)
        XCTAssertEqual(commands.count("EXPUNGE"), 1)
        XCTAssertEqual(account.uids, [])
    }

    func testPolicySchedule() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        XCTAssertFalse(PurgePolicy(days: nil).isDue(lastPurge: nil, now: start))
        XCTAssertTrue(PurgePolicy(days: 0).isDue(lastPurge: start, now: start), "every cycle")
        let weekly = PurgePolicy(days: 7)
        XCTAssertTrue(weekly.isDue(lastPurge: nil, now: start), "at the first cycle")
        XCTAssertFalse(weekly.isDue(lastPurge: start, now: start.addingTimeInterval(11 * 3600)))
        XCTAssertTrue(weekly.isDue(lastPurge: start, now: start.addingTimeInterval(12 * 3600)), "then every 12 hours")
        XCTAssertEqual(weekly.delay(lastPurge: start, now: start.addingTimeInterval(2 * 3600)), 10 * 3600)
        XCTAssertNil(PurgePolicy(days: 0).delay(lastPurge: start, now: start))
        let utc = TimeZone(secondsFromGMT: 0) ?? .current
        XCTAssertEqual(PurgePolicy.cutoff(days: 3, now: start, timeZone: utc).description, "11-Nov-2023")
    }
}
