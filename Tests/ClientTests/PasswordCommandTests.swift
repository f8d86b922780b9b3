import FakeIMAPServer
import Foundation
import XCTest
@testable import Engine

/// `passwordeval`: the command's output is the secret; failures say which section and why.
final class PasswordCommandTests: XCTestCase {
    func run(_ command: String, timeout: TimeInterval = 10) throws -> String {
        try PasswordCommand(command: command, section: "remote", timeout: timeout).run()
    }

    func testOutputWithoutTheTrailingNewline() throws {
        XCTAssertEqual(try run("echo s3cret"), "s3cret")
        XCTAssertEqual(try run("printf 'a b'"), "a b")
        XCTAssertEqual(try run("printf 'tok\\r\\n'"), "tok")
        XCTAssertEqual(try run("printf 'x\\n\\n'"), "x\n", "only one newline is removed")
        XCTAssertEqual(try run("echo one; echo two >&2"), "one", "standard error is not part of the secret")
    }

    func testFailures() throws {
        XCTAssertThrowsError(try run("exit 3")) { error in
            XCTAssertEqual(String(describing: error), "[remote] passwordeval: command exited with status 3")
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .temporaryFailure)
        }
        XCTAssertThrowsError(try run("true")) { error in
            XCTAssertEqual(String(describing: error), "[remote] passwordeval: command exited with status 0 and printed nothing")
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .configuration)
        }
        XCTAssertThrowsError(try run("echo")) { error in
            XCTAssertEqual(error as? PasswordCommand.Failure, .noOutput(section: "remote"))
        }
        XCTAssertThrowsError(try run("kill -TERM $$")) { error in
            XCTAssertEqual(error as? PasswordCommand.Failure, .failed(section: "remote", status: .signaled(SIGTERM)))
        }
        let started = Date()
        XCTAssertThrowsError(try run("sleep 20", timeout: 0.5)) { error in
            XCTAssertEqual(error as? PasswordCommand.Failure, .timedOut(section: "remote", seconds: 1))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testEveryConnectionRunsTheCommandAgain() throws {
        let dir = try makeDirectory()
        let counter = dir + "/count"
        var options = ConnectionOptions()
        options.type = .tunnel; options.username = "alice"; options.compress = false
        // Prints a new token each time: tok-1, tok-2...
        options.passwordCommand = "n=$(($(cat \(counter) 2>/dev/null || echo 0) + 1)); echo $n > \(counter); echo tok-$n"
        var config = FakeIMAPServerConfiguration(authentication: .accounts([FakeAccount(user: "alice", tokens: [FakeAccessToken("tok-1"), FakeAccessToken("tok-2")])]),
                                                 authMechanisms: ["XOAUTH2"])
        config.oauthScope = "s"
        options.authMechanisms = [.xoauth2]
        let server = FakeIMAPServer(configuration: config)
        for _ in 0..<2 {
            let session = IMAPSession(stream: server.connect(), name: "remote")
            try SessionLogin(options: options, name: "remote").login(session)
            XCTAssertTrue(session.isAuthenticated)
            session.logout()
        }
        XCTAssertEqual(try String(contentsOfFile: counter, encoding: .utf8), "2\n")
    }

    func testAFailingCommandSendsNothing() throws {
        var options = ConnectionOptions()
        options.type = .tunnel; options.username = "alice"; options.passwordCommand = "exit 1"
        let lines = SessionLoginTests.Lines()
        let server = FakeIMAPServer(configuration: .init(authentication: .credentials(user: "alice", password: "x")))
        let session = IMAPSession(stream: server.connect(), name: "remote", debugLog: { lines.add($0) })
        XCTAssertThrowsError(try SessionLogin(options: options, name: "remote", debugLevel: 1).login(session)) { error in
            XCTAssertEqual(error as? PasswordCommand.Failure, .failed(section: "remote", status: .exited(1)))
        }
        XCTAssertFalse(lines.all.contains { $0.hasPrefix("C: ") }, lines.text)
    }

    private func makeDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "passwordeval-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}
