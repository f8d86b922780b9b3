import Engine
import Foundation
import TestSupport
import XCTest

/// interimap against two real dovecot stores (`doveadm exec imap` as the unprivileged test user).
final class DovecotSyncTests: XCTestCase {
    func testInitialSyncThenChangesOnBothSides() throws {
        let bed = try SyncTestbed()
        // Hierarchy, a modified UTF-7 name (Entwürfe), subscriptions, flags and keywords.
        try bed.imap(bed.local, ["CREATE Archive/2024", "CREATE Entw&APw-rfe", "SUBSCRIBE Entw&APw-rfe"])
        try bed.append(bed.local, mailbox: "INBOX", [("\\Seen", SyncTestbed.message(1)), ("\\Flagged $Work", SyncTestbed.message(2))])
        try bed.append(bed.local, mailbox: "Archive/2024", [("\\Seen \\Answered", SyncTestbed.message(3))])
        try bed.imap(bed.remote, ["CREATE Lists"])
        try bed.append(bed.remote, mailbox: "INBOX", [("", SyncTestbed.message(4))])
        try bed.append(bed.remote, mailbox: "Lists", [("\\Draft", SyncTestbed.message(5))])

        let first = try bed.interimap()
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("remote: Created mailbox Archive/2024"), first.output)
        XCTAssertTrue(first.output.contains("local: Created mailbox Lists"), first.output)
        XCTAssertTrue(first.output.contains("remote: Subscribe to Entw&APw-rfe"), first.output)
        try bed.assertInSync()
        XCTAssertEqual(try bed.snapshot(bed.local).messageCount, 5)

        // Changes on both sides: new messages, flag changes, expunges, and a conflict.
        try bed.append(bed.local, mailbox: "INBOX", [("", SyncTestbed.message(6))])
        try bed.append(bed.remote, mailbox: "Archive/2024", [("\\Seen", SyncTestbed.message(7))])
        try bed.imap(bed.local, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Answered)", "UID STORE 2 FLAGS (\\Seen)"])
        // On remote, INBOX holds message 4 as UID 1, then 1 and 2 as UIDs 2 and 3.
        try bed.imap(bed.remote, ["SELECT INBOX", "UID STORE 3 +FLAGS ($Later)", "UID STORE 1 +FLAGS (\\Deleted)", "UID EXPUNGE 1"])
        let second = try bed.interimap()
        XCTAssertEqual(second.status, 0, second.output)
        XCTAssertTrue(second.output.contains("WARNING: Conflicting flag update"), second.output)
        try bed.assertInSync()
        let inbox = try XCTUnwrap(try bed.snapshot(bed.local).mailboxes["INBOX"])
        XCTAssertEqual(inbox.count, 3)
        // The conflicting message (2): local replaced its flags by \Seen, remote added $Later to
        // \Flagged $Work; both get the union of the two lists (interimap(1), step 2).
        XCTAssertEqual(inbox.first { String(decoding: $0.body, as: UTF8.self).contains("Body 2") }?.flags,
                       ["$Later", "$Work", "\\Flagged", "\\Seen"])

