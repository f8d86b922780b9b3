import Foundation
import TestSupport
import XCTest
@testable import Engine

/// PLAIN, the LOGIN command and SCRAM against dovecot's own implementations, with its passwd-file
/// passdb holding a plaintext password and SCRAM-SHA-1/SCRAM-SHA-256 hashes (`doveadm pw`).
final class DovecotLoginTests: XCTestCase {
    nonisolated(unsafe) static var server: DovecotIMAPLoginServer?

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    static let accounts: [(user: String, password: String, scheme: DovecotIMAPLoginServer.Scheme)] = [
        ("alice", "pl@in s3cret", .plain), ("bob", "scram-256 pass", .scramSHA256), ("carol", "scram-1 pass", .scramSHA1),
    ]

    func dovecot() throws -> DovecotIMAPLoginServer {
        if let server = Self.server { return server }
        let server = try DovecotIMAPLoginServer(accounts: Self.accounts)
        Self.server = server
        return server
    }

    func login(user: String, password: String, auth: [AuthMechanism], lines: SessionLoginTests.Lines = .init(),
               on given: DovecotIMAPLoginServer? = nil) throws -> IMAPSession {
        let server = try given ?? dovecot()
        var options = ConnectionOptions()
        options.type = .imap; options.host = "127.0.0.1"; options.port = server.port; options.startTLS = false
        options.username = user; options.password = password; options.authMechanisms = auth; options.compress = false
        return try SessionLogin(options: options, name: "remote", debugLevel: 1, debugLog: { lines.add($0) }).open()
    }

    func assertLogsIn(_ user: String, _ password: String, _ auth: [AuthMechanism], sends expected: String,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let lines = SessionLoginTests.Lines()
        let session = try login(user: user, password: password, auth: auth, lines: lines)
        defer { session.logout() }
        XCTAssertTrue(session.isAuthenticated, file: file, line: line)
        XCTAssertTrue(session.capabilities.contains(.qresync), "capabilities after login: \(session.capabilities)", file: file, line: line)
        XCTAssertTrue(lines.text.contains(expected), lines.text, file: file, line: line)
        XCTAssertFalse(lines.text.contains(password), lines.text, file: file, line: line)
        try session.execute(.select(MailboxName(wire: "INBOX"), parameters: []))
    }

    func testPlain() throws {
        try assertLogsIn("alice", "pl@in s3cret", [.plain], sends: "AUTHENTICATE PLAIN [REDACTED]")
    }

    func testLoginCommand() throws {
        try assertLogsIn("alice", "pl@in s3cret", [.login], sends: "LOGIN alice [REDACTED]")
    }

    func testSCRAMSHA256WithAStoredSCRAMHash() throws {
        try assertLogsIn("bob", "scram-256 pass", [.scramSHA256], sends: "AUTHENTICATE SCRAM-SHA-256 [REDACTED]")
        let log = try dovecot().log
        XCTAssertTrue(log.contains("user=<bob>, method=SCRAM-SHA-256"), log)
    }

    func testSCRAMSHA1WithAStoredSCRAMHash() throws {
        try assertLogsIn("carol", "scram-1 pass", [.scramSHA1], sends: "AUTHENTICATE SCRAM-SHA-1 [REDACTED]")
    }

    func testSCRAMFromAPlaintextPassdbEntry() throws {
        try assertLogsIn("alice", "pl@in s3cret", [.scramSHA256], sends: "AUTHENTICATE SCRAM-SHA-256")
    }

    func testWrongPasswords() throws {
        // One server per case: dovecot delays each further failure from the same address
        // (anvil's auth penalty, doubling up to 15 s).
        for (user, auth) in [("alice", [AuthMechanism.plain]), ("alice", [.login]), ("bob", [.scramSHA256]), ("carol", [.scramSHA1])] {
            let server = try DovecotIMAPLoginServer(accounts: Self.accounts)
            defer { server.stop() }
            XCTAssertThrowsError(try login(user: user, password: "wrong", auth: auth, on: server)) { error in
                XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .permissionDenied, "\(user) \(auth): \(error)")
            }
        }
    }

    func testDovecotDoesNotOfferOAuthWithoutAnOAuthPassdb() throws {
        XCTAssertThrowsError(try login(user: "alice", password: "token", auth: [.xoauth2, .oauthBearer])) { error in
            guard case .noMechanism? = error as? AuthenticationError else { return XCTFail("\(error)") }
        }
    }
}
