import Engine
import Foundation
import TestSupport
import XCTest

/// The interimap binary against a dovecot that requires a login (TCP, passwd-file passdb), the
/// password from `passwordeval`: SCRAM-SHA-256 from a stored SCRAM hash, then PLAIN, each a full
/// sync from a local dovecot store.
final class DovecotAuthenticatedSyncTests: XCTestCase {
    func testSyncToADovecotThatRequiresALogin() throws {
        let local = try DovecotFixture()
        defer { local.cleanUp() }
        let remote = try DovecotIMAPLoginServer(accounts: [("bob", "scram pass", .scramSHA256), ("alice", "plain pass", .plain)])
        defer { remote.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("authsync-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let client = try local.connect()
        let body = "From: a@example.org\r\nSubject: one\r\n\r\nBody\r\n"
        XCTAssertEqual(try client.command([.text("APPEND INBOX () "), .literalPlus(Array(body.utf8))]).status, "OK")
        _ = try? client.command("LOGOUT")

        for (user, password, auth) in [("bob", "scram pass", "SCRAM-SHA-256"), ("alice", "plain pass", "PLAIN")] {
            try "printf '%s\\n' '\(password)'\n".write(toFile: directory.appendingPathComponent("secret.sh").path, atomically: true, encoding: .utf8)
            let config = """
                database = \(directory.path)/\(user).db
                [local]
                type = tunnel
                command = \(local.tunnelCommand)
                null-stderr = YES
                [remote]
                type = imap
                host = 127.0.0.1
                port = \(remote.port)
                STARTTLS = NO
                username = \(user)
                auth = CRAM-MD5 \(auth)
                passwordeval = sh \(directory.path)/secret.sh

                """
            try config.write(toFile: directory.appendingPathComponent("config").path, atomically: true, encoding: .utf8)
            let result = try RunningProcess.run(try RequiredTool.product("interimap"), ["--config=\(directory.path)/config", "--debug"],
                                                stderr: .merged)
            let output = result.stdout
            XCTAssertEqual(result.status, 0, output)
            XCTAssertTrue(output.contains("AUTHENTICATE \(auth) [REDACTED]"), output)
            XCTAssertFalse(output.contains(password), output)
            XCTAssertTrue(output.contains("remote(INBOX): Added 1 UID(s)"), output)
            XCTAssertTrue(remote.log.contains("user=<\(user)>, method=\(auth)"), remote.log)
        }
    }
}
