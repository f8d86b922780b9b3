import Foundation
import XCTest

/// interimap's progress line (forced with `--progress`, so that it is drawn into the captured
/// standard error): mailboxes done of how many and messages copied of how many.
final class SyncProgressLineTests: XCTestCase {
    func testTheProgressLineCountsMailboxesAndMessages() throws {
        let bed = try SyncTestbed()
        try bed.imap(bed.local, ["CREATE Archive"])
        try bed.append(bed.local, mailbox: "INBOX", [("\\Seen", SyncTestbed.message(1)), ("", SyncTestbed.message(2))])
        try bed.append(bed.local, mailbox: "Archive", [("", SyncTestbed.message(3))])
        try bed.append(bed.remote, mailbox: "INBOX", [("", SyncTestbed.message(4))])
        let run = try bed.interimap(["--progress"])
        XCTAssertEqual(run.status, 0, run.output)
        try bed.assertInSync()
        // Redrawn in place: the last state before the line is erased says everything was done.
        let states = run.output.components(separatedBy: "\r").map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }
        XCTAssertTrue(states.contains { $0.hasPrefix("mailboxes 2/2 · messages 4/4") }, run.output.debugDescription)
        XCTAssertTrue(states.contains { $0.hasPrefix("mailboxes 0/2 · messages") }, run.output.debugDescription)
        // Every mailbox is in flight at once: the line names the one whose messages are being copied.
        XCTAssertTrue(states.contains { $0.hasPrefix("mailboxes 0/2 · messages") && $0.hasSuffix("INBOX") }, run.output.debugDescription)

        // Nothing to do: no line drawn beyond the counts of nothing.
        let again = try bed.interimap(["--progress"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertFalse(again.output.contains("messages"), again.output.debugDescription)
        // Without a terminal and without --progress, no line at all.
        let plain = try bed.interimap()
        XCTAssertFalse(plain.output.contains("\r"), plain.output.debugDescription)
    }
}
