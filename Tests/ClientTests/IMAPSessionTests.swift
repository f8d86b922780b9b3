import Foundation
import XCTest
@testable import Engine

final class IMAPSessionTests: XCTestCase {
    func makeSession(greeting: String = "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready", grantLiterals: Bool = true,
                     debug: (@Sendable (String) -> Void)? = nil, revealSecrets: Bool = false,
                     handler: @escaping @Sendable (String) -> [String]) -> (IMAPSession, ScriptedServer) {
        let (client, server) = MemoryStream.pair()
        let scripted = ScriptedServer(stream: server, greeting: greeting, grantLiterals: grantLiterals, handler: handler)
        return (IMAPSession(stream: client, name: "test", debugLog: debug, revealSecrets: revealSecrets), scripted)
    }

    static func tag(_ line: String) -> String { String(line.split(separator: " ")[0]) }

    func testGreetingCapabilitiesAndTags() throws {
        let (session, server) = makeSession { line in
            let tag = Self.tag(line)
            return ["* CAPABILITY IMAP4rev1 LITERAL+ ENABLE QRESYNC", "\(tag) OK done"]
        }
        XCTAssertEqual(try session.readGreeting(), .notAuthenticated(ResponseText(code: .capability(["IMAP4rev1", "AUTH=PLAIN"]), text: "ready")))
        XCTAssertTrue(session.capabilities.contains(Capability("auth=plain")))
        try session.execute(.capability)
        XCTAssertTrue(session.capabilities.contains(.qresync))
        XCTAssertFalse(session.capabilities.contains(.auth("PLAIN")))
        XCTAssertEqual(server.received, ["000000 CAPABILITY"])
    }

    func testPreauthAndByeGreetings() throws {
        let (preauth, _) = makeSession(greeting: "* PREAUTH [CAPABILITY IMAP4rev1] hi") { _ in [] }
        XCTAssertEqual(try preauth.readGreeting(), .preAuthenticated(ResponseText(code: .capability(["IMAP4rev1"]), text: "hi")))
        XCTAssertTrue(preauth.isAuthenticated)
        let (bye, _) = makeSession(greeting: "* BYE [ALERT] too many connections") { _ in [] }
        XCTAssertThrowsError(try bye.readGreeting()) { error in
            XCTAssertEqual(error as? IMAPClientError, .greetingRejected("too many connections"))
        }
    }

    func testNoAndBadBecomeTypedErrorsWithTheServerText() throws {
        let (session, _) = makeSession { line in
            let tag = Self.tag(line)
            return line.contains("SELECT") ? ["\(tag) NO [NONEXISTENT] Mailbox doesn't exist: x"] : ["\(tag) BAD Error in IMAP command"]
        }
        _ = try session.readGreeting()
        XCTAssertThrowsError(try session.execute(.select(MailboxName("x")))) { error in
            XCTAssertEqual(error as? IMAPClientError, .commandFailed(command: "SELECT", text: "[NONEXISTENT] Mailbox doesn't exist: x"))
        }
        XCTAssertThrowsError(try session.execute(.uidExpunge(SequenceSet([1])))) { error in
            XCTAssertEqual(error as? IMAPClientError, .commandRejected(command: "UID EXPUNGE", text: "Error in IMAP command"))
        }
    }

    func testSynchronizingLiteralWaitsForContinuation() throws {
        let (session, server) = makeSession { line in [Self.tag(line) + " OK logged in"] }
        _ = try session.readGreeting()
        // A password with a CR LF must go as a literal; without LITERAL+ the client waits for `+`.
        try session.execute(.login(username: "alice", password: "p\r\nw"))
        XCTAssertEqual(server.received, ["000000 LOGIN alice {4}p\r\nw"])
    }

    func testRefusedLiteralDoesNotWedgeTheSession() throws {
        let (session, server) = makeSession(grantLiterals: false) { line in [Self.tag(line) + " OK fine"] }
        _ = try session.readGreeting()
        XCTAssertThrowsError(try session.execute(.login(username: "alice", password: "p\r\nw")))
        try session.execute(.noop)
        XCTAssertEqual(server.received.last, "000001 NOOP")
    }

