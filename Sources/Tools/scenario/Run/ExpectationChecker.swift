import Foundation

/// What the last engine run did.
struct RunRecord {
    var program: Program
    var stepIndex: Int
    var status: TerminationStatus
    var output: String
    /// The IMAP (and LMTP) traffic, when recorded (`--verbose`).
    var trafficPath: String?
    var crashArmed: String?
}

/// An expectation that did not hold: the setting as written, and what was found instead.
struct ExpectationFailure {
    var line: Int
    var text: String
    var detail: String
}

/// Checks the expectations of one `[expect]` step against the servers, the database, the
/// statefiles, the receiver and the last run.
final class ExpectationChecker {
    let scenario: Scenario
    let labels: LabelIndex
    let naming: ScenarioMailboxNames
    let lastRun: RunRecord?
    let databasePath: String
    let statefilePaths: [String: String]
    let deliveries: [RecordedDelivery]
    /// `$XDG_DATA_HOME/pullimap` of the workspace, where local stores' relative paths start.
    var pullimapDataDirectory = ""
    private let snapshotSource: (String) throws -> ServerSnapshot
    private var snapshots: [String: ServerSnapshot] = [:]

    init(scenario: Scenario, labels: LabelIndex, lastRun: RunRecord?, databasePath: String, statefilePaths: [String: String],
         deliveries: [RecordedDelivery], snapshot: @escaping (String) throws -> ServerSnapshot) {
        self.scenario = scenario
        self.labels = labels
        self.naming = ScenarioMailboxNames(scenario: scenario)
        self.lastRun = lastRun
        self.databasePath = databasePath
        self.statefilePaths = statefilePaths
        self.deliveries = deliveries
        self.snapshotSource = snapshot
    }

    func snapshot(_ server: String) throws -> ServerSnapshot {
        if let s = snapshots[server] { return s }
        let s = try snapshotSource(server)
        snapshots[server] = s
        return s
    }

    /// Checks one expectation; nil when it holds.
    func check(_ e: Located<Expectation>) -> ExpectationFailure? {
        do {
            guard let detail = try problem(e.value) else { return nil }
            return ExpectationFailure(line: e.line, text: e.text, detail: detail)
        } catch {
            return ExpectationFailure(line: e.line, text: e.text, detail: "cannot check: \(error)")
        }
    }

