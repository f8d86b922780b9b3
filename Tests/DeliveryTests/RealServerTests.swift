import XCTest
import Engine

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
        try requireTools(["/usr/sbin/dovecot", "/usr/bin/doveadm"], user: true, root: true)
        let root = try makeTemporaryDirectory(self, prefix: "dovecot-lmtp")
        let port = try freeTCPPort()
        try """
            ssl = no
            protocols = lmtp
            listen = 127.0.0.1
            base_dir = \(root)/run
            state_dir = \(root)/state
            log_path = \(root)/dovecot.log
            mail_location = maildir:\(root)/mail
            mail_home = \(root)/home
            mail_fsync = never
            default_internal_user = \(testUser)
            default_internal_group = \(testUser)
            default_login_user = \(testUser)
            namespace inbox {
              inbox = yes
              separator = /
            }
            passdb {
              driver = static
              args = nopassword=y
            }
            userdb {
              driver = static
              args = uid=\(testUser) gid=\(testUser) home=\(root)/home
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = \(port)
              }
              unix_listener lmtp {
                mode = 0
              }
            }
            service anvil {
              chroot =
            }
            service stats {
              chroot =
            }

            """.write(toFile: root + "/dovecot.conf", atomically: true, encoding: .utf8)
        for directory in ["run", "state", "home"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        try runProcess(["/bin/chown", "-R", "\(testUser):", root + "/home", root + "/state"])
        try runProcess(["/bin/chmod", "755", root])
        try runProcess(["/bin/chown", "\(testUser):", root])

        let dovecot = Process()
        dovecot.executableURL = URL(fileURLWithPath: "/usr/sbin/dovecot")
        dovecot.arguments = ["-F", "-c", root + "/dovecot.conf"]
        dovecot.standardOutput = FileHandle.nullDevice
        dovecot.standardError = FileHandle.nullDevice
        try dovecot.run()
        defer {
            dovecot.terminate()
            dovecot.waitUntilExit()
        }
        guard waitForListener(port: port) else {
            let log = (try? String(contentsOfFile: root + "/dovecot.log", encoding: .utf8)) ?? ""
            return XCTFail("dovecot did not listen on \(port): \(log)")
        }

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
        let newDirectory = root + "/mail/new"
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

    private let handler = """
        import json, os

        class RawSaver:
            \"\"\"Stores each message's data and envelope as files; refuses some recipients.\"\"\"
            def __init__(self, directory):
                self.directory = directory
                self.count = 0

            @classmethod
            def from_cli(cls, parser, *args):
                return cls(args[0])

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.startswith("reject@"):
                    return "550 5.1.1 <%s> rejected" % address
                if address.startswith("later@"):
                    return "451 4.3.0 try later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                self.count += 1
                base = os.path.join(self.directory, "%03d" % self.count)
                with open(base + ".eml", "wb") as f:
                    f.write(envelope.original_content)
                with open(base + ".json", "w") as f:
                    json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                               "mail_options": envelope.mail_options}, f)
                return "250 OK stored"

        """

    func testDeliveryToAiosmtpd() throws {
        try requireTools(["/usr/bin/env"], python: ["aiosmtpd"])
        let root = try makeTemporaryDirectory(self, prefix: "aiosmtpd")
        try handler.write(toFile: root + "/rawsaver.py", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        let port = try freeTCPPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-m", "aiosmtpd", "-n", "-u", "-l", "127.0.0.1:\(port)", "-c", "rawsaver.RawSaver", root + "/out"]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = root
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        guard waitForListener(port: port) else { return XCTFail("aiosmtpd did not listen on \(port)") }

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

        struct Envelope: Decodable, Equatable {
            var mail_from: String
            var rcpt_tos: [String]
            var mail_options: [String]
        }
        var envelopes: [Envelope] = []
        var contents: [[UInt8]] = []
        for n in 1...3 {
            let base = root + "/out/" + String(format: "%03d", n)
            let json = try XCTUnwrap(FileManager.default.contents(atPath: base + ".json"), base)
            envelopes.append(try JSONDecoder().decode(Envelope.self, from: json))
            contents.append(Array(try XCTUnwrap(FileManager.default.contents(atPath: base + ".eml"))))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out/004.json"))
        // aiosmtpd writes the null reverse-path as "<>".
        XCTAssertEqual(envelopes, [
            Envelope(mail_from: sender, rcpt_tos: ["one@example.net"], mail_options: []),
            Envelope(mail_from: "<>", rcpt_tos: ["two@example.net"], mail_options: []),
            Envelope(mail_from: "j\u{f6}rg@example.org", rcpt_tos: ["three@example.net"], mail_options: ["BODY=8BITMIME", "SMTPUTF8"]),
        ])
        XCTAssertEqual(contents, [normalised(messages[0]), normalised(messages[1]), normalised(messages[2])])
    }
}
