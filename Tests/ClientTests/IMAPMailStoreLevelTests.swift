import Foundation
import XCTest
@testable import Engine

/// The IMAP store below QRESYNC and without the extensions interimap used to require, against a
/// scripted server: what goes out, and what the answers mean.
extension IMAPMailStoreTests {
    static let gmail = "IMAP4rev1 LITERAL- UIDPLUS CONDSTORE ENABLE LIST-EXTENDED LIST-STATUS ESEARCH"
    static let courier = "IMAP4rev1 UIDPLUS IDLE"
    static let message = "Message-ID: <m1@example.org>\r\nSubject: s\r\n\r\nbody\r\n"

    func testACondstoreServerIsSelectedWithCondstoreAndItsExpungesAreNoProtocolViolation() throws {
        let (store, server) = try makeStore(capabilities: Self.gmail) { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID SEARCH") { return ["* 3 EXPUNGE", "* ESEARCH (TAG \"\(tag)\") UID ALL 1:3,5", "\(tag) OK"] }
            if line.contains("NOOP") { return [] }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        XCTAssertEqual(store.level, .condstore)
        let box = try store.select(Array("INBOX".utf8), recorded: .init(uidValidity: 7, uidNext: 10, highestModSeq: 40)).wait()
        XCTAssertEqual(box.level, .condstore)
        XCTAssertEqual(try store.existingUIDs(SequenceSet(ranges: [1...9])).wait(), SequenceSet([1, 2, 3, 5]))
        XCTAssertTrue(server.received.contains { $0.hasSuffix("SELECT INBOX (CONDSTORE)") }, "\(server.received)")
        XCTAssertTrue(server.received.contains { $0.hasSuffix("UID SEARCH RETURN (ALL) UID 1:9") }, "\(server.received)")
    }

