import Foundation
import XCTest

/// A real SMTP server for delivery tests: aiosmtpd (Python), saving each message's data and
/// envelope sender in a directory (`NNNNNN.eml`, `NNNNNN.from`). Fails (CI) or skips when
/// python3 or the aiosmtpd module is missing.
public final class SMTPSinkServer {
    public let directory: String
    public let port: Int
    private let process: Process

    private static let handler = """
        import os

        class Saver:
            def __init__(self, directory):
                self.directory = directory
                self.count = 0

            @classmethod
            def from_cli(cls, parser, *args):
                return cls(args[0])

            async def handle_DATA(self, server, session, envelope):
                self.count += 1
                base = os.path.join(self.directory, "out", "%06d" % self.count)
                with open(base + ".tmp", "wb") as f:
                    f.write(envelope.original_content)
                with open(base + ".from", "w") as f:
                    f.write(envelope.mail_from)
                os.rename(base + ".tmp", base + ".eml")
                return "250 OK stored"

        """

    public init(file: StaticString = #filePath, line: UInt = #line) throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import aiosmtpd"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        try? check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            let message = "python3 module aiosmtpd is missing: run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        directory = "/tmp/smtp-sink-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        try Self.handler.write(toFile: directory + "/smtpsink.py", atomically: true, encoding: .utf8)
        port = try TCPPort.free()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "smtpsink.Saver", directory]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = directory
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
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

    /// Every message stored so far, in order, with its envelope sender.
    public func storedMessages() -> [(reversePath: String, message: [UInt8])] {
        let out = directory + "/out"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return names.compactMap { name in
            let base = out + "/" + String(name.dropLast(4))
            guard let data = FileManager.default.contents(atPath: base + ".eml") else { return nil }
            let sender = (try? String(contentsOfFile: base + ".from", encoding: .utf8)) ?? ""
            return (sender, Array(data))
        }
    }
}
