import Engine
import FakeIMAPServer
import Foundation

/// A server played by fake-imapd: its store lives in a state file that every fake-imapd process
/// the engine starts (one per connection) shares with the runner, under the file's lock.
final class FakeServerBackend: ServerBackend {
    let name: String
    let statePath: String
    let fakeIMAPD: String
    private var spec: ServerSpec?

    init(name: String, directory: String, fakeIMAPD: String) {
        self.name = name
        self.statePath = (directory as NSString).appendingPathComponent("\(name).json")
        self.fakeIMAPD = fakeIMAPD
    }

    private var stateFile: FakeIMAPStateFile { FakeIMAPStateFile(path: statePath) }

    func setUp(_ spec: ServerSpec) throws {
        self.spec = spec
        let store = FakeIMAPStore(delimiter: spec.delimiter, firstUIDValidity: spec.firstUIDValidity)
        for box in spec.mailboxes {
            if store.mailbox(box.name) == nil { try store.createMailbox(box.name) }
            for m in box.messages {
                try store.append(to: box.name, m.body, flags: Set(m.flags.map(Flag.init)), internalDate: m.internalDate,
                                 timeZoneOffset: m.timeZoneOffsetSeconds)
            }
            if box.noModSeq { try store.setNoModSeq(box.name, true) }
        }
        for name in spec.subscriptions { store.subscribe(name) }
        try stateFile.save(store)
    }

    func apply(_ change: ServerChange, labels: LabelIndex) throws {
        if case .replaceToken(let token) = change {
            spec?.tokens.removeAll { $0.user == token.user }
            spec?.tokens.append(token)
            return
        }
        let file = stateFile
        try file.withLock {
            let store = try file.loadStore()
            try Self.apply(change, to: store, labels: labels)
            try file.save(store)
        }
    }

    static func uids(_ labelNames: [String], in mailbox: String, of store: FakeIMAPStore, labels: LabelIndex) throws -> SequenceSet {
        guard let box = store.mailbox(mailbox) else { throw RunnerError("no mailbox '\(mailbox)'") }
        let snapshot = Self.snapshot(of: box)
        var set = SequenceSet()
        for label in labelNames {
            let found = labels.uids(of: label, in: snapshot)
            guard !found.isEmpty else { throw RunnerError("no message '\(label)' in \(mailbox)") }
            for uid in found { set.insert(uid) }
        }
        return set
    }

    static func apply(_ change: ServerChange, to store: FakeIMAPStore, labels: LabelIndex) throws {
        do {
            switch change {
            case let .append(mailbox, m):
                try store.append(to: mailbox, m.body, flags: Set(m.flags.map(Flag.init)), internalDate: m.internalDate,
                                 timeZoneOffset: m.timeZoneOffsetSeconds)
            case let .addFlags(mailbox, l, flags):
                try store.store(in: mailbox, uids: uids(l, in: mailbox, of: store, labels: labels), flags: Set(flags.map(Flag.init)), .add)
            case let .removeFlags(mailbox, l, flags):
                try store.store(in: mailbox, uids: uids(l, in: mailbox, of: store, labels: labels), flags: Set(flags.map(Flag.init)), .remove)
            case let .setFlags(mailbox, l, flags):
                try store.store(in: mailbox, uids: uids(l, in: mailbox, of: store, labels: labels), flags: Set(flags.map(Flag.init)), .replace)
            case let .expunge(mailbox, l):
                try store.expunge(in: mailbox, uids: uids(l, in: mailbox, of: store, labels: labels))
            case .create(let name): try store.createMailbox(name)
            case .delete(let name): try store.deleteMailbox(name)
            case let .rename(from, to): try store.renameMailbox(from, to: to)
            case .subscribe(let name): store.subscribe(name)
            case .unsubscribe(let name): store.unsubscribe(name)
            case .resetUIDValidity(let mailbox): try store.setUIDValidity(mailbox, renumber: true)
            case .noModSeq(let mailbox): try store.setNoModSeq(mailbox, true)
            case .replaceToken: break  // server configuration, not store content: see apply(_:labels:)
            }
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError(String(describing: error))
        }
    }

    func moveInternalDates(back seconds: TimeInterval) throws {
        let file = stateFile
        try file.withLock {
            guard let data = FileManager.default.contents(atPath: statePath),
                  var document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  var boxes = document["mailboxes"] as? [[String: Any]] else {
                throw RunnerError("state file \(statePath) is not a fake-imapd state document")
            }
            for b in boxes.indices {
                guard var messages = boxes[b]["messages"] as? [[String: Any]] else { continue }
                for m in messages.indices {
                    if let date = (messages[m]["internalDate"] as? NSNumber)?.int64Value {
                        messages[m]["internalDate"] = date - Int64(seconds)
                    }
                }
                boxes[b]["messages"] = messages
            }
            document["mailboxes"] = boxes
            let moved = try JSONSerialization.data(withJSONObject: document)
            try file.save(FakeIMAPStore(encodedState: moved))
        }
    }

    static func snapshot(of box: FakeMailbox) -> MailboxSnapshot {
        MailboxSnapshot(uidValidity: box.uidValidity, uidNext: box.uidNext, highestModSeq: box.advertisedHighestModSeq,
                        messages: box.messages.map { m in
                            MessageSnapshot(uid: m.uid, flags: m.flags.subtracting([.recent]).map(\.rawValue).sorted(),
                                            internalDate: Int64(m.internalDate.timeIntervalSince1970.rounded(.down)), body: m.body)
                        })
    }

    func snapshot() throws -> ServerSnapshot {
        let store = try stateFile.loadStore()
        var boxes: [String: MailboxSnapshot] = [:]
        for box in store.mailboxes { boxes[box.name] = Self.snapshot(of: box) }
        return ServerSnapshot(delimiter: store.delimiter, mailboxes: boxes, subscriptions: store.subscriptions)
    }

    func tunnelCommand(faults: [ServerFault]) -> String {
        var words = [fakeIMAPD, "--state", statePath]
        if let spec {
            if let profile = spec.profile { words += ["--profile", profile] }
            if let n = spec.messageLimit { words += ["--message-limit", String(n)] }
            if let caps = spec.capabilities { words += ["--capabilities", caps.joined(separator: " ")] }
            for c in spec.addCapabilities { words += ["--add-capability", c] }
            for c in spec.withheldCapabilities { words += ["--withhold-capability", c] }
            if let login = spec.login { words += ["--user", login.user, "--password", login.password] }
            for t in spec.tokens { words += ["--token", "\(t.user):\(t.token):\(t.state)"] }
            if let m = spec.authMechanisms { words += ["--auth-mechanisms", m.joined(separator: " ")] }
            if spec.loginDisabled { words.append("--login-disabled") }
            if let scope = spec.oauthScope { words += ["--oauth-scope", scope] }
            if spec.scramWrongSignature { words.append("--scram-wrong-signature") }
        }
        for fault in faults { words += fault.fakeIMAPDArguments }
        return Shell.join(words)
    }

    func tearDown() {}
}
