import Engine
import Foundation
import TestSupport
import XCTest

/// Two real dovecot stores, a configuration that tunnels to both, and the interimap binaries
/// (ours and the reference) to run against them.
final class SyncTestbed {
    let local: DovecotFixture
    let remote: DovecotFixture
    let directory: URL
    var extraConfiguration = ""

    /// - Parameters: localCapabilities, remoteCapabilities: what each dovecot advertises
    ///   (`imap_capability`), to play a server with less support.
    init(remoteSeparator: Character = "/", localCapabilities: String? = nil, remoteCapabilities: String? = nil,
         file: StaticString = #filePath, line: UInt = #line) throws {
        local = try DovecotFixture(capabilities: localCapabilities, file: file, line: line)
        remote = try DovecotFixture(separator: remoteSeparator, capabilities: remoteCapabilities, file: file, line: line)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("synctest-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
    }

    deinit {
        local.cleanUp(); remote.cleanUp()
        try? FileManager.default.removeItem(at: directory)
    }

    var databasePath: String { directory.appendingPathComponent("data/test.db").path }
    var configPath: String { directory.appendingPathComponent("config").path }

    func writeConfiguration() throws {
        let text = """
            database = \(databasePath)
            \(extraConfiguration)
            [local]
            type = tunnel
            command = \(local.tunnelCommand)
            null-stderr = YES

            [remote]
            type = tunnel
            command = \(remote.tunnelCommand)
            null-stderr = YES

            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    struct Run { var status: Int32; var output: String; var signaled: Bool }

    /// Runs interimap (`binary`: our product by default) with `arguments`.
    func interimap(_ arguments: [String] = [], binary: String? = nil, environment: [String: String] = [:]) throws -> Run {
        try writeConfiguration()
        var env: [String: String] = ["XDG_DATA_HOME": directory.appendingPathComponent("data").path]
        for (k, v) in environment { env[k] = v }
        let result = try RunningProcess.run(try binary ?? RequiredTool.product("interimap"), ["--config=\(configPath)"] + arguments,
                                            environment: env, stderr: .merged)
        return Run(status: result.status, output: result.stdout, signaled: result.signaled)
    }

    func reference(_ arguments: [String] = []) throws -> Run {
        try interimap(arguments, binary: try RequiredTool.require("/usr/bin/interimap"))
    }

    /// Acts on one store as another client would (raw IMAP command lines).
    func imap(_ store: DovecotFixture, _ commands: [String]) throws {
        let client = try store.connect()
        for c in commands {
            let result = try client.command(c)
            guard result.status == "OK" else { throw NSError(domain: "imap", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(c): \(result.tagged)"]) }
        }
        _ = try? client.command("LOGOUT")
    }

    /// APPENDs messages with LITERAL+ (dovecot advertises it).
    func append(_ store: DovecotFixture, mailbox: String, _ messages: [(flags: String, body: String)]) throws {
        let client = try store.connect()
        for m in messages {
            let body = m.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
            let result = try client.command([.text("APPEND \(mailbox) (\(m.flags)) "), .literalPlus(Array(body.utf8))])
            guard result.status == "OK" else { throw NSError(domain: "imap", code: 1, userInfo: [NSLocalizedDescriptionKey: "APPEND: \(result.tagged)"]) }
        }
        _ = try? client.command("LOGOUT")
    }

    func snapshot(_ store: DovecotFixture) throws -> MailStoreSnapshot { try MailStoreSnapshot.read(try store.openStream()) }

    static func message(_ n: Int, subject: String = "Message", size: Int = 0) -> String {
        "From: sender\(n)@example.org\r\nSubject: \(subject) \(n)\r\nMessage-ID: <\(n).\(subject.replacingOccurrences(of: " ", with: "."))@test>\r\n\r\nBody \(n)\r\n"
            + String(repeating: "x", count: size) + "\r\n"
    }

    /// Both stores hold the same mailboxes, messages and flags, and no duplicates.
    func assertInSync(file: StaticString = #filePath, line: UInt = #line) throws {
        let l = try snapshot(local), r = try snapshot(remote)
        XCTAssertEqual(l, r, "stores differ:\n--- local\n\(l)\n--- remote\n\(r)", file: file, line: line)
        XCTAssertEqual(l.duplicates, [], "duplicates on local", file: file, line: line)
        XCTAssertEqual(r.duplicates, [], "duplicates on remote", file: file, line: line)
    }
}
