import XCTest
import Engine
import FakeLMTP
import TestSupport

/// The SMTP/LMTP client against the fake receiver over an in-memory stream.
final class MailDeliverySessionTests: XCTestCase {
    private let sender = "sender@example.org"
    private let recipient = "user@example.net"

    private func receiver(_ transferProtocol: DeliveryMethod.TransferProtocol,
                          _ configure: (inout FakeMailReceiver.Configuration) -> Void = { _ in }) -> FakeMailReceiver {
        var configuration = FakeMailReceiver.Configuration(transferProtocol: transferProtocol)
        configure(&configuration)
        let receiver = FakeMailReceiver(configuration: configuration)
        addTeardownBlock { receiver.stop() }
        return receiver
    }

    private func open(_ receiver: FakeMailReceiver, as transferProtocol: DeliveryMethod.TransferProtocol? = nil,
                      trace: ((MailTrafficDirection, String) -> Void)? = nil) throws -> MailDeliverySession {
        try MailDeliverySession(stream: receiver.connect(), transferProtocol: transferProtocol ?? receiver.configuration.transferProtocol,
                                clientDomain: "client.example", trace: trace)
    }

    private func message(_ n: Int) -> [UInt8] {
        Array("From: \(sender)\r\nSubject: message \(n)\r\n\r\nbody \(n)\r\n".utf8)
    }

    // MARK: - Round trips

