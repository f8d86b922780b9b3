import Engine
import FakeIMAPServer
import Foundation
import XCTest

/// The cases of the audit beyond the first list, run on the reference and on ours side by side:
/// a mailbox gone from one side only, `list-reference` names, and the lines of `--repair`.
final class ReferenceAuditTests: XCTestCase {
    private func synced(_ seed: @escaping (FakeIMAPStore, FakeIMAPStore) throws -> Void) throws -> SideBySide {
        let fixture = try SideBySide(seed: seed)
        let first = try fixture.run([])
        XCTAssertEqual(first.reference.status, 0, first.reference.stderr)
        XCTAssertEqual(first.ours.status, 0, first.ours.stderr)
        return fixture
    }

    /// Acts on one program's copy of a server's state, as another client would.
    private func change(_ fixture: SideBySide, _ side: String, _ body: (FakeIMAPStore) throws -> Void) throws {
        for who in ["reference", "ours"] {
            let file = FakeIMAPStateFile(path: fixture.root.appendingPathComponent("\(who)/\(side).json").path)
            let store = try file.loadStore()
            try body(store)
            try file.save(store)
        }
    }

    /// Changes both programs' databases behind their backs.
    private func sql(_ fixture: SideBySide, _ statement: String) throws {
        for who in ["reference", "ours"] {
            let run = try ToolRunner.run(executable: "sqlite3", [fixture.root.appendingPathComponent("\(who)/db").path, statement])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
    }

    /// A known mailbox deleted on one server: both stop and advise forgetting it in the database,
    /// which keeps the surviving copy; following the advice copies that copy back.
    func testAMailboxGoneFromOneSideAdvisesTheCommandThatKeepsTheSurvivingCopy() throws {
        let fixture = try synced { local, _ in
            _ = try local.createMailbox("Work/Sub")
            _ = try local.append(to: "Work/Sub", "From: a@example.org\r\nSubject: w\r\n\r\nw\r\n")
        }
        try change(fixture, "remote") { try $0.deleteMailbox("Work.Sub") }
        let (reference, ours) = try fixture.run([])
        let advice = "database: ERROR: Mailbox Work/Sub exists. Run `interimap --target=database --delete Work/Sub` to delete."
        XCTAssertEqual(reference.lines, [advice], reference.stderr)
        XCTAssertEqual(ours.lines.count, 1, ours.stderr)
        XCTAssertTrue(ours.lines.first?.hasPrefix(advice) ?? false, ours.stderr)
        XCTAssertTrue(ours.lines.first?.contains("`interimap --target=local,database --rename Work/Sub NEWNAME`") ?? false, ours.stderr)

        let forget = try fixture.run(["--target=database", "--delete", "Work/Sub"])
        XCTAssertEqual(forget.ours.lines, forget.reference.lines)
        let (referenceAfter, oursAfter) = try fixture.run([])
        XCTAssertEqual(oursAfter.status, 0, oursAfter.stderr)
        XCTAssertEqual(Set(oursAfter.lines), Set(referenceAfter.lines), "the surviving copy is copied back")
        XCTAssertTrue(oursAfter.lines.contains("remote(Work.Sub): Added 1 UID(s) 1 -> 1"), oursAfter.stderr)
        XCTAssertEqual(oursAfter.remoteMailboxes, referenceAfter.remoteMailboxes)
    }

    /// Server lines name a mailbox as that server does, under its `list-reference`.
    func testListReferenceNamesInTheServerLines() throws {
        let fixture = try SideBySide { local, remote in
            _ = try local.createMailbox("Mail/Work")
            _ = try local.append(to: "Mail/Work", "From: a@example.org\r\nSubject: w\r\n\r\nw\r\n")
            _ = try remote.createMailbox("Mail.Lists")
        }
        try fixture.reconfigure(local: "type = tunnel\ncommand = FAKE --state DIR/local.json\nlist-reference = Mail/\n",
                                remote: "type = tunnel\ncommand = FAKE --state DIR/remote.json --delimiter .\nlist-reference = Mail.\n")
        let (reference, ours) = try fixture.run([])
        XCTAssertEqual(ours.status, 0, ours.stderr)
        for line in ["local: Created mailbox Mail/Lists", "remote: Created mailbox Mail.Work", "remote(Mail.Work): Added 1 UID(s) 1 -> 1"] {
            XCTAssertTrue(reference.lines.contains(line), "\(line) in\n\(reference.stderr)")
            XCTAssertTrue(ours.lines.contains(line), "\(line) in\n\(ours.stderr)")
        }
        XCTAssertEqual(Set(ours.lines), Set(reference.lines))
    }

    /// `--repair`'s warnings are the reference's; the reference adds a second warning for a missed
    /// flag update and a line per message it copies again, which ours leaves out (README).
    func testRepairWarningsAreTheReferences() throws {
        let fixture = try synced { local, _ in
            for i in 1...3 { _ = try local.append(to: "INBOX", "From: a@example.org\r\nSubject: \(i)\r\n\r\n\(i)\r\n") }
        }
        try sql(fixture, "DELETE FROM mapping WHERE lUID = 2")
        try change(fixture, "local") { try $0.store(in: "INBOX", uids: SequenceSet([3]), flags: [Flag("\\Flagged")], .add) }
        try change(fixture, "remote") { try $0.expunge(in: "INBOX", uids: SequenceSet([1])) }
        try sql(fixture, "UPDATE local SET HIGHESTMODSEQ = HIGHESTMODSEQ + 100; UPDATE remote SET HIGHESTMODSEQ = HIGHESTMODSEQ + 100")
        let (reference, ours) = try fixture.run(["--repair"])
        XCTAssertEqual(ours.status, 0, ours.stderr)
        let warnings = { (outcome: SideBySide.Outcome) in
            outcome.lines.filter { $0.contains("WARNING: ") && !$0.contains("WARNING: Conflicting flag update") }
        }
        XCTAssertEqual(warnings(ours), warnings(reference), "ours:\n\(ours.stderr)\nreference:\n\(reference.stderr)")
        XCTAssertEqual(warnings(ours).count, 4, ours.stderr)
        XCTAssertTrue(ours.lines.contains("remote(INBOX): Updated flags (\\Flagged) for UID 3"), ours.stderr)
        XCTAssertTrue(reference.lines.contains("remote(INBOX): Updated flags (\\Flagged) for UID 3"), reference.stderr)
        XCTAssertEqual(ours.localMailboxes, reference.localMailboxes)
    }
}
