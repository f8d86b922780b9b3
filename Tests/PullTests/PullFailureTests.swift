import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import XCTest

/// What stops a pull, and what the next run makes of it: refusals by the receiver, a lost IMAP
/// connection, a changed UIDVALIDITY. (A busy statefile needs
/// another process: fcntl locks are per process; see PullimapProcessTests.)
final class PullFailureTests: XCTestCase {
    func testTransientRefusalStopsTheCycleAndTheNextRunRetries() throws {
        let account = try InProcessAccount(self)
        try account.add(1...5)
        account.receiver.inject(.refuse(.endOfData, code: 452, text: "4.2.2 mailbox full", when: .transaction(3)))
        XCTAssertThrowsError(try account.pull()) { error in
            guard case .delivery(let section, let mailbox, let uid, let underlying)? = error as? PullError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual([section, mailbox], ["acct", "INBOX"])
            XCTAssertEqual(uid, 3)
            XCTAssertTrue(underlying.isTransient)
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .temporaryFailure)
            XCTAssertEqual(String(describing: error),
                           "acct(INBOX): UID 3 will be retried on the next run: LMTP server temporarily refused end of message data: 452 4.2.2 mailbox full")
        }
        XCTAssertEqual(account.counts, [1: 1, 2: 1])
        // UIDNEXT did not move past the undelivered message; the delivered ones are recorded.
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 1), stalledUIDs: [1, 2]))

        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1], "no loss, no duplicate")
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 6)))
    }

    func testPermanentRefusalStopsWithAClearError() throws {
        let account = try InProcessAccount(self)
        try account.add(1...3)
        account.receiver.inject(.refuse(.recipient, code: 550, text: "5.1.1 <rcpt@example.net> unknown user"))
        XCTAssertThrowsError(try account.pull()) { error in
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .unavailable)
            XCTAssertEqual(String(describing: error),
                           "acct(INBOX): UID 1 not delivered: LMTP server refused RCPT TO:<rcpt@example.net>: 550 5.1.1 <rcpt@example.net> unknown user")
        }
        XCTAssertEqual(account.counts, [:])
        XCTAssertEqual(account.unseenUIDs, [1, 2, 3], "nothing marked \\Seen")
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 1)))

        account.receiver.removeAllFaults()
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1])
    }

    func testReceiverDroppingTheConnectionAfterStoringGivesOneDuplicateAtMost() throws {
        // The receiver stores message 2 and dies before answering: the client cannot know it
        // arrived, so it is delivered again: the one duplicate the design allows.
        let account = try InProcessAccount(self)
        try account.add(1...4)
        account.receiver.inject(FakeMailFault(stage: .endOfData, trigger: .transaction(2), action: .disconnectAfterStoring))
        XCTAssertThrowsError(try account.pull()) { error in
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .temporaryFailure, "\(error)")
        }
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 2, 3: 1, 4: 1])
        XCTAssertEqual(account.unseenUIDs, [])
    }

    func testLostIMAPConnectionDuringTheFetch() throws {
        let account = try InProcessAccount(self)
        try account.add(1...6)
        account.faults.dropConnection(during: "UID FETCH", afterUntagged: 3)
        XCTAssertThrowsError(try account.pull()) { error in
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .temporaryFailure, "\(error)")
        }
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1], "the complete responses were delivered")
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [1, 2, 3])
        XCTAssertEqual(account.unseenUIDs, [1, 2, 3, 4, 5, 6])

        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1])
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 7)))
    }

    func testUIDValidityMismatchDeliversNothing() throws {
        let account = try InProcessAccount(self)
        try account.add(1...3)
        try account.writeStatefile(PullMailboxState(uidValidity: 17, uidNext: 2), stalled: [2])
        let commands = account.countCommands()
        XCTAssertThrowsError(try account.pull()) { error in
            XCTAssertEqual(error as? PullError, .uidValidityChanged(section: "acct", mailbox: "INBOX", statefile: account.statefilePath,
                                                                     recorded: 17, server: 4242))
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .dataError)
            XCTAssertTrue(String(describing: error).hasPrefix("acct: UIDVALIDITY changed! (17 != 4242) The UIDs recorded in statefile "), "\(error)")
        }
        XCTAssertEqual(account.receiver.connectionCount, 0)
        XCTAssertEqual(commands.count("UID FETCH") + commands.count("UID STORE"), 0)
        XCTAssertEqual(account.unseenUIDs, [1, 2, 3])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 17, uidNext: 2), stalledUIDs: [2]),
                       "the statefile is left as it was")
    }

    func testStoreRefusedLeavesStalledUIDsForTheNextRun() throws {
        let account = try InProcessAccount(self)
        try account.add(1...3)
        account.faults.fail("UID STORE", status: "NO", text: "Temporary failure")
        XCTAssertThrowsError(try account.pull())
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 1), stalledUIDs: [1, 2, 3]))
        try account.pull()
        XCTAssertEqual(account.counts, [1: 1, 2: 1, 3: 1])
        XCTAssertEqual(account.unseenUIDs, [])
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 4)))
    }
}
