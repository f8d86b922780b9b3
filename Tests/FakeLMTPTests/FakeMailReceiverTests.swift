import XCTest
@testable import Engine
import FakeLMTP

/// The fake receiver driven by raw protocol text, checking its replies against RFC 5321/2033.
final class FakeMailReceiverTests: XCTestCase {
    /// A client that sends raw text and reads replies.
    final class RawClient {
        let stream: ByteStream
        var reader: MailReplyReader
        init(_ stream: ByteStream) {
            self.stream = stream
            reader = MailReplyReader(stream: stream)
        }
        func send(_ text: String) throws { try stream.write(Array(text.utf8)) }
        func reply() throws -> MailReply { try reader.readReply() }
        /// Sends `command` + CRLF and returns the reply code.
        func code(_ command: String) throws -> Int {
            try send(command + "\r\n")
            return try reply().code
        }
    }

    private func receiver(_ transferProtocol: DeliveryMethod.TransferProtocol,
                          _ configure: (inout FakeMailReceiver.Configuration) -> Void = { _ in }) -> FakeMailReceiver {
        var configuration = FakeMailReceiver.Configuration(transferProtocol: transferProtocol)
        configure(&configuration)
        let receiver = FakeMailReceiver(configuration: configuration)
        addTeardownBlock { receiver.stop() }
        return receiver
    }

    private func client(_ receiver: FakeMailReceiver) throws -> RawClient {
        let client = RawClient(receiver.connect())
        XCTAssertEqual(try client.reply().code, 220)
        return client
    }

    func testSMTPGreetingAndEHLO() throws {
        let receiver = receiver(.smtp) { $0.maximumMessageSize = 1000 }
        let client = RawClient(receiver.connect())
        XCTAssertEqual(try client.reply(), MailReply(code: 220, lines: ["fake.example ESMTP ready"]))
        try client.send("EHLO me.example\r\n")
        XCTAssertEqual(try client.reply().lines, ["fake.example", "PIPELINING", "SIZE 1000", "8BITMIME", "ENHANCEDSTATUSCODES"])
        XCTAssertEqual(try client.code("LHLO me.example"), 500, "LHLO is not SMTP")
        XCTAssertEqual(try client.code("HELO me.example"), 250)
        XCTAssertEqual(try client.code("EHLO"), 501, "a domain is required")
    }

    func testLMTPRefusesHELOAndEHLO() throws {
        let client = try client(receiver(.lmtp))
        XCTAssertEqual(try client.code("HELO me.example"), 500)
        XCTAssertEqual(try client.code("EHLO me.example"), 500)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 503, "no LHLO yet")
        XCTAssertEqual(try client.code("LHLO me.example"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 250)
    }

