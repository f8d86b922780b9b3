import XCTest
import Engine

/// The client against hand-written server replies, for behaviour the faithful fake receiver
/// never shows: a DATA accepted after every recipient was refused, malformed or out-of-place
/// replies, a connection closed between commands.
final class ScriptedServerTests: XCTestCase {
    /// Serves `stream` on a thread: `respond` gets each line the client sends (commands and data
    /// lines alike) and returns the raw text to answer, or nil to stay silent.
    final class ScriptedServer: @unchecked Sendable {
        /// Protects `received`.
        private let lock = NSLock()
        private var received: [String] = []
        var lines: [String] { lock.withLock { received } }

        init(_ stream: ByteStream, greeting: String = "220 scripted ESMTP\r\n", respond: @escaping @Sendable (String) -> String?) {
            Thread.detachNewThread { [self] in
                try? stream.write(Array(greeting.utf8))
                var buffer: [UInt8] = []
                while true {
                    if let lf = buffer.firstIndex(of: 0x0A) {
                        let line = String(decoding: buffer[..<lf].filter { $0 != 0x0D }, as: UTF8.self)
                        buffer.removeSubrange(...lf)
                        lock.withLock { received.append(line) }
                        if let reply = respond(line) {
                            if reply == "CLOSE" { stream.close(); return }
                            try? stream.write(Array(reply.utf8))
                        }
                        continue
                    }
                    guard let chunk = try? stream.read(maxLength: 4096), !chunk.isEmpty else { return }
                    buffer.append(contentsOf: chunk)
                }
            }
        }
    }

    private let ehlo = "250-scripted\r\n250 PIPELINING\r\n"

    private func session(_ respond: @escaping @Sendable (String) -> String?) throws -> (MailDeliverySession, ScriptedServer) {
        let (client, server) = MemoryStream.pair()
        let scripted = ScriptedServer(server, respond: respond)
        return (try MailDeliverySession(stream: client, transferProtocol: .smtp, clientDomain: "c.example"), scripted)
    }

    func testDataAcceptedAfterAllRecipientsWereRefused() throws {
        // RFC 2920 §3.1: the client ends such a data phase with a lone dot, then starts over.
        let ehlo = self.ehlo
        let (session, server) = try session { line in
            switch line {
            case let l where l.hasPrefix("EHLO"): return ehlo
            case let l where l.hasPrefix("MAIL"): return "250 ok\r\n"
            case let l where l.hasPrefix("RCPT"): return "550 no such user\r\n"
            case "DATA": return "354 go ahead anyway\r\n"
            case ".": return "554 no valid recipients\r\n"
            case "RSET": return "250 reset\r\n"
            case "QUIT": return "221 bye\r\n"
            default: return nil
            }
        }
        XCTAssertThrowsError(try session.deliver(message: Array("Subject: x\r\n\r\nsecret body\r\n".utf8), reversePath: "a@b", recipient: "c@d")) { error in
            XCTAssertEqual(error as? MailDeliveryError,
                           .permanentFailure(transferProtocol: .smtp, command: "RCPT TO:<c@d>", reply: MailReply(code: 550, lines: ["no such user"])))
        }
        XCTAssertTrue(session.isOpen)
        session.quit()
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(Array(server.lines.dropFirst()), ["MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", ".", "RSET", "QUIT"],
                       "the message itself was never sent")
    }

    func testMalformedReplyClosesTheSession() throws {
        let ehlo = self.ehlo
        let (session, _) = try session { line in
            if line.hasPrefix("EHLO") { return ehlo }
            if line.hasPrefix("MAIL") { return "ok fine\r\n" }
            return "250 ok\r\n"
        }
        XCTAssertThrowsError(try session.deliver(message: [0x78], reversePath: "a@b", recipient: "c@d")) { error in
            guard case .protocolViolation(.smtp, "MAIL FROM:<a@b>", let detail)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("ok fine"), detail)
            XCTAssertEqual((error as? MailDeliveryError)?.exitStatus, .protocolError)
        }
        XCTAssertFalse(session.isOpen)
    }

    func testDataAnsweredWith250IsAProtocolViolation() throws {
        let ehlo = self.ehlo
        let (session, _) = try session { line in line.hasPrefix("EHLO") ? ehlo : "250 ok\r\n" }
        XCTAssertThrowsError(try session.deliver(message: [0x78], reversePath: "a@b", recipient: "c@d")) { error in
            guard case .protocolViolation(.smtp, "DATA", let detail)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
            XCTAssertEqual(detail, "unexpected reply 250 ok (expected 354)")
        }
        XCTAssertFalse(session.isOpen)
    }

    func testConnectionClosedBetweenTransactions() throws {
        let ehlo = self.ehlo
        let count = Counter()
        let (session, _) = try session { line in
            if line.hasPrefix("EHLO") { return ehlo }
            if line == "DATA" { return "354 go\r\n" }
            if line == "." { return count.next() == 1 ? "250 queued\r\n" : "CLOSE" }
            if line.hasPrefix("MAIL") || line.hasPrefix("RCPT") { return "250 ok\r\n" }
            return nil
        }
        try session.deliver(message: Array("x\r\n".utf8), reversePath: "a@b", recipient: "c@d")
        XCTAssertThrowsError(try session.deliver(message: Array("y\r\n".utf8), reversePath: "a@b", recipient: "c@d")) { error in
            guard case .connectionLost(.smtp, "end of message data", _)? = error as? MailDeliveryError else { return XCTFail("\(error)") }
        }
    }

    func testEHLORefusedThenHELOAccepted() throws {
        let (session, server) = try session { line in
            if line.hasPrefix("EHLO") { return "502 5.5.1 what?\r\n" }
            if line.hasPrefix("HELO") { return "250 old.example\r\n" }
            return "250 ok\r\n"
        }
        XCTAssertTrue(session.usesHELO)
        XCTAssertEqual(server.lines.prefix(2), ["EHLO c.example", "HELO c.example"])
    }

    func testEHLORefusedTemporarilyIsNotRetriedWithHELO() {
        XCTAssertThrowsError(try session { line in line.hasPrefix("EHLO") ? "421 4.3.2 busy\r\n" : "250 ok\r\n" }) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, true)
        }
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    /// Protects `value`.
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
