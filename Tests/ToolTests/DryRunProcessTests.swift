import Engine
import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// `interimap --dry-run` as a user runs it, on two fake-imapd stores: the state files of both
/// servers and the database are byte-identical before and after, the log names every change it
/// would make (each line marked `[dry-run]`), and a real run afterwards makes exactly those.
final class DryRunProcessTests: XCTestCase {
    private var pair: FakeServerPair!

    override func setUpWithError() throws {
        pair = try FakeServerPair { local, _ in
            for i in 1...3 { try local.append(to: "INBOX", "From: a@example.org\r\nSubject: \(i)\r\n\r\nbody \(i)\r\n") }
        }
    }

    override func tearDown() { pair = nil }

    private var databasePath: String { pair.databasePath }
    private func change(_ side: String, _ body: (FakeIMAPStore) throws -> Void) throws { try pair.change(side, body) }
    private func interimap(_ arguments: [String]) throws -> ToolRun { try pair.interimap(arguments) }
    private func files() -> [String: Data?] { pair.files() }

    private func lines(_ run: ToolRun) -> [String] {
        run.stderr.split(separator: "\n").map(String.init).filter { !$0.contains("IMAP traffic (bytes)") }
    }

    func testAFirstDryRunCreatesNoDatabaseAndCopiesNothing() throws {
        let before = files()
        let run = try interimap(["--dry-run"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(files(), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pair.dir.appendingPathComponent("data").path), "not even the database's directory")
        XCTAssertEqual(lines(run), ["[dry-run] Creating new schema in database file \(databasePath)",
                                    "database: [dry-run] Created mailbox INBOX",
                                    "remote(INBOX): [dry-run] Added 3 UID(s) 1:3 -> 1:3"])
        XCTAssertTrue(run.stderr.contains("remote: IMAP traffic (bytes): "), "the traffic lines are facts, not marked")
        let real = try interimap([])
        XCTAssertEqual(real.status, 0, real.stderr)
        XCTAssertEqual(lines(real), lines(run).map { $0.replacingOccurrences(of: "[dry-run] ", with: "") })
    }

    func testADryRunWithChangesOnBothSidesChangesNeitherStoreNorTheDatabase() throws {
        XCTAssertEqual(try interimap([]).status, 0)
        try change("local") { store in
            try store.append(to: "INBOX", "From: a@example.org\r\nSubject: new local\r\n\r\nnew\r\n", flags: [Flag("\\Flagged")])
            try store.store(in: "INBOX", uids: SequenceSet([1]), flags: [Flag("\\Seen")], .add)
        }
        try change("remote") { store in
            try store.expunge(in: "INBOX", uids: SequenceSet([2]))
            _ = try store.createMailbox("Work.Reports")
            store.subscribe("Work.Reports")
            try store.append(to: "Work.Reports", "From: b@example.org\r\nSubject: report\r\n\r\nq3\r\n")
        }
        let before = files()
        let dry = try interimap(["--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertEqual(files(), before, "both state files and the database are byte-identical")
        for expected in ["local: [dry-run] Created mailbox Work/Reports", "local: [dry-run] Subscribe to Work/Reports",
                         "database: [dry-run] Created mailbox Work/Reports",
                         "local(INBOX): [dry-run] Removed 1 UID(s) 2", "remote(INBOX): [dry-run] Updated flags (\\Seen) for UID 1",
                         "remote(INBOX): [dry-run] Added 1 UID(s) 4 -> 4", "local(Work/Reports): [dry-run] Added 1 UID(s) 1 <- 1"] {
            XCTAssertTrue(lines(dry).contains(expected), "\(expected) in\n\(dry.stderr)")
        }
        XCTAssertTrue(lines(dry).allSatisfy { $0.contains("[dry-run] ") }, dry.stderr)

        let real = try interimap([])
        XCTAssertEqual(real.status, 0, real.stderr)
        XCTAssertEqual(lines(real), lines(dry).map { $0.replacingOccurrences(of: "[dry-run] ", with: "") },
                       "the real run does what the dry run said")
    }

    func testDryRunsOfRepairDeleteAndRenameChangeNothing() throws {
        try change("local") { _ = try $0.createMailbox("Old"); _ = try $0.createMailbox("Gone") }
        XCTAssertEqual(try interimap([]).status, 0)
        // A missed flag update for --repair to find: the database is told nothing of it.
        try change("remote") { try $0.store(in: "INBOX", uids: SequenceSet([3]), flags: [Flag("\\Answered")], .add) }
        let before = files()
        let repair = try interimap(["--dry-run", "--repair"])
        XCTAssertEqual(repair.status, 0, repair.stderr)
        XCTAssertTrue(lines(repair).contains("local(INBOX): [dry-run] Updated flags (\\Answered) for UID 3"), repair.stderr)
        let delete = try interimap(["--dry-run", "--delete", "Gone"])
        XCTAssertEqual(delete.status, 0, delete.stderr)
        XCTAssertEqual(lines(delete), ["local: [dry-run] Deleted mailbox Gone", "remote: [dry-run] Deleted mailbox Gone",
                                       "database: [dry-run] Removed mailbox Gone"])
        let rename = try interimap(["--dry-run", "--rename", "Old", "New"])
        XCTAssertEqual(rename.status, 0, rename.stderr)
        XCTAssertEqual(lines(rename), ["local: [dry-run] Renamed mailbox Old to New", "remote: [dry-run] Renamed mailbox Old to New",
                                       "database: [dry-run] Renamed mailbox Old to New"])
        XCTAssertEqual(files(), before)
    }

    func testDryRunIsOnePassOnly() throws {
        for arguments in [["--dry-run", "--watch"], ["--dry-run", "--notify"]] {
            let run = try interimap(arguments)
            XCTAssertEqual(run.status, 64, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("--dry-run cannot be combined with"), run.stderr)
        }
    }
}
