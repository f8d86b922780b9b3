import Foundation

/// Finds the mailboxes to synchronize on both servers (interimap(1), COMMANDS: `LIST "" "*"`
/// narrowed by list-mailbox, list-select-opts and ignore-mailbox, or the MAILBOX arguments),
/// learning each server's hierarchy delimiter on the way.
struct MailboxDiscovery {
    let configuration: InterimapConfiguration
    /// MAILBOX arguments (local delimiter, as is); empty: the configured patterns.
    let commandLineMailboxes: [String]
    let log: SyncLog

    /// Asks both servers for their delimiter (`LIST "" ""`, RFC 3501 §6.3.8), pipelined.
    func learnDelimiters(_ servers: [SyncServer]) throws {
        var tags: [String] = []
        for server in servers { tags.append(try server.send(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "")]))) }
        for (server, tag) in zip(servers, tags) {
            var delimiter: Character?
            let response = try server.session.waitForCompletion(of: tag) { event in
                if case .untagged(.list(let listing)) = event { delimiter = listing.delimiter } else { try server.consume(event) }
            }
            _ = try server.session.check(response, command: "LIST")
            server.naming.delimiter = delimiter
            log.debug(server.name, "", "Using \"\(delimiter.map(String.init) ?? "NIL")\" as hierarchy delimiter")
        }
    }

    /// The LIST patterns for one server: NUL in list-mailbox stands for its delimiter; MAILBOX
    /// arguments are in the local delimiter and are translated for the remote server.
    func patterns(for server: SyncServer, localDelimiter: Character?) throws -> [String] {
        if !commandLineMailboxes.isEmpty {
            return try commandLineMailboxes.map { name in
                guard server.side == .remote else { return server.naming.reference + name }
                do { return server.naming.reference + (try MailboxHierarchy.translate(name, from: localDelimiter, to: server.naming.delimiter)) } catch {
                    throw SyncError.naming("remote: cannot name mailbox \(name) with delimiter \(server.naming.delimiter.map(String.init) ?? "NIL"): \(error)")
                }
            }
        }
        let delimiter = String(server.naming.delimiter ?? "/")
        return configuration.listMailbox.map { server.naming.reference + $0.replacingOccurrences(of: "\0", with: delimiter) }
    }

    /// Lists both servers (pipelined), with subscriptions and LIST-STATUS when available.
    func list(_ servers: [SyncServer]) throws -> [SyncDatabase.Side: [ListedMailbox]] {
        let localDelimiter = servers.first { $0.side == .local }?.naming.delimiter
        let selection: [ListSelectionOption] = commandLineMailboxes.isEmpty ? configuration.listSelectOptions.map(Self.selectionOption) : []
        var tags: [String] = []
        for server in servers {
            let patterns = try patterns(for: server, localDelimiter: localDelimiter)
            tags.append(try sendList(patterns, selection: selection, on: server))
        }
        var result: [SyncDatabase.Side: [ListedMailbox]] = [:]
        for (server, tag) in zip(servers, tags) {
            result[server.side] = try collectList(tag, on: server, applyExclusion: commandLineMailboxes.isEmpty)
        }
        return result
    }

    /// Looks up, on each server, mailboxes the other server listed and this one did not: the
    /// selection options (e.g. SUBSCRIBED) may have hidden a mailbox that exists, which must then
    /// be neither created again nor taken for deleted. Plain LIST of the exact names, pipelined.
    func lookUp(_ names: [SyncDatabase.Side: [[UInt8]]], on servers: [SyncServer]) throws -> [SyncDatabase.Side: [ListedMailbox]] {
        var pending: [(SyncServer, Set<[UInt8]>, String)] = []
        for server in servers {
            guard let wanted = names[server.side], !wanted.isEmpty else { continue }
            let patterns = try wanted.map { try server.naming.wireName(database: $0) }
            pending.append((server, Set(wanted), try sendList(patterns, selection: [], on: server)))
        }
        var result: [SyncDatabase.Side: [ListedMailbox]] = [:]
        for (server, wanted, tag) in pending {
            // A name with `*` or `%` is a pattern to the server: keep exact matches only.
            result[server.side] = try collectList(tag, on: server, applyExclusion: false).filter { wanted.contains($0.database) }
        }
        return result
    }

    private func sendList(_ patterns: [String], selection: [ListSelectionOption], on server: SyncServer) throws -> String {
        var returns: [ListReturnOption] = [.subscribed]
        if server.session.capabilities.contains("LIST-STATUS") {
            returns.append(.status([.uidValidity, .uidNext, .highestModSeq]))
        }
        return try server.send(.list(reference: MailboxName(wire: ""), patterns: patterns.map { MailboxName(wire: $0) },
                                     selectionOptions: selection, returnOptions: returns))
    }

    /// Reads one LIST's responses: the selectable mailboxes with their database names and status,
    /// minus those ignore-mailbox excludes.
    private func collectList(_ tag: String, on server: SyncServer, applyExclusion: Bool) throws -> [ListedMailbox] {
        var listed: [String: ListedMailbox] = [:]
        var order: [String] = []
        var statuses: [String: MailboxStatus] = [:]
        let response = try server.session.waitForCompletion(of: tag) { event in
            switch event {
            case .untagged(.list(let listing)):
                let wire = listing.name.wireString
                if listed[wire] == nil { order.append(wire) }
                if let d = listing.delimiter { server.naming.delimiter = d }
                listed[wire] = ListedMailbox(wireName: wire, database: [], attributes: listing.attributes, status: nil)
            case .untagged(.status(let mailbox, let status)):
                statuses[mailbox.wireString] = status
            default:
                try server.consume(event)
            }
        }
        _ = try server.session.check(response, command: "LIST")
        var mailboxes: [ListedMailbox] = []
        for wire in order {
            guard var mailbox = listed[wire], mailbox.isSelectable else { continue }
            do { mailbox.database = try server.naming.databaseName(wire: wire) } catch {
                log.warning(server.name, "", "Ignoring mailbox \(wire): \(error)")
                continue
            }
            if applyExclusion, let exclusion = configuration.ignoreMailbox,
               exclusion.excludes(String(decoding: mailbox.database, as: UTF8.self)) {
                continue
            }
            mailbox.status = statuses[wire]
            mailboxes.append(mailbox)
        }
        if !server.session.capabilities.contains("LIST-STATUS") {
            try fetchStatuses(&mailboxes, on: server)
        }
        return mailboxes
    }

    /// Without LIST-STATUS (the server has NOTIFY instead), STATUS each mailbox, pipelined.
    private func fetchStatuses(_ mailboxes: inout [ListedMailbox], on server: SyncServer) throws {
        var tags: [String] = []
        for m in mailboxes {
            tags.append(try server.send(.status(MailboxName(wire: m.wireName), items: [.uidValidity, .uidNext, .highestModSeq])))
        }
        var statuses: [String: MailboxStatus] = [:]
        for tag in tags {
            let response = try server.session.waitForCompletion(of: tag) { event in
                if case .untagged(.status(let mailbox, let status)) = event { statuses[mailbox.wireString] = status } else { try server.consume(event) }
            }
            _ = try server.session.check(response, command: "STATUS")
        }
        for i in mailboxes.indices { mailboxes[i].status = statuses[mailboxes[i].wireName] }
    }

    static func selectionOption(_ word: String) -> ListSelectionOption {
        switch word.uppercased() {
        case "SUBSCRIBED": return .subscribed
        case "REMOTE": return .remote
        case "RECURSIVEMATCH": return .recursiveMatch
        default: return .other(word)
        }
    }
}