        // A third run has nothing to do and says nothing but the traffic.
        let third = try bed.interimap()
        XCTAssertEqual(third.status, 0)
        XCTAssertFalse(third.output.contains("Added") || third.output.contains("Updated") || third.output.contains("Removed"), third.output)
    }

    func testDifferentDelimitersAndIgnoreMailbox() throws {
        let bed = try SyncTestbed(remoteSeparator: ".")
        bed.extraConfiguration = "ignore-mailbox = ^virtual(?:\\x00|$)"
        try bed.imap(bed.local, ["CREATE a/b/c", "CREATE virtual/all"])
        try bed.append(bed.local, mailbox: "a/b/c", [("", SyncTestbed.message(1))])
        try bed.imap(bed.remote, ["CREATE x.y"])
        let run = try bed.interimap()
        XCTAssertEqual(run.status, 0, run.output)
        let remote = try bed.snapshot(bed.remote)
        XCTAssertNotNil(remote.mailboxes["a\0b\0c"], remote.description)
        XCTAssertNil(remote.mailboxes["virtual\0all"], "ignore-mailbox excludes virtual and its children")
        XCTAssertNotNil(try bed.snapshot(bed.local).mailboxes["x\0y"])
    }

    func testRenameDeleteAndTargets() throws {
        let bed = try SyncTestbed()
        try bed.imap(bed.local, ["CREATE old/child", "CREATE gone"])
        XCTAssertEqual(try bed.interimap().status, 0)
        let rename = try bed.interimap(["--rename", "old", "new"])
        XCTAssertEqual(rename.status, 0, rename.output)
        XCTAssertTrue(rename.output.contains("database: Renamed mailbox old to new"), rename.output)
        let names = Set(try bed.snapshot(bed.remote).mailboxes.keys)
        XCTAssertTrue(names.contains("new\0child") && !names.contains("old\0child"), "\(names)")
        // DEST exists: nothing is renamed anywhere.
        let refused = try bed.interimap(["--rename", "new", "gone"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.output.contains("gone exists"), refused.output)
        // Delete on the local server only: the next sync stops and points to --delete.
        XCTAssertEqual(try bed.interimap(["--target=local", "--delete", "gone"]).status, 0)
        let stopped = try bed.interimap()
        XCTAssertNotEqual(stopped.status, 0)
        XCTAssertTrue(stopped.output.contains("--delete"), stopped.output)
        XCTAssertEqual(try bed.interimap(["--target=remote", "--target=database", "--delete", "gone"]).status, 0)
        XCTAssertEqual(try bed.interimap().status, 0)
        try bed.assertInSync()
    }

    func testRepairReplicatesMissingAndUnitesFlags() throws {
        let bed = try SyncTestbed()
        try bed.append(bed.local, mailbox: "INBOX", [("", SyncTestbed.message(1)), ("", SyncTestbed.message(2))])
        XCTAssertEqual(try bed.interimap().status, 0)
        // Anomalies: a mapping row lost, and flags changed behind interimap's back on both sides
        // with their HIGHESTMODSEQ recorded as if synchronized.
        let db = try SQLiteShell(path: bed.databasePath)
        try db.execute("DELETE FROM mapping WHERE lUID = 2")
        try bed.imap(bed.local, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Flagged)"])
        try bed.imap(bed.remote, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Seen)"])
        try db.execute("UPDATE local SET HIGHESTMODSEQ = 1000000; UPDATE remote SET HIGHESTMODSEQ = 1000000")
        let repair = try bed.interimap(["--repair"])
        XCTAssertEqual(repair.status, 0, repair.output)
        XCTAssertTrue(repair.output.contains("No match for modified local UID 2. Redownloading."), repair.output)
        XCTAssertTrue(repair.output.contains("Missed flag update in INBOX for (lUID,rUID) = (1,1). Repairing."), repair.output)
        let local = try bed.snapshot(bed.local), remote = try bed.snapshot(bed.remote)
        // Message 2 was on both servers without a mapping: replicated both ways (the man page's
        // "in the worst case, might yield a message duplicate"); message 1 gets the union.
        XCTAssertEqual(local.mailboxes["INBOX"]?.filter { $0.flags == ["\\Flagged", "\\Seen"] }.count, 1, local.description)
        XCTAssertEqual(remote.mailboxes["INBOX"]?.filter { $0.flags == ["\\Flagged", "\\Seen"] }.count, 1, remote.description)
    }

    func testKilledDuringLargeInitialSyncResumesWithoutLossOrDuplicate() throws {
        let bed = try SyncTestbed()
        try bed.append(bed.local, mailbox: "INBOX", (1...150).map { ("", SyncTestbed.message($0, size: 2000)) })
        try bed.append(bed.remote, mailbox: "INBOX", (151...170).map { ("\\Seen", SyncTestbed.message($0)) })
        for point in ["fetch-after-message:70", "append-after-message:40"] {
            let killed = try bed.interimap(environment: ["INTERIMAP_CRASH_AT": point])
            XCTAssertTrue(killed.signaled, "\(point): \(killed.output)")
            try bed.append(bed.local, mailbox: "INBOX", [("", SyncTestbed.message(point.count + 1000))])
        }
        let resumed = try bed.interimap()
        XCTAssertEqual(resumed.status, 0, resumed.output)
        try bed.assertInSync()
        XCTAssertEqual(try bed.snapshot(bed.local).mailboxes["INBOX"]?.count, 172)
    }

    func testSecondInstanceFailsAtOnceOnABusyDatabase() throws {
        let bed = try SyncTestbed()
        XCTAssertEqual(try bed.interimap().status, 0)
        let db = try SQLiteShell(path: bed.databasePath)
        try db.holdExclusiveLock()
        let start = Date()
        let second = try bed.interimap()
        XCTAssertEqual(second.status, 75, second.output)
        XCTAssertTrue(second.output.contains("locked"), second.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    func testDatabaseIsSharedWithTheReferenceBothWays() throws {
        let bed = try SyncTestbed()
        try bed.imap(bed.local, ["CREATE Sub/Folder"])
        try bed.append(bed.local, mailbox: "INBOX", [("\\Seen", SyncTestbed.message(1))])
        let reference = try bed.reference()
        XCTAssertEqual(reference.status, 0, reference.output)
        try bed.append(bed.remote, mailbox: "INBOX", [("", SyncTestbed.message(2))])
        try bed.imap(bed.local, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Answered)"])
        let ours = try bed.interimap()
        XCTAssertEqual(ours.status, 0, ours.output)
        try bed.assertInSync()
        try bed.append(bed.local, mailbox: "Sub/Folder", [("", SyncTestbed.message(3))])
        try bed.imap(bed.remote, ["SELECT INBOX", "UID STORE 2 +FLAGS (\\Flagged)"])
        let referenceAgain = try bed.reference()
        XCTAssertEqual(referenceAgain.status, 0, referenceAgain.output)
        XCTAssertFalse(referenceAgain.output.contains("WARNING"), referenceAgain.output)
        try bed.assertInSync()
        XCTAssertEqual(try bed.snapshot(bed.local).messageCount, 3)
        // Ours remembers no flags for this QRESYNC pair (a plain server's known_flags).
        let tables = try SQLiteShell(path: bed.databasePath)
            .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        XCTAssertFalse(tables.contains("known_flags"), "\(tables)")
    }
}

/// The sqlite3 command-line shell on a database file, for tests that tamper with it.
struct SQLiteShell {
    let path: String
    init(path: String) throws { self.path = try RequiredTool.require("/usr/bin/sqlite3") == "" ? "" : path }

    func execute(_ sql: String) throws {
        let result = try RunningProcess.run("/usr/bin/sqlite3", [path, sql])
        guard result.status == 0 else { throw NSError(domain: "sqlite3", code: Int(result.status)) }
    }

    /// The lines a query prints.
    func query(_ sql: String) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [path, sql]
        let output = Pipe()
        p.standardOutput = output
        try p.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "sqlite3", code: Int(p.terminationStatus)) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Keeps an exclusive lock on the database in a child process until the test ends.
    func holdExclusiveLock() throws {
        let p = try RunningProcess("/usr/bin/sqlite3", [path], stdin: .pipe, stdout: .null, stderr: .null)
        p.input?.write(Data("BEGIN EXCLUSIVE;\nSELECT 1;\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        SQLiteShell.holders.append(p)
    }
    nonisolated(unsafe) static var holders: [RunningProcess] = []
}
