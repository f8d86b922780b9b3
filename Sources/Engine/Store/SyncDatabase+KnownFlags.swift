import Foundation
import GRDB

/// The flags each message had when its mailbox was last in sync, for a server that cannot say
/// what changed since (no CONDSTORE, RFC 7162): comparing them with the flags it has now tells
/// which side changed a message, as mbsync's state file does.
///
/// The table is this program's own, created the first time a server is synchronized at the plain
/// level, never for a pair of QRESYNC servers. The reference reads and writes only its own four
/// tables, and it references none of them, so the reference's deletions never trip over it.
extension SyncDatabase {
    static let knownFlagsTable = "known_flags"

    static let knownFlagsSchema = """
        CREATE TABLE IF NOT EXISTS known_flags (idx INTEGER NOT NULL, side TEXT NOT NULL CHECK (side IN ('local','remote')), \
        UID UNSIGNED INT NOT NULL CHECK (UID > 0), flags TEXT NOT NULL, PRIMARY KEY (idx, side, UID))
        """

    /// The remembered flags of one side of a mailbox, by UID (empty if none were ever recorded).
    public func knownFlags(mailbox: Int64, side: Side) throws -> [UInt32: [Flag]] {
        try read { db in
            guard try db.tableExists(Self.knownFlagsTable) else { return [:] }
            var result: [UInt32: [Flag]] = [:]
            let cursor = try Row.fetchCursor(db, sql: "SELECT UID, flags FROM known_flags WHERE idx = ? AND side = ?",
                                             arguments: [mailbox, side.rawValue])
            while let row = try cursor.next() {
                let uid: Int64 = row[0] ?? 0
                let text: String = row[1] ?? ""
                result[UInt32(truncatingIfNeeded: uid)] = Self.flags(text)
            }
            return result
        }
    }

    static func flags(_ text: String) -> [Flag] { text.split(separator: " ").map { Flag(String($0)) } }
}

extension SyncDatabase.Transaction {
    /// Records the flags of messages of one side; nil forgets a message (expunged).
    public func setKnownFlags(mailbox: Int64, side: SyncDatabase.Side, _ flags: [UInt32: [Flag]?]) throws {
        guard !flags.isEmpty else { return }
        try db.execute(sql: SyncDatabase.knownFlagsSchema)
        let replace = try db.cachedStatement(sql: "INSERT OR REPLACE INTO known_flags (idx, side, UID, flags) VALUES (?, ?, ?, ?)")
        let delete = try db.cachedStatement(sql: "DELETE FROM known_flags WHERE idx = ? AND side = ? AND UID = ?")
        for (uid, list) in flags {
            if let list {
                try replace.execute(arguments: [mailbox, side.rawValue, Int64(uid), list.map(\.rawValue).joined(separator: " ")])
            } else {
                try delete.execute(arguments: [mailbox, side.rawValue, Int64(uid)])
            }
        }
    }

    /// Forgets every remembered flag of a mailbox (deleted, or synchronized anew).
    public func forgetKnownFlags(mailbox: Int64) throws {
        guard try db.tableExists(SyncDatabase.knownFlagsTable) else { return }
        try db.execute(sql: "DELETE FROM known_flags WHERE idx = ?", arguments: [mailbox])
    }
}

extension SyncDatabase {
    /// The UIDs of one side that are mapped and in `uids`.
    public func mappings(mailbox: Int64, side: Side, in uids: SequenceSet) throws -> SequenceSet {
        let pairs = side == .local ? try mappings(mailbox: mailbox, localUIDs: uids) : try mappings(mailbox: mailbox, remoteUIDs: uids)
        return SequenceSet(pairs.map { side == .local ? $0.0 : $0.1 })
    }
}
