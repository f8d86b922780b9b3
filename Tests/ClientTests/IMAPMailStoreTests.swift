import Foundation
import XCTest
@testable import Engine

/// The sync engine's IMAP store against a scripted server: where each response goes.
final class IMAPMailStoreTests: XCTestCase {
    static let capabilities = "IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS QRESYNC CONDSTORE ENABLE LIST-EXTENDED LIST-STATUS UNSELECT"

    func makeStore(capabilities: String = capabilities, handler: @escaping @Sendable (String, String) -> [String]) throws
        -> (IMAPMailStore, ScriptedServer) {
        try Self.makeStore(capabilities: capabilities, handler: handler)
    }

    /// A store on `side` over a scripted server; `handler` gets each command's tag and line.
    static func makeStore(side: SyncDatabase.Side = .local, capabilities: String = capabilities,
                          handler: @escaping @Sendable (String, String) -> [String]) throws -> (IMAPMailStore, ScriptedServer) {
        let (client, server) = MemoryStream.pair()
        let scripted = ScriptedServer(stream: server, greeting: "* PREAUTH [CAPABILITY \(capabilities)] hi") { line in
            handler(String(line.split(separator: " ")[0]), line)
        }
        let session = IMAPSession(stream: client, name: side.rawValue)
        _ = try session.readGreeting()
        let log = SyncLog(sink: try LogSink(standardError: nil))
        return (IMAPMailStore(side: side, session: session, listReference: "", log: log), scripted)
    }

    static let selectAnswer = ["* OK [UIDVALIDITY 7] ok", "* OK [UIDNEXT 10] ok", "* OK [HIGHESTMODSEQ 50] ok"]

