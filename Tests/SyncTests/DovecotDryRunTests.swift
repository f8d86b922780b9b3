import Engine
import Foundation
import TestSupport
import XCTest

/// `interimap --dry-run` against two real dovecot stores with changes pending on both sides:
/// every message file of both maildirs (its name carries the flags) and the database are
/// byte-identical afterwards, and so is what each mailbox reports (UIDNEXT, HIGHESTMODSEQ);
/// the log names each change, and a real run then makes exactly those.
final class DovecotDryRunTests: XCTestCase {
    /// The maildir's message files with their bytes: everything but dovecot's own index,
    /// cache and log files, which dovecot may rewrite when it only reads.
    private func messageFiles(_ store: DovecotFixture) throws -> [String: Data] {
        let root = store.directory.appendingPathComponent("mail")
        var result: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walker where ["cur", "new", "tmp"].contains(url.deletingLastPathComponent().lastPathComponent) {
            result[url.path.replacingOccurrences(of: root.path, with: "")] = try Data(contentsOf: url)
        }
        return result
    }

    /// Mailboxes and subscriptions as LIST answers, and each mailbox's STATUS.
    private func status(_ bed: SyncTestbed, _ store: DovecotFixture) throws -> [String] {
        let client = try store.connect()
        defer { _ = try? client.command("LOGOUT") }
        let list = try client.command("LIST \"\" \"*\" RETURN (SUBSCRIBED STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ))")
        return list.untagged.map(\.text).sorted()
    }

    func testADryRunLeavesBothStoresAndTheDatabaseAsTheyWere() throws {
        let bed = try SyncTestbed()
        try bed.append(bed.local, mailbox: "INBOX", [("\\Seen", SyncTestbed.message(1)), ("", SyncTestbed.message(2)), ("", SyncTestbed.message(3))])
        XCTAssertEqual(try bed.interimap().status, 0)
        // Pending on both sides: a new message, a flag change, an expunge, a new mailbox.
        try bed.append(bed.local, mailbox: "INBOX", [("\\Flagged", SyncTestbed.message(4))])
        try bed.imap(bed.local, ["SELECT INBOX", "UID STORE 1 +FLAGS (\\Answered)"])
        try bed.imap(bed.remote, ["SELECT INBOX", "UID STORE 2 +FLAGS (\\Deleted)", "UID EXPUNGE 2",
                                  "CREATE Lists", "SUBSCRIBE Lists"])
        try bed.append(bed.remote, mailbox: "Lists", [("", SyncTestbed.message(5))])

        let before = (local: try messageFiles(bed.local), remote: try messageFiles(bed.remote),
                      localStatus: try status(bed, bed.local), remoteStatus: try status(bed, bed.remote),
                      database: try Data(contentsOf: URL(fileURLWithPath: bed.databasePath)))
        XCTAssertEqual(before.local.count, 4, "the comparison sees the local message files")
        XCTAssertEqual(before.remote.count, 3, "and the remote ones")
        let dry = try bed.interimap(["--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.output)
        XCTAssertEqual(try messageFiles(bed.local), before.local, "local message files")
        XCTAssertEqual(try messageFiles(bed.remote), before.remote, "remote message files")
        XCTAssertEqual(try status(bed, bed.local), before.localStatus)
        XCTAssertEqual(try status(bed, bed.remote), before.remoteStatus)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: bed.databasePath)), before.database, "database")
        let dryLines = dry.output.split(separator: "\n").map(String.init).filter { !$0.contains("IMAP traffic") }
        for expected in ["local: [dry-run] Created mailbox Lists", "local: [dry-run] Subscribe to Lists",
                         "database: [dry-run] Created mailbox Lists", "local(INBOX): [dry-run] Removed 1 UID(s) 2",
                         "remote(INBOX): [dry-run] Updated flags (\\Answered \\Seen) for UID 1",
                         "remote(INBOX): [dry-run] Added 1 UID(s) 4 -> 4", "local(Lists): [dry-run] Added 1 UID(s) 1 <- 1"] {
            XCTAssertTrue(dryLines.contains(expected), "\(expected) in\n\(dry.output)")
        }
        XCTAssertTrue(dryLines.allSatisfy { $0.contains("[dry-run] ") }, dry.output)

        let real = try bed.interimap()
        XCTAssertEqual(real.status, 0, real.output)
        XCTAssertEqual(real.output.split(separator: "\n").map(String.init).filter { !$0.contains("IMAP traffic") },
                       dryLines.map { $0.replacingOccurrences(of: "[dry-run] ", with: "") }, "the real run does what the dry run said")
        try bed.assertInSync()
    }
}
