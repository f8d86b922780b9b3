import FakeIMAPServer
import Foundation
import XCTest

/// The command-line cases of the drop-in audit, run on the reference and on ours side by side.
final class ReferenceCommandLineTests: XCTestCase {
    func seeded() throws -> SideBySide {
        let fixture = try SideBySide { local, remote in
            _ = try local.append(to: "INBOX", "From: a@example.org\r\nSubject: one\r\n\r\none\r\n")
            _ = try local.createMailbox("Work")
            _ = try remote.createMailbox("Lists")
        }
        let first = try fixture.run([])
        XCTAssertEqual(first.reference.status, 0, first.reference.stderr)
        XCTAssertEqual(first.ours.status, 0, first.ours.stderr)
        return fixture
    }

    /// `--delete inbox`, in any case and with any target, is refused and changes nothing.
    func testDeletingInboxIsRefusedByBoth() throws {
        let fixture = try seeded()
        for args in [["--delete", "inbox"], ["--delete", "INBOX"], ["--target=database", "--delete", "INBOX"]] {
            let (reference, ours) = try fixture.run(args)
            XCTAssertNotEqual(reference.status, 0, "\(args)")
            XCTAssertNotEqual(ours.status, 0, "\(args)")
            XCTAssertEqual(reference.lines, ["ERROR: INBOX can't be deleted"], "\(args)")
            XCTAssertEqual(ours.lines, reference.lines, "\(args)")
            XCTAssertEqual(ours.localMailboxes, reference.localMailboxes)
            XCTAssertEqual(ours.localMailboxes, ["INBOX", "Lists", "Work"])
        }
        // The database still knows INBOX: a sync afterwards has nothing to create.
        let (reference, ours) = try fixture.run([])
        XCTAssertEqual(reference.lines, [])
        XCTAssertEqual(ours.lines, [])
    }

    /// `--rename inbox foo` is INBOX's rename: the server's refusal, not a silent success.
    func testRenamingInboxReachesTheServer() throws {
        let fixture = try seeded()
        let (reference, ours) = try fixture.run(["--rename", "inbox", "foo"])
        XCTAssertNotEqual(reference.status, 0)
        XCTAssertNotEqual(ours.status, 0)
        XCTAssertTrue(reference.lines.first?.hasPrefix("local: ERROR: ") ?? false, reference.stderr)
        XCTAssertTrue(ours.lines.first?.hasPrefix("local: ERROR: ") ?? false, ours.stderr)
        XCTAssertTrue(ours.stderr.contains("Renaming INBOX isn't supported"), ours.stderr)
        XCTAssertEqual(ours.localMailboxes, reference.localMailboxes)
    }