    func testPipelinedSMTPCostsTwoRoundTripsPerMessage() throws {
        let receiver = receiver(.smtp)
        let session = try open(receiver)
        XCTAssertTrue(session.extensions.pipelining)
        XCTAssertEqual(receiver.clientTurns, 2, "greeting, then EHLO")
        for n in 1...3 {
            try session.deliver(message: message(n), reversePath: sender, recipient: recipient)
            XCTAssertEqual(receiver.clientTurns, 2 + 2 * n, "MAIL+RCPT+DATA as one group, then the data")
        }
        session.quit()
        XCTAssertFalse(session.isOpen)
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.map(\.message), (1...3).map(message))
        XCTAssertEqual(receiver.deliveries.map(\.reversePath), [sender, sender, sender])
        XCTAssertEqual(receiver.deliveries.map(\.recipients), [[recipient], [recipient], [recipient]])
        XCTAssertEqual(receiver.violations, [])
        XCTAssertEqual(receiver.transcript.last, "#1: QUIT")
    }

    /// RFC 2920 §3.1: the next MAIL may follow the final dot at once, so a run of messages costs
    /// one turn each (plus the first envelope).
    func testPipeliningAcrossMessagesCostsOneRoundTripPerMessage() throws {
        for transferProtocol in [DeliveryMethod.TransferProtocol.smtp, .lmtp] {
            let receiver = receiver(transferProtocol)
            let session = try open(receiver)
            let messages = (1...5).map { OutgoingMessage(body: message($0), reversePath: sender, recipient: recipient) }
            for (index, current) in messages.enumerated() {
                try session.deliver(current, next: index + 1 < messages.count ? messages[index + 1] : nil)
            }
            XCTAssertEqual(receiver.clientTurns, 2 + 1 + 5, "\(transferProtocol): the first envelope, then one turn per message")
            session.quit()
            XCTAssertTrue(receiver.waitForSessions())
            XCTAssertEqual(receiver.deliveries.map(\.message), (1...5).map(message))
            XCTAssertEqual(receiver.violations, [])
            XCTAssertEqual(receiver.transcript.last, "#1: QUIT")
        }
    }

    /// A refusal of the data leaves the announced next envelope to be answered: the next
    /// delivery reads its replies and goes on; a refused announced envelope fails that message only.
    func testPipelinedNextEnvelopeAfterARefusal() throws {
        let receiver = receiver(.lmtp)
        receiver.inject(FakeMailFault(stage: .endOfData, trigger: .transaction(1), action: .reply(MailReply(code: 452, lines: ["4.2.2 full"]))))
        receiver.inject(FakeMailFault(stage: .recipient, trigger: .transaction(2), action: .reply(MailReply(code: 550, lines: ["5.1.1 no"]))))
        let session = try open(receiver)
        let messages = (1...3).map { OutgoingMessage(body: message($0), reversePath: sender, recipient: recipient) }
        XCTAssertThrowsError(try session.deliver(messages[0], next: messages[1])) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, true)
        }
        XCTAssertThrowsError(try session.deliver(messages[1], next: messages[2])) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.reply?.code, 550)
        }
        try session.deliver(messages[2], next: nil)
        session.quit()
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.map(\.message), [message(3)])
        XCTAssertEqual(receiver.violations, [])
    }

    /// QUIT after an announced envelope would be taken as message text: the session closes
    /// instead, and the server delivers nothing for the abandoned transaction.
    func testQuitWithAnAnnouncedEnvelopeClosesWithoutDelivering() throws {
        let receiver = receiver(.smtp)
        let session = try open(receiver)
        let first = OutgoingMessage(body: message(1), reversePath: sender, recipient: recipient)
        let second = OutgoingMessage(body: message(2), reversePath: sender, recipient: recipient)
        try session.deliver(first, next: second)
        session.quit()
        XCTAssertTrue(receiver.waitForSessions())
        XCTAssertEqual(receiver.deliveries.map(\.message), [message(1)])
    }

    func testWithoutPipeliningEachCommandWaitsForItsReply() throws {
        let receiver = receiver(.smtp) { $0.advertisesPipelining = false }
        let session = try open(receiver)
        for n in 1...3 {
            try session.deliver(message: message(n), reversePath: sender, recipient: recipient)
            XCTAssertEqual(receiver.clientTurns, 2 + 4 * n)
        }
        session.quit()
        XCTAssertEqual(receiver.deliveries.count, 3)
        XCTAssertEqual(receiver.violations, [], "never pipelines unless PIPELINING was announced")
    }

    func testLMTPDelivery() throws {
        let receiver = receiver(.lmtp)
        let session = try open(receiver)
        try session.deliver(message: message(1), reversePath: "", recipient: recipient)
        try session.deliver(message: message(2), reversePath: sender, recipient: "other@example.net")
        session.quit()
        XCTAssertEqual(receiver.deliveries.map(\.transferProtocol), [.lmtp, .lmtp])
        XCTAssertEqual(receiver.deliveries.map(\.reversePath), ["", sender])
        XCTAssertEqual(receiver.deliveries.map(\.recipients), [[recipient], ["other@example.net"]])
        XCTAssertEqual(receiver.transcript.first, "#1: LHLO client.example")
        XCTAssertEqual(receiver.violations, [])
    }

    func testSlowRepliesAreWaitedForOncePerTurn() throws {
        let receiver = receiver(.smtp) { $0.replyDelay = 0.02 }
        let session = try open(receiver)
        let start = Date()
        for n in 1...5 { try session.deliver(message: message(n), reversePath: sender, recipient: recipient) }
        let elapsed = Date().timeIntervalSince(start)
        session.quit()
        XCTAssertEqual(receiver.deliveries.count, 5)
        XCTAssertEqual(receiver.clientTurns, 2 + 2 * 5)
        XCTAssertGreaterThanOrEqual(elapsed, 10 * 0.02 * 0.9, "each of the 10 turns waited for the delay")
    }

    // MARK: - Message data

    func testDotStuffingAndLineEndings() throws {
        let receiver = receiver(.smtp)
        let session = try open(receiver)
        let raw = "Subject: dots\n\n.\n..two\r\n.three\nlone\rcr\nno final newline"
        try session.deliver(message: Array(raw.utf8), reversePath: sender, recipient: recipient)
        session.quit()
        XCTAssertEqual(receiver.deliveries.first.map { String(decoding: $0.message, as: UTF8.self) },
                       "Subject: dots\r\n\r\n.\r\n..two\r\n.three\r\nlone\rcr\r\nno final newline\r\n")
        XCTAssertEqual(receiver.violations, [])
    }

    func testLargeMessageInOneTransaction() throws {
        let receiver = receiver(.lmtp)
        let session = try open(receiver)
        let line = Array(repeating: UInt8(ascii: "y"), count: 76) + [0x0D, 0x0A]
        let big = Array("Subject: big\r\n\r\n".utf8) + Array((0..<15_000).map { _ in line }.joined())  // more than the 1 MiB stream buffer
        try session.deliver(message: big, reversePath: sender, recipient: recipient)
        session.quit()
        XCTAssertEqual(receiver.deliveries.first?.message, big)
    }

    func testEightBitMIMEAndSizeParameters() throws {
        let eightBit = Array("Subject: caf\u{e9}\r\n\r\n\u{e9}t\u{e9}\r\n".utf8)
        do {
            let receiver = receiver(.smtp) { $0.maximumMessageSize = 0 }
            let session = try open(receiver)
            try session.deliver(message: eightBit, reversePath: sender, recipient: recipient)
            try session.deliver(message: message(1), reversePath: sender, recipient: recipient)
            session.quit()
            XCTAssertEqual(receiver.deliveries.map(\.mailParameters),
                           [["BODY=8BITMIME", "SIZE=\(eightBit.count)"], ["SIZE=\(message(1).count)"]])
            XCTAssertEqual(receiver.violations, [])
        }
        do {
            // Without 8BITMIME the message still goes (what else could a pull do?) but undeclared.
            let receiver = receiver(.smtp) { $0.advertises8BITMIME = false }
            let session = try open(receiver)
            try session.deliver(message: eightBit, reversePath: sender, recipient: recipient)
            session.quit()
            XCTAssertEqual(receiver.deliveries.map(\.mailParameters), [[]])
            XCTAssertEqual(receiver.deliveries.first?.message, eightBit)
        }
    }

    func testMessageLargerThanTheAnnouncedSizeIsRefusedAtMail() throws {
        let receiver = receiver(.smtp) { $0.maximumMessageSize = 20 }
        let session = try open(receiver)
        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: recipient)) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.reply?.code, 552)
            XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .unavailable)
        }
        XCTAssertTrue(session.isOpen)
        try session.deliver(message: Array("x\r\n".utf8), reversePath: sender, recipient: recipient)
        XCTAssertEqual(receiver.deliveries.count, 1)
    }

    func testSMTPUTF8IsDeclaredForNonASCIIAddresses() throws {
        let receiver = receiver(.smtp) { $0.advertisesSMTPUTF8 = true }
        let session = try open(receiver)
        try session.deliver(message: message(1), reversePath: "j\u{f6}rg@example.org", recipient: recipient)
        try session.deliver(message: message(2), reversePath: sender, recipient: recipient)
        XCTAssertEqual(receiver.deliveries.map(\.mailParameters), [["SMTPUTF8"], []])
        XCTAssertEqual(receiver.deliveries.first?.reversePath, "j\u{f6}rg@example.org")
    }

    // MARK: - Refusals

    func testRefusalAtEachStage() throws {
        let stages: [(FakeMailFault.Stage, String)] = [
            (.mail, "MAIL FROM:<\(sender)>"), (.recipient, "RCPT TO:<\(recipient)>"), (.data, "DATA"), (.endOfData, "end of message data"),
        ]
        for transferProtocol in [DeliveryMethod.TransferProtocol.smtp, .lmtp] {
            for pipelining in [true, false] {
                for (stage, command) in stages {
                    for code in [451, 554] {
                        let context = "\(transferProtocol) pipelining=\(pipelining) \(stage) \(code)"
                        let receiver = receiver(transferProtocol) { $0.advertisesPipelining = pipelining }
                        receiver.inject(.refuse(stage, code: code, text: "\(code / 100).0.0 no thanks", when: .transaction(1)))
                        let session = try open(receiver)
                        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: recipient), context) { error in
                            guard let error = error as? MailDeliveryError else { return XCTFail(context) }
                            let reply = MailReply(code: code, lines: ["\(code / 100).0.0 no thanks"])
                            let expected: MailDeliveryError = code < 500
                                ? .transientFailure(transferProtocol: transferProtocol, command: command, reply: reply)
                                : .permanentFailure(transferProtocol: transferProtocol, command: command, reply: reply)
                            XCTAssertEqual(error, expected, context)
                            XCTAssertEqual(error.isTransient, code < 500, context)
                            XCTAssertEqual(error.exitStatus, code < 500 ? .temporaryFailure : .unavailable, context)
                        }
                        XCTAssertTrue(session.isOpen, context)
                        try session.deliver(message: message(2), reversePath: sender, recipient: recipient)
                        session.quit()
                        XCTAssertEqual(receiver.deliveries.map(\.message), [message(2)], context)
                        // RFC 5321 §4.1.1.4: after the final dot the transaction is over, no RSET.
                        XCTAssertEqual(receiver.transcript.contains("#1: RSET"), stage != .endOfData, context)
                        XCTAssertEqual(receiver.violations, [], context)
                    }
                }
            }
        }
    }

    func testMultiLineRefusalIsOneReply() throws {
        let receiver = receiver(.smtp)
        let reply = MailReply(code: 550, lines: ["5.7.1 first line", "second line", "third"])
        receiver.inject(FakeMailFault(stage: .recipient, trigger: .once, action: .reply(reply)))
        let session = try open(receiver)
        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: recipient)) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.reply, reply)
            XCTAssertEqual(String(describing: error),
                           "SMTP server refused RCPT TO:<\(recipient)>: 550 5.7.1 first line second line third")
        }
        try session.deliver(message: message(2), reversePath: sender, recipient: recipient)
        XCTAssertEqual(receiver.deliveries.count, 1)
    }

    // MARK: - Lost connections

    func testConnectionDroppedDuringData() throws {
        for size in [100, 3_000_000] {
            let receiver = receiver(.smtp)
            receiver.inject(.dropDuringData(afterBytes: 10))
            let session = try open(receiver)
            let body = Array("Subject: x\r\n\r\n".utf8) + Array(repeating: UInt8(ascii: "z"), count: size) + [0x0D, 0x0A]
            XCTAssertThrowsError(try session.deliver(message: body, reversePath: sender, recipient: recipient)) { error in
                guard case .connectionLost(.smtp, "end of message data", _)? = error as? MailDeliveryError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .temporaryFailure)
            }
            XCTAssertFalse(session.isOpen)
            XCTAssertEqual(receiver.deliveries, [])
            XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: recipient)) { error in
                XCTAssertEqual(error as? MailDeliveryError, .sessionClosed(transferProtocol: .smtp))
            }
        }
    }

    func testConnectionDroppedAfterTheServerStoredTheMessage() throws {
        let receiver = receiver(.lmtp)
        receiver.inject(FakeMailFault(stage: .endOfData, trigger: .transaction(2), action: .disconnectAfterStoring))
        let session = try open(receiver)
        try session.deliver(message: message(1), reversePath: sender, recipient: recipient)
        XCTAssertThrowsError(try session.deliver(message: message(2), reversePath: sender, recipient: recipient)) { error in
            guard case .connectionLost(.lmtp, "end of message data", _)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(receiver.deliveries.map(\.unacknowledged), [false, true])
    }

    func testConnectionDroppedBeforeTheMailReply() throws {
        let receiver = receiver(.smtp)
        receiver.inject(FakeMailFault(stage: .mail, action: .disconnect))
        let session = try open(receiver)
        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: recipient)) { error in
            guard case .connectionLost(.smtp, "MAIL FROM:<\(sender)>", _)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertTrue(String(describing: error).hasPrefix("connection to the SMTP server lost waiting for the reply to MAIL FROM:<\(sender)>"))
        }
        XCTAssertFalse(session.isOpen)
    }

    // MARK: - Opening

    func testHELOFallbackWhenEHLOIsRefused() throws {
        let receiver = receiver(.smtp) { $0.acceptsEHLO = false }
        let session = try open(receiver)
        XCTAssertTrue(session.usesHELO)
        XCTAssertEqual(session.extensions, .none)
        let eightBit = Array("Subject: \u{e9}\r\n\r\nx\r\n".utf8)
        try session.deliver(message: eightBit, reversePath: sender, recipient: recipient)
        try session.deliver(message: message(2), reversePath: sender, recipient: recipient)
        session.quit()
        XCTAssertEqual(receiver.transcript.prefix(2), ["#1: EHLO client.example", "#1: HELO client.example"])
        XCTAssertEqual(receiver.deliveries.map(\.mailParameters), [[], []], "no extension after HELO")
        XCTAssertEqual(receiver.clientTurns, 3 + 4 * 2, "no pipelining after HELO")
        XCTAssertEqual(receiver.violations, [])
    }

    func testProtocolMismatch() throws {
        // An LMTP client at an SMTP server: LHLO is refused, no fallback.
        XCTAssertThrowsError(try open(receiver(.smtp), as: .lmtp)) { error in
            guard case .permanentFailure(.lmtp, "LHLO client.example", let reply)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual(reply.code, 500)
        }
        // An SMTP client at an LMTP server: EHLO and HELO are refused (RFC 2033 §4.1).
        let lmtp = receiver(.lmtp)
        XCTAssertThrowsError(try open(lmtp, as: .smtp)) { error in
            guard case .permanentFailure(.smtp, "HELO client.example", let reply)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual(reply.code, 500)
        }
        XCTAssertEqual(lmtp.transcript, ["#1: EHLO client.example", "#1: HELO client.example"])
    }

    func testGreetingRefusals() throws {
        for (code, transient) in [(554, false), (421, true)] {
            let receiver = receiver(.smtp)
            receiver.inject(.refuse(.greeting, code: code, text: "no service"))
            XCTAssertThrowsError(try open(receiver)) { error in
                XCTAssertEqual((error as? MailDeliveryError)?.isTransient, transient)
                XCTAssertEqual((error as? MailDeliveryError)?.reply?.code, code)
                XCTAssertTrue(String(describing: error).contains("the greeting"), "\(error)")
            }
        }
        let receiver = receiver(.lmtp)
        receiver.inject(FakeMailFault(stage: .greeting, action: .disconnect))
        XCTAssertThrowsError(try open(receiver)) { error in
            guard case .connectionLost(.lmtp, "the greeting", _)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
        }
    }

    func testHelloRefusedTemporarily() throws {
        let receiver = receiver(.smtp)
        receiver.inject(.refuse(.hello, code: 421, text: "4.3.2 shutting down"))
        XCTAssertThrowsError(try open(receiver)) { error in
            XCTAssertEqual(error as? MailDeliveryError,
                           .transientFailure(transferProtocol: .smtp, command: "EHLO client.example",
                                             reply: MailReply(code: 421, lines: ["4.3.2 shutting down"])))
        }
    }

    func testControlCharactersInAddressesAreRefusedBeforeSending() throws {
        let receiver = receiver(.smtp)
        let session = try open(receiver)
        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: "a@b>\r\nRCPT TO:<evil@x", recipient: recipient)) { error in
            guard case .invalidAddress(role: "sender", _)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .dataError)
        }
        XCTAssertThrowsError(try session.deliver(message: message(1), reversePath: sender, recipient: "x\ny"))
        session.quit()
        XCTAssertFalse(receiver.transcript.contains { $0.contains("MAIL") })
    }

    func testTrace() throws {
        let receiver = receiver(.lmtp)
        let lines = TraceLines()
        let session = try open(receiver) { direction, line in lines.append((direction == .sent ? "C: " : "S: ") + line) }
        try session.deliver(message: message(1), reversePath: sender, recipient: recipient)
        session.quit()
        let trace = lines.all
        XCTAssertEqual(trace.first, "S: 220 fake.example LMTP ready")
        for expected in ["C: LHLO client.example", "S: 250-PIPELINING", "C: MAIL FROM:<\(sender)>", "C: RCPT TO:<\(recipient)>",
                         "C: DATA", "S: 354 Start mail input; end with <CRLF>.<CRLF>", "C: [...]", "C: QUIT", "S: 221 2.0.0 Bye"] {
            XCTAssertTrue(trace.contains(expected), "missing \(expected) in \(trace)")
        }
    }

    // MARK: - TCP

    func testDeliveryOverTCP() throws {
        let receiver = receiver(.lmtp)
        let port = try receiver.listen()
        for host in [DeliveryMethod.Address.ipLiteral("127.0.0.1"), .hostname("localhost")] {
            let session = try MailDeliverySession.connect(to: DeliveryMethod(transferProtocol: .lmtp, address: host, port: Int(port)),
                                                          clientDomain: "client.example")
            try session.deliver(message: message(1), reversePath: sender, recipient: recipient)
            session.quit()
        }
        XCTAssertEqual(receiver.deliveries.count, 2)
        XCTAssertEqual(receiver.connectionCount, 2)
        XCTAssertEqual(receiver.violations, [])
    }

    func testConnectFailure() throws {
        let port = try TCPPort.free()
        XCTAssertThrowsError(try MailDeliverySession.connect(to: DeliveryMethod(transferProtocol: .smtp, address: .ipLiteral("127.0.0.1"), port: port),
                                                             clientDomain: "x")) { error in
            guard case .connectFailed(let target, let reason)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual(target, "127.0.0.1:\(port)")
            XCTAssertTrue(reason.contains("refused"), reason)
            XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .unavailable)
        }
    }
}

/// Trace lines collected from the session's callback.
final class TraceLines: @unchecked Sendable {
    /// Protects `lines`.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
