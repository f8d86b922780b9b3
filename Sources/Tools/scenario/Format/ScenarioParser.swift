import Foundation
import FakeIMAPServer

/// Turns a scenario file into a `Scenario`, checking everything that can be checked before a
/// run: known sections and keys, servers and labels that exist, values that parse. Every error is
/// one line naming the file, the line and the key.
struct ScenarioParser {
    let ini: ScenarioINI
    /// When the scenario starts (default internal dates).
    let now: Date

    var file: String { ini.path }

    /// The crash points the engine knows (Sources/Engine/Store/CrashPoint.swift).
    static let crashPoints = [
        "database-commit-before", "database-commit-after", "fetch-after-message", "append-after-message",
        "append-batch-middle", "flags-store", "expunge-store",
        "pull-delivered-before-statefile", "pull-statefile-appended", "pull-seen-store", "pull-before-uidnext",
        "pull-before-truncate", "maildir-tmp-written", "mbox-written", "mda-running",
    ]

    static func parse(file path: String, now: Date = Date()) throws(ScenarioFileError) -> Scenario {
        try ScenarioParser(ini: ScenarioINI(contentsOf: path), now: now).scenario()
    }

    static func parse(text: String, path: String, now: Date = Date()) throws(ScenarioFileError) -> Scenario {
        try ScenarioParser(ini: ScenarioINI(text: text, path: path), now: now).scenario()
    }

    // MARK: Errors

    func error(_ entry: ScenarioINI.Entry, _ message: String) -> ScenarioFileError {
        ScenarioFileError(file: file, line: entry.line, key: entry.key, message)
    }

    func error(_ section: ScenarioINI.Section, _ message: String) -> ScenarioFileError {
        ScenarioFileError(file: file, line: section.line, "\(section.title): \(message)")
    }

