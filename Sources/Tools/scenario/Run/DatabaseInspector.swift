import Foundation
import GRDB

/// Reads (and, to create anomalies, changes) interimap's database after a run: the mailboxes,
/// each side's UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ and the UID mapping.
struct DatabaseInspector {
    struct SideState: Equatable {
        var uidValidity: UInt64
        var uidNext: UInt64
        var highestModSeq: UInt64
    }

    struct MailboxRow {
        var index: Int64
        var name: [UInt8]
        var subscribed: Bool
        var local: SideState?
        var remote: SideState?
        /// (lUID, rUID), sorted by lUID.
        var mapping: [(UInt32, UInt32)]
    }

    let path: String

    private func open(readOnly: Bool) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw RunnerError("the database \(path) does not exist") }
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(5)
        do { return try DatabaseQueue(path: path, configuration: config) } catch {
            throw RunnerError("cannot open the database \(path): \(error)")
        }
    }

    func mailboxes() throws -> [MailboxRow] {
        let queue = try open(readOnly: true)
        do {
            return try queue.read { db in
                var rows: [MailboxRow] = []
                for row in try Row.fetchAll(db, sql: "SELECT idx, mailbox, subscribed FROM mailboxes ORDER BY idx") {
                    let idx: Int64 = row["idx"]
                    let name: Data = row["mailbox"] ?? Data()
                    let subscribed: Bool = row["subscribed"] ?? false
                    func side(_ table: String) throws -> SideState? {
                        guard let r = try Row.fetchOne(db, sql: "SELECT UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ FROM \(table) WHERE idx = ?", arguments: [idx]) else { return nil }
                        let v: Int64 = r["UIDVALIDITY"], n: Int64 = r["UIDNEXT"], h: Int64 = r["HIGHESTMODSEQ"]
                        return SideState(uidValidity: UInt64(bitPattern: v), uidNext: UInt64(bitPattern: n), highestModSeq: UInt64(bitPattern: h))
                    }
                    var mapping: [(UInt32, UInt32)] = []
                    for m in try Row.fetchAll(db, sql: "SELECT lUID, rUID FROM mapping WHERE idx = ? ORDER BY lUID", arguments: [idx]) {
                        let l: Int64 = m["lUID"], r: Int64 = m["rUID"]
                        mapping.append((UInt32(truncatingIfNeeded: l), UInt32(truncatingIfNeeded: r)))
                    }
                    rows.append(MailboxRow(index: idx, name: [UInt8](name), subscribed: subscribed, local: try side("local"),
                                           remote: try side("remote"), mapping: mapping))
                }
                return rows
            }
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError("cannot read the database \(path): \(error)")
        }
    }

    /// Runs statements (SQL with integer arguments) in one transaction.
    func execute(_ statements: [(String, [Int64])]) throws {
        let queue = try open(readOnly: false)
        do {
            try queue.write { db in
                for (sql, arguments) in statements { try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
            }
        } catch {
            throw RunnerError("cannot change the database \(path): \(error)")
        }
    }
}

/// pullimap's statefile: 32-bit big-endian words (UIDVALIDITY, UIDNEXT, then UIDs being delivered).
enum StatefileReader {
    static func words(_ path: String) -> [UInt32]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        var out: [UInt32] = []
        var i = 0
        while i + 4 <= bytes.count {
            out.append(UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]))
            i += 4
        }
        return out
    }
}
