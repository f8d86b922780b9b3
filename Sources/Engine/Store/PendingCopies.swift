import Foundation
import GRDB

/// Copies in flight: one row per message about to be APPENDed, written before the APPEND can
/// complete and removed in the transaction that records the message's mapping. A run killed in
/// between leaves the row, so the next run knows that an unmapped message on the destination
/// with that size, date and digest is its own copy: it maps it if the original still exists and
/// expunges it if the original was expunged meanwhile (otherwise it would be taken for a new
/// message and copied back, bringing the expunged message back).
///
/// The table is ours alone, beside the reference's schema: the reference ignores it (it reads
/// and writes only `mailboxes`, `local`, `remote` and `mapping`), and it references no other
/// table so that the reference's deletions never trip over it. Mailbox indexes are never reused
/// (`AUTOINCREMENT`), so rows left for a mailbox the reference deleted name no other mailbox.
extension SyncDatabase {
    static let pendingCopySchema = """
        CREATE TABLE IF NOT EXISTS pending_copy (idx INTEGER NOT NULL, destination TEXT NOT NULL CHECK (destination IN ('local','remote')), \
        sourceUID UNSIGNED INT NOT NULL CHECK (sourceUID > 0), size UNSIGNED BIGINT NOT NULL, date INTEGER, digest BLOB NOT NULL, \
        PRIMARY KEY (idx, destination, sourceUID))
        """

    /// A message being copied to `destination`: what the copy will look like there.
    public struct PendingCopy: Sendable, Equatable {
        public var destination: Side
        public var sourceUID: UInt32
        /// Its size in octets (RFC822.SIZE of the copy).
        public var size: UInt64
        /// Its internal date in seconds since the epoch, nil when the source gave none (the
        /// destination then chose one).
        public var date: Int64?
        /// SHA-256 of its bytes.
        public var digest: [UInt8]

        public init(destination: Side, sourceUID: UInt32, size: UInt64, date: Int64?, digest: [UInt8]) {
            self.destination = destination; self.sourceUID = sourceUID; self.size = size; self.date = date; self.digest = digest
        }
    }

    /// The copies of a mailbox an interrupted run left in flight, by source UID.
    public func pendingCopies(mailbox: Int64) throws -> [PendingCopy] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT destination, sourceUID, size, date, digest FROM pending_copy WHERE idx = ? ORDER BY destination, sourceUID",
                             arguments: [mailbox]).compactMap { row in
                let destination: String = row[0] ?? ""
                guard let side = Side(rawValue: destination) else { return nil }
                let uid: Int64 = row[1] ?? 0, size: Int64 = row[2] ?? 0
                let digest: Data = row[4] ?? Data()
                return PendingCopy(destination: side, sourceUID: UInt32(truncatingIfNeeded: uid), size: UInt64(bitPattern: size),
                                   date: row[3], digest: Array(digest))
            }
        }
    }
}

extension SyncDatabase.Transaction {
    public func addPendingCopy(mailbox: Int64, _ copy: SyncDatabase.PendingCopy) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO pending_copy (idx, destination, sourceUID, size, date, digest) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [mailbox, copy.destination.rawValue, Int64(copy.sourceUID), Int64(bitPattern: copy.size), copy.date, Data(copy.digest)])
    }

    /// The copy of `sourceUID` to `destination` is mapped (or known lost): forget it.
    public func removePendingCopy(mailbox: Int64, destination: SyncDatabase.Side, sourceUID: UInt32) throws {
        try db.execute(sql: "DELETE FROM pending_copy WHERE idx = ? AND destination = ? AND sourceUID = ?",
                       arguments: [mailbox, destination.rawValue, Int64(sourceUID)])
    }

    public func removePendingCopies(mailbox: Int64) throws {
        try db.execute(sql: "DELETE FROM pending_copy WHERE idx = ?", arguments: [mailbox])
    }
}
