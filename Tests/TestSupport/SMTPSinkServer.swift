import Foundation
import XCTest

/// A real SMTP server for delivery tests: aiosmtpd (Python), saving each message's data and
/// envelope in a directory (`NNNNNN.eml`, `NNNNNN.json`). Fails (CI) or skips when python3 or
/// the aiosmtpd module is missing.
public final class SMTPSinkServer {
    /// One accepted transaction: the envelope as aiosmtpd reports it, and the message data.
    public struct Delivery: Equatable {
        /// The MAIL FROM address; aiosmtpd writes the null reverse-path as `<>`.
        public var reversePath: String
        public var recipients: [String]
        /// The MAIL FROM parameters, e.g. `BODY=8BITMIME`, `SMTPUTF8`.
        public var mailOptions: [String]
        public var message: [UInt8]

        public init(reversePath: String, recipients: [String], mailOptions: [String], message: [UInt8]) {
            self.reversePath = reversePath
            self.recipients = recipients
            self.mailOptions = mailOptions
            self.message = message
        }
    }

    public let directory: String
    public let port: Int
    private let process: RunningProcess

    /// Refusals come from `refusals.json` (address → reply line) so that any address and reply
    /// text reach Python without quoting trouble. The envelope is written before the message is
    /// renamed into place, so a listed `.eml` always has its `.json`.
    private static let handler = """
        import json, os

        class Saver:
            def __init__(self, directory):
                self.directory = directory
                self.count = 0
                with open(os.path.join(directory, "refusals.json")) as f:
                    self.refusals = json.load(f)

            @classmethod
            def from_cli(cls, parser, *args):
                return cls(args[0])

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in self.refusals:
                    return self.refusals[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                self.count += 1
                base = os.path.join(self.directory, "out", "%06d" % self.count)
                with open(base + ".json", "w") as f:
                    json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                               "mail_options": envelope.mail_options}, f)
                with open(base + ".tmp", "wb") as f:
                    f.write(envelope.original_content)
                os.rename(base + ".tmp", base + ".eml")
                return "250 OK stored"

        """

    /// Starts the server. `smtpUTF8` makes it advertise SMTPUTF8 (RFC 6531); `refusals` maps a
    /// recipient address to the whole reply line its RCPT TO gets instead of 250, e.g.
    /// `["later@example.net": "451 4.3.0 try later"]`.
    public init(smtpUTF8: Bool = false, refusals: [String: String] = [:],
                file: StaticString = #filePath, line: UInt = #line) throws {
        let check = try? RunningProcess.run("python3", ["-c", "import aiosmtpd"], stdout: .null, stderr: .null)
        guard check?.status == 0, check?.signaled == false else {
            let message = "python3 module aiosmtpd is missing: run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        directory = "/tmp/smtp-sink-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        try Self.handler.write(toFile: directory + "/smtpsink.py", atomically: true, encoding: .utf8)
        try JSONEncoder().encode(refusals).write(to: URL(fileURLWithPath: directory + "/refusals.json"))
        port = try TCPPort.free()
        process = try RunningProcess("python3", ["-m", "aiosmtpd", "-n"] + (smtpUTF8 ? ["-u"] : [])
                                         + ["-l", "127.0.0.1:\(port)", "-c", "smtpsink.Saver", directory],
                                     environment: ["PYTHONPATH": directory], stdout: .null, stderr: .null)
        guard TCPPort.waitForListener(port: port) else {
            stop()
            XCTFail("aiosmtpd did not listen on \(port)", file: file, line: line)
            throw XCTSkip("aiosmtpd did not start")
        }
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The JSON envelope the handler writes.
    private struct Envelope: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var mail_options: [String]
    }

    /// Every transaction accepted so far, in order.
    public func deliveries() -> [Delivery] {
        let out = directory + "/out"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { name in
            let base = out + "/" + String(name.dropLast(4))
            guard let data = FileManager.default.contents(atPath: base + ".eml"),
                  let json = FileManager.default.contents(atPath: base + ".json"),
                  let envelope = try? JSONDecoder().decode(Envelope.self, from: json) else { return nil }
            return Delivery(reversePath: envelope.mail_from, recipients: envelope.rcpt_tos,
                            mailOptions: envelope.mail_options, message: Array(data))
        }
    }

    /// Every message stored so far, in order, with its envelope sender.
    public func storedMessages() -> [(reversePath: String, message: [UInt8])] {
        deliveries().map { ($0.reversePath, $0.message) }
    }
}