    func testCommandSequencing() throws {
        for transferProtocol in [DeliveryMethod.TransferProtocol.smtp, .lmtp] {
            let client = try client(receiver(transferProtocol))
            XCTAssertEqual(try client.code(transferProtocol == .lmtp ? "LHLO x" : "EHLO x"), 250)
            XCTAssertEqual(try client.code("RCPT TO:<a@b>"), 503, "RCPT before MAIL")
            XCTAssertEqual(try client.code("DATA"), 503, "DATA before MAIL")
            XCTAssertEqual(try client.code("MAIL FROM:<>"), 250, "the null reverse-path")
            XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 503, "nested MAIL")
            // RFC 2033 §4.2: 503 without a recipient in LMTP; SMTP may use 554.
            XCTAssertEqual(try client.code("DATA"), transferProtocol == .lmtp ? 503 : 554)
            XCTAssertEqual(try client.code("RCPT TO:<>"), 501)
            XCTAssertEqual(try client.code("RCPT TO:a@b"), 501, "angle brackets are required")
            XCTAssertEqual(try client.code("RSET"), 250)
            XCTAssertEqual(try client.code("RCPT TO:<a@b>"), 503, "RSET ended the transaction")
            XCTAssertEqual(try client.code("NOOP"), 250)
            XCTAssertEqual(try client.code("VRFY a"), 252)
            XCTAssertEqual(try client.code("BDAT 10 LAST"), 500)
            XCTAssertEqual(try client.code("QUIT"), 221)
            XCTAssertEqual(try client.stream.read(maxLength: 10), [], "closed after QUIT")
        }
    }

    func testMailParametersMustHaveBeenAnnounced() throws {
        let receiver = receiver(.smtp) { $0.maximumMessageSize = 100 }
        let client = try client(receiver)
        XCTAssertEqual(try client.code("EHLO x"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> BODY=8BITMIME SIZE=50"), 250)
        XCTAssertEqual(try client.code("RSET"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> SIZE=500"), 552)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> BODY=9BIT"), 501)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> SMTPUTF8"), 555, "not announced")
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> X-UNKNOWN=1"), 555)
        XCTAssertEqual(try client.code("HELO x"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b> BODY=8BITMIME"), 555, "no extensions after HELO")
        XCTAssertEqual(try client.code("MAIL FROM:<\"odd>local\"@b>"), 250, "a quoted local part may hold >")
    }

    func testDataIsUnstuffedAndRecorded() throws {
        let receiver = receiver(.smtp)
        let client = try client(receiver)
        XCTAssertEqual(try client.code("EHLO x"), 250)
        try client.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n")
        XCTAssertEqual(try (0..<4).map { _ in try client.reply().code }, [250, 250, 250, 354])
        try client.send("Subject: t\r\n\r\n..\r\n...x\r\n.y\r\nz.\r\n.\r\n")
        XCTAssertEqual(try client.reply().code, 250)
        XCTAssertEqual(try client.code("QUIT"), 221)
        let delivery = try XCTUnwrap(receiver.deliveries.first)
        XCTAssertEqual(String(decoding: delivery.message, as: UTF8.self), "Subject: t\r\n\r\n.\r\n..x\r\ny\r\nz.\r\n")
        XCTAssertEqual(delivery.reversePath, "a@b")
        XCTAssertEqual(delivery.recipients, ["c@d", "e@f"])
        XCTAssertEqual(delivery.transaction, 1)
        XCTAssertEqual(receiver.violations, [])
    }

    func testLMTPRepliesOncePerRecipient() throws {
        let receiver = receiver(.lmtp)
        receiver.inject(.refuse(.endOfData, code: 452, text: "4.2.2 over quota", when: .transaction(2)))
        let client = try client(receiver)
        try client.send("LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n")
        XCTAssertEqual(try (0..<5).map { _ in try client.reply().code }, [250, 250, 250, 250, 354])
        try client.send("x\r\n.\r\n")
        let replies = try (0..<2).map { _ in try client.reply() }
        XCTAssertEqual(replies.map(\.code), [250, 250])
        XCTAssertTrue(replies[0].text.contains("<c@d>") && replies[1].text.contains("<e@f>"))
        try client.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n")
        XCTAssertEqual(try (0..<4).map { _ in try client.reply().code }, [250, 250, 250, 354])
        try client.send("x\r\n.\r\n")
        XCTAssertEqual(try (0..<2).map { _ in try client.reply().code }, [452, 452])
        XCTAssertEqual(receiver.deliveries.count, 1)
    }

    func testViolationsAreRecorded() throws {
        let receiver = receiver(.smtp) { $0.advertisesPipelining = false }
        let client = try client(receiver)
        XCTAssertEqual(try client.code("EHLO x"), 250)
        // Pipelining without PIPELINING, data before the 354, bare LFs, undeclared 8-bit data.
        try client.send("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nbare\nlf\r\n\u{e9}\r\n.\r\n")
        XCTAssertEqual(try (0..<4).map { _ in try client.reply().code }, [250, 250, 354, 250])
        try client.send("NOOP\n")
        XCTAssertEqual(try client.reply().code, 250)
        XCTAssertEqual(receiver.deliveries.first.map { String(decoding: $0.message, as: UTF8.self) }, "bare\nlf\r\n\u{e9}\r\n",
                       "a bare LF is not a line end")
        let violations = receiver.violations
        for expected in ["MAIL followed by more input before its reply, without PIPELINING",
                         "RCPT followed by more input before its reply, without PIPELINING",
                         "message data sent before the 354 reply to DATA",
                         "bare LF in message data", "8-bit message data without BODY=8BITMIME",
                         "command line ended by a bare LF"] {
            XCTAssertTrue(violations.contains { $0.contains(expected) }, "missing \(expected) in \(violations)")
        }
    }

    func testFaultTriggers() throws {
        let receiver = receiver(.smtp)
        receiver.inject(.refuse(.mail, code: 451, text: "once", when: .once))
        receiver.inject(.refuse(.recipient, code: 550, text: "third", when: .transaction(3)))
        receiver.inject(.refuse(.hello, code: 421, text: "second connection", when: .connection(2)))
        let client = try client(receiver)
        XCTAssertEqual(try client.code("EHLO x"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 451, "transaction 1: the once fault")
        XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 250, "transaction 2")
        XCTAssertEqual(try client.code("RCPT TO:<c@d>"), 250)
        XCTAssertEqual(try client.code("RSET"), 250)
        XCTAssertEqual(try client.code("MAIL FROM:<a@b>"), 250, "transaction 3")
        XCTAssertEqual(try client.code("RCPT TO:<c@d>"), 550)
        let second = try self.client(receiver)
        XCTAssertEqual(try second.code("EHLO x"), 421)
        let third = try self.client(receiver)
        XCTAssertEqual(try third.code("EHLO x"), 250)
        XCTAssertEqual(receiver.transactionCount, 3)
        XCTAssertEqual(receiver.connectionCount, 3)
        receiver.removeAllFaults()
        XCTAssertEqual(try third.code("MAIL FROM:<a@b>"), 250)
    }

    func testDropDuringDataStoresNothing() throws {
        let receiver = receiver(.smtp)
        receiver.inject(.dropDuringData(afterBytes: 5))
        let client = try client(receiver)
        try client.send("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
        XCTAssertEqual(try (0..<4).map { _ in try client.reply().code }, [250, 250, 250, 354])
        try? client.send("0123456789\r\n.\r\n")
        XCTAssertEqual(try client.stream.read(maxLength: 100), [])
        XCTAssertEqual(receiver.deliveries, [])
    }

    func testDropDuringDataSendsThe354EvenWhenTheDataCameEarly() throws {
        let receiver = receiver(.lmtp)
        receiver.inject(.dropDuringData(afterBytes: 5))
        let client = try client(receiver)
        // Everything in one write: the drop must not swallow the 354 that precedes it.
        try client.send("LHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n0123456789\r\n.\r\nQUIT\r\n")
        XCTAssertEqual(try (0..<4).map { _ in try client.reply().code }, [250, 250, 250, 354])
        XCTAssertThrowsError(try client.reply(), "the connection is closed after the 354")
        XCTAssertEqual(receiver.deliveries, [])
    }

    func testClientTurnsAndReplyBatching() throws {
        let receiver = receiver(.smtp)
        let client = try client(receiver)
        XCTAssertEqual(receiver.clientTurns, 1)
        try client.send("EHLO x\r\nMAIL FROM:<a@b>\r\n")
        _ = try client.reply()
        _ = try client.reply()
        XCTAssertEqual(receiver.clientTurns, 2)
        XCTAssertEqual(receiver.violations.count, 1, "EHLO must end its group")
    }

    func testSlowReplies() throws {
        let receiver = receiver(.lmtp) { $0.replyDelay = 0.1 }
        let start = Date()
        let client = try client(receiver)
        XCTAssertEqual(try client.code("LHLO x"), 250)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.19)
    }

    func testTCPListenerServesConcurrentClients() throws {
        let receiver = receiver(.lmtp)
        let port = try receiver.listen()
        let group = DispatchGroup()
        let failures = TestFailures()
        for worker in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let session = try MailDeliverySession.connect(
                        to: DeliveryMethod(transferProtocol: .lmtp, address: .ipLiteral("127.0.0.1"), port: Int(port)), clientDomain: "w\(worker)")
                    for n in 0..<10 {
                        try session.deliver(message: Array("Subject: \(worker)-\(n)\r\n\r\nx\r\n".utf8), reversePath: "w\(worker)@x", recipient: "r@y")
                    }
                    session.quit()
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(failures.all, [])
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.count, 40)
        XCTAssertEqual(Set(receiver.deliveries.map(\.transaction)).count, 40)
        for worker in 0..<4 {
            XCTAssertEqual(receiver.deliveries.filter { $0.reversePath == "w\(worker)@x" }.map { String(decoding: $0.message, as: UTF8.self) },
                           (0..<10).map { "Subject: \(worker)-\($0)\r\n\r\nx\r\n" }, "in order within a connection")
        }
        receiver.stop()
        XCTAssertThrowsError(try MailDeliverySession.connect(
            to: DeliveryMethod(transferProtocol: .lmtp, address: .ipLiteral("127.0.0.1"), port: Int(port)), clientDomain: "late"))
    }
}

/// Failures collected from worker threads.
final class TestFailures: @unchecked Sendable {
    /// Protects `failures`.
    private let lock = NSLock()
    private var failures: [String] = []
    func add(_ failure: String) { lock.withLock { failures.append(failure) } }
    var all: [String] { lock.withLock { failures } }
}