    static func date(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    func outputTail(_ count: Int = 40) -> String {
        guard let run = lastRun else { return "(no run yet)" }
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let tail = lines.suffix(count)
        let head = lines.count > count ? ["... (\(lines.count - count) earlier line(s))"] : []
        return "output of the last run (\(run.program.rawValue), \(run.status)):\n" + (head + tail).map { "  | " + $0 }.joined(separator: "\n")
    }

    func labelsIn(_ server: String, _ mailbox: String) throws -> [String]? {
        guard let box = try snapshot(server).mailbox(mailbox) else { return nil }
        return box.messages.map { labels.label(of: $0.body) }
    }

    private func listDiff(_ expected: [String], _ actual: [String], actualTitle: String) -> String? {
        expected == actual ? nil : TextDiff.render(expected: expected, actual: actual, actualTitle: actualTitle)
    }

    /// Every mailbox of `side` as comparable lines: `NAME  LABEL  (FLAGS)  DATE`.
    func contentLines(_ side: String) throws -> [String] {
        let snap = try snapshot(side)
        var lines: [String] = []
        let names = naming.comparableNames(snap, side: side)
        for key in names.keys.sorted() {
            guard let name = names[key], let box = snap.mailboxes[name] else { continue }
            if box.messages.isEmpty { lines.append("\(key): (empty)"); continue }
            let rendered = box.messages.map { m in
                "\(key): \(labels.label(of: m.body)) (\(m.flags.joined(separator: " "))) \(Self.date(m.internalDate))"
            }
            lines += rendered.sorted()
        }
        return lines
    }

    private func problem(_ e: Expectation) throws -> String? {
        switch e {
        case .exit(let expected):
            guard let run = lastRun else { return "no engine run before this expectation" }
            let ok: Bool
            switch (expected, run.status) {
            case (.any, _): ok = true
            case (.code(let c), .exited(let got)): ok = c == got
            case (.nonzero, .exited(let got)): ok = got != 0
            case (.killed, .signaled(let s)): ok = s == SIGKILL
            case (.signal, .signaled): ok = true
            default: ok = false
            }
            return ok ? nil : "the run ended with \(run.status)\n" + outputTail()
        case .logContains(let text):
            guard let run = lastRun else { return "no engine run before this expectation" }
            return run.output.split(separator: "\n").contains { $0.contains(text) } ? nil : "no log line contains '\(text)'\n" + outputTail()
        case .logLacks(let text):
            guard let run = lastRun else { return "no engine run before this expectation" }
            let hits = run.output.split(separator: "\n").filter { $0.contains(text) }
            return hits.isEmpty ? nil : "log lines contain '\(text)':\n" + hits.map { "  | " + $0 }.joined(separator: "\n")
        case .logMatches(let pattern):
            guard let run = lastRun else { return "no engine run before this expectation" }
            let regex = try NSRegularExpression(pattern: pattern)
            let found = run.output.split(separator: "\n").contains { line in
                let s = String(line)
                return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
            }
            return found ? nil : "no log line matches /\(pattern)/\n" + outputTail()
        case .equal(let wanted):
            let local = try contentLines("local"), remote = try contentLines("remote")
            if wanted {
                return local == remote ? nil : "the servers differ:\n" + TextDiff.render(expected: local, actual: remote, expectedTitle: "local", actualTitle: "remote")
            }
            return local != remote ? nil : "the servers are equal"
        case let .messages(server, mailbox, expected):
            guard let actual = try labelsIn(server, mailbox) else { return "\(server) has no mailbox '\(mailbox)'" }
            return listDiff(expected, actual, actualTitle: "\(server) \(mailbox), in UID order")
        case let .present(server, mailbox, wanted):
            guard let actual = try labelsIn(server, mailbox) else { return "\(server) has no mailbox '\(mailbox)'" }
            let missing = wanted.filter { !actual.contains($0) }
            return missing.isEmpty ? nil : "\(server) \(mailbox) lacks \(missing.joined(separator: " ")) (it holds: \(actual.joined(separator: " ")))"
        case let .absent(server, mailbox, unwanted):
            guard let actual = try labelsIn(server, mailbox) else { return nil }
            let back = unwanted.filter { actual.contains($0) }
            return back.isEmpty ? nil : "\(server) \(mailbox) holds \(back.joined(separator: " "))"
        case let .flags(server, mailbox, label, expected):
            guard let box = try snapshot(server).mailbox(mailbox) else { return "\(server) has no mailbox '\(mailbox)'" }
            let uids = labels.uids(of: label, in: box)
            guard !uids.isEmpty else { return "no message '\(label)' in \(server) \(mailbox)" }
            let want = expected.sorted()
            var problems: [String] = []
            for uid in uids {
                guard let m = box.messages.first(where: { $0.uid == uid }) else { continue }
                if m.flags != want {
                    problems.append("UID \(uid):\n" + TextDiff.render(expected: want, actual: m.flags, actualTitle: "\(server) \(mailbox) UID \(uid)"))
                }
            }
            return problems.isEmpty ? nil : problems.joined(separator: "\n")
        case let .count(server, mailbox, expected):
            guard let box = try snapshot(server).mailbox(mailbox) else { return "\(server) has no mailbox '\(mailbox)'" }
            return box.messages.count == expected ? nil
                : "\(server) \(mailbox) holds \(box.messages.count) message(s): \(box.messages.map { labels.label(of: $0.body) }.joined(separator: " "))"
        case let .mailboxes(server, expected):
            return listDiff(expected.sorted(), try snapshot(server).mailboxes.keys.sorted(), actualTitle: "\(server) mailboxes")
        case let .subscribed(server, expected):
            return listDiff(expected.sorted(), try snapshot(server).subscriptions.sorted(), actualTitle: "\(server) subscriptions")
        case .noDuplicates:
            var found: [String] = []
            for server in scenario.servers.map(\.name) {
                let snap = try snapshot(server)
                for name in snap.sortedNames {
                    guard let box = snap.mailboxes[name] else { continue }
                    var seen: [[UInt8]: Int] = [:]
                    for m in box.messages { seen[m.body, default: 0] += 1 }
                    for (body, n) in seen where n > 1 {
                        found.append("\(server) \(name): '\(labels.label(of: body))' \(n) times")
                    }
                }
            }
            return found.isEmpty ? nil : "duplicates:\n" + found.sorted().map { "  " + $0 }.joined(separator: "\n")
        case let .uidNext(server, mailbox, counter), let .uidValidity(server, mailbox, counter):
            guard let box = try snapshot(server).mailbox(mailbox) else { return "\(server) has no mailbox '\(mailbox)'" }
            let isNext: Bool
            if case .uidNext = e { isNext = true } else { isNext = false }
            let actual = UInt64(isNext ? box.uidNext : box.uidValidity)
            guard case .value(let want) = counter else { return nil }
            return actual == want ? nil : "\(server) \(mailbox) has \(isNext ? "UIDNEXT" : "UIDVALIDITY") \(actual)"
        case .databaseMailboxes(let expected):
            let rows = try DatabaseInspector(path: databasePath).mailboxes()
            return listDiff(expected.sorted(), rows.map { naming.localName(fromDatabase: $0.name) }.sorted(), actualTitle: "database mailboxes")
        case let .databaseUIDNext(side, mailbox, counter), let .databaseHighestModSeq(side, mailbox, counter),
             let .databaseUIDValidity(side, mailbox, counter):
            return try databaseCounter(e, side: side, mailbox: mailbox, counter: counter)
        case let .databaseMapping(mailbox, complete, entries):
            return try mapping(mailbox: mailbox, complete: complete, entries: entries)
        case let .statefile(section, words):
            return try statefile(section: section, words: words)
        case .delivered(let expected):
            let actual = deliveries.map { labels.label(of: $0.message) }
            return listDiff(expected.sorted(), actual.sorted(), actualTitle: "delivered (sorted)")
        case let .localStore(kind, path, expected):
            let full = (pullimapDataDirectory as NSString).appendingPathComponent(path)
            let actual = try LocalStoreReader.messages(kind, at: full).map { labels.label(of: $0) }
            return listDiff(expected.sorted(), actual.sorted(), actualTitle: "\(kind.rawValue) \(path) (sorted)")
        case .deliveredCount(let n):
            return deliveries.count == n ? nil
                : "\(deliveries.count) message(s) delivered: \(deliveries.map { labels.label(of: $0.message) }.joined(separator: " "))"
        case .deliveredTo(let recipients):
            let wrong = deliveries.enumerated().filter { $0.element.recipients != recipients }
            return wrong.isEmpty ? nil : wrong.map { "delivery \($0.offset + 1) (\(labels.label(of: $0.element.message))) went to \($0.element.recipients.joined(separator: " "))" }.joined(separator: "\n")
        }
    }

    private func databaseRow(_ mailbox: String) throws -> DatabaseInspector.MailboxRow? {
        let wanted = naming.databaseName(naming.components(ofLocalName: mailbox))
        return try DatabaseInspector(path: databasePath).mailboxes().first { $0.name == wanted }
    }

    private func databaseCounter(_ e: Expectation, side: String, mailbox: String, counter: Expectation.Counter) throws -> String? {
        guard let row = try databaseRow(mailbox) else { return "the database has no mailbox '\(mailbox)'" }
        guard let state = side == "local" ? row.local : row.remote else { return "the database has no \(side) row for '\(mailbox)'" }
        let serverName = naming.serverName(naming.components(ofLocalName: mailbox), side: side)
        let (column, actual): (String, UInt64)
        var current: UInt64?
        let box = try snapshot(side).mailbox(serverName)
        switch e {
        case .databaseUIDNext: (column, actual) = ("UIDNEXT", state.uidNext); current = box.map { UInt64($0.uidNext) }
        case .databaseHighestModSeq: (column, actual) = ("HIGHESTMODSEQ", state.highestModSeq); current = box.map { $0.highestModSeq }
        default: (column, actual) = ("UIDVALIDITY", state.uidValidity); current = box.map { UInt64($0.uidValidity) }
        }
        switch counter {
        case .value(let want):
            return actual == want ? nil : "\(side).\(column) of '\(mailbox)' is \(actual), expected \(want)"
        case .current:
            guard let current else { return "\(side) has no mailbox '\(serverName)' to compare with" }
            return actual == current ? nil : "\(side).\(column) of '\(mailbox)' is \(actual) but the server's is \(current)"
        }
    }

    private func mapping(mailbox: String, complete: Bool, entries: [String]) throws -> String? {
        guard let row = try databaseRow(mailbox) else { return "the database has no mailbox '\(mailbox)'" }
        let components = naming.components(ofLocalName: mailbox)
        let localBox = try snapshot("local").mailbox(naming.serverName(components, side: "local"))
        let remoteBox = try snapshot("remote").mailbox(naming.serverName(components, side: "remote"))
        func label(_ uid: UInt32, _ box: MailboxSnapshot?) -> String {
            box?.messages.first { $0.uid == uid }.map { labels.label(of: $0.body) } ?? "?"
        }
        func line(_ l: UInt32, _ r: UInt32) -> String { "\(l):\(r) \(label(l, localBox))/\(label(r, remoteBox))" }
        var expected: [String] = []
        if complete {
            guard let localBox, let remoteBox else { return "'\(mailbox)' is missing on a server" }
            var remoteByLabel: [String: [UInt32]] = [:]
            for m in remoteBox.messages { remoteByLabel[labels.label(of: m.body), default: []].append(m.uid) }
            for m in localBox.messages {
                let l = labels.label(of: m.body)
                if let r = remoteByLabel[l], r.count == 1 { expected.append(line(m.uid, r[0])) }
            }
        } else {
            for entry in entries {
                if let colon = entry.firstIndex(of: ":"), let l = UInt32(entry[..<colon]), let r = UInt32(entry[entry.index(after: colon)...]) {
                    expected.append(line(l, r))
                } else {
                    let l = localBox.map { labels.uids(of: entry, in: $0) } ?? []
                    let r = remoteBox.map { labels.uids(of: entry, in: $0) } ?? []
                    guard l.count == 1, r.count == 1 else {
                        return "label '\(entry)' is on local \(l.count) time(s) and on remote \(r.count) time(s): no single pair to expect"
                    }
                    expected.append(line(l[0], r[0]))
                }
            }
        }
        let actual = row.mapping.map { line($0.0, $0.1) }
        func key(_ s: String) -> (UInt32, UInt32) {
            let pair = s.split(separator: " ")[0].split(separator: ":")
            return (UInt32(pair[0]) ?? 0, UInt32(pair[1]) ?? 0)
        }
        let sortedExpected = expected.sorted { key($0) < key($1) }
        return listDiff(sortedExpected, actual, actualTitle: "mapping of '\(mailbox)' (lUID:rUID local/remote label)")
    }

    private func statefile(section: String, words: [String]) throws -> String? {
        guard let path = statefilePaths[section], let spec = scenario.pullimapSections.first(where: { $0.name == section }) else {
            return "no statefile for section '\(section)'"
        }
        let actual = StatefileReader.words(path)
        if words == ["absent"] {
            return actual == nil ? nil : "the statefile \(path) exists: \(actual?.map(String.init).joined(separator: " ") ?? "")"
        }
        guard let actual else { return "the statefile \(path) does not exist" }
        // A length that is not a whole number of words is a torn write, never a valid state.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil, size % 4 != 0 {
            return "the statefile \(path) is \(size) bytes long, not a multiple of 4"
        }
        let mailbox = spec.options.last(where: { $0.key == "mailbox" })?.value ?? "INBOX"
        var expected: [String] = []
        for word in words {
            switch word {
            case "uidvalidity", "uidnext":
                guard let box = try snapshot(spec.server).mailbox(mailbox) else { return "\(spec.server) has no mailbox '\(mailbox)'" }
                expected.append(String(word == "uidvalidity" ? box.uidValidity : box.uidNext))
            default: expected.append(word)
            }
        }
        let got = actual.map(String.init)
        return got == expected ? nil
            : "the statefile holds [\(got.joined(separator: " "))], expected [\(expected.joined(separator: " "))] (\(words.joined(separator: " ")))"
    }
}
