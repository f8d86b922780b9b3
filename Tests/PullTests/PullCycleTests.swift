import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import XCTest

/// The control flow of pullimap(1) against the in-process fakes: what is fetched, delivered,
/// marked `\Seen`, and written to the statefile.
final class PullCycleTests: XCTestCase {
    func testFirstRunOnAnEmptyStatefileDeliversEveryMessage() throws {
        let account = try InProcessAccount(self)
        try account.add(1...5)
        // One message was already read by someone: the first run still delivers it (UIDNEXT 1).
        try account.store.store(in: "INBOX", uids: SequenceSet([2]), flags: [.seen], .add)
        try account.pull()

        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1])
        XCTAssertEqual(account.receiver.deliveries.map(\.reversePath), (1...5).map { "sender\($0)@example.org" })
        XCTAssertEqual(account.receiver.deliveries.map(\.recipients), Array(repeating: ["rcpt@example.net"], count: 5))
        XCTAssertEqual(account.receiver.deliveries.map(\.message), (1...5).map { testMessage($0) }, "bodies intact")
        XCTAssertEqual(account.receiver.connectionCount, 1, "one channel for the cycle")
        XCTAssertEqual(account.receiver.transcript.first, "#1: LHLO pull.example")
        XCTAssertEqual(account.receiver.transcript.last, "#1: QUIT")
        XCTAssertEqual(account.receiver.violations, [])
        XCTAssertEqual(account.unseenUIDs, [], "every delivered message is \\Seen")
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 6)))
        let onDisk = Array(try XCTUnwrap(FileManager.default.contents(atPath: account.statefilePath)))
        XCTAssertEqual(onDisk, [0, 0, 0x10, 0x92, 0, 0, 0, 6], "big-endian UIDVALIDITY and UIDNEXT, 8 octets")

        // The reference's log line for each message.
        let lines = account.log.lines.filter { $0.contains(" from <") }
        XCTAssertEqual(lines.count, 5, "\(account.log.lines)")
        let date = try XCTUnwrap(account.inbox?.messages.first.map { InternalDate(date: $0.internalDate) })
        XCTAssertEqual(lines.first, "acct(INBOX): UID 1 from <sender1@example.org> (\(date))")
    }

    func testLaterRunsDeliverOnlyNewMessagesAndSkipTheFetchWhenNothingIsNew() throws {
        let account = try InProcessAccount(self)
        try account.add(1...3)
        try account.pull()
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(commands.count("UID FETCH"), 0, "SELECT's UIDNEXT equals the statefile's: nothing to fetch")
        XCTAssertEqual(account.receiver.connectionCount, 1, "no channel opened without mail")

        try account.add(4...6)
        try account.pull()
        XCTAssertEqual(commands.arguments("UID FETCH"), ["4:4294967295 (UID ENVELOPE INTERNALDATE BODY.PEEK[])"])
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1])
        XCTAssertEqual(commands.arguments("UID STORE"), ["4:6 +FLAGS.SILENT (\\Seen)"])
        XCTAssertEqual(try account.statefileContents().state?.uidNext, 7)
    }

    func testUIDNextFollowsTheServerWhenTheNewestMessagesWereExpunged() throws {
        let account = try InProcessAccount(self)
        try account.add(1...4)
        try account.store.expunge(in: "INBOX", uids: SequenceSet([3, 4]))
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1])
        XCTAssertEqual(try account.statefileContents().state?.uidNext, 5, "SELECT's UIDNEXT, not the highest UID fetched + 1")
    }

    func testNoDeliveryAdvancesTheStatefileWithoutDelivering() throws {
        let account = try InProcessAccount(self)
        try account.add(1...4)
        account.settings.noDelivery = true
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(account.receiver.connectionCount, 0, "no SMTP/LMTP connection at all")
        XCTAssertEqual(commands.arguments("UID FETCH"), ["1:4294967295 (UID ENVELOPE INTERNALDATE)"], "no bodies fetched")
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 5)))
        XCTAssertEqual(account.unseenUIDs, [], "marked \\Seen as the reference does")
        XCTAssertEqual(account.log.lines.filter { $0.contains(" from <") }.count, 4, "logged as if delivered")

        // Later mail is delivered normally.
        account.settings.noDelivery = false
        try account.add(5...5)
        try account.pull()
        XCTAssertEqual(account.counts, [5: 1])
    }

    func testStalledUIDsAreMarkedSeenAndNeverDeliveredAgain() throws {
        let account = try InProcessAccount(self)
        try account.add(1...5)
        // An interrupted run from UIDNEXT 1 delivered UIDs 2 and 4 (in that order of arrival).
        try account.writeStatefile(PullMailboxState(uidValidity: 4242, uidNext: 1), stalled: [4, 2])
        let commands = account.countCommands()
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 3: 1, 5: 1])
        XCTAssertEqual(commands.arguments("UID STORE"), ["1:5 +FLAGS.SILENT (\\Seen)"], "delivered and stalled UIDs together")
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 6)))
    }

    func testStalledUIDsAreMarkedSeenEvenWithNothingToFetch() throws {
        let account = try InProcessAccount(self)
        try account.add(1...2)
        // A crash between the UIDNEXT write and the truncation.
        try account.writeStatefile(PullMailboxState(uidValidity: 4242, uidNext: 3), stalled: [1, 2])
        try account.pull()
        XCTAssertEqual(account.counts, [:])
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 3)))
    }

    func testFetchResponsesOutOfUIDOrder() throws {
        let account = try InProcessAccount(self)
        try account.add(1...6)
        account.faults.reorderFetchResponses(of: "UID FETCH", .shuffled(seed: 7))
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1])
        XCTAssertNotEqual(account.receiver.deliveries.compactMap { messageNumber($0.message) }, Array(1...6), "delivered as received")
        XCTAssertEqual(try account.statefileContents().state?.uidNext, 7)
    }

    func testEnvelopeSenderAndNullReversePath() throws {
        let account = try InProcessAccount(self)
        try account.store.append(to: "INBOX", testMessage(1, from: "Alice <alice@example.org>"))
        try account.store.append(to: "INBOX", Array("Sender: list-bounces@example.org\r\nFrom: bob@example.org\r\nSubject: message 2\r\n\r\nx\r\n".utf8))
        try account.store.append(to: "INBOX", Array("From: undisclosed-recipients:;\r\nSubject: message 3\r\n\r\nx\r\n".utf8))
        try account.pull()
        XCTAssertEqual(account.receiver.deliveries.map(\.reversePath), ["alice@example.org", "list-bounces@example.org", ""])
        XCTAssertTrue(account.log.lines.contains { $0.hasPrefix("acct(INBOX): UID 3 from <> (") }, "\(account.log.lines)")
    }

    func testSMTPDeliveryIsPipelined() throws {
        let account = try InProcessAccount(self, transferProtocol: .smtp)
        try account.add(1...10)
        try account.pull()
        XCTAssertEqual(account.counts.count, 10)
        XCTAssertEqual(account.receiver.transcript.first, "#1: EHLO pull.example")
        XCTAssertEqual(account.receiver.violations, [])
        // PIPELINING (RFC 2920): MAIL, RCPT and DATA as one group, then the data: two turns a
        // message, plus the greeting, EHLO and QUIT.
        XCTAssertLessThanOrEqual(account.receiver.clientTurns, 2 * 10 + 3)
    }

    func testTheFetchKeepsStreamingWhileTheReceiverIsSlow() throws {
        let account = try InProcessAccount(self)
        try account.add(1...12)
        var configuration = account.receiver.configuration
        configuration.replyDelay = 0.05
        account.receiver.configuration = configuration
        let commands = account.countCommands()
        try account.pull()
        let finished = Date()
        XCTAssertEqual(account.counts.count, 12)
        // The server finished sending every message long before the receiver took the last one:
        // the responses were read while the deliveries went on, not one message per delivery.
        let fetchCompleted = try XCTUnwrap(commands.times("UID FETCH").first)
        XCTAssertGreaterThan(finished.timeIntervalSince(fetchCompleted), 0.5,
                             "the UID FETCH completed only \(finished.timeIntervalSince(fetchCompleted))s before the end")
    }

    func testAMailboxOtherThanINBOXWithANonASCIIName() throws {
        let account = try InProcessAccount(self)
        try account.store.createMailbox("Bo\u{ee}te")
        try account.store.append(to: "Bo\u{ee}te", testMessage(1))
        account.settings.mailbox = "Bo\u{ee}te"
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1])
        XCTAssertTrue(account.log.lines.contains { $0.hasPrefix("acct(Bo\u{ee}te): UID 1 from <sender1@example.org>") }, "\(account.log.lines)")
        XCTAssertEqual(account.store.mailbox("Bo\u{ee}te")?.messages.first?.flags.contains(.seen), true)
    }
}