    func testAFlagChangeReportedWithoutItsUIDKeepsHighestModSeqAtTheSelect() throws {
        let (store, _) = try makeStore(capabilities: Self.gmail) { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            // Another client's change, by sequence number only (no QRESYNC: RFC 7162 §3.1.2).
            if line.contains("UID STORE") { return ["* 4 FETCH (FLAGS (\\Seen) MODSEQ (60))", "* 2 FETCH (UID 2 MODSEQ (61))", "\(tag) OK"] }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        let box = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        try store.setFlags([.flagged], on: SequenceSet([2])).wait()
        XCTAssertEqual(box.highestModSeq, 50, "the change of message 4 is found by the next run's CHANGEDSINCE")
    }

    func testAPlainServerIsAskedNeitherModSeqNorCondstoreAndItsHighestModSeqIsIgnored() throws {
        let (store, server) = try makeStore(capabilities: Self.courier) { tag, line in
            // Yahoo is reported to send HIGHESTMODSEQ without offering CONDSTORE.
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") { return ["* 1 FETCH (UID 1 FLAGS (\\Seen))", "\(tag) OK"] }
            if line.contains("STATUS") { return ["* STATUS INBOX (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 7) ", "\(tag) OK"] }
            if line.contains("LIST") { return ["* LIST () \"/\" INBOX", "\(tag) OK"] }
            if line.contains("LSUB") { return ["* LSUB () \"/\" INBOX", "\(tag) OK"] }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        XCTAssertEqual(store.level, .plain)
        let listed = try store.list(patterns: ["*"], selection: []).wait()
        XCTAssertEqual(listed.map(\.isSubscribed), [true], "LSUB says INBOX is subscribed")
        XCTAssertEqual(listed.first?.status?.uidNext, 2, "an Outlook-style STATUS with a trailing space is read")
        let box = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        XCTAssertEqual(try store.fetchFlags(SequenceSet([1])).wait(), [1: [.seen]])
        XCTAssertEqual(box.highestModSeq, 0)
        let sent = server.received.map { $0.drop { $0 != " " } }
        XCTAssertEqual(sent.filter { $0.contains("LIST") || $0.contains("LSUB") || $0.contains("STATUS") },
                       [" LIST \"\" *", " LSUB \"\" *", " STATUS INBOX (MESSAGES UIDVALIDITY UIDNEXT)"])
        XCTAssertTrue(sent.contains(" SELECT INBOX"), "\(sent)")
        XCTAssertTrue(sent.contains(" UID FETCH 1 (UID FLAGS)"), "\(sent)")
    }

    func testSyncLevelCapsTheLevel() throws {
        let (store, _) = try makeStore { tag, _ in ["\(tag) OK"] }
        store.chooseLevel(ceiling: .plain)
        XCTAssertEqual(store.level, .plain)
        store.chooseLevel(ceiling: nil)
        XCTAssertEqual(store.level, .qresync)
    }

    func testAnEnableWithoutEnabledDropsToCondstore() throws {
        // iCloud is reported not to answer ENABLE with `* ENABLED`.
        let (store, server) = try makeStore { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        try store.enableQResync()
        _ = try store.select(Array("INBOX".utf8), recorded: .init(uidValidity: 7, uidNext: 10, highestModSeq: 40)).wait()
        XCTAssertEqual(store.level, .condstore)
        XCTAssertTrue(server.received.contains { $0.hasSuffix("SELECT INBOX (CONDSTORE)") }, "\(server.received)")
    }

    func testAnAppendWithoutAppendUIDFindsItsMessageBySizeDateAndMessageID() throws {
        let size = Self.message.utf8.count
        let (store, server) = try makeStore(capabilities: Self.gmail) { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("APPEND") { return ["\(tag) OK done"] }
            if line.contains("UID FETCH 10:*") {
                // Another client's message (same size, another Message-ID) came first.
                return ["* 9 FETCH (UID 10 RFC822.SIZE \(size) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" BODY[HEADER.FIELDS (MESSAGE-ID)] {27}",
                        "Message-ID: <other@x.org>\r\n)",
                        "* 10 FETCH (UID 11 RFC822.SIZE \(size) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" BODY[HEADER.FIELDS (MESSAGE-ID)] {32}",
                        "Message-ID: <m1@example.org>\r\n\r\n)", "\(tag) OK"]
            }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let appender = try store.beginAppend(to: Array("INBOX".utf8))
        let date = InternalDate(date: Date(timeIntervalSince1970: 1_704_103_200), zoneOffsetMinutes: 0)
        try appender.add(flags: [], internalDate: date, body: MessageBody(bytes: Array(Self.message.utf8)))
        XCTAssertEqual(try appender.finish().wait(), AppendedUIDs(uidValidity: 7, uids: [11]))
        XCTAssertTrue(server.received.contains { $0.contains("UID FETCH 10:* (UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (Message-ID)])") },
                      "\(server.received)")
    }

    func testAnAppendWhoseMessageCannotBeFoundIsNotGuessed() throws {
        let (store, _) = try makeStore(capabilities: Self.gmail) { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("APPEND") { return ["\(tag) OK done"] }
            if line.contains("UID FETCH") { return ["* 9 FETCH (UID 9 RFC822.SIZE 3 INTERNALDATE \"01-Jan-2024 10:00:00 +0000\")", "\(tag) OK"] }
            return ["\(tag) OK"]
        }
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let appender = try store.beginAppend(to: Array("INBOX".utf8))
        try appender.add(flags: [], internalDate: nil, body: MessageBody(bytes: Array(Self.message.utf8)))
        XCTAssertThrowsError(try appender.finish().wait()) { error in
            XCTAssertEqual(error as? SyncError, .missingAppendUID(server: "local", mailbox: "INBOX"))
        }
    }

    func testAnExpungeWithoutUIDPlusSparesOtherDeletedMessages() throws {
        let (store, server) = try makeStore(capabilities: "IMAP4rev1 CONDSTORE") { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID SEARCH DELETED") { return ["* SEARCH 3 4 8", "\(tag) OK"] }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        try store.expunge(SequenceSet([3, 4])).wait()
        let sent = server.received.map { String($0.drop { $0 != " " }.dropFirst()) }
        XCTAssertEqual(Array(sent.suffix(4)), ["UID SEARCH DELETED", "UID STORE 8 -FLAGS.SILENT (\\Deleted)", "EXPUNGE", "UID STORE 8 +FLAGS.SILENT (\\Deleted)"])
    }
}

extension IMAPMailStoreTests {
    func testNotifyWithoutNotifyIdlesOnInboxAndLeavesItAfterwards() throws {
        final class Tag: @unchecked Sendable { let lock = NSLock(); var idle = "" }
        let idleTag = Tag()
        let (store, server) = try makeStore(capabilities: "IMAP4rev1 UIDPLUS IDLE UNSELECT") { tag, line in
            if line.contains("EXAMINE INBOX") { return ["* 3 EXISTS", "* OK [UIDVALIDITY 7] ok", "\(tag) OK [READ-ONLY] done"] }
            if line.hasSuffix(" IDLE") {
                idleTag.lock.lock(); idleTag.idle = tag; idleTag.lock.unlock()
                return ["+ idling", "* 4 EXISTS"]
            }
            if line == "DONE" { idleTag.lock.lock(); defer { idleTag.lock.unlock() }; return ["\(idleTag.idle) OK idle done"] }
            return ["\(tag) OK"]
        }
        try store.enableNotify().wait()
        final class Changed: @unchecked Sendable { var count = 0; let lock = NSLock() }
        let changed = Changed()
        let idle = try store.idle { [store = UncheckedBox(store)] in
            changed.lock.lock(); changed.count += 1; changed.lock.unlock()
            store.value.endIdle()
        }
        try idle.wait()
        XCTAssertGreaterThan(changed.count, 0, "the new message in INBOX woke the watch")
        XCTAssertNil(store.selected)
        let sent = server.received.map { String($0.drop { $0 != " " }.dropFirst()) }
        XCTAssertEqual(sent.filter { !$0.isEmpty }, ["EXAMINE INBOX", "IDLE", "UNSELECT"], "\(server.received)")
        XCTAssertTrue(server.received.contains("DONE"))
    }
}

extension IMAPMailStoreTests {
    func testAnESearchAnsweredBeforeAnOlderCommandCompletesGoesToItsOwnCommand() throws {
        final class Tag: @unchecked Sendable { let lock = NSLock(); var noop = "" }
        let noop = Tag()
        let (store, _) = try makeStore(capabilities: Self.gmail) { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.hasSuffix("NOOP") { noop.lock.lock(); noop.noop = tag; noop.lock.unlock(); return [] }
            if line.contains("UID SEARCH") {
                // dovecot runs pipelined commands at once (RFC 3501 §5.5): the older one ends last.
                noop.lock.lock(); defer { noop.lock.unlock() }
                return ["* ESEARCH (TAG \"\(tag)\") UID ALL 1:4", "\(tag) OK", "\(noop.noop) OK"]
            }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        let older = try store.command(.noop, name: "NOOP")
        let existing = try store.existingUIDs(SequenceSet(ranges: [1...9]))
        XCTAssertEqual(try existing.wait(), SequenceSet(ranges: [1...4]))
        try older.wait()
    }
}

extension IMAPMailStoreTests {
    func testAnAnswerForPartOfTheMessagesOnlyIsAnError() throws {
        // Yahoo is reported to cap large folders (MESSAGELIMIT, RFC 9738) unless UIDONLY is on.
        let (store, _) = try makeStore(capabilities: "IMAP4rev1 UIDPLUS CONDSTORE MESSAGELIMIT=3") { tag, line in
            if line.contains("SELECT") { return Self.selectAnswer + ["\(tag) OK"] }
            if line.contains("UID FETCH") {
                return ["* 1 FETCH (UID 1 FLAGS ())", "* 2 FETCH (UID 2 FLAGS ())", "* 3 FETCH (UID 3 FLAGS ())", "\(tag) OK [LIMIT] 3 of 7"]
            }
            return ["\(tag) OK"]
        }
        store.chooseLevel(ceiling: nil)
        _ = try store.select(Array("INBOX".utf8), recorded: nil).wait()
        XCTAssertThrowsError(try store.fetchFlags(SequenceSet(ranges: [1...7])).wait()) { error in
            XCTAssertTrue("\(error)".contains("LIMIT"), "\(error)")
        }
    }
}
