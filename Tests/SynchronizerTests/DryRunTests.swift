@testable import Engine
import Foundation
import XCTest

/// `--dry-run` on two in-memory stores: the stores see no operation that changes them, the
/// database file stays as it was, every line of the run says it was not done, and a real run
/// afterwards does exactly what the dry run said.
final class DryRunTests: XCTestCase {
    /// Both sides changed since the last run: new messages, a flag change, an expunge, a new
    /// mailbox (subscribed) on the remote side.
    private func fixtureWithPendingChanges() throws -> SynchronizerFixture {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\nmessage \(i)\n") }
        try f.sync()
        f.local.deliver("INBOX", "Subject: new local\n\nnew\n", flags: [.flagged])
        f.local.changeFlags("INBOX", 1, [.seen])
        f.remote.expungeByOther("INBOX", 2)
        f.remote.deliver("INBOX", "Subject: new remote\n\nnew\n")
        f.remote.addMailbox("Work", subscribed: true)
        f.remote.deliver("Work", "Subject: work\n\nwork\n")
        return f
    }

    /// The log lines without what precedes the component (the log file's date).
    private func messages(_ lines: [String]) -> [String] {
        lines.map { line in
            for component in ["local", "remote", "database"] {
                if let range = line.range(of: component + "(") ?? line.range(of: component + ": ") {
                    return String(line[range.lowerBound...])
                }
            }
            return line
        }
    }

    private func databaseBytes(_ f: SynchronizerFixture) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: f.database.path))
    }

    func testADryRunChangesNothingAndALaterRunDoesWhatItSaid() throws {
        let f = try fixtureWithPendingChanges()
        let marks = (local: f.local.operations.count, remote: f.remote.operations.count)
        let before = try databaseBytes(f)
        let localMessages = f.local.messages("INBOX"), remoteMessages = f.remote.messages("INBOX")

        let dryLines = messages(try f.sync(dryRun: true))

        XCTAssertEqual(f.writes(local: marks.local, remote: marks.remote), [], "a dry run sends no change")
        XCTAssertEqual(try databaseBytes(f), before, "the database file is untouched")
        XCTAssertEqual(f.local.messages("INBOX"), localMessages)
        XCTAssertEqual(f.remote.messages("INBOX"), remoteMessages)
        XCTAssertNil(f.local.mailboxes[MemoryMailStore.name("Work")], "no mailbox created")
        XCTAssertEqual(try f.state("Work"), nil, "nothing recorded")
        XCTAssertFalse(dryLines.isEmpty)
        for line in dryLines {
            XCTAssertTrue(line.contains(": [dry-run] "), "every line says it was not done: \(line)")
        }
        for expected in ["local: [dry-run] Created mailbox Work", "local: [dry-run] Subscribe to Work",
                         "database: [dry-run] Created mailbox Work", "local(INBOX): [dry-run] Removed 1 UID(s) 2",
                         "remote(INBOX): [dry-run] Updated flags (\\Seen) for UID 1",
                         "remote(INBOX): [dry-run] Added 1 UID(s) 4 -> 5", "local(INBOX): [dry-run] Added 1 UID(s) 5 <- 4",
                         "local(Work): [dry-run] Added 1 UID(s) 1 <- 1"] {
            XCTAssertTrue(dryLines.contains(expected), "\(expected) in \(dryLines)")
        }

        let realLines = messages(try f.sync())
        XCTAssertEqual(realLines, dryLines.map { $0.replacingOccurrences(of: "[dry-run] ", with: "") },
                       "the real run does what the dry run said")
        try f.assertConverged()
    }

    func testADryRunOfRepairChangesNothingAndNamesTheRepairs() throws {
        let f = try SynchronizerFixture()
        f.local.addMailbox("INBOX"); f.remote.addMailbox("INBOX")
        for i in 1...3 { f.local.deliver("INBOX", "Subject: \(i)\n\nmessage \(i)\n") }
        try f.sync()
        let record = try XCTUnwrap(try f.state("INBOX"))
        try f.database.write { try $0.removeMapping(mailbox: record.index, localUID: 2) }
        let box = try XCTUnwrap(f.local.mailboxes[MemoryMailStore.name("INBOX")])
        box.messages[3] = nil
        let marks = (local: f.local.operations.count, remote: f.remote.operations.count)
        let before = try databaseBytes(f)

        let dryLines = messages(try f.sync(repair: true, dryRun: true))
        XCTAssertEqual(f.writes(local: marks.local, remote: marks.remote), [])
        XCTAssertEqual(try databaseBytes(f), before)
        XCTAssertTrue(dryLines.contains("local(INBOX): WARNING: [dry-run] UID 3 disappeared. Redownloading remote UID 3."), "\(dryLines)")
        XCTAssertTrue(dryLines.contains { $0.contains("[dry-run] No match for modified local UID 2. Redownloading.") }, "\(dryLines)")

        let realLines = messages(try f.sync(repair: true))
        XCTAssertEqual(realLines, dryLines.map { $0.replacingOccurrences(of: "[dry-run] ", with: "") })
    }

    func testADryRunOfDeleteAndRenameChangesNothing() throws {
        let f = try SynchronizerFixture()
        for store in [f.local, f.remote] { store.addMailbox("INBOX"); store.addMailbox("Old"); store.addMailbox("Gone") }
        try f.sync()
        let marks = (local: f.local.operations.count, remote: f.remote.operations.count)
        let before = try databaseBytes(f)
        let sink = try LogSink(threshold: .debug, logfile: f.logPath, standardError: nil)
        let configuration = try InterimapConfiguration(file: INIFile(text: "database = \(f.database.path)\n[local]\ntype = tunnel\ncommand = true\n[remote]\ntype = tunnel\ncommand = true\n", path: "config"),
                                                       environment: ConfigEnvironment(variables: ["HOME": f.directory.path]))
        let run = InterimapSynchronization(configuration: configuration, log: SyncLog(sink: sink, dryRun: true),
                                           database: try f.database.inMemoryCopy(),
                                           local: DryRunMailStore(f.local), remote: DryRunMailStore(f.remote))
        let lineCount = f.log.count
        try run.learnDelimiters()
        let administration = MailboxAdministration(run: run, targets: Set(InterimapInvocation.Target.allCases))
        try administration.delete(["Gone"])
        try administration.rename(from: "Old", to: "New")
        sink.close()
        let lines = messages(Array(f.log.dropFirst(lineCount)))
        XCTAssertEqual(lines, ["local: [dry-run] Deleted mailbox Gone", "remote: [dry-run] Deleted mailbox Gone",
                               "database: [dry-run] Removed mailbox Gone",
                               "local: [dry-run] Renamed mailbox Old to New", "remote: [dry-run] Renamed mailbox Old to New",
                               "database: [dry-run] Renamed mailbox Old to New"])
        XCTAssertEqual(f.writes(local: marks.local, remote: marks.remote), [])
        XCTAssertEqual(try databaseBytes(f), before)
        XCTAssertNotNil(try f.state("Gone"))
    }

    func testTheInMemoryCopyOfAMissingDatabaseCreatesNoFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dry-\(UUID().uuidString.prefix(8))")
        let path = directory.appendingPathComponent("sub/none.db").path
        let database = try SyncDatabase(inMemoryCopyOf: path)
        XCTAssertTrue(database.isNew, "a new schema, in memory")
        try database.write { _ = try $0.insertMailbox(name: Array("INBOX".utf8), subscribed: false) }
        XCTAssertEqual(try database.mailboxes().count, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path), "neither the file nor its directory")
    }
}
