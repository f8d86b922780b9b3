import XCTest
import Engine
import TestSupport

/// Our client against real servers: dovecot's LMTP service and aiosmtpd's SMTP server.
final class RealServerTests: XCTestCase {
    private let sender = "sender@example.org"

    /// Messages that exercise the data encoding: bare LFs, dot lines, 8-bit text, no final newline.
    private let messages: [String] = [
        "From: sender@example.org\r\nTo: imaptest\r\nSubject: one\r\nMessage-ID: <one@example.org>\r\n\r\nfirst body\r\n",
        "From: sender@example.org\nSubject: dots\nMessage-ID: <two@example.org>\n\n.\n..two dots\n.leading dot\nend\n",
        "From: sender@example.org\nSubject: caf\u{e9}\nMessage-ID: <three@example.org>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n\u{e9}t\u{e9}\nno final newline",
    ]

    /// What a server stores: CRLF line endings, one CRLF at the end.
    private func normalised(_ message: String) -> [UInt8] {
        let data = MessageData(message: Array(message.utf8))
        var bytes = Array(data.wireBytes.dropLast(3))  // the ".CRLF" terminator
        // Undo the dot-stuffing: a line starting with ".." started with "." in the message.
        var result: [UInt8] = []
        var atLineStart = true
        var i = 0
        while i < bytes.count {
            if atLineStart && bytes[i] == 0x2E { i += 1 }
            result.append(bytes[i])
            atLineStart = bytes[i] == 0x0A
            i += 1
        }
        bytes = result
        return bytes
    }

    // MARK: - dovecot LMTP

    func testDeliveryToDovecotLMTP() throws {
        let lmtp = try DovecotLMTPServer(user: testUser)
        defer { lmtp.stop() }
        let port = lmtp.port

        let method = DeliveryMethod(transferProtocol: .lmtp, address: .ipLiteral("127.0.0.1"), port: port)
        let session = try MailDeliverySession.connect(to: method, clientDomain: "client.example")
        XCTAssertTrue(session.extensions.pipelining)
        XCTAssertTrue(session.extensions.eightBitMIME)
        for message in messages {
            try session.deliver(message: Array(message.utf8), reversePath: sender, recipient: testUser)
        }
        session.quit()

        // dovecot stores each message in the maildir with LF line endings, after a Return-Path
        // (our envelope sender) and a Delivered-To header of its own.
        let newDirectory = lmtp.maildir + "/new"
        let files = try FileManager.default.contentsOfDirectory(atPath: newDirectory).sorted()
        XCTAssertEqual(files.count, messages.count, "\(files)")
        var stored: [String] = []
        for file in files {
            let data = try XCTUnwrap(FileManager.default.contents(atPath: newDirectory + "/" + file))
            stored.append(String(decoding: data, as: UTF8.self))
        }
        for message in messages {
            let expected = String(decoding: normalised(message), as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
            let match = stored.first { $0.hasSuffix(expected) }
            XCTAssertNotNil(match, "message not stored intact:\n\(expected)\nin\n\(stored)")
            XCTAssertEqual(match.map { $0.hasPrefix("Return-Path: <\(sender)>\n") }, true, match ?? "")
        }
    }

    // MARK: - aiosmtpd SMTP

    func testDeliveryToAiosmtpd() throws {
        // Refuses two recipients: one permanently, one transiently.
        let smtp = try SMTPSinkServer(smtpUTF8: true, refusals: [
            "reject@example.net": "550 5.1.1 <reject@example.net> rejected",
            "later@example.net": "451 4.3.0 try later",
        ])
        defer { smtp.stop() }
        let port = smtp.port

        let method = DeliveryMethod(transferProtocol: .smtp, address: .ipLiteral("127.0.0.1"), port: port)
        let session = try MailDeliverySession.connect(to: method, clientDomain: "client.example")
        XCTAssertFalse(session.usesHELO)
        XCTAssertTrue(session.extensions.eightBitMIME)
        XCTAssertTrue(session.extensions.smtpUTF8)
        try session.deliver(message: Array(messages[0].utf8), reversePath: sender, recipient: "one@example.net")
        // A refused recipient, permanent then transient: the session goes on after RSET.
        XCTAssertThrowsError(try session.deliver(message: Array(messages[1].utf8), reversePath: sender, recipient: "reject@example.net")) { error in
            XCTAssertEqual(error as? MailDeliveryError,
                           .permanentFailure(transferProtocol: .smtp, command: "RCPT TO:<reject@example.net>",
                                             reply: MailReply(code: 550, lines: ["5.1.1 <reject@example.net> rejected"])))
        }
        XCTAssertThrowsError(try session.deliver(message: Array(messages[1].utf8), reversePath: sender, recipient: "later@example.net")) { error in
            XCTAssertEqual((error as? MailDeliveryError)?.isTransient, true)
        }
        try session.deliver(message: Array(messages[1].utf8), reversePath: "", recipient: "two@example.net")
        try session.deliver(message: Array(messages[2].utf8), reversePath: "j\u{f6}rg@example.org", recipient: "three@example.net")
        session.quit()

        struct Envelope: Equatable {
            var mail_from: String
            var rcpt_tos: [String]
            var mail_options: [String]
        }
        // Only the three accepted transactions reached DATA.
        let deliveries = smtp.deliveries()
        let envelopes = deliveries.map { Envelope(mail_from: $0.reversePath, rcpt_tos: $0.recipients, mail_options: $0.mailOptions) }
        let contents = deliveries.map(\.message)
        // aiosmtpd writes the null reverse-path as "<>".
        XCTAssertEqual(envelopes, [
            Envelope(mail_from: sender, rcpt_tos: ["one@example.net"], mail_options: []),
            Envelope(mail_from: "<>", rcpt_tos: ["two@example.net"], mail_options: []),
            Envelope(mail_from: "j\u{f6}rg@example.org", rcpt_tos: ["three@example.net"], mail_options: ["BODY=8BITMIME", "SMTPUTF8"]),
        ])
        XCTAssertEqual(contents, [normalised(messages[0]), normalised(messages[1]), normalised(messages[2])])
    }
}
