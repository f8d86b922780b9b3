@testable import Engine
import Foundation
import XCTest

/// Two in-memory stores, a database on disk and a log: interimap's synchronization, run in-process.
final class SynchronizerFixture {
    let local = MemoryMailStore(side: .local, uidValidity: 1000)
    let remote = MemoryMailStore(side: .remote, uidValidity: 5000)
    let directory: URL
    private(set) var database: SyncDatabase
    var configurationText = ""

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("synchronizer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try SyncDatabase(path: directory.appendingPathComponent("db.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var logPath: String { directory.appendingPathComponent("log").path }

    /// The log lines written so far.
    var log: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Runs one synchronization (or `--repair`) and returns the log lines it wrote.
    @discardableResult
    /// With `dryRun`, the stores are wrapped as `--dry-run` wraps them and the run works on an
    /// in-memory copy of the database.
    func sync(repair: Bool = false, mailboxes: [String] = [], dryRun: Bool = false) throws -> [String] {
        let before = log.count
        let text = "database = \(database.path)\n\(configurationText)\n[local]\ntype = tunnel\ncommand = true\n[remote]\ntype = tunnel\ncommand = true\n"
        let configuration = try InterimapConfiguration(file: INIFile(text: text, path: "config"),
                                                       environment: ConfigEnvironment(variables: ["HOME": directory.path]))
        let sink = try LogSink(threshold: .debug, logfile: logPath, standardError: nil)
        defer { sink.close() }
        let run = dryRun
            ? InterimapSynchronization(configuration: configuration, log: SyncLog(sink: sink, dryRun: true),
                                       database: try database.inMemoryCopy(), local: DryRunMailStore(local), remote: DryRunMailStore(remote))
            : InterimapSynchronization(configuration: configuration, log: SyncLog(sink: sink), database: database,
                                       local: local, remote: remote)
        try run.synchronize(repair: repair, mailboxes: mailboxes)
        return Array(log.dropFirst(before))
    }

    /// Both stores hold the same messages (bytes and flags) in every mailbox, and the database
    /// maps each local message to the remote one with the same bytes.
    func assertConverged(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(local.mailboxes.keys), Set(remote.mailboxes.keys), "mailboxes", file: file, line: line)
        for (name, _) in local.mailboxes {
            let text = MailboxNaming.display(name, delimiter: "/")
            let l = local.messages(text), r = remote.messages(text)
            XCTAssertEqual(l.map(\.body).sorted(by: { $0.lexicographicallyPrecedes($1) }),
                           r.map(\.body).sorted(by: { $0.lexicographicallyPrecedes($1) }), "bytes in \(text)", file: file, line: line)
            guard let record = try database.mailbox(named: name) else { XCTFail("\(text) not in the database", file: file, line: line); continue }
            var mapped = 0
            try database.forEachMapping(mailbox: record.index) { lUID, rUID in
                mapped += 1
                let lm = l.first { $0.uid == lUID }, rm = r.first { $0.uid == rUID }
                XCTAssertNotNil(lm, "\(text): mapped local UID \(lUID) exists", file: file, line: line)
                XCTAssertNotNil(rm, "\(text): mapped remote UID \(rUID) exists", file: file, line: line)
                XCTAssertEqual(lm?.body, rm?.body, "\(text): (\(lUID),\(rUID)) same bytes", file: file, line: line)
                XCTAssertEqual(lm.map { Set($0.flags) }, rm.map { Set($0.flags) }, "\(text): (\(lUID),\(rUID)) same flags", file: file, line: line)
            }
            XCTAssertEqual(mapped, l.count, "\(text): every message mapped", file: file, line: line)
        }
    }

    /// The mapping rows of a mailbox, local UID to remote UID.
    func mapping(_ mailbox: String) throws -> [UInt32: UInt32] {
        guard let record = try database.mailbox(named: MemoryMailStore.name(mailbox)) else { return [:] }
        var result: [UInt32: UInt32] = [:]
        try database.forEachMapping(mailbox: record.index) { result[$0] = $1 }
        return result
    }

    func state(_ mailbox: String) throws -> SyncDatabase.MailboxRecord? {
        try database.mailbox(named: MemoryMailStore.name(mailbox))
    }

    /// Operations of both stores that change a mailbox, since `mark`.
    func writes(local lMark: Int = 0, remote rMark: Int = 0) -> [String] {
        let isWrite = { (op: String) in ["append", "setFlags", "markDeleted", "expunge", "create", "delete", "rename", "subscribe"].contains { op.hasPrefix($0) } }
        return local.operations.dropFirst(lMark).filter(isWrite).map { "local " + $0 } + remote.operations.dropFirst(rMark).filter(isWrite).map { "remote " + $0 }
    }
}
