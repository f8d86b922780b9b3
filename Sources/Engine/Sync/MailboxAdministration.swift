/// `--delete` and `--rename` (interimap(1), COMMANDS): act on each target (the local server, the
/// remote server, the database, or those `--target` names) where the mailbox exists.
struct MailboxAdministration {
    let run: InterimapSynchronization
    let targets: Set<InterimapInvocation.Target>

    private var servers: [SyncServer] { [run.local, run.remote].compactMap { $0 } }

    /// Whether each server has a mailbox of that database name, asked with LIST on both at once.
    private func existence(_ name: [UInt8]) throws -> [SyncDatabase.Side: Bool] {
        var tags: [(SyncServer, String, String)] = []
        for server in servers {
            let wire = try server.naming.wireName(database: name)
            tags.append((server, wire, try server.send(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: wire)]))))
        }
        var result: [SyncDatabase.Side: Bool] = [:]
        for (server, wire, tag) in tags {
            var found = false
            let response = try server.session.waitForCompletion(of: tag) { event in
                if case .untagged(.list(let listing)) = event, listing.name.wireString == wire,
                   !listing.attributes.contains(.nonExistent) {
                    found = true
                } else {
                    try server.consume(event)
                }
            }
            _ = try server.session.check(response, command: "LIST")
            result[server.side] = found
        }
        return result
    }

    private func display(_ name: [UInt8]) -> String { MailboxNaming.display(name, delimiter: run.local?.naming.delimiter) }

    private func databaseName(_ commandLine: String) throws -> [UInt8] {
        guard let local = run.local else { return Array(commandLine.utf8) }
        do { return try local.naming.databaseName(commandLine: commandLine) } catch {
            throw SyncError.naming("\(commandLine): \(error)")
        }
    }

    /// `--delete MAILBOX...`: not recursive (RFC 3501 §6.3.4); children stay.
    func delete(_ mailboxes: [String]) throws {
        for mailbox in mailboxes {
            let name = try databaseName(mailbox)
            let exists = try existence(name)
            for server in servers where targets.contains(server.side == .local ? .local : .remote) && exists[server.side] == true {
                _ = try server.execute(.delete(MailboxName(wire: try server.naming.wireName(database: name))))
                run.log.info(server.name, "", "Deleted mailbox \(server.display(name))")
            }
            if targets.contains(.database), let record = try run.database.mailbox(named: name) {
                try run.database.write { try $0.deleteMailbox(record.index) }
                run.log.info("database", "", "Removed mailbox \(display(name))")
            }
        }
    }

    /// `--rename SOURCE DEST`: recursive (RFC 3501 §6.3.5); refused when DEST exists on a target.
    func rename(from source: String, to destination: String) throws {
        let from = try databaseName(source), to = try databaseName(destination)
        let destinationExists = try existence(to)
        for server in servers where targets.contains(server.side == .local ? .local : .remote) && destinationExists[server.side] == true {
            throw SyncError.destinationExists(target: server.name, mailbox: server.display(to), commandLineName: destination)
        }
        if targets.contains(.database), try run.database.mailbox(named: to) != nil {
            throw SyncError.destinationExists(target: "database", mailbox: display(to), commandLineName: destination)
        }
        let sourceExists = try existence(from)
        for server in servers where targets.contains(server.side == .local ? .local : .remote) && sourceExists[server.side] == true {
            _ = try server.execute(.rename(from: MailboxName(wire: try server.naming.wireName(database: from)),
                                           to: MailboxName(wire: try server.naming.wireName(database: to))))
            run.log.info(server.name, "", "Renamed mailbox \(server.display(from)) to \(server.display(to))")
        }
        if targets.contains(.database) {
            let renamed = try run.database.write { try $0.renameMailbox(from: from, to: to) }
            if renamed > 0 { run.log.info("database", "", "Renamed mailbox \(display(from)) to \(display(to))") }
        }
    }
}
