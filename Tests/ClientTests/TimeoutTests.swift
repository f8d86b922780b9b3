import Foundation
import XCTest
@testable import Engine

/// The `timeout` option against a server that goes silent: at the greeting, in the middle of a
/// command, with a slow but moving answer, and while idling (where silence is allowed).
final class TimeoutTests: XCTestCase {
    private func session(timeout: Double = 0.3, greeting: String? = "* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi",
                         handler: @escaping @Sendable (String) -> [String]) throws -> (IMAPSession, ScriptedServer) {
        let (client, server, silence) = try ScriptedServer.socketPair(timeout: timeout)
        let scripted = ScriptedServer(stream: server, greeting: greeting, handler: handler)
        return (IMAPSession(stream: client, name: "remote", silence: silence), scripted)
    }

    private func assertTimedOut<T>(_ body: @autoclosure () throws -> T, within limit: TimeInterval,
                                   file: StaticString = #filePath, line: UInt = #line) {
        let start = Date()
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? IMAPClientError, .timedOut("imap.test:143: no answer within 0.3 seconds (timeout)"),
                           file: file, line: line)
            XCTAssertEqual((error as? IMAPClientError)?.exitStatus, .temporaryFailure, file: file, line: line)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), limit, file: file, line: line)
    }

    func testAServerThatNeverGreetsTimesOut() throws {
        let (session, server) = try session(greeting: nil) { _ in [] }
        assertTimedOut(try session.readGreeting(), within: 5)
        server.stream.close()
    }

    func testAServerThatStopsAnsweringMidCommandTimesOut() throws {
        let (session, server) = try session { line in
            line.hasSuffix("SELECT INBOX") ? ["* 3 EXISTS"] : ["\(line.prefix(6)) OK"]
        }
        _ = try session.readGreeting()
        try session.execute(.noop)
        assertTimedOut(try session.execute(.select(MailboxName("INBOX"))), within: 5)
        server.stream.close()
    }

    func testASlowButMovingAnswerDoesNotTimeOut() throws {
        let (client, server, silence) = try ScriptedServer.socketPair(timeout: 0.3)
        let session = IMAPSession(stream: client, name: "remote", silence: silence)
        let writer = Thread {
            // 1.2 s in all, never more than 0.1 s without a byte.
            for byte in Array("* OK slow greeting\r\n".utf8) {
                try? server.write([byte])
                Thread.sleep(forTimeInterval: 0.06)
            }
        }
        writer.start()
        XCTAssertEqual(try session.readGreeting(), .notAuthenticated(ResponseText(code: nil, text: "slow greeting")))
        server.close()
    }

    func testSilenceWhileIdlingIsAllowedAndTheAnswerToDoneIsAwaited() throws {
        final class Tags: @unchecked Sendable { let lock = NSLock(); var idle = "" }
        let tags = Tags()
        let (session, server) = try session { line in
            if line.hasSuffix(" IDLE") { tags.lock.withLock { tags.idle = String(line.prefix(6)) }; return ["+ idling"] }
            if line == "DONE" { return [tags.lock.withLock { tags.idle } + " OK idle done"] }
            return ["\(line.prefix(6)) OK"]
        }
        _ = try session.readGreeting()
        let tag = try session.send(.idle)
        let start = Date()
        let response = try session.waitForCompletion(of: tag, onContinuation: { _ in
            // DONE only after three times the limit of silence.
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { try? session.sendIdleDone() }
        })
        XCTAssertEqual(response.status, .ok)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.9)
        server.stream.close()
    }

    func testAnUnansweredDoneTimesOut() throws {
        let (session, server) = try session { line in
            line.hasSuffix(" IDLE") ? ["+ idling"] : []
        }
        _ = try session.readGreeting()
        let tag = try session.send(.idle)
        assertTimedOut(try session.waitForCompletion(of: tag, onContinuation: { _ in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { try? session.sendIdleDone() }
        }), within: 5)
        server.stream.close()
    }
}
