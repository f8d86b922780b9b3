import Foundation
import GRDB
import XCTest
@testable import Engine

final class SyncDatabaseTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("syncdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testNewDatabaseHasTheReferenceSchema() throws {
        let path = dir.appendingPathComponent("sub/dir/db.sqlite").path
        do {
            let db = try SyncDatabase(path: path)
            XCTAssertTrue(db.isNew)
        }
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "PRAGMA user_version"), 1)
            let sql = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', 'pending_copy') ORDER BY rowid")
            XCTAssertEqual(sql, SyncDatabase.schema)
        }
        let reopened = try SyncDatabase(path: path)
        XCTAssertFalse(reopened.isNew)
    }

    func testPendingCopiesAreKeptUntilRemovedAndGoWithTheirMailbox() throws {
        let db = try SyncDatabase(path: dir.appendingPathComponent("db").path)
        let copy = SyncDatabase.PendingCopy(destination: .remote, sourceUID: 7, size: 1234, date: 1_700_000_000, digest: [1, 2, 3])
        let idx = try db.write { tx -> Int64 in
            let idx = try tx.insertMailbox(name: Array("INBOX".utf8), subscribed: false)
            try tx.addPendingCopy(mailbox: idx, copy)
            try tx.addPendingCopy(mailbox: idx, .init(destination: .local, sourceUID: 3, size: 10, date: nil, digest: [9]))
            return idx
        }
        XCTAssertEqual(try db.pendingCopies(mailbox: idx).map(\.sourceUID), [3, 7])
        XCTAssertEqual(try db.pendingCopies(mailbox: idx).last, copy)
        try db.write { try $0.removePendingCopy(mailbox: idx, destination: .remote, sourceUID: 7) }
        XCTAssertEqual(try db.pendingCopies(mailbox: idx).map(\.sourceUID), [3])
        try db.write { try $0.deleteMailbox(idx) }
        XCTAssertEqual(try db.pendingCopies(mailbox: idx), [])
    }

    func testMailboxStatesAndMapping() throws {
        let db = try SyncDatabase(path: dir.appendingPathComponent("db").path)
        let name: [UInt8] = Array("foo".utf8) + [0] + Array("bar".utf8)
        let idx = try db.write { tx -> Int64 in
            let idx = try tx.insertMailbox(name: name, subscribed: true)
            try tx.setState(.local, mailbox: idx, .init(uidValidity: 7, uidNext: 3, highestModSeq: 1 << 40))
            try tx.setState(.remote, mailbox: idx, .init(uidValidity: 9, uidNext: 5, highestModSeq: 2))
            try tx.addMapping(mailbox: idx, localUID: 1, remoteUID: 4)
            try tx.addMapping(mailbox: idx, localUID: 2, remoteUID: 3)
            return idx
        }
        let record = try XCTUnwrap(try db.mailbox(named: name))
        XCTAssertEqual(record.index, idx)
        XCTAssertTrue(record.subscribed)
        XCTAssertEqual(record.local, .init(uidValidity: 7, uidNext: 3, highestModSeq: 1 << 40))
        XCTAssertEqual(record.remote?.uidNext, 5)
        XCTAssertEqual(try db.remoteUID(mailbox: idx, localUID: 2), 3)
        XCTAssertEqual(try db.localUID(mailbox: idx, remoteUID: 4), 1)
        XCTAssertNil(try db.localUID(mailbox: idx, remoteUID: 99))
        var pairs: [[UInt32]] = []
        try db.forEachMapping(mailbox: idx) { pairs.append([$0, $1]) }
        XCTAssertEqual(pairs, [[1, 4], [2, 3]])
        // A remote UID maps to one local UID only: the UNIQUE (idx, rUID) constraint holds.
        XCTAssertThrowsError(try db.write { try $0.addMapping(mailbox: idx, localUID: 9, remoteUID: 3) })
        try db.write { try $0.removeMapping(mailbox: idx, remoteUID: 3) }
        XCTAssertNil(try db.remoteUID(mailbox: idx, localUID: 2))
    }

    func testFailedTransactionLeavesNothing() throws {
        let db = try SyncDatabase(path: dir.appendingPathComponent("db").path)
        struct Boom: Error {}
        XCTAssertThrowsError(try db.write { tx in
            _ = try tx.insertMailbox(name: Array("INBOX".utf8), subscribed: false)
            throw Boom()
        })
        XCTAssertEqual(try db.mailboxes().count, 0)
    }

    func testRenameIsRecursiveAndExact() throws {
        let db = try SyncDatabase(path: dir.appendingPathComponent("db").path)
        func n(_ s: String) -> [UInt8] { s.split(separator: "/", omittingEmptySubsequences: false).map { Array($0.utf8) }.joined(separator: [0]).map { $0 } }
        try db.write { tx in
            for name in ["a", "a/b", "a/b/c", "ab", "x"] { _ = try tx.insertMailbox(name: n(name), subscribed: false) }
        }
        XCTAssertEqual(try db.write { try $0.renameMailbox(from: n("a"), to: n("z/y")) }, 3)
        let names = Set(try db.mailboxes().map { String(decoding: $0.name.map { $0 == 0 ? UInt8(ascii: "/") : $0 }, as: UTF8.self) })
        XCTAssertEqual(names, ["z/y", "z/y/b", "z/y/b/c", "ab", "x"])
    }

    func testSecondInstanceFailsAtOnce() throws {
        let path = dir.appendingPathComponent("db").path
        let first = try SyncDatabase(path: path)
        let start = Date()
        XCTAssertThrowsError(try SyncDatabase(path: path)) { error in
            guard case SyncDatabase.Failure.locked = error else { return XCTFail("\(error)") }
            XCTAssertTrue(String(describing: error).contains("locked"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        _ = first
    }

    func testUnknownSchemaVersionIsRefused() throws {
        let path = dir.appendingPathComponent("db").path
        let raw = try DatabaseQueue(path: path)
        try raw.write { try $0.execute(sql: "PRAGMA user_version = 7") }
        XCTAssertThrowsError(try SyncDatabase(path: path)) { error in
            XCTAssertTrue(String(describing: error).contains("schema version 7"), "\(error)")
        }
    }
}