    func testPipelinedCommandsCompleteOutOfOrder() throws {
        let (session, _) = makeSession { line in
            let tag = Self.tag(line)
            if tag == "000002" {
                // Answer all three at once, last first.
                return ["* 3 EXISTS", "000002 OK third", "000001 OK second", "000000 OK first"]
            }
            return []
        }
        _ = try session.readGreeting()
        let tags = try [Command.noop, .noop, .noop].map { try session.send($0) }
        var untagged: [ResponseEvent] = []
        XCTAssertEqual(try session.waitForCompletion(of: tags[0]) { untagged.append($0) }.text.text, "first")
        XCTAssertEqual(try session.waitForCompletion(of: tags[2]).text.text, "third")
        XCTAssertEqual(try session.waitForCompletion(of: tags[1]).text.text, "second")
        XCTAssertEqual(untagged, [.untagged(.exists(3))])
    }

    func testConnectionLostAndByeAreReported() throws {
        let (session, _) = makeSession { _ in ["* BYE shutting down", "<close>"] }
        _ = try session.readGreeting()
        XCTAssertThrowsError(try session.execute(.noop)) { error in
            XCTAssertEqual(error as? IMAPClientError, .serverClosed("shutting down"))
        }
        let (other, _) = makeSession { _ in ["<close>"] }
        _ = try other.readGreeting()
        XCTAssertThrowsError(try other.execute(.noop)) { error in
            guard case .connectionLost? = error as? IMAPClientError else { return XCTFail("\(error)") }
        }
    }

    func testSASLExchangeUsesContinuations() throws {
        let (session, server) = makeSession { line in
            let tag = Self.tag(line)
            if line.hasSuffix("AUTHENTICATE LOGIN") { return ["+ VXNlcm5hbWU6"] }
            if line == "YWxpY2U=" { return ["+ UGFzc3dvcmQ6"] }
            if line == "c2VjcmV0" { return ["000000 OK [CAPABILITY IMAP4rev1 QRESYNC] Logged in"] }
            return ["\(tag) BAD unexpected"]
        }
        _ = try session.readGreeting()
        var answers = ["alice", "secret"]
        try session.execute(.authenticate(mechanism: "LOGIN", initialResponse: nil)) { _ in } onContinuation: { _ in
            let next = answers.removeFirst()
            try session.sendRaw(CommandEncoder.authenticationResponse(Array(next.utf8)), logAs: "[REDACTED]")
        }
        XCTAssertEqual(server.received.count, 3)
        XCTAssertTrue(session.capabilities.contains(.qresync), "capabilities from the tagged OK's code")
    }

    func testUnexpectedContinuationIsAProtocolError() throws {
        let (session, _) = makeSession { _ in ["+ what?"] }
        _ = try session.readGreeting()
        XCTAssertThrowsError(try session.execute(.noop)) { error in
            guard case .protocolViolation? = error as? IMAPClientError else { return XCTFail("\(error)") }
        }
    }

    func testDebugLogRedactsCredentialsUnlessAskedTwice() throws {
        final class Lines: @unchecked Sendable { let lock = NSLock(); var all: [String] = []
            func add(_ s: String) { lock.lock(); all.append(s); lock.unlock() } }
        for reveal in [false, true] {
            let lines = Lines()
            let (session, _) = makeSession(debug: { lines.add($0) }, revealSecrets: reveal) { line in
                ["* 1 FETCH (BODY[] {5}", "hello)", Self.tag(line) + " OK [CAPABILITY IMAP4rev1] ok"]
            }
            _ = try session.readGreeting()
            try session.execute(.login(username: "alice", password: "hunter2"))
            XCTAssertEqual(lines.all.contains { $0.contains("hunter2") }, reveal, lines.all.joined(separator: "\n"))
            XCTAssertTrue(lines.all.contains("C: 000000 LOGIN alice " + (reveal ? "hunter2" : "[REDACTED]")), lines.all.joined(separator: "\n"))
            XCTAssertTrue(lines.all.contains("S: [...])"), "literal contents are elided: \(lines.all)")
        }
    }

    func testStreamLayeringRefusesInjectedBytes() throws {
        // After STARTTLS OK, bytes that arrived in clear behind it must not be taken as protected
        // (RFC 3501 §6.2.1): the server sends both in one write, so they reach the parser together.
        let (session, _) = makeSession { line in [Self.tag(line) + " OK Begin TLS negotiation now\r\n* OK injected"] }
        _ = try session.readGreeting()
        try session.execute(.startTLS)
        XCTAssertThrowsError(try session.layerStream { $0 }) { error in
            guard case .protocolViolation? = error as? IMAPClientError else { return XCTFail("\(error)") }
        }
    }
}
