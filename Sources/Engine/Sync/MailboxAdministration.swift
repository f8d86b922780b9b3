/// `--delete` and `--rename` (interimap(1), COMMANDS): act on each target (the local server, the
/// remote server, the database, or those `--target` names) where the mailbox exists.
struct MailboxAdministration {
    let run: InterimapSynchronization
    let targets: Set<InterimapInvocation.Target>

    private var servers: [any MailStore] { [run.local, run.remote] }

    /// Whether each server has a mailbox of that database name, asked with LIST on both at once.
    private func existence(_ name: [UInt8]) throws -> [SyncDatabase.Side: Bool] {
        let requests = try servers.map { ($0.side, try $0.exists(name)) }
        var result: [SyncDatabase.Side: Bool] = [:]
        for (side, request) in requests { result[side] = try request.wait() }
        return result
    }

    private func display(_ name: [UInt8]) -> String { MailboxNaming.display(name, delimiter: run.local.naming.delimiter) }

    private func databaseName(_ commandLine: String) throws -> [UInt8] {
        do { return try run.local.naming.databaseName(commandLine: commandLine) } catch {
            throw SyncError.naming("\(commandLine): \(error)")
        }
    }

    /// `--delete MAILBOX...`: not recursive (RFC 3501 §6.3.4); children stay.
    func delete(_ mailboxes: [String]) throws {
        for mailbox in mailboxes {
            let name = try databaseName(mailbox)
            let exists = try existence(name)
            for server in servers where targets.contains(server.side == .local ? .local : .remote) && exists[server.side] == true {
                try Self.naming(server.delete(name), "Couldn't delete mailbox \(server.display(name))")
                run.log.info(server.name, "", "Deleted mailbox \(server.display(name))")
            }
            if targets.contains(.database), let record = try run.database.mailbox(named: name) {
                try run.database.write { try $0.deleteMailbox(record.index) }
                run.log.notice("database", "", "Removed mailbox \(display(name))")
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
            try Self.naming(server.rename(from, to: to), "Couldn't rename mailbox \(server.display(from))")
            run.log.info(server.name, "", "Renamed mailbox \(server.display(from)) to \(server.display(to))")
        }
        if targets.contains(.database) {
            let renamed = try run.database.write { try $0.renameMailbox(from: from, to: to) }
            if renamed > 0 { run.log.notice("database", "", "Renamed mailbox \(display(from)) to \(display(to))") }
        }
    }

    /// Waits for `pending`; a server's refusal says what was being done, as the reference's does.
    private static func naming(_ pending: Pending<Void>, _ context: String) throws {
        do { try pending.wait() } catch var failure as ServerFailure {
            failure.context = context
            throw failure
        }
    }
}