    /// `--target=local,remote` is the repeated option: both servers, not the database.
    func testCommaSeparatedTargets() throws {
        let fixture = try seeded()
        let (reference, ours) = try fixture.run(["--target=local,remote", "--delete", "Work"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertEqual(reference.lines, ["local: Deleted mailbox Work", "remote: Deleted mailbox Work"])
        XCTAssertEqual(ours.lines, reference.lines)
        XCTAssertEqual(ours.remoteMailboxes, reference.remoteMailboxes)
    }

    /// A non-mUTF-7 name is refused by both before anything is sent to a server.
    func testNonModifiedUTF7MailboxIsRefused() throws {
        let fixture = try seeded()
        let (reference, ours) = try fixture.run(["Café"])
        XCTAssertNotEqual(reference.status, 0)
        XCTAssertEqual(ours.status, 64)
        XCTAssertTrue(reference.stderr.hasPrefix("Invalid mailbox name Café"), reference.stderr)
        XCTAssertEqual(ours.lines, ["ERROR: Invalid mailbox name Café: not modified UTF-7 (RFC 3501 §5.1.3)"])
    }

    /// `--notify` alone keeps running (it implies `--watch`); `--watch 1 INBOX` takes 1 as the
    /// interval and INBOX as the only mailbox; `--watch=0` is the default interval. Both stop
    /// cleanly, with status 0, on SIGTERM.
    func testWatchForms() throws {
        let fixture = try seeded()
        for args in [["--notify"], ["--watch=0"], ["--watch", "1", "INBOX"]] {
            let (reference, ours) = try fixture.run(args, timeout: 2.5)
            XCTAssertEqual(reference.status, 0, "\(args) reference, stopped by SIGTERM: \(reference.stderr)")
            XCTAssertEqual(ours.status, 0, "\(args) ours, stopped cleanly by SIGTERM: \(ours.stderr)")
            XCTAssertEqual(ours.lines, reference.lines, "\(args)")
            XCTAssertTrue(reference.stopped && ours.stopped, "\(args): both keep watching")
        }
    }

    /// `-q` keeps the lines the reference keeps: the schema's creation and the database's
    /// mailbox changes; the copies and the servers' mailbox changes are left out.
    func testQuietKeepsTheLinesTheReferenceKeeps() throws {
        let fixture = try SideBySide { local, remote in
            _ = try local.append(to: "INBOX", "From: a@example.org\r\nSubject: one\r\n\r\none\r\n")
            _ = try local.createMailbox("Work")
            _ = try remote.createMailbox("Lists")
        }
        let first = try fixture.run(["-q"])
        XCTAssertEqual(first.reference.lines.sorted(), ["Creating new schema in database file DIR/db", "database: Created mailbox INBOX",
                                                        "database: Created mailbox Lists", "database: Created mailbox Work"])
        XCTAssertEqual(first.ours.lines.sorted(), first.reference.lines.sorted())
        for args in [["-q", "--rename", "Work", "Job"], ["-q", "--delete", "Job"], ["-q", "--repair"], ["-q", "Lists"]] {
            let (reference, ours) = try fixture.run(args)
            XCTAssertEqual(reference.status, 0, "\(args): \(reference.stderr)")
            XCTAssertEqual(ours.status, 0, "\(args): \(ours.stderr)")
            XCTAssertEqual(ours.lines, reference.lines, "\(args)")
        }
    }

    /// SIGINT while watching: the reference exits 1; ours stops as cleanly as on SIGTERM (the
    /// step under way finished, both servers logged out) and exits 0, a difference the README
    /// lists.
    func testInterruptWhileWatching() throws {
        let fixture = try seeded()
        let (reference, ours) = try fixture.run(["--watch"], timeout: 2, stopSignal: SIGINT)
        XCTAssertTrue(reference.stopped && ours.stopped)
        XCTAssertEqual(reference.status, 1, reference.stderr)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertEqual(ours.lines, [])
        XCTAssertTrue(ours.stderr.contains("local: IMAP traffic (bytes)"), "logged out and summed up: \(ours.stderr)")
    }

    /// The remote section compresses by default (the fake offers COMPRESS=DEFLATE): both
    /// programs give the IMAP and the wire figures of that connection, and plain ones locally.
    func testCompressedTrafficLine() throws {
        let fixture = try seeded()
        let (reference, ours) = try fixture.run([])
        let compressed = #/^remote: IMAP traffic \(bytes\): recv [0-9.]+K? \(compr\. [0-9.]+K?, factor [0-9]\.[0-9]{2}\) sent [0-9.]+K? \(compr\. [0-9.]+K?, factor [0-9]\.[0-9]{2}\)$/#
        let plain = #/^local: IMAP traffic \(bytes\): recv [0-9.]+K? sent [0-9.]+K?$/#
        for outcome in [reference, ours] {
            let lines = outcome.stderr.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.filter { $0.wholeMatch(of: compressed) != nil }.count, 1, outcome.stderr)
            XCTAssertEqual(lines.filter { $0.wholeMatch(of: plain) != nil }.count, 1, outcome.stderr)
        }
    }
}
