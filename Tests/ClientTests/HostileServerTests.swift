import Foundation
import XCTest
@testable import Engine

/// A server that lies or misbehaves: each answer below used to be taken as good (or waited on
/// forever); each now ends the command with a one-line error naming the server (and mailbox).
final class HostileServerTests: XCTestCase {
    static let selectAnswer = ["* 3 EXISTS", "* OK [UIDVALIDITY 7] ok", "* OK [UIDNEXT 10] ok", "* OK [HIGHESTMODSEQ 50] ok"]
    static let date = "INTERNALDATE \"01-Jan-2024 10:00:00 +0000\""

    private func makeStore(handler: @escaping @Sendable (String, String) -> [String]) throws -> (IMAPMailStore, ScriptedServer) {
        try IMAPMailStoreTests.makeStore(side: .remote, handler: handler)
    }

    private func copied(_ store: IMAPMailStore, _ set: SequenceSet) throws -> [UInt32] {
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let cursor = try store.fetchMessages(set)
        var uids: [UInt32] = []
        while let m = try cursor.next() { _ = try m.body.readAll(); uids.append(m.uid) }
        return uids
    }

    // MARK: UID FETCH

    func testAMessageAnsweredWithoutItsBodyIsAskedForAgainThenTheRunStops() throws {
        final class Count: @unchecked Sendable { let lock = NSLock(); var fetches = 0 }
        let count = Count()
        let (store, server) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") {
                count.lock.withLock { count.fetches += 1 }
                return ["* 1 FETCH (UID 3 FLAGS () \(Self.date) BODY[] {2}", "ok)",
                        "* 2 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (51))", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let cursor = try store.fetchMessages(SequenceSet.from(3))
        XCTAssertEqual(try cursor.next()?.uid, 3)
        XCTAssertThrowsError(try cursor.next()) { error in
            XCTAssertEqual("\(error)", "remote(INBOX): protocol error: UID FETCH twice left out part of the message with UID 4"
                + " (UID, FLAGS, INTERNALDATE and BODY[] were asked for)")
            XCTAssertEqual((error as? ExitStatusProviding)?.exitStatus, .protocolError)
        }
        XCTAssertEqual(count.lock.withLock { count.fetches }, 2)
        XCTAssertEqual(server.received.last, "000002 UID FETCH 4 (UID MODSEQ FLAGS INTERNALDATE BODY.PEEK[])", "only the missing UID again")
    }

    func testAMessageWhoseFullAnswerComesOnTheSecondAskIsCopied() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.hasSuffix("UID FETCH 3:* (UID MODSEQ FLAGS INTERNALDATE BODY.PEEK[])") {
                // Body without flags or date: copying it would lose them.
                return ["* 1 FETCH (UID 3 BODY[] {2}", "ok)", "\(tag) OK"]
            }
            if line.contains("UID FETCH 3 ") { return ["* 1 FETCH (UID 3 FLAGS () \(Self.date) BODY[] {2}", "ok)", "\(tag) OK"] }
            return ["\(tag) NO unexpected"]
        }
        XCTAssertEqual(try copied(store, SequenceSet.from(3)), [3])
    }

    func testAFlagReportBeforeTheFullAnswerIsNotAMissingMessage() throws {
        let (store, server) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") {
                return ["* 1 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (51))", "* 1 FETCH (UID 3 FLAGS () \(Self.date) BODY[] {2}", "ok)", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        XCTAssertEqual(try copied(store, SequenceSet.from(3)), [3])
        XCTAssertEqual(server.received.filter { $0.contains("UID FETCH") }.count, 1)
    }

    func testAUIDBeyondUIDNEXTIsAProtocolViolation() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") { return ["* 1 FETCH (UID 999 FLAGS () \(Self.date) BODY[] {2}", "ok)", "\(tag) OK"] }
            return ["\(tag) OK"]
        }
        XCTAssertThrowsError(try copied(store, SequenceSet.from(3))) { error in
            XCTAssertEqual("\(error)", "remote(INBOX): protocol error: UID FETCH answered with UID 999, which the mailbox cannot hold"
                + " (UIDNEXT 10, no new message announced)")
        }
    }

    func testAUIDBeyondUIDNEXTIsAcceptedOnceNewMessagesWereAnnounced() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") {
                return ["* 4 EXISTS", "* 4 FETCH (UID 12 FLAGS () \(Self.date) BODY[] {2}", "ok)", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        XCTAssertEqual(try copied(store, SequenceSet.from(3)), [12])
    }

    func testASelectWithoutAValidUIDVALIDITYIsAProtocolViolation() throws {
        for code in ["UIDVALIDITY 0", "UIDVALIDITY 4294967296", "UNSEEN 1"] {
            let (store, _) = try makeStore { tag, line in
                line.contains("SELECT") ? ["* OK [\(code)] ok", "* OK [UIDNEXT 10] ok", "\(tag) OK"] : ["\(tag) OK"]
            }
            XCTAssertThrowsError(try store.select(Array("INBOX".utf8), recorded: nil).wait(), code) { error in
                XCTAssertEqual("\(error)", "remote(INBOX): protocol error: SELECT gave no valid UIDVALIDITY for INBOX")
            }
        }
    }

    func testASelectWithAModSequenceOutOfRangeIsAProtocolViolation() throws {
        let (store, _) = try makeStore { tag, line in
            line.contains("SELECT") ? ["* OK [UIDVALIDITY 7] ok", "* OK [HIGHESTMODSEQ 9223372036854775808] ok", "\(tag) OK"] : ["\(tag) OK"]
        }
        XCTAssertThrowsError(try store.select(Array("INBOX".utf8), recorded: nil).wait()) { error in
            XCTAssertEqual("\(error)", "remote(INBOX): protocol error: SELECT gave no valid HIGHESTMODSEQ for INBOX")
        }
    }

    // MARK: The session

    private func session(timeout: Double = 5, handler: @escaping @Sendable (String) -> [String]) throws -> (IMAPSession, ScriptedServer) {
        let (client, server, silence) = try ScriptedServer.socketPair(timeout: timeout)
        let scripted = ScriptedServer(stream: server, greeting: "* PREAUTH [CAPABILITY IMAP4rev1] hi", handler: handler)
        let session = IMAPSession(stream: client, name: "remote", silence: silence)
        _ = try session.readGreeting()
        return (session, scripted)
    }

    func testATaggedResponseWithATagNeverSentIsAProtocolViolation() throws {
        let (session, server) = try session { line in ["zz9 OK surprise", "\(line.prefix(6)) OK"] }
        XCTAssertThrowsError(try session.execute(.noop)) { error in
            XCTAssertEqual(error as? IMAPClientError, .protocolViolation("tagged response for a command never sent: zz9"))
        }
        server.stream.close()
    }

    func testByeInTheMiddleOfACommandEndsItAtOnce() throws {
        // The server says BYE and keeps the connection open: no waiting for the close.
        let (session, server) = try session { _ in ["* BYE shutting down for maintenance"] }
        let start = Date()
        XCTAssertThrowsError(try session.execute(.noop)) { error in
            XCTAssertEqual(error as? IMAPClientError, .serverClosed("shutting down for maintenance"))
            XCTAssertEqual((error as? IMAPClientError)?.exitStatus, .unavailable)
            XCTAssertTrue(Reconnection.isTemporary(error), "watching reconnects after it")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2, "not the 5 s timeout")
        server.stream.close()
    }

    func testByeAnsweringLogoutIsExpected() throws {
        let (session, server) = try session { line in ["* BYE logging out", "\(line.prefix(6)) OK bye"] }
        let tag = try session.send(.logout)
        XCTAssertEqual(try session.waitForCompletion(of: tag).status, .ok)
        server.stream.close()
    }

    func testUntaggedResponsesThatNeverLeadToTheTaggedOneAreStopped() throws {
        let (session, server) = try session { _ in Array(repeating: "* OK still working", count: 200) }
        session.maximumUntaggedPerCompletion = 100
        XCTAssertThrowsError(try session.execute(.noop)) { error in
            XCTAssertEqual(error as? IMAPClientError, .protocolViolation("more than 100 untagged responses and no command completes"))
        }
        server.stream.close()
    }

    func testTheBoundOnUntaggedResponsesCountsFromTheLastCompletion() throws {
        let (session, server) = try session { line in Array(repeating: "* OK working", count: 80) + ["\(line.prefix(6)) OK"] }
        session.maximumUntaggedPerCompletion = 100
        for _ in 0..<3 { try session.execute(.noop) }
        server.stream.close()
    }

    // MARK: Numbers

    func testNumbersOutsideTheirRangesAreRefused() {
        for input in ["* 1 FETCH (UID 0)\r\n", "* 1 FETCH (UID 4294967296)\r\n",
                      "* 1 FETCH (UID 1 MODSEQ (9223372036854775808))\r\n",
                      "* STATUS INBOX (UIDVALIDITY 0)\r\n", "* STATUS INBOX (UIDNEXT 0)\r\n",
                      "* STATUS INBOX (HIGHESTMODSEQ 9223372036854775808)\r\n", "* VANISHED 0:3\r\n",
                      "* VANISHED 4294967296\r\n"] {
            XCTAssertThrowsError(try Self.events(input), input)
        }
        XCTAssertEqual(try Self.events("* 1 FETCH (UID 4294967295 MODSEQ (9223372036854775807))\r\n").count, 4,
                       "the largest values are fine")
    }

    /// Every event of `input` (a FETCH comes in several).
    private static func events(_ input: String) throws -> [ResponseEvent] {
        var parser = ResponseParser()
        parser.append(Array(input.utf8))
        var events: [ResponseEvent] = []
        while let event = try parser.next() { events.append(event) }
        return events
    }

    /// One VANISHED naming every possible UID costs what its one range costs: parsing, the
    /// mailbox's pending expunges, and the database's look-up of the mapped ones.
    func testAVanishedOfEveryUIDCostsNothing() throws {
        let (store, _) = try makeStore { tag, line in
            line.contains("SELECT") ? Self.selectAnswer + ["* VANISHED (EARLIER) 4294967295:1", "\(tag) OK"] : ["\(tag) OK"]
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vanished-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SyncDatabase(path: directory.appendingPathComponent("db.sqlite").path)
        let start = Date()
        let box = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let vanished = box.takePendingUpdates().vanished
        XCTAssertEqual(vanished.count, Int(UInt32.max))
        XCTAssertEqual(try database.mappings(mailbox: 1, remoteUIDs: vanished).count, 0)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }
}
