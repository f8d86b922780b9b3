import Foundation

/// Reads the settings of an `[expect]` step. The key names what is checked and where
/// (`flags remote INBOX one`), the value what it must be (`\Seen $Label1`).
struct ExpectationParser {
    let parser: ScenarioParser
    let scenario: Scenario

    static let keys = "exit, log, log-regex, no-log, equal, messages, flags, count, mailboxes, subscribed, no-duplicates, "
        + "uidnext, uidvalidity, db-mailboxes, db-uidnext, db-highestmodseq, db-uidvalidity, db-mapping, statefile, "
        + "delivered, delivered-count, delivered-to, maildir, mbox"

    func parse(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Located<Expectation> {
        let expectation = try expectation(entry)
        return Located(value: expectation, line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)")
    }

    private func server(_ name: String, _ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> String {
        guard scenario.server(name) != nil else {
            throw parser.error(entry, "unknown server '\(name)' (declared: \(scenario.servers.map(\.name).joined(separator: ", ")))")
        }
        return name
    }

    private func side(_ name: String, _ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> String {
        guard name == "local" || name == "remote" else { throw parser.error(entry, "expected 'local' or 'remote', got '\(name)'") }
        return name
    }

    private func labels(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> [String] {
        var w = try parser.words(entry)
        if w == ["-"] { w = [] }
        var expanded: [String] = []
        for word in w {
            let labels: [String]
            do { labels = try MessageSpecParser.expandLabel(word) } catch { throw parser.error(entry, error.description) }
            for label in labels where scenario.bodies[label] == nil {
                throw parser.error(entry, "unknown label '\(label)' (no message has it)")
            }
            expanded += labels
        }
        return expanded
    }

    private func counter(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Expectation.Counter {
        if entry.value.lowercased() == "current" { return .current }
        guard let n = UInt64(entry.value) else { throw parser.error(entry, "expected a number or 'current', got '\(entry.value)'") }
        return .value(n)
    }

    private func expectation(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Expectation {
        let kind = entry.keyWords[0]
        switch kind {
        case "exit":
            _ = try parser.keyArguments(entry, count: 0, usage: "exit = STATUS")
            switch entry.value.lowercased() {
            case "nonzero", "failure": return .exit(.nonzero)
            case "killed": return .exit(.killed)
            case "signal", "signaled", "signalled": return .exit(.signal)
            case "any": return .exit(.any)
            case "success": return .exit(.code(0))
            default:
                guard let n = Int32(entry.value), (0...255).contains(n) else {
                    throw parser.error(entry, "expected an exit status (0-255), nonzero, killed, signal or any, got '\(entry.value)'")
                }
                return .exit(.code(n))
            }
        case "log":
            _ = try parser.keyArguments(entry, count: 0, usage: "log = TEXT")
            guard !entry.value.isEmpty else { throw parser.error(entry, "give the text a log line must contain") }
            return .logContains(entry.value)
        case "no-log":
            _ = try parser.keyArguments(entry, count: 0, usage: "no-log = TEXT")
            guard !entry.value.isEmpty else { throw parser.error(entry, "give the text no log line may contain") }
            return .logLacks(entry.value)
        case "log-regex":
            _ = try parser.keyArguments(entry, count: 0, usage: "log-regex = REGEX")
            do { _ = try NSRegularExpression(pattern: entry.value) } catch {
                throw parser.error(entry, "invalid regular expression '\(entry.value)'")
            }
            return .logMatches(entry.value)
        case "equal":
            _ = try parser.keyArguments(entry, count: 0, usage: "equal = yes")
            for needed in ["local", "remote"] where scenario.server(needed) == nil {
                throw parser.error(entry, "'equal' compares [server local] and [server remote]; '\(needed)' is not declared")
            }
            return .equal(try parser.yesNo(entry))
        case "no-duplicates":
            _ = try parser.keyArguments(entry, count: 0, usage: "no-duplicates = yes")
            guard try parser.yesNo(entry) else { throw parser.error(entry, "only 'no-duplicates = yes' makes sense") }
            return .noDuplicates
        case "messages":
            let a = try parser.keyArguments(entry, count: 2, usage: "messages SERVER MAILBOX = LABEL...")
            return .messages(server: try server(a[0], entry), mailbox: a[1], labels: try labels(entry))
        case "present", "absent":
            let a = try parser.keyArguments(entry, count: 2, usage: "\(entry.keyWords[0]) SERVER MAILBOX = LABEL...")
            let (server, labels) = (try server(a[0], entry), try labels(entry))
            return entry.keyWords[0] == "present" ? .present(server: server, mailbox: a[1], labels: labels)
                : .absent(server: server, mailbox: a[1], labels: labels)
        case "flags":
            let a = try parser.keyArguments(entry, count: 3, usage: "flags SERVER MAILBOX LABEL = FLAG...")
            guard scenario.bodies[a[2]] != nil else { throw parser.error(entry, "unknown label '\(a[2])' (no message has it)") }
            var flags: [String] = []
            for word in try parser.words(entry) where word != "-" {
                do { flags.append(try MessageSpecParser.checkFlag(word)) } catch { throw parser.error(entry, error.description) }
            }
            return .flags(server: try server(a[0], entry), mailbox: a[1], label: a[2], flags: flags)
        case "count":
            let a = try parser.keyArguments(entry, count: 2, usage: "count SERVER MAILBOX = N")
            return .count(server: try server(a[0], entry), mailbox: a[1], count: try parser.integer(entry))
        case "mailboxes":
            let a = try parser.keyArguments(entry, count: 1, usage: "mailboxes SERVER = NAME...")
            return .mailboxes(server: try server(a[0], entry), names: try parser.words(entry))
        case "subscribed":
            let a = try parser.keyArguments(entry, count: 1, usage: "subscribed SERVER = NAME...")
            return .subscribed(server: try server(a[0], entry), names: try parser.words(entry))
        case "uidnext", "uidvalidity":
            let a = try parser.keyArguments(entry, count: 2, usage: "\(kind) SERVER MAILBOX = N")
            let c = try counter(entry)
            guard case .value = c else { throw parser.error(entry, "a server's \(kind) is compared with a number") }
            let s = try server(a[0], entry)
            return kind == "uidnext" ? .uidNext(server: s, mailbox: a[1], c) : .uidValidity(server: s, mailbox: a[1], c)
        case "db-mailboxes":
            _ = try parser.keyArguments(entry, count: 0, usage: "db-mailboxes = NAME...")
            return .databaseMailboxes(try parser.words(entry))
        case "db-uidnext", "db-highestmodseq", "db-uidvalidity":
            let a = try parser.keyArguments(entry, count: 2, usage: "\(kind) local|remote MAILBOX = N|current")
            let s = try side(a[0], entry), c = try counter(entry)
            switch kind {
            case "db-uidnext": return .databaseUIDNext(side: s, mailbox: a[1], c)
            case "db-highestmodseq": return .databaseHighestModSeq(side: s, mailbox: a[1], c)
            default: return .databaseUIDValidity(side: s, mailbox: a[1], c)
            }
        case "db-mapping":
            let a = try parser.keyArguments(entry, count: 1, usage: "db-mapping MAILBOX = complete | LABEL... | LUID:RUID...")
            let w = try parser.words(entry)
            if w == ["complete"] { return .databaseMapping(mailbox: a[0], complete: true, entries: []) }
            for word in w where word != "-" && !word.contains(":") && scenario.bodies[word] == nil {
                throw parser.error(entry, "'\(word)' is neither a label nor LUID:RUID")
            }
            return .databaseMapping(mailbox: a[0], complete: false, entries: w.filter { $0 != "-" })
        case "statefile":
            let a = try parser.keyArguments(entry, count: 1, usage: "statefile SECTION = UIDVALIDITY UIDNEXT [UID...]")
            guard scenario.pullimapSections.contains(where: { $0.name == a[0] }) else {
                throw parser.error(entry, "no [pullimap \(a[0])] section")
            }
            let w = try parser.words(entry)
            for word in w where UInt32(word) == nil && !["uidvalidity", "uidnext", "absent"].contains(word) {
                throw parser.error(entry, "'\(word)' is not a number, uidvalidity, uidnext or absent")
            }
            if w.contains("absent") && w.count != 1 { throw parser.error(entry, "'absent' stands alone") }
            return .statefile(section: a[0], words: w)
        case "delivered":
            _ = try parser.keyArguments(entry, count: 0, usage: "delivered = LABEL...")
            return .delivered(labels: try labels(entry))
        case "delivered-count":
            _ = try parser.keyArguments(entry, count: 0, usage: "delivered-count = N")
            return .deliveredCount(try parser.integer(entry))
        case "delivered-to":
            _ = try parser.keyArguments(entry, count: 0, usage: "delivered-to = ADDRESS...")
            return .deliveredTo(try parser.words(entry))
        case "maildir", "mbox":
            let path = try parser.keyArguments(entry, count: 1, usage: "\(kind) PATH = LABEL...")[0]
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw parser.error(entry, "'\(path)' must be relative (to $XDG_DATA_HOME/pullimap), without '..'")
            }
            return .localStore(kind: kind == "mbox" ? .mbox : .maildir, path: path, labels: try labels(entry))
        default:
            throw parser.error(entry, "unknown expectation '\(kind)' (expected \(Self.keys))")
        }
    }
}
