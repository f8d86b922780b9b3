import Engine
import Foundation
import TestSupport
import XCTest

/// interimap against dovecot made to advertise less than it has (`imap_capability`): the levels
/// below QRESYNC and the fallbacks on a real server.
final class DovecotSyncLevelTests: XCTestCase {
    /// Gmail's list as issue reports give it, minus what dovecot lacks: CONDSTORE, no QRESYNC.
    static let condstore = "IMAP4rev1 LITERAL- ENABLE CONDSTORE LIST-EXTENDED LIST-STATUS UIDPLUS IDLE SPECIAL-USE ESEARCH UNSELECT"
    /// Courier's: plain IMAP4rev1 with UIDPLUS and IDLE.
    static let plain = "IMAP4rev1 UIDPLUS IDLE"

    private func changeBothSidesAndSync(_ bed: SyncTestbed, expectLevel: String) throws {
        try bed.imap(bed.local, ["CREATE Archive"])
        try bed.append(bed.local, mailbox: "INBOX", [("\\Seen", SyncTestbed.message(1)), ("", SyncTestbed.message(2)), ("", SyncTestbed.message(3))])
        try bed.append(bed.remote, mailbox: "INBOX", [("\\Flagged", SyncTestbed.message(4))])
        let first = try bed.interimap()
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("remote: Synchronizing at the \(expectLevel) level"), first.output)
        try bed.assertInSync()

        // Local INBOX: 1 2 3 (UIDs 1-3), 4 (UID 4); remote: 4 (UID 1), 1 2 3 (UIDs 2-4).
        try bed.imap(bed.local, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Answered)", "UID STORE 3 +FLAGS (\\Deleted)", "UID EXPUNGE 3"])
        try bed.imap(bed.remote, ["SELECT INBOX", "UID STORE 1 -FLAGS (\\Flagged)", "UID STORE 3 +FLAGS ($Later)",
                                  "UID STORE 2 +FLAGS (\\Draft)", "UID STORE 1 +FLAGS (\\Deleted)", "UID EXPUNGE 1"])
        try bed.append(bed.remote, mailbox: "INBOX", [("", SyncTestbed.message(5))])
        try bed.append(bed.local, mailbox: "Archive", [("", SyncTestbed.message(6))])
        let second = try bed.interimap()
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("WARNING: Conflicting flag update"), second.output)
        try bed.assertInSync()
        let inbox = try XCTUnwrap(try bed.snapshot(bed.local).mailboxes["INBOX"])
        XCTAssertEqual(inbox.count, 3, "1, 2 and 5 are left")

        let third = try bed.interimap()
        XCTAssertEqual(third.status, 0, third.output)
        XCTAssertFalse(third.output.contains("Added") || third.output.contains("Updated") || third.output.contains("Removed"), third.output)
        try bed.assertInSync()
    }

    func testARemoteWithCondstoreOnly() throws {
        try changeBothSidesAndSync(try SyncTestbed(remoteCapabilities: Self.condstore), expectLevel: "CONDSTORE")
    }

    func testARemoteWithPlainIMAP4rev1() throws {
        try changeBothSidesAndSync(try SyncTestbed(remoteCapabilities: Self.plain), expectLevel: "plain IMAP4rev1")
    }

    func testSyncLevelCapsAQResyncServer() throws {
        let bed = try SyncTestbed()
        bed.extraConfiguration = "sync-level = condstore"
        try changeBothSidesAndSync(bed, expectLevel: "CONDSTORE")
    }
}
