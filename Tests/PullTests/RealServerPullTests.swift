import Engine
import FakeLMTP
import Foundation
import TestSupport
import XCTest

/// Our pullimap against real servers: dovecot for IMAP, dovecot's LMTP and aiosmtpd for
/// delivery, and the reference pullimap on the same statefile.
final class RealServerPullTests: XCTestCase {
    /// Delivery counts per message number, from what a real server stored.
    private func counts(_ messages: [[UInt8]]) -> [Int: Int] { deliveryCounts(messages) }

    private func once(_ numbers: ClosedRange<Int>) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: numbers.map { ($0, 1) })
    }

    // MARK: - Interrupted large pulls

    func testCrashInTheMiddleOfALargePullThenResumeDeliversEachMessageOnce() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...300, padding: { ($0 * 37) % 8000 })
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)")
        // SIGKILL right after the 120th UID reached the statefile.
        let crash = try account.run(crashAt: "pull-statefile-appended:120")
        XCTAssertTrue(crash.killedBySIGKILL, "\(crash)")
        XCTAssertEqual(lmtp.storedCount, 120)
        let afterCrash = try account.statefileContents()
        XCTAssertEqual(afterCrash.state?.uidNext, 1)
        XCTAssertEqual(afterCrash.stalledUIDs.count, 120)

        let resume = try account.run()
        XCTAssertEqual(resume.status, 0, resume.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...300), "exactly once")
        XCTAssertEqual(try account.unseenUIDs(), [])
        let uidValidity = try account.uidValidity()
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: uidValidity, uidNext: 301)))
    }

    func testKillDashNineFromOutsideThenResume() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...300, padding: { _ in 4000 })
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)")
        let process = try account.start([], stderrPath: account.directory + "/killed-stderr")
        XCTAssertTrue(eventually(timeout: 60) { lmtp.storedCount >= 100 })
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // dovecot may still be storing the message whose data had all arrived: let it settle.
        var delivered = lmtp.storedCount
        var stableSince = Date()
        while Date().timeIntervalSince(stableSince) < 0.5 {
            Thread.sleep(forTimeInterval: 0.05)
            if lmtp.storedCount != delivered { delivered = lmtp.storedCount; stableSince = Date() }
        }
        XCTAssertLessThan(delivered, 300, "killed in the middle")
        let recorded = try account.statefileContents().stalledUIDs.count
        // The kill may land between the receiver's acceptance and the statefile write: then
        // exactly one delivered message is not recorded.
        XCTAssertTrue(delivered == recorded || delivered == recorded + 1, "\(delivered) delivered, \(recorded) recorded")

        let resume = try account.run()
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let final = counts(lmtp.storedMessages())
        XCTAssertEqual(Set(final.keys), Set(1...300), "nothing lost")
        let duplicates = final.filter { $0.value > 1 }
        XCTAssertEqual(duplicates.values.reduce(0, +) - duplicates.count, delivered - recorded,
                       "a duplicate only for a delivery the statefile had not recorded: \(duplicates)")
        XCTAssertEqual(try account.unseenUIDs(), [])
    }

    func testSMTPToAiosmtpdCrashBeforeTheStatefileWrite() throws {
        let account = try DovecotAccount(self)
        let smtp = try SMTPSinkServer()
        defer { smtp.stop() }
        try account.add(1...20)
        try account.writeConfiguration(deliverMethod: "smtp:[127.0.0.1]:\(smtp.port)")
        let crash = try account.run(crashAt: "pull-delivered-before-statefile:7")
        XCTAssertTrue(crash.killedBySIGKILL, "\(crash)")
        let resume = try account.run()
        XCTAssertEqual(resume.status, 0, resume.stderr)
        var expected = once(1...20)
        expected[7] = 2
        let stored = smtp.storedMessages()
        XCTAssertEqual(counts(stored.map(\.message)), expected, "message 7 twice (the documented window), every other once")
        XCTAssertEqual(stored.first?.reversePath, "sender1@example.org")
        XCTAssertEqual(try account.unseenUIDs(), [])
    }

    // MARK: - Options and failures on dovecot

    func testNoDeliveryOnDovecot() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...5)
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)")
        let result = try account.run(["--no-delivery"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(lmtp.storedCount, 0)
        XCTAssertEqual(try account.statefileContents().state?.uidNext, 6)
        XCTAssertEqual(try account.unseenUIDs(), [])

        try account.add(6...7)
        let next = try account.run()
        XCTAssertEqual(next.status, 0, next.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(6...7))
    }

    func testPurgeAfterZeroOnDovecot() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...5)
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)", extra: ["purge-after = 0"])
        let result = try account.run()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...5))
        XCTAssertEqual(try account.allUIDs(), [])
    }

    func testPurgeAfterDaysOnDovecot() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        let old = InternalDate(date: Date().addingTimeInterval(-20 * 86400))
        try account.add(1...2, internalDate: old)
        try account.add(3...4)
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)", extra: ["purge-after = 10"])
        let result = try account.run()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...4))
        XCTAssertEqual(try account.allUIDs(), [3, 4])
    }

    func testUIDValidityMismatchOnDovecot() throws {
        let account = try DovecotAccount(self)
        try account.add(1...2)
        let uidValidity = try account.uidValidity()
        let statefile = try PullStatefile.open(path: account.statefilePath)
        try statefile.setState(PullMailboxState(uidValidity: uidValidity &+ 1, uidNext: 1))
        statefile.close()
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:9")
        let result = try account.run()
        XCTAssertEqual(result.status, ExitStatus.dataError.rawValue, result.stderr)
        XCTAssertTrue(result.stderr.contains("ERROR: UIDVALIDITY changed! (\(uidValidity &+ 1) != \(uidValidity))"), result.stderr)
        XCTAssertEqual(try account.unseenUIDs(), [1, 2])
    }

    // MARK: - The reference pullimap on the same statefile

    func testBusyStatefileBetweenOursAndTheReference() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...2)
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)")

        // (The reference's --idle refuses a missing statefile; an empty one is a new statefile.)
        _ = FileManager.default.createFile(atPath: account.statefilePath, contents: nil)
        let reference = try account.start(["--idle"], reference: true, stderrPath: account.directory + "/reference-stderr")
        XCTAssertTrue(eventually(timeout: 20) { lmtp.storedCount == 2 },
                      (try? String(contentsOfFile: account.directory + "/reference-stderr", encoding: .utf8)) ?? "")
        let ours = try account.run()
        kill(reference.processIdentifier, SIGTERM)
        reference.waitUntilExit()
        XCTAssertEqual(ours.status, ExitStatus.temporaryFailure.rawValue, ours.stderr)
        XCTAssertTrue(ours.stderr.contains("is locked"), ours.stderr)
        XCTAssertLessThan(ours.duration, 5)

        try account.add(3...3)
        let idling = try account.start(["--idle"], stderrPath: account.directory + "/ours-stderr")
        XCTAssertTrue(eventually(timeout: 20) { lmtp.storedCount == 3 })
        let theirs = try account.run(reference: true)
        kill(idling.processIdentifier, SIGTERM)
        idling.waitUntilExit()
        XCTAssertNotEqual(theirs.status, 0)
        XCTAssertTrue(theirs.stderr.lowercased().contains("lock"), theirs.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...3))
    }

    func testStatefileSharedWithTheReferenceInBothDirections() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(lmtp.port)")
        try account.add(1...3)
        XCTAssertEqual(try account.run(reference: true).status, 0)
        try account.add(4...6)
        XCTAssertEqual(try account.run().status, 0)
        try account.add(7...9)
        XCTAssertEqual(try account.run(reference: true).status, 0)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...9))

        // Ours is killed with stalled UIDs in the statefile; the reference resumes from them.
        try account.add(10...15)
        let crash = try account.run(crashAt: "pull-statefile-appended:3")
        XCTAssertTrue(crash.killedBySIGKILL)
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [10, 11, 12])
        let theirs = try account.run(reference: true)
        XCTAssertEqual(theirs.status, 0, theirs.stderr)
        XCTAssertEqual(counts(lmtp.storedMessages()), once(1...15))
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [])
        XCTAssertEqual(try account.unseenUIDs(), [])
    }

    func testWeResumeFromTheReferencesStalledUIDs() throws {
        // The reference stops at a 4xx and leaves the UIDs it delivered in the statefile.
        let account = try DovecotAccount(self)
        let receiver = FakeMailReceiver(.lmtp)
        defer { receiver.stop() }
        let port = try receiver.listen()
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:\(port)")
        try account.add(1...5)
        receiver.inject(.refuse(.endOfData, code: 451, text: "4.3.0 later", when: .transaction(4)))
        let theirs = try account.run(reference: true)
        XCTAssertNotEqual(theirs.status, 0)
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [1, 2, 3])

        let ours = try account.run()
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(deliveryCounts(receiver.deliveries.map(\.message)), once(1...5))
        XCTAssertEqual(try account.unseenUIDs(), [])
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [])
    }
}