    func words(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> [String] {
        do { return try WordSplitter.split(entry.value) } catch { throw self.error(entry, "\(error)") }
    }

    func yesNo(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Bool {
        switch entry.value.lowercased() {
        case "yes", "true", "1": return true
        case "no", "false", "0": return false
        default: throw error(entry, "expected YES or NO, got '\(entry.value)'")
        }
    }

    func integer(_ entry: ScenarioINI.Entry, min: Int = 0) throws(ScenarioFileError) -> Int {
        guard let n = Int(entry.value), n >= min else { throw error(entry, "expected a whole number ≥ \(min), got '\(entry.value)'") }
        return n
    }

    func seconds(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> TimeInterval {
        guard let n = Double(entry.value), n > 0 else { throw error(entry, "expected a number of seconds, got '\(entry.value)'") }
        return n
    }

    func keyArguments(_ entry: ScenarioINI.Entry, count: Int, usage: String) throws(ScenarioFileError) -> [String] {
        let arguments = Array(entry.keyWords.dropFirst())
        guard arguments.count == count else { throw error(entry, "expected '\(usage)'") }
        return arguments
    }

    // MARK: The whole file

    func scenario() throws(ScenarioFileError) -> Scenario {
        let baseName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var scenario = Scenario(file: file, name: baseName, description: "", engine: .any, runTimeout: 30, servers: [],
                                interimapOptions: [:], pullimapSections: [], receiver: ReceiverSpec(), steps: [],
                                bodies: [:], fakeOnlyReasons: [])
        var labelLines: [String: Int] = [:]
        func define(_ message: MessageSpec, _ entry: ScenarioINI.Entry) throws(ScenarioFileError) {
            // A label names one body: the same message may be put in several places, but a label
            // cannot name two different messages.
            if let first = labelLines[message.label], scenario.bodies[message.label] != message.body {
                throw error(entry, "label '\(message.label)' already names a different message (line \(first))")
            }
            labelLines[message.label] = entry.line
            scenario.bodies[message.label] = message.body
        }

        // First pass: servers, so that later sections may name them in any order.
        var seenServers: Set<String> = []
        for section in ini.sections where section.kind == "server" {
            guard section.arguments.count == 1, let name = section.arguments.first else {
                throw error(section, "expected [server NAME]")
            }
            guard seenServers.insert(name).inserted else { throw error(section, "server '\(name)' is declared twice") }
            scenario.servers.append(try server(section, name: name, index: scenario.servers.count))
        }
        let serverNames = scenario.servers.map(\.name)
        func requireServer(_ name: String, _ section: ScenarioINI.Section) throws(ScenarioFileError) {
            guard serverNames.contains(name) else {
                throw error(section, "unknown server '\(name)' (declared: \(serverNames.isEmpty ? "none" : serverNames.joined(separator: ", ")))")
            }
        }

        var pendingExpectations: [(Int, Int)] = []  // (step index, section index) checked after labels are known
        for (sectionIndex, section) in ini.sections.enumerated() {
            switch section.kind {
            case "":
                try header(section, into: &scenario)
            case "server":
                continue
            case "mailbox":
                guard section.arguments.count == 2 else { throw error(section, "expected [mailbox SERVER NAME]") }
                try requireServer(section.arguments[0], section)
                let box = try mailbox(section, name: section.arguments[1])
                for message in box.messages {
                    guard let entry = section.entries.first(where: { $0.line == message.line }) else { continue }
                    try define(message, entry)
                }
                if box.noModSeq { scenario.fakeOnlyReasons.append("line \(section.line): NOMODSEQ mailbox") }
                guard let i = scenario.servers.firstIndex(where: { $0.name == section.arguments[0] }) else { continue }
                if scenario.servers[i].mailboxes.contains(where: { $0.name == box.name }) {
                    throw error(section, "mailbox '\(box.name)' is described twice")
                }
                scenario.servers[i].mailboxes.append(box)
            case "interimap":
                guard section.arguments.count <= 1 else { throw error(section, "expected [interimap] or [interimap SERVER]") }
                let target = section.arguments.first ?? ""
                if !target.isEmpty { try requireServer(target, section) }
                scenario.interimapOptions[target, default: []] += try passThrough(section)
            case "pullimap":
                guard section.arguments.count == 1, let name = section.arguments.first else { throw error(section, "expected [pullimap SECTION]") }
                var server = serverNames.contains("remote") ? "remote" : serverNames.first ?? ""
                var options: [ConfigLine] = []
                for entry in section.entries {
                    if entry.key == "server" { server = entry.value; continue }
                    options += try passThrough(entry)
                }
                try requireServer(server, section)
                if scenario.pullimapSections.contains(where: { $0.name == name }) { throw error(section, "pullimap section '\(name)' is declared twice") }
                scenario.pullimapSections.append(PullimapSectionSpec(name: name, server: server, options: options, line: section.line))
            case "lmtp", "smtp":
                guard section.arguments.isEmpty else { throw error(section, "expected [\(section.kind)]") }
                scenario.receiver.transferProtocol = section.kind
                for entry in section.entries { throw error(entry, "unknown key in [\(section.kind)] (it has none yet)") }
            case "run":
                scenario.steps.append(Step(kind: .run(try run(section, scenario: scenario)), line: section.line, title: section.title))
            case "stop":
                var signal = SIGTERM
                for entry in section.entries {
                    guard entry.key == "signal" else { throw error(entry, "unknown key in [stop] (expected signal)") }
                    switch entry.value.uppercased() {
                    case "TERM", "SIGTERM": signal = SIGTERM
                    case "INT", "SIGINT": signal = SIGINT
                    case "HUP", "SIGHUP": signal = SIGHUP
                    case "KILL", "SIGKILL": signal = SIGKILL
                    default: throw error(entry, "expected TERM, INT, HUP or KILL, got '\(entry.value)'")
                    }
                }
                scenario.steps.append(Step(kind: .stop(signal: signal), line: section.line, title: section.title))
            case "wait":
                scenario.steps.append(Step(kind: .wait(try wait(section)), line: section.line, title: section.title))
            case "change":
                guard section.arguments.count == 1, let target = section.arguments.first else {
                    throw error(section, "expected [change SERVER] or [change database]")
                }
                if target == "database" {
                    scenario.steps.append(Step(kind: .changeDatabase(try databaseChanges(section)), line: section.line, title: section.title))
                    continue
                }
                try requireServer(target, section)
                var changes: [Located<ServerChange>] = []
                for entry in section.entries {
                    let change = try serverChange(entry)
                    if case .append(_, let message) = change.value { try define(message, entry) }
                    if case .resetUIDValidity = change.value { scenario.fakeOnlyReasons.append("line \(entry.line): UIDVALIDITY change") }
                    if case .noModSeq = change.value { scenario.fakeOnlyReasons.append("line \(entry.line): NOMODSEQ mailbox") }
                    changes.append(change)
                }
                scenario.steps.append(Step(kind: .change(server: target, changes), line: section.line, title: section.title))
            case "fault":
                guard section.arguments.count == 1, let target = section.arguments.first else {
                    throw error(section, "expected [fault SERVER] or [fault lmtp]")
                }
                if target == "lmtp" || target == "smtp" {
                    scenario.steps.append(Step(kind: .receiverFault(try receiverFaults(section)), line: section.line, title: section.title))
                    continue
                }
                try requireServer(target, section)
                scenario.fakeOnlyReasons.append("line \(section.line): server-side fault")
                scenario.steps.append(Step(kind: .fault(server: target, try serverFaults(section)), line: section.line, title: section.title))
            case "crash":
                let (point, count) = try crash(section)
                if case .any = scenario.engine {
                    scenario.engine = .ours(reason: "crash point \(point)")
                }
                scenario.steps.append(Step(kind: .crash(point: point, count: count), line: section.line, title: section.title))
            case "time":
                var total: TimeInterval = 0
                for entry in section.entries {
                    guard let n = Double(entry.value), n >= 0 else { throw error(entry, "expected a number, got '\(entry.value)'") }
                    switch entry.key {
                    case "days": total += n * 86400
                    case "hours": total += n * 3600
                    case "minutes": total += n * 60
                    default: throw error(entry, "unknown key in [time] (expected days, hours or minutes)")
                    }
                }
                guard total > 0 else { throw error(section, "give days, hours or minutes") }
                scenario.fakeOnlyReasons.append("line \(section.line): time passing (internal dates are moved back)")
                scenario.steps.append(Step(kind: .advanceTime(seconds: total), line: section.line, title: section.title))
            case "file":
                guard section.arguments.count == 1, let path = section.arguments.first, !path.hasPrefix("/"),
                      !path.split(separator: "/").contains("..") else {
                    throw error(section, "expected [file PATH] with PATH relative to the workspace's HOME")
                }
                var text = ""
                for entry in section.entries {
                    guard entry.key == "line" else { throw error(entry, "unknown key in [file] (expected line)") }
                    text += entry.value + "\n"
                }
                scenario.steps.append(Step(kind: .writeFile(path: path, text: text), line: section.line, title: section.title))
            case "expect":
                pendingExpectations.append((scenario.steps.count, sectionIndex))
                scenario.steps.append(Step(kind: .expect([]), line: section.line, title: section.title))
            default:
                throw error(section, "unknown section kind '\(section.kind)' (expected server, mailbox, interimap, pullimap, lmtp, run, stop, wait, change, fault, crash, time, file or expect)")
            }
        }
        for (stepIndex, sectionIndex) in pendingExpectations {
            let section = ini.sections[sectionIndex]
            var parsed: [Located<Expectation>] = []
            for entry in section.entries {
                parsed.append(try ExpectationParser(parser: self, scenario: scenario).parse(entry))
            }
            if parsed.isEmpty { throw error(section, "an [expect] step needs at least one expectation") }
            scenario.steps[stepIndex].kind = .expect(parsed)
        }
        try checkReferences(scenario)
        for server in scenario.servers {
            if server.capabilities != nil || !server.addCapabilities.isEmpty || !server.withheldCapabilities.isEmpty {
                scenario.fakeOnlyReasons.append("line \(server.line): server capabilities")
            }
            if server.messageLimit != nil { scenario.fakeOnlyReasons.append("line \(server.line): message-limit") }
            if server.requiresLogin { scenario.fakeOnlyReasons.append("line \(server.line): authentication") }
        }
        return scenario
    }

    // MARK: Sections

    func header(_ section: ScenarioINI.Section, into scenario: inout Scenario) throws(ScenarioFileError) {
        var engineReason: String?
        var engineOurs = false
        for entry in section.entries {
            switch entry.key {
            case "name":
                guard !entry.value.isEmpty, !entry.value.contains(" ") else { throw error(entry, "a name is one word") }
                scenario.name = entry.value
            case "description": scenario.description = entry.value
            case "engine":
                switch entry.value.lowercased() {
                case "any": engineOurs = false
                case "ours": engineOurs = true
                default: throw error(entry, "expected 'any' or 'ours', got '\(entry.value)'")
                }
            case "engine-reason": engineReason = entry.value
            case "timeout": scenario.runTimeout = try seconds(entry)
            case "backend":
                switch entry.value.lowercased() {
                case "any": break
                case "fake": scenario.fakeOnlyReasons.append("line \(entry.line): backend = fake")
                default: throw error(entry, "expected 'any' or 'fake', got '\(entry.value)'")
                }
            default:
                throw error(entry, "unknown key in the header (expected name, description, engine, engine-reason, timeout or backend)")
            }
        }
        if engineOurs { scenario.engine = .ours(reason: engineReason ?? "behaviour that improves on the reference") }
    }

    func server(_ section: ScenarioINI.Section, name: String, index: Int) throws(ScenarioFileError) -> ServerSpec {
        var spec = ServerSpec(name: name, line: section.line, firstUIDValidity: UInt32(100 * (index + 1)))
        for entry in section.entries {
            switch entry.key {
            case "delimiter":
                guard entry.value.count == 1, let d = entry.value.first, d != "\"", d != "\\" else {
                    throw error(entry, "the hierarchy delimiter is one character (not \" or \\), got '\(entry.value)'")
                }
                spec.delimiter = d
            case "uidvalidity":
                guard let v = UInt32(entry.value), v > 0 else { throw error(entry, "expected a UIDVALIDITY (1 to 4294967295), got '\(entry.value)'") }
                spec.firstUIDValidity = v
            case "profile":
                guard ProviderProfile.named(entry.value) != nil else {
                    throw error(entry, "unknown provider profile '\(entry.value)' (expected \(ProviderProfile.all.map(\.name).joined(separator: ", ")))")
                }
                spec.profile = entry.value.lowercased()
            case "message-limit":
                guard let n = Int(entry.value), n > 0 else { throw error(entry, "expected a number of messages, got '\(entry.value)'") }
                spec.messageLimit = n
            case "capabilities": spec.capabilities = try words(entry)
            case "add-capability": spec.addCapabilities += try words(entry)
            case "withhold-capability": spec.withheldCapabilities += try words(entry)
            case "login":
                let w = try words(entry)
                guard w.count == 2 else { throw error(entry, "expected 'login = USER PASSWORD'") }
                spec.login = (w[0], w[1])
            case "token": spec.tokens.append(try token(entry))
            case "auth-mechanisms": spec.authMechanisms = try words(entry)
            case "login-disabled": spec.loginDisabled = try yes(entry)
            case "oauth-scope": spec.oauthScope = entry.value
            case "scram-signature":
                guard entry.value == "wrong" || entry.value == "right" else { throw error(entry, "expected 'right' or 'wrong'") }
                spec.scramWrongSignature = entry.value == "wrong"
            case "subscribed": spec.subscriptions += try words(entry)
            case "mailbox", "mailboxes":
                for n in try words(entry) where !spec.mailboxes.contains(where: { $0.name == n }) {
                    spec.mailboxes.append(MailboxSpec(name: n, line: entry.line))
                }
            default:
                throw error(entry, "unknown key in [server] (expected delimiter, uidvalidity, profile, message-limit, capabilities, add-capability, withhold-capability, login, token, auth-mechanisms, login-disabled, oauth-scope, scram-signature, subscribed or mailbox)")
            }
        }
        return spec
    }

    /// `USER TOKEN [valid|expired|insufficient-scope]`.
    func token(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> ServerToken {
        let w = try words(entry)
        let states = ["valid", "expired", "insufficient-scope"]
        guard w.count == 2 || (w.count == 3 && states.contains(w[2])), !w[0].contains(":"), !w[1].contains(":") else {
            throw error(entry, "expected 'token = USER TOKEN [valid|expired|insufficient-scope]' (no ':' in USER or TOKEN)")
        }
        return ServerToken(user: w[0], token: w[1], state: w.count == 3 ? w[2] : "valid")
    }

    /// `yes` or `no`.
    func yes(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Bool {
        switch entry.value.lowercased() {
        case "yes": return true
        case "no": return false
        default: throw error(entry, "expected yes or no, got '\(entry.value)'")
        }
    }

    func mailbox(_ section: ScenarioINI.Section, name: String) throws(ScenarioFileError) -> MailboxSpec {
        var box = MailboxSpec(name: name, line: section.line)
        let messages = MessageSpecParser(now: now)
        for entry in section.entries {
            switch entry.key {
            case "message", "messages":
                do { box.messages += try messages.parse(entry.value, line: entry.line) } catch { throw self.error(entry, error.description) }
            case "nomodseq": box.noModSeq = try yesNo(entry)
            default: throw error(entry, "unknown key in [mailbox] (expected message or nomodseq)")
            }
        }
        return box
    }

    static let runnerOwnedKeys: Set<String> = ["type", "command"]

    func passThrough(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> [ConfigLine] {
        var lines: [ConfigLine] = []
        for entry in section.entries { lines += try passThrough(entry) }
        return lines
    }

    func passThrough(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> [ConfigLine] {
        guard entry.keyWords.count == 1 else { throw error(entry, "a configuration option is one word") }
        if Self.runnerOwnedKeys.contains(entry.key) { throw error(entry, "set by the scenario runner (type = tunnel to the test server)") }
        return [ConfigLine(key: entry.key, value: entry.value, line: entry.line)]
    }

    func run(_ section: ScenarioINI.Section, scenario: Scenario) throws(ScenarioFileError) -> RunSpec {
        guard section.arguments.count == 1, let program = Program(rawValue: section.arguments[0]) else {
            throw error(section, "expected [run interimap] or [run pullimap]")
        }
        var spec = RunSpec(program: program, arguments: [], section: nil, background: false, timeout: nil)
        for entry in section.entries {
            switch entry.key {
            case "args", "arguments": spec.arguments += try words(entry)
            case "section":
                guard program == .pullimap else { throw error(entry, "only pullimap runs take a section") }
                spec.section = entry.value
            case "background": spec.background = try yesNo(entry)
            case "timeout": spec.timeout = try seconds(entry)
            case "kill-after": spec.killAfter = try seconds(entry)
            case "engine":
                guard program == .interimap, entry.value == "reference" || entry.value == "ours" else {
                    throw error(entry, "expected 'engine = reference' or 'engine = ours' in [run interimap]")
                }
                spec.reference = entry.value == "reference"
            default: throw error(entry, "unknown key in [run] (expected args, section, background, timeout, kill-after or engine)")
            }
        }
        switch program {
        case .interimap:
            for needed in ["local", "remote"] where scenario.server(needed) == nil {
                throw error(section, "interimap needs a [server \(needed)] section")
            }
        case .pullimap:
            let names = scenario.pullimapSections.map(\.name)
            if let s = spec.section {
                guard names.contains(s) else { throw error(section, "no [pullimap \(s)] section") }
            } else {
                guard names.count == 1 else {
                    throw error(section, names.isEmpty ? "pullimap needs a [pullimap SECTION] section before it" : "give 'section =' (several pullimap sections)")
                }
                spec.section = names[0]
            }
        }
        return spec
    }

    func wait(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> WaitSpec {
        var spec = WaitSpec(logText: nil, deliveries: nil, seconds: nil, timeout: 15)
        for entry in section.entries {
            switch entry.key {
            case "log": spec.logText = entry.value
            case "log-regex":
                do { _ = try NSRegularExpression(pattern: entry.value) } catch {
                    throw self.error(entry, "invalid regular expression '\(entry.value)'")
                }
                spec.logPattern = entry.value
            case "times": spec.logTimes = try integer(entry, min: 1)
            case "deliveries": spec.deliveries = try integer(entry, min: 1)
            case "seconds": spec.seconds = try seconds(entry)
            case "timeout": spec.timeout = try seconds(entry)
            default: throw error(entry, "unknown key in [wait] (expected log, log-regex, times, deliveries, seconds or timeout)")
            }
        }
        guard spec.logText != nil || spec.logPattern != nil || spec.deliveries != nil || spec.seconds != nil else {
            throw error(section, "give log, log-regex, deliveries or seconds")
        }
        return spec
    }

    func crash(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> (String, Int) {
        var result: (String, Int)?
        for entry in section.entries {
            guard entry.key == "at" else { throw error(entry, "unknown key in [crash] (expected at)") }
            let parts = entry.value.split(separator: ":", maxSplits: 1).map(String.init)
            guard let point = parts.first, Self.crashPoints.contains(point) else {
                throw error(entry, "unknown crash point '\(entry.value)' (known: \(Self.crashPoints.joined(separator: ", ")))")
            }
            var count = 1
            if parts.count == 2 {
                guard let n = Int(parts[1]), n >= 1 else { throw error(entry, "expected NAME:N with N ≥ 1, got '\(entry.value)'") }
                count = n
            }
            result = (point, count)
        }
        guard let result else { throw error(section, "give 'at = NAME[:N]'") }
        return result
    }

    /// `COMMAND:N` (e.g. `UID FETCH:3`): an upper-cased command name and a count ≥ 0.
    private func commandCount(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> (String, Int) {
        guard let colon = entry.value.lastIndex(of: ":"), let n = Int(entry.value[entry.value.index(after: colon)...]), n >= 0,
              !entry.value[..<colon].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error(entry, "expected 'COMMAND:N' (e.g. UID FETCH:3), got '\(entry.value)'")
        }
        return (entry.value[..<colon].trimmingCharacters(in: .whitespaces).uppercased(), n)
    }

    func serverFaults(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> [Located<ServerFault>] {
        var faults: [Located<ServerFault>] = []
        for entry in section.entries {
            let fault: ServerFault
            switch entry.key {
            case "drop-after":
                let (command, n) = try commandCount(entry)
                fault = .dropAfter(command: command, responses: n)
            case "stall-after":
                let (command, n) = try commandCount(entry)
                fault = .stallAfter(command: command, responses: n)
            case "stall-greeting": fault = .stallGreeting(connections: try integer(entry, min: 1))
            case "first-connection-only":
                guard try yesNo(entry) else { continue }
                fault = .firstConnectionOnly
            case "drop-append-after": fault = .dropAppendAfter(messages: try integer(entry))
            case "reorder-fetch":
                let command = entry.value.uppercased()
                guard command == "UID FETCH" || command == "FETCH" else { throw error(entry, "expected 'UID FETCH' or 'FETCH'") }
                fault = .reorderFetch(command: command)
            case "fail":
                guard let colon = entry.value.lastIndex(of: ":") else { throw error(entry, "expected 'COMMAND:NO' or 'COMMAND:BAD'") }
                let status = entry.value[entry.value.index(after: colon)...].uppercased()
                let command = entry.value[..<colon].trimmingCharacters(in: .whitespaces).uppercased()
                guard status == "NO" || status == "BAD", !command.isEmpty else { throw error(entry, "expected 'COMMAND:NO' or 'COMMAND:BAD'") }
                fault = .fail(command: command, status: status)
            case "withhold-capability": fault = .withholdCapability(entry.value)
            case "add-capability": fault = .addCapability(entry.value)
            default:
                throw error(entry, "unknown key in [fault] (expected drop-after, drop-append-after, stall-after, stall-greeting, first-connection-only, reorder-fetch, fail, withhold-capability or add-capability)")
            }
            faults.append(Located(value: fault, line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)"))
        }
        guard !faults.isEmpty else { throw error(section, "a [fault] step needs at least one fault") }
        return faults
    }

    func receiverFaults(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> [Located<ReceiverFault>] {
        var transaction: Int?
        var faults: [Located<ReceiverFault>] = []
        for entry in section.entries {
            if entry.key == "message" || entry.key == "transaction" { transaction = try integer(entry, min: 1); continue }
            if entry.key == "drop-data" {
                faults.append(Located(value: ReceiverFault(stage: .data, action: .dropInData(afterBytes: try integer(entry)), transaction: nil),
                                      line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)"))
                continue
            }
            guard let stage = ReceiverFault.Stage(rawValue: entry.key) else {
                throw error(entry, "unknown key in [fault lmtp] (expected greeting, hello, mail, rcpt, data, end-of-data, drop-data or message)")
            }
            let parts = entry.value.split(separator: " ", maxSplits: 1).map(String.init)
            guard let code = parts.first.flatMap({ Int($0) }), (400...599).contains(code) else {
                throw error(entry, "expected a 4xx or 5xx reply such as '452 4.2.2 Mailbox full', got '\(entry.value)'")
            }
            faults.append(Located(value: ReceiverFault(stage: stage, action: .reply(code: code, text: parts.count > 1 ? parts[1] : "Injected failure"), transaction: nil),
                                  line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)"))
        }
        guard !faults.isEmpty else { throw error(section, "a [fault lmtp] step needs at least one fault") }
        return faults.map { var f = $0; f.value.transaction = transaction; return f }
    }

    func databaseChanges(_ section: ScenarioINI.Section) throws(ScenarioFileError) -> [Located<DatabaseChange>] {
        var changes: [Located<DatabaseChange>] = []
        for entry in section.entries {
            let w = try words(entry)
            let change: DatabaseChange
            switch entry.key {
            case "sql": change = .sql(entry.value)
            case "forget-mapping":
                guard w.count >= 2 else { throw error(entry, "expected 'forget-mapping = MAILBOX LABEL...'") }
                change = .forgetMapping(mailbox: w[0], labels: Array(w.dropFirst()))
            case "map":
                guard w.count == 3, let l = UInt32(w[1]), let r = UInt32(w[2]) else { throw error(entry, "expected 'map = MAILBOX LOCALUID REMOTEUID'") }
                change = .map(mailbox: w[0], localUID: l, remoteUID: r)
            case "catch-up":
                guard w.count == 2, ["local", "remote"].contains(w[0]) else { throw error(entry, "expected 'catch-up = local|remote MAILBOX'") }
                change = .catchUp(side: w[0], mailbox: w[1])
            default: throw error(entry, "unknown key in [change database] (expected sql, forget-mapping, map or catch-up)")
            }
            changes.append(Located(value: change, line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)"))
        }
        guard !changes.isEmpty else { throw error(section, "a [change database] step needs at least one change") }
        return changes
    }

    func serverChange(_ entry: ScenarioINI.Entry) throws(ScenarioFileError) -> Located<ServerChange> {
        func located(_ c: ServerChange) -> Located<ServerChange> {
            Located(value: c, line: entry.line, key: entry.key, text: "\(entry.key) = \(entry.value)")
        }
        /// `MAILBOX LABEL... : FLAG...`
        func flagChange() throws(ScenarioFileError) -> (String, [String], [String]) {
            let w = try words(entry)
            guard let colon = w.firstIndex(of: ":"), colon >= 2 else {
                throw error(entry, "expected '\(entry.key) = MAILBOX LABEL... : FLAG...'")
            }
            var flags: [String] = []
            for f in w[(colon + 1)...] {
                do { flags.append(try MessageSpecParser.checkFlag(f)) } catch { throw self.error(entry, error.description) }
            }
            return (w[0], Array(w[1..<colon]), flags)
        }
        func one() throws(ScenarioFileError) -> String {
            let w = try words(entry)
            guard w.count == 1 else { throw error(entry, "expected one mailbox name (quote names with blanks)") }
            return w[0]
        }
        switch entry.key {
        case "append":
            let w = try words(entry)
            guard let mailbox = w.first, w.count >= 2 else { throw error(entry, "expected 'append = MAILBOX LABEL [FLAG...] [date=...] [body=...]'") }
            // The message spec is the value after the (possibly quoted) mailbox word.
            let rest = Self.afterFirstWord(entry.value)
            let specs: [MessageSpec]
            do { specs = try MessageSpecParser(now: now).parse(rest, line: entry.line) } catch { throw self.error(entry, error.description) }
            guard specs.count == 1, let spec = specs.first else { throw error(entry, "append one message per line (no label ranges)") }
            return located(.append(mailbox: mailbox, spec))
        case "add-flags": let (m, l, f) = try flagChange(); return located(.addFlags(mailbox: m, labels: l, flags: f))
        case "remove-flags": let (m, l, f) = try flagChange(); return located(.removeFlags(mailbox: m, labels: l, flags: f))
        case "set-flags": let (m, l, f) = try flagChange(); return located(.setFlags(mailbox: m, labels: l, flags: f))
        case "expunge":
            let w = try words(entry)
            guard w.count >= 2 else { throw error(entry, "expected 'expunge = MAILBOX LABEL...'") }
            return located(.expunge(mailbox: w[0], labels: Array(w.dropFirst())))
        case "create": return located(.create(try one()))
        case "delete": return located(.delete(try one()))
        case "rename":
            let w = try words(entry)
            guard w.count == 2 else { throw error(entry, "expected 'rename = OLD NEW'") }
            return located(.rename(from: w[0], to: w[1]))
        case "subscribe": return located(.subscribe(try one()))
        case "unsubscribe": return located(.unsubscribe(try one()))
        case "uidvalidity": return located(.resetUIDValidity(mailbox: try one()))
        case "nomodseq": return located(.noModSeq(mailbox: try one()))
        case "token": return located(.replaceToken(try token(entry)))
        default:
            throw error(entry, "unknown key in [change] (expected append, add-flags, remove-flags, set-flags, expunge, create, delete, rename, subscribe, unsubscribe, uidvalidity, nomodseq or token)")
        }
    }

    /// The text after the first (possibly quoted) word.
    static func afterFirstWord(_ text: String) -> String {
        var index = text.startIndex
        var inQuotes = false
        var started = false
        while index < text.endIndex {
            let c = text[index]
            if inQuotes {
                if c == "\\" { index = text.index(after: index) } else if c == "\"" { inQuotes = false }
            } else if c == " " || c == "\t" {
                if started { break }
            } else {
                started = true
                if c == "\"" { inQuotes = true }
            }
            if index < text.endIndex { index = text.index(after: index) }
        }
        return text[index...].trimmingCharacters(in: .whitespaces)
    }

    /// Labels named in changes and expectations must be defined somewhere in the file.
    func checkReferences(_ scenario: Scenario) throws(ScenarioFileError) {
        func check(_ labels: [String], line: Int, key: String) throws(ScenarioFileError) {
            for label in labels where scenario.bodies[label] == nil {
                throw ScenarioFileError(file: file, line: line, key: key, "unknown label '\(label)' (no message has it)")
            }
        }
        for step in scenario.steps {
            switch step.kind {
            case .change(_, let changes):
                for c in changes {
                    switch c.value {
                    case .addFlags(_, let l, _), .removeFlags(_, let l, _), .setFlags(_, let l, _), .expunge(_, let l):
                        try check(l, line: c.line, key: c.key)
                    default: break
                    }
                }
            case .changeDatabase(let changes):
                for c in changes {
                    if case .forgetMapping(_, let l) = c.value { try check(l, line: c.line, key: c.key) }
                }
            default: break
            }
        }
    }
}
