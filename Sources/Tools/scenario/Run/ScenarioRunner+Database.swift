import Engine
import Foundation

extension ScenarioRunner {
    /// A `database` step: the scenario changes the database between runs of the engine.
    func applyDatabaseChange(_ change: DatabaseChange) throws {
        let db = DatabaseInspector(path: workspace.databasePath(scenario))
        let naming = ScenarioMailboxNames(scenario: scenario)
        func index(_ mailbox: String) throws -> Int64 {
            let name = naming.databaseName(naming.components(ofLocalName: mailbox))
            guard let row = try db.mailboxes().first(where: { $0.name == name }) else {
                throw RunnerError("the database has no mailbox '\(mailbox)'")
            }
            return row.index
        }
        func serverMailbox(_ side: String, _ mailbox: String) throws -> MailboxSnapshot {
            guard let backend = backends[side] else { throw RunnerError("no server '\(side)'") }
            let name = naming.serverName(naming.components(ofLocalName: mailbox), side: side)
            guard let box = try backend.snapshot().mailbox(name) else { throw RunnerError("\(side) has no mailbox '\(name)'") }
            return box
        }
        switch change {
        case .sql(let sql):
            // Raw SQL on purpose: a scenario's `sql` step damages the database as a user or a
            // crash could, past anything the engine's own writes allow.
            try db.execute([(sql, [])])
        case let .forgetMapping(mailbox, names):
            let idx = try index(mailbox)
            let local = try serverMailbox("local", mailbox)
            var uids: [UInt32] = []
            for label in names {
                let found = labels.uids(of: label, in: local)
                guard !found.isEmpty else { throw RunnerError("no message '\(label)' in local \(mailbox)") }
                uids += found
            }
            try writeDatabase { t in for uid in uids { try t.removeMapping(mailbox: idx, localUID: uid) } }
        case let .map(mailbox, l, r):
            let idx = try index(mailbox)
            try writeDatabase { try $0.addMapping(mailbox: idx, localUID: l, remoteUID: r) }
        case let .catchUp(sideName, mailbox):
            let box = try serverMailbox(sideName, mailbox)
            let idx = try index(mailbox)
            guard let side = SyncDatabase.Side(rawValue: sideName),
                  let row = try db.mailboxes().first(where: { $0.index == idx }),
                  let recorded = side == .local ? row.local : row.remote else {
                throw RunnerError("the database has no \(sideName) state for '\(mailbox)'")
            }
            let state = SyncDatabase.MailboxState(uidValidity: UInt32(truncatingIfNeeded: recorded.uidValidity),
                                                  uidNext: box.uidNext, highestModSeq: box.highestModSeq)
            try writeDatabase { try $0.setState(side, mailbox: idx, state) }
        }
    }

    /// The engine's own writes to the mapping and state tables (SyncDatabase), one transaction.
    private func writeDatabase(_ body: (SyncDatabase.Transaction) throws -> Void) throws {
        let path = workspace.databasePath(scenario)
        guard FileManager.default.fileExists(atPath: path) else { throw RunnerError("there is no database \(path) yet") }
        do {
            try SyncDatabase(path: path).write(body)
        } catch {
            throw RunnerError("cannot change the database \(path): \(error)")
        }
    }
}
