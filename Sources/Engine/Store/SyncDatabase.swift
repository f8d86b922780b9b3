import Foundation
import GRDB

/// The interimap database: which mailboxes are known, each side's last clean state
/// (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) and the local ↔ remote UID mapping (interimap(1),
/// DESCRIPTION and `database`).
///
/// The schema is the reference implementation's, byte for byte, so both programs can take turns
/// on one file: `mailboxes(idx, mailbox BLOB UNIQUE, subscribed)`, `local`/`remote(idx,
/// UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ)`, `mapping(idx, lUID, rUID)`, `PRAGMA user_version = 1`.
/// Mailbox names are stored with the hierarchy delimiter replaced by a NUL byte.
///
/// The file is locked exclusively for the whole run (SQLite's exclusive locking mode), so a second
/// instance fails at once instead of interleaving with this one.
public final class SyncDatabase: @unchecked Sendable {
    // `queue` serialises every access; GRDB's DatabaseQueue is itself thread-safe.
    private let queue: DatabaseQueue
    public let path: String
    /// Whether the schema was created by this open (a new database).
    public let isNew: Bool

    public enum Side: String, Sendable, CaseIterable { case local, remote }

    /// One side's state of a mailbox as last synchronized.
    public struct MailboxState: Sendable, Equatable {
        public var uidValidity: UInt32
        public var uidNext: UInt32
        public var highestModSeq: UInt64
        public init(uidValidity: UInt32, uidNext: UInt32, highestModSeq: UInt64) {
            self.uidValidity = uidValidity; self.uidNext = uidNext; self.highestModSeq = highestModSeq
        }
    }

    /// A row of `mailboxes` with both sides' states.
    public struct MailboxRecord: Sendable, Equatable {
        public var index: Int64
        /// The name with NUL as hierarchy delimiter.
        public var name: [UInt8]
        public var subscribed: Bool
        public var local: MailboxState?
        public var remote: MailboxState?
    }

    public enum Failure: Error, CustomStringConvertible, ExitStatusProviding {
        case locked(String)
        case unsupportedVersion(path: String, version: Int)
        case corrupt(path: String, message: String)
        case io(path: String, message: String)

        public var description: String {
            switch self {
            case .locked(let p): return "database \(p) is locked: is another interimap running on it?"
            case let .unsupportedVersion(p, v): return "database \(p) has schema version \(v), this interimap knows version 1 only"
            case let .corrupt(p, m): return "database \(p): \(m)"
            case let .io(p, m): return "database \(p): \(m)"
            }
        }
        public var exitStatus: ExitStatus {
            switch self {
            case .locked: return .temporaryFailure
            case .unsupportedVersion, .corrupt: return .dataError
            case .io: return .cannotCreate
            }
        }
    }

    static let schema = [
        "CREATE TABLE mailboxes (idx        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, mailbox    BLOB COLLATE BINARY NOT NULL CHECK (mailbox != '') UNIQUE, subscribed BOOLEAN NOT NULL)",
        "CREATE TABLE local (idx           INTEGER         NOT NULL PRIMARY KEY REFERENCES mailboxes(idx), UIDVALIDITY   UNSIGNED INT    NOT NULL CHECK (UIDVALIDITY > 0), UIDNEXT       UNSIGNED INT    NOT NULL, HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL)",
        "CREATE TABLE remote (idx           INTEGER         NOT NULL PRIMARY KEY REFERENCES mailboxes(idx), UIDVALIDITY   UNSIGNED INT    NOT NULL CHECK (UIDVALIDITY > 0), UIDNEXT       UNSIGNED INT    NOT NULL, HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL)",
        "CREATE TABLE mapping (idx  INTEGER      NOT NULL REFERENCES mailboxes(idx), lUID UNSIGNED INT NOT NULL CHECK (lUID > 0), rUID UNSIGNED INT NOT NULL CHECK (rUID > 0), PRIMARY KEY (idx,lUID), UNIQUE      (idx,rUID))",
    ]

