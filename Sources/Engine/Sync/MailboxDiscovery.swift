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
    func learnDelimiters(_ servers: [any MailStore]) throws {
        let requests = try servers.map { try $0.learnDelimiter() }
        for request in requests { _ = try request.wait() }
    }

    /// The LIST patterns for one server: NUL in list-mailbox stands for its delimiter; MAILBOX
    /// arguments are in the local delimiter and are translated for the remote server.
    func patterns(for server: any MailStore, localDelimiter: Character?) throws -> [String] {
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

    /// Lists both servers (pipelined), with subscriptions and status, minus what ignore-mailbox
    /// excludes (the MAILBOX arguments are taken as given).
    func list(_ servers: [any MailStore]) throws -> [SyncDatabase.Side: [ListedMailbox]] {
        let localDelimiter = servers.first { $0.side == .local }?.naming.delimiter
        let selection: [ListSelectionOption] = commandLineMailboxes.isEmpty ? configuration.listSelectOptions.map(Self.selectionOption) : []
        let requests = try servers.map { server in
            (server.side, try server.list(patterns: try patterns(for: server, localDelimiter: localDelimiter), selection: selection))
        }
        var result: [SyncDatabase.Side: [ListedMailbox]] = [:]
        for (side, request) in requests {
            result[side] = try request.wait().filter { mailbox in
                guard commandLineMailboxes.isEmpty, let exclusion = configuration.ignoreMailbox else { return true }
                return !exclusion.excludes(String(decoding: mailbox.database, as: UTF8.self))
            }
        }
        return result
    }

    /// Looks up, on each server, mailboxes the other server listed and this one did not: the
    /// selection options (e.g. SUBSCRIBED) may have hidden a mailbox that exists, which must then
    /// be neither created again nor taken for deleted. Plain LIST of the exact names, pipelined.
    func lookUp(_ names: [SyncDatabase.Side: [[UInt8]]], on servers: [any MailStore]) throws -> [SyncDatabase.Side: [ListedMailbox]] {
        var requests: [(SyncDatabase.Side, Set<[UInt8]>, Pending<[ListedMailbox]>)] = []
        for server in servers {
            guard let wanted = names[server.side], !wanted.isEmpty else { continue }
            let patterns = try wanted.map { try server.naming.wireName(database: $0) }
            requests.append((server.side, Set(wanted), try server.list(patterns: patterns, selection: [])))
        }
        var result: [SyncDatabase.Side: [ListedMailbox]] = [:]
        for (side, wanted, request) in requests {
            // A name with `*` or `%` is a pattern to the server: keep exact matches only.
            result[side] = try request.wait().filter { wanted.contains($0.database) }
        }
        return result
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