    func testReportsDuringPipelinedSelectsGoToTheMailboxTheServerHadSelected() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT A") { return Self.selectAnswer + ["\(tag) OK [READ-WRITE] A"] }
            if line.contains("SELECT B") {
                // Before [CLOSED] the server still speaks of A (RFC 7162 §3.2.11).
                return ["* 3 FETCH (UID 7 FLAGS (\\Seen) MODSEQ (51))", "* OK [CLOSED] A closed",
                        "* OK [UIDVALIDITY 8] ok", "* OK [HIGHESTMODSEQ 90] ok", "* VANISHED (EARLIER) 2", "\(tag) OK [READ-WRITE] B"]
            }
            return ["\(tag) OK"]
        }
        let a = try store.select(Array("A".utf8), recorded: nil)
        let b = try store.select(Array("B".utf8), recorded: nil)
        let boxB = try b.wait(), boxA = try a.wait()
        XCTAssertEqual(boxA.pendingFlags, [7: [.seen]])
        XCTAssertEqual(boxA.highestModSeq, 51)
        XCTAssertEqual(boxB.uidValidity, 8)
        XCTAssertEqual(boxB.highestModSeq, 90)
        XCTAssertEqual(boxB.pendingVanished, SequenceSet([2]))
        XCTAssertTrue(boxB.pendingFlags.isEmpty)
    }

    func testAnUnsolicitedFlagChangeDuringAFlagFetchIsKeptAsAReport() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") {
                return ["* 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ (40))", "* 5 FETCH (UID 9 FLAGS (\\Flagged) MODSEQ (52))", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        let box = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let flags = try store.fetchFlags(SequenceSet([1, 2])).wait()
        XCTAssertEqual(flags, [1: [.answered]])
        XCTAssertEqual(box.pendingFlags, [9: [.flagged]], "another client's change, reported meanwhile, is not lost")
        XCTAssertEqual(box.highestModSeq, 52)
    }

    func testMessagesStreamOutWithTheirAttributesWhicheverOrderTheServerUses() throws {
        let (store, _) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH 3:*") {
                return ["* 1 FETCH (UID 3 MODSEQ (4) FLAGS (\\Seen) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" BODY[] {5}", "hello)",
                        // Attributes after the body: collected, then handed out with them.
                        "* 2 FETCH (BODY[] {3}", "abc UID 4 FLAGS ($Work) INTERNALDATE \"02-Jan-2024 10:00:00 +0000\")",
                        // Neither flags nor date: not copied as it is (it would lose them), asked again below.
                        "* 3 FETCH (UID 5 BODY[] {2}", "hi)",
                        // No body: another client's flag change.
                        "* 1 FETCH (UID 3 FLAGS (\\Seen \\Flagged) MODSEQ (60))",
                        "\(tag) OK"]
            }
            if line.contains("UID FETCH 5 ") {
                return ["* 3 FETCH (UID 5 FLAGS () INTERNALDATE \"03-Jan-2024 10:00:00 +0000\" BODY[] {2}", "hi)", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        let box = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let cursor = try store.fetchMessages(SequenceSet.from(3))
        var got: [(UInt32, [Flag], String)] = []
        while let m = try cursor.next() { got.append((m.uid, m.flags, String(decoding: try m.body.readAll(), as: UTF8.self))) }
        XCTAssertEqual(got.map(\.0), [3, 4, 5])
        XCTAssertEqual(got.map(\.1), [[.seen], [Flag("$Work")], []])
        XCTAssertEqual(got.map(\.2), ["hello", "abc", "hi"])
        XCTAssertEqual(box.pendingFlags, [3: [.seen, .flagged]])
    }

    func testAppendWithLiteralPlusWritesEachMessageAsItArrives() throws {
        let (store, server) = try makeStore { tag, line in
            line.contains("APPEND") ? ["\(tag) OK [APPENDUID 7 20:21] done"] : ["\(tag) OK"]
        }
        let appender = try store.beginAppend(to: Array("INBOX".utf8))
        try appender.add(flags: [.seen], internalDate: nil, body: MessageBody(bytes: Array("one".utf8)))
        var pieces = [Array("tw".utf8), Array("o".utf8)][...]
        try appender.add(flags: [], internalDate: nil, body: MessageBody(size: 3) { pieces.popFirst() })
        let uids = try appender.finish().wait()
        XCTAssertEqual(uids, AppendedUIDs(uidValidity: 7, uids: [20, 21]))
        XCTAssertEqual(server.received.last, "000000 APPEND INBOX (\\Seen) {3+}one {3+}two")
    }

    func testAppendWithoutLiteralPlusSendsTheBatchWithSynchronizingLiterals() throws {
        let caps = Self.capabilities.replacingOccurrences(of: "LITERAL+ ", with: "")
        let (store, server) = try makeStore(capabilities: caps) { tag, line in
            line.contains("APPEND") ? ["\(tag) OK [APPENDUID 7 5] done"] : ["\(tag) OK"]
        }
        let appender = try store.beginAppend(to: Array("INBOX".utf8))
        try appender.add(flags: [], internalDate: nil, body: MessageBody(bytes: Array("body".utf8)))
        XCTAssertEqual(try appender.finish().wait().uids, [5])
        XCTAssertEqual(server.received.last, "000000 APPEND INBOX {4}body")
    }

    func testAMessageBodyOfAnotherLengthThanAnnouncedIsRefused() throws {
        let (store, _) = try makeStore { tag, _ in ["\(tag) OK"] }
        let appender = try store.beginAppend(to: Array("INBOX".utf8))
        var pieces = [Array("short".utf8)][...]
        XCTAssertThrowsError(try appender.add(flags: [], internalDate: nil, body: MessageBody(size: 10) { pieces.popFirst() })) { error in
            XCTAssertTrue("\(error)".contains("5 octets, 10 announced"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix("local"), "the error names the server: \(error)")
        }
    }

    func testATaggedReplyToACommandNeverSentIsAProtocolViolation() throws {
        let (store, _) = try makeStore { tag, _ in ["zz9 OK surprise", "\(tag) OK"] }
        XCTAssertThrowsError(try store.create(Array("X".utf8)).wait()) { error in
            XCTAssertTrue("\(error)".contains("never sent"), "\(error)")
        }
    }
}