    /// Opens (creating if needed, with its parent directory) and locks the database.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw Failure.io(path: path, message: "cannot create directory \(dir): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .immediateError
        config.foreignKeysEnabled = true
        config.label = "interimap"
        config.prepareDatabase { db in
            // Hold the lock from the first transaction until close (https://sqlite.org/pragma.html#pragma_locking_mode).
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw Self.translate(error, path: path)
        }
        self.queue = queue
        isNew = try Self.prepareSchema(queue, path: path)
    }

    /// `--dry-run`: a copy in memory of the database at `path`, which is only read (SQLite's
    /// backup API, https://sqlite.org/backup.html), or a new empty one in memory when there is no
    /// file: the run works on the copy, and nothing is written to disk, not even a new file or
    /// its directory. A database that another interimap holds locked is refused as usual.
    public convenience init(inMemoryCopyOf path: String) throws {
        var source: DatabaseQueue?
        do {
            if FileManager.default.fileExists(atPath: path) {
                var config = Configuration()
                config.readonly = true
                config.busyMode = .immediateError
                source = try DatabaseQueue(path: path, configuration: config)
            }
        } catch {
            throw Self.translate(error, path: path)
        }
        try self.init(copying: source, path: path)
        try source?.close()
    }

    /// A copy in memory of this database as it is now (for a run that must not change it).
    public func inMemoryCopy() throws -> SyncDatabase {
        try SyncDatabase(copying: queue, path: path)
    }

    private init(copying source: DatabaseQueue?, path: String) throws {
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.label = "interimap"
        do {
            queue = try DatabaseQueue(configuration: config)
            try source?.backup(to: queue)
        } catch {
            throw Self.translate(error, path: path)
        }
        isNew = try Self.prepareSchema(queue, path: path)
    }

    /// Checks the schema, or creates it in an empty database; true when it was created.
    private static func prepareSchema(_ queue: DatabaseQueue, path: String) throws -> Bool {
        var created = false
        do {
            try queue.writeWithoutTransaction { db in
                // BEGIN EXCLUSIVE takes the file lock now, before any network traffic.
                try db.execute(sql: "BEGIN EXCLUSIVE")
                do {
                    let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('mailboxes','local','remote','mapping')") ?? 0
                    if version == 0 && tables == 0 {
                        for statement in Self.schema { try db.execute(sql: statement) }
                        try db.execute(sql: "PRAGMA user_version = 1")
                        created = true
                    } else if version != 1 {
                        throw Failure.unsupportedVersion(path: path, version: version)
                    } else if tables != 4 {
                        throw Failure.corrupt(path: path, message: "missing tables (found \(tables) of mailboxes, local, remote, mapping)")
                    }
                    // Our own table, added to a database the reference created too.
                    try db.execute(sql: Self.pendingCopySchema)
                    try db.execute(sql: "COMMIT")
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Self.translate(error, path: path)
        }
        return created
    }

    static func translate(_ error: Error, path: String) -> Failure {
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path)
            case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_IOERR: return .io(path: path, message: e.message ?? "\(e.resultCode)")
            default: return .corrupt(path: path, message: e.message ?? "\(e.resultCode)")
            }
        }
        return .corrupt(path: path, message: String(describing: error))
    }

    // MARK: Reading

    public func mailboxes() throws -> [MailboxRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.idx, m.mailbox, m.subscribed,
                       l.UIDVALIDITY, l.UIDNEXT, l.HIGHESTMODSEQ, r.UIDVALIDITY, r.UIDNEXT, r.HIGHESTMODSEQ
                FROM mailboxes m LEFT JOIN local l ON l.idx = m.idx LEFT JOIN remote r ON r.idx = m.idx
                ORDER BY m.idx
                """).map(Self.record)
        }
    }

    public func mailbox(named name: [UInt8]) throws -> MailboxRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT m.idx, m.mailbox, m.subscribed,
                       l.UIDVALIDITY, l.UIDNEXT, l.HIGHESTMODSEQ, r.UIDVALIDITY, r.UIDNEXT, r.HIGHESTMODSEQ
                FROM mailboxes m LEFT JOIN local l ON l.idx = m.idx LEFT JOIN remote r ON r.idx = m.idx
                WHERE m.mailbox = ?
                """, arguments: [Data(name)]).map(Self.record)
        }
    }

    private static func record(_ row: Row) -> MailboxRecord {
        func state(_ base: Int) -> MailboxState? {
            guard let v: Int64 = row[base], let n: Int64 = row[base + 1], let h: Int64 = row[base + 2] else { return nil }
            return MailboxState(uidValidity: UInt32(truncatingIfNeeded: v), uidNext: UInt32(truncatingIfNeeded: n),
                                highestModSeq: UInt64(bitPattern: h))
        }
        let data: Data = row[1] ?? Data()
        let subscribed: Int64 = row[2] ?? 0
        return MailboxRecord(index: row[0] ?? 0, name: Array(data), subscribed: subscribed != 0,
                             local: state(3), remote: state(6))
    }

    /// The remote UID mapped to a local one, or the other way round.
    public func remoteUID(mailbox: Int64, localUID: UInt32) throws -> UInt32? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT rUID FROM mapping WHERE idx = ? AND lUID = ?", arguments: [mailbox, Int64(localUID)]) }
            .map { UInt32(truncatingIfNeeded: $0) }
    }

    public func localUID(mailbox: Int64, remoteUID: UInt32) throws -> UInt32? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT lUID FROM mapping WHERE idx = ? AND rUID = ?", arguments: [mailbox, Int64(remoteUID)]) }
            .map { UInt32(truncatingIfNeeded: $0) }
    }

    /// The UIDs of one side at or above `from` that are mapped (an index range scan).
    public func mappedUIDs(mailbox: Int64, side: Side, from: UInt32) throws -> SequenceSet {
        let column = side == .local ? "lUID" : "rUID"
        return try read { db in
            var set = SequenceSet()
            let cursor = try Int64.fetchCursor(db, sql: "SELECT \(column) FROM mapping WHERE idx = ? AND \(column) >= ? ORDER BY \(column)",
                                               arguments: [mailbox, Int64(from)])
            while let uid = try cursor.next() { set.insert(UInt32(truncatingIfNeeded: uid)) }
            return set
        }
    }

    /// How many messages of a mailbox are mapped (an index count).
    public func mappingCount(mailbox: Int64) throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM mapping WHERE idx = ?", arguments: [mailbox]) ?? 0 }
    }

    /// The mapped pairs whose local UID is in `uids`: one index range scan per range of the set,
    /// so the work follows the set's ranges and the mapping, never the numbers in the set.
    public func mappings(mailbox: Int64, localUIDs uids: SequenceSet) throws -> [(UInt32, UInt32)] {
        try mappings(mailbox: mailbox, column: "lUID", uids)
    }

    /// The mapped pairs whose remote UID is in `uids` (see ``mappings(mailbox:localUIDs:)``).
    public func mappings(mailbox: Int64, remoteUIDs uids: SequenceSet) throws -> [(UInt32, UInt32)] {
        try mappings(mailbox: mailbox, column: "rUID", uids)
    }

    private func mappings(mailbox: Int64, column: String, _ uids: SequenceSet) throws -> [(UInt32, UInt32)] {
        guard !uids.isEmpty else { return [] }
        return try read { db in
            var pairs: [(UInt32, UInt32)] = []
            let statement = try db.cachedStatement(sql: "SELECT lUID, rUID FROM mapping WHERE idx = ? AND \(column) BETWEEN ? AND ? ORDER BY \(column)")
            for range in uids.ranges {
                let cursor = try Row.fetchCursor(statement, arguments: [mailbox, Int64(range.lowerBound), Int64(range.upperBound)])
                while let row = try cursor.next() {
                    let l: Int64 = row[0] ?? 0, r: Int64 = row[1] ?? 0
                    pairs.append((UInt32(truncatingIfNeeded: l), UInt32(truncatingIfNeeded: r)))
                }
            }
            return pairs
        }
    }

    /// Visits the mapping of a mailbox in local UID order with a cursor, never the whole list at
    /// once; with bounds, only the pairs whose local UID is at least `localFrom` or whose remote
    /// UID is at least `remoteFrom` (the messages an interrupted run copied).
    public func forEachMapping(mailbox: Int64, localFrom: UInt32 = 1, remoteFrom: UInt32 = 1,
                               _ body: (_ localUID: UInt32, _ remoteUID: UInt32) throws -> Void) throws {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT lUID, rUID FROM mapping WHERE idx = ? AND (lUID >= ? OR rUID >= ?) ORDER BY lUID",
                                             arguments: [mailbox, Int64(localFrom), Int64(remoteFrom)])
            while let row = try cursor.next() {
                let l: Int64 = row[0] ?? 0, r: Int64 = row[1] ?? 0
                try body(UInt32(truncatingIfNeeded: l), UInt32(truncatingIfNeeded: r))
            }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch let f as Failure { throw f } catch { throw Self.translate(error, path: path) }
    }

    // MARK: Writing

    /// Runs `body` in one transaction: a crash leaves either all of its changes or none.
    public func write<T>(_ body: (Transaction) throws -> T) throws -> T {
        do {
            return try queue.write { db in try body(Transaction(db: db)) }
        } catch let f as Failure { throw f } catch { throw Self.translate(error, path: path) }
    }

    /// The changes one step of a synchronization makes, applied atomically.
    public struct Transaction {
        let db: Database

        @discardableResult
        public func insertMailbox(name: [UInt8], subscribed: Bool) throws -> Int64 {
            try db.execute(sql: "INSERT INTO mailboxes (mailbox, subscribed) VALUES (?, ?)", arguments: [Data(name), subscribed ? 1 : 0])
            return db.lastInsertedRowID
        }

        public func setSubscribed(mailbox: Int64, _ subscribed: Bool) throws {
            try db.execute(sql: "UPDATE mailboxes SET subscribed = ? WHERE idx = ?", arguments: [subscribed ? 1 : 0, mailbox])
        }

        public func setState(_ side: Side, mailbox: Int64, _ state: MailboxState) throws {
            try db.execute(sql: "INSERT OR REPLACE INTO \(side.rawValue) (idx, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ) VALUES (?, ?, ?, ?)",
                           arguments: [mailbox, Int64(state.uidValidity), Int64(state.uidNext), Int64(bitPattern: state.highestModSeq)])
        }

        public func addMapping(mailbox: Int64, localUID: UInt32, remoteUID: UInt32) throws {
            try db.execute(sql: "INSERT INTO mapping (idx, lUID, rUID) VALUES (?, ?, ?)",
                           arguments: [mailbox, Int64(localUID), Int64(remoteUID)])
        }

        public func removeMapping(mailbox: Int64, localUID: UInt32) throws {
            try db.execute(sql: "DELETE FROM mapping WHERE idx = ? AND lUID = ?", arguments: [mailbox, Int64(localUID)])
        }

        public func removeMapping(mailbox: Int64, remoteUID: UInt32) throws {
            try db.execute(sql: "DELETE FROM mapping WHERE idx = ? AND rUID = ?", arguments: [mailbox, Int64(remoteUID)])
        }

        /// Forgets a mailbox entirely (`--delete` with the database target).
        public func deleteMailbox(_ mailbox: Int64) throws {
            try forgetKnownFlags(mailbox: mailbox)
            for table in ["pending_copy", "mapping", "local", "remote", "mailboxes"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE idx = ?", arguments: [mailbox])
            }
        }

        /// Renames a mailbox and its descendants (`--rename`, recursive as RFC 3501 §6.3.5 RENAME is);
        /// names use NUL as the hierarchy delimiter. Returns the number of rows renamed.
        @discardableResult
        public func renameMailbox(from source: [UInt8], to destination: [UInt8]) throws -> Int {
            let rows = try Row.fetchAll(db, sql: "SELECT idx, mailbox FROM mailboxes")
            var count = 0
            for row in rows {
                let name: Data = row[1] ?? Data()
                let bytes = Array(name)
                let newName: [UInt8]
                if bytes == source {
                    newName = destination
                } else if bytes.count > source.count, bytes.starts(with: source), bytes[source.count] == 0 {
                    newName = destination + bytes[source.count...]
                } else {
                    continue
                }
                let idx: Int64 = row[0] ?? 0
                try db.execute(sql: "UPDATE mailboxes SET mailbox = ? WHERE idx = ?", arguments: [Data(newName), idx])
                count += 1
            }
            return count
        }
    }
}
