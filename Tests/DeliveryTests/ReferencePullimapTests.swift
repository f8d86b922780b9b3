import XCTest
@testable import Engine
import FakeLMTP
import TestSupport

/// The reference pullimap (a tunnel to a dovecot INBOX) and our statefile and fake receiver:
/// each reads what the other wrote, and the reference delivers to the fake over TCP.
final class ReferencePullimapTests: XCTestCase {
    private struct Store {
        var fixture: DovecotFixture
        var root: String
        var configuration: String
    }

    private func doveadm(_ store: Store, _ arguments: [String], input: String = "") throws -> ProcessResult {
        try runProcess(store.fixture.doveadmCommand + arguments, input: Array(input.utf8))
    }

    /// A dovecot INBOX holding three messages from a@, b@ and c@example.org; the statefile and
    /// the configuration go in `root`.
    private func makeStore() throws -> Store {
        try requireTools(["/usr/bin/pullimap", "/usr/bin/doveadm", "/usr/bin/setpriv"], user: true, root: true)
        let fixture = try DovecotFixture(user: testUser)
        addTeardownBlock { fixture.cleanUp() }
        let root = try makeTemporaryDirectory(self, prefix: "pullimap-reference")
        try FileManager.default.createDirectory(atPath: root + "/state", withIntermediateDirectories: true)
        let store = Store(fixture: fixture, root: root, configuration: root + "/pullimap.ini")
        for name in ["a", "b", "c"] {
            let saved = try doveadm(store, ["save", "-m", "INBOX"], input: "From: \(name)@example.org\nSubject: \(name)\n\nbody \(name)\n")
            XCTAssertEqual(saved.status, 0, saved.stderr)
        }
        return store
    }

    private func uidValidity(_ store: Store) throws -> UInt32 {
        let status = try doveadm(store, ["mailbox", "status", "uidvalidity", "INBOX"])
        XCTAssertEqual(status.status, 0, status.stderr)
        let value = status.stdout.split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return try XCTUnwrap(value.flatMap { UInt32($0) }, status.stdout)
    }

    private func runPullimap(_ store: Store, deliverMethod: String, options: [String] = []) throws -> ProcessResult {
        try """
            [acct]
            type = tunnel
            command = \(store.fixture.tunnelCommand)
            statefile = \(store.root)/state/acct
            deliver-method = \(deliverMethod)
            deliver-ehlo = pull.example
            deliver-rcpt = someone@example.net

            """.write(toFile: store.configuration, atomically: true, encoding: .utf8)
        return try runProcess(["/usr/bin/pullimap", "--config=" + store.configuration] + options + ["acct"])
    }

    func testWeReadTheReferenceStatefile() throws {
        let store = try makeStore()
        let result = try runPullimap(store, deliverMethod: "smtp:[127.0.0.1]:9", options: ["--no-delivery"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let path = store.root + "/state/acct"
        let onDisk = Array(try XCTUnwrap(FileManager.default.contents(atPath: path)))
        let expectedUIDValidity = try uidValidity(store)
        XCTAssertEqual(onDisk, PullStatefile.bigEndian([expectedUIDValidity, 4]))

        let statefile = try PullStatefile.open(path: path)
        XCTAssertEqual(try statefile.read(), PullStatefileContents(state: PullMailboxState(uidValidity: expectedUIDValidity, uidNext: 4)))
        // While we hold the lock the reference refuses to run.
        let locked = try runPullimap(store, deliverMethod: "smtp:[127.0.0.1]:9", options: ["--no-delivery"])
        XCTAssertNotEqual(locked.status, 0)
        XCTAssertTrue(locked.stderr.contains("lock"), locked.stderr)
    }

    func testTheReferenceReadsOurStatefileAndDeliversToTheFakeReceiver() throws {
        for transferProtocol in [DeliveryMethod.TransferProtocol.lmtp, .smtp] {
            let store = try makeStore()
            let uidValidity = try uidValidity(store)
            // A run of ours that delivered UID 2 during a UID FETCH from UIDNEXT 2, then stopped.
            let statefile = try PullStatefile.open(path: store.root + "/state/acct")
            try statefile.setState(PullMailboxState(uidValidity: uidValidity, uidNext: 2))
            try statefile.appendDeliveredUID(2)
            statefile.close()

            let receiver = FakeMailReceiver(transferProtocol)
            defer { receiver.stop() }
            let port = try receiver.listen()
            let result = try runPullimap(store, deliverMethod: "\(transferProtocol.rawValue):[127.0.0.1]:\(port)")
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(receiver.waitForSessions())

            // UID 1 is below UIDNEXT, UID 2 was a stalled UID: only UID 3 is delivered.
            XCTAssertEqual(receiver.deliveries.map(\.message), [Array("From: c@example.org\r\nSubject: c\r\n\r\nbody c\r\n".utf8)])
            XCTAssertEqual(receiver.deliveries.map(\.reversePath), ["c@example.org"])
            XCTAssertEqual(receiver.deliveries.map(\.recipients), [["someone@example.net"]])
            XCTAssertEqual(receiver.violations, [])
            XCTAssertEqual(receiver.transcript.first, transferProtocol == .lmtp ? "#1: LHLO pull.example" : "#1: EHLO pull.example")
            XCTAssertEqual(receiver.transcript.last, "#1: QUIT")

            let reopened = try PullStatefile.open(path: store.root + "/state/acct")
            XCTAssertEqual(try reopened.read(), PullStatefileContents(state: PullMailboxState(uidValidity: uidValidity, uidNext: 4)))

            // The reference's log line has the shape DeliveryLogLine writes.
            let line = try XCTUnwrap(result.stderr.split(separator: "\n").first { $0.contains("UID 3") }.map(String.init), result.stderr)
            let prefix = DeliveryLogLine.prefix(section: "acct", mailbox: "INBOX")
            XCTAssertTrue(line.hasPrefix(prefix), line)
            let open = try XCTUnwrap(line.lastIndex(of: "("), line)
            let date = String(line[line.index(after: open)...].dropLast())
            XCTAssertNoThrow(try InternalDate(parsing: date), line)
            XCTAssertEqual(line, prefix + DeliveryLogLine.message(uid: 3, reversePath: "c@example.org", internalDate: date))
        }
    }

    func testTheReferenceRetriesAfterARefusalWithoutDuplicates() throws {
        let store = try makeStore()
        let receiver = FakeMailReceiver(.lmtp)
        defer { receiver.stop() }
        let port = try receiver.listen()
        // First run: the second message is refused at the end of data; the run fails.
        receiver.inject(.refuse(.endOfData, code: 451, text: "4.3.0 try later", when: .transaction(2)))
        let first = try runPullimap(store, deliverMethod: "lmtp:[127.0.0.1]:\(port)")
        XCTAssertNotEqual(first.status, 0, first.stderr)
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.map(\.reversePath), ["a@example.org"])
        // The statefile kept the first UID as delivered during the interrupted fetch.
        let path = store.root + "/state/acct"
        let statefile = try PullStatefile.open(path: path)
        let afterFailure = try statefile.read()
        statefile.close()
        XCTAssertEqual(afterFailure.stalledUIDs, [1], "\(afterFailure)")

        let second = try runPullimap(store, deliverMethod: "lmtp:[127.0.0.1]:\(port)")
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.map(\.reversePath), ["a@example.org", "b@example.org", "c@example.org"], "no duplicate, no loss")
        let reopened = try PullStatefile.open(path: path)
        XCTAssertEqual(try reopened.read().stalledUIDs, [])
        XCTAssertEqual(try reopened.read().state?.uidNext, 4)
    }
}
