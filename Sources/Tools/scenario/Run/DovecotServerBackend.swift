import Engine
import FakeIMAPServer
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A server played by a real dovecot store (maildir, `LAYOUT=fs`, the scenario's hierarchy
/// delimiter), spoken to over `doveadm exec imap` as the unprivileged test user (dovecot refuses
/// to run as root; DESIGN.md, "Real servers in tests"). The runner reads and changes it over IMAP,
/// as another client would; the engine reaches it through the same command as a tunnel.
final class DovecotServerBackend: ServerBackend {
    static let doveadm = "/usr/bin/doveadm"
    static let setpriv = "/usr/bin/setpriv"
    /// dovecot's imap binary, run directly when a profile restricts the capabilities:
    /// `doveadm exec imap` does not apply `imap_capability` (dovecot 2.3.19), the binary does.
    static let imapBinary = "/usr/lib/dovecot/imap"

    let name: String
    let directory: String
    let user: String
    private var delimiter: Character = "/"
    private var restricted = false
    private var configPath: String { (directory as NSString).appendingPathComponent("dovecot.conf") }

    init(name: String, root: String, user: String = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest") throws {
        self.name = name
        self.user = user
        for tool in [Self.doveadm, Self.setpriv] where !FileManager.default.isExecutableFile(atPath: tool) {
            throw RunnerError("\(tool) is missing (install dovecot-imapd and util-linux: scripts/setup.sh)")
        }
        guard getpwnam(user) != nil else { throw RunnerError("the test user '\(user)' does not exist (scripts/setup.sh creates it)") }
        // The runner's workspace may sit below a directory the test user cannot enter.
        directory = "/tmp/scenario-dovecot-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))"
    }

    func setUp(_ spec: ServerSpec) throws {
        delimiter = spec.delimiter
        restricted = !Self.capabilitySetting(spec).isEmpty
        guard let pw = getpwnam(user) else { throw RunnerError("the test user '\(user)' does not exist") }
        let config = """
            ssl = no
            mail_location = maildir:\(directory)/mail:LAYOUT=fs
            mail_home = \(directory)/home
            log_path = \(directory)/dovecot.log
            mail_fsync = never
            # Other sessions' changes reach IDLE/NOTIFY sessions within a second even without inotify.
            mailbox_idle_check_interval = 1 secs
            \(Self.capabilitySetting(spec))namespace inbox {
              inbox = yes
              separator = \(spec.delimiter)
            }

            """
        for sub in ["", "/mail", "/home"] {
            try FileManager.default.createDirectory(atPath: directory + sub, withIntermediateDirectories: true)
            chown(directory + sub, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        chown(configPath, pw.pointee.pw_uid, pw.pointee.pw_gid)

        try withSession { session in
            for box in spec.mailboxes {
                if box.noModSeq { throw RunnerError("dovecot cannot make a mailbox NOMODSEQ") }
                if box.name.uppercased() != "INBOX" { try session.execute(.create(MailboxName(box.name))) }
                for m in box.messages { try append(m, to: box.name, session) }
            }
            for s in spec.subscriptions { try session.execute(.subscribe(MailboxName(s))) }
        }
    }

    private func append(_ m: MessageSpec, to mailbox: String, _ session: IMAPSession) throws {
        let date = InternalDate(date: m.internalDate, zoneOffsetMinutes: m.timeZoneOffsetSeconds / 60)
        try session.execute(.append(MailboxName(mailbox), messages: [AppendMessage(flags: m.flags.map(Flag.init), internalDate: date, body: m.body)]))
    }

    /// `imap_capability` restricting what dovecot advertises to a provider profile's list (the
    /// ones dovecot implements), so the engine takes the same fallbacks on a real server as on
    /// the fake; dovecot still answers what it was asked, and the profile's quirks are the fake's.
    static func capabilitySetting(_ spec: ServerSpec) -> String {
        guard let name = spec.profile, name != "dovecot", let profile = ProviderProfile.named(name) else { return "" }
        let known = Set(dovecotCapabilities + ["LITERAL-"])  // dovecot takes any literal; LITERAL- only limits the client
        let kept = profile.capabilities.filter { known.contains($0.uppercased()) }
        return "imap_capability = " + kept.joined(separator: " ") + "\n"
    }

    /// What this dovecot (2.3, without the imap_zlib plugin) advertises by default.
    static let dovecotCapabilities = [
        "IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "SORT", "SORT=DISPLAY", "THREAD=REFERENCES",
        "THREAD=REFS", "THREAD=ORDEREDSUBJECT", "MULTIAPPEND", "URL-PARTIAL", "CATENATE", "UNSELECT", "CHILDREN", "NAMESPACE",
        "UIDPLUS", "LIST-EXTENDED", "I18NLEVEL=1", "CONDSTORE", "QRESYNC", "ESEARCH", "ESORT", "SEARCHRES", "WITHIN",
        "CONTEXT=SEARCH", "LIST-STATUS", "BINARY", "MOVE", "SNIPPET=FUZZY", "PREVIEW=FUZZY", "PREVIEW", "STATUS=SIZE",
        "SAVEDATE", "LITERAL+", "NOTIFY", "SPECIAL-USE",
    ]

    /// The argument vector reaching dovecot as the test user.
    private var commandWords: [String] {
        [Self.setpriv, "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "env", "USER=\(user)", "HOME=\(directory)",
         ] + (restricted ? [Self.imapBinary, "-c", configPath] : [Self.doveadm, "-c", configPath, "exec", "imap"])
    }

    /// Runs `body` on a new IMAP session (PREAUTH), then logs out.
    private func withSession<T>(_ body: (IMAPSession) throws -> T) throws -> T {
        // The engine's tunnel transport: a socketpair to the command, reaped on close.
        let stream: ByteStream
        do { stream = try TunnelStream.spawn(command: Shell.join(commandWords), nullStderr: true) } catch {
            throw RunnerError("dovecot (\(name)): \(error)")
        }
        let session = IMAPSession(stream: stream, name: name)
        defer { session.logout() }
        do {
            guard case .preAuthenticated = try session.readGreeting() else { throw RunnerError("dovecot did not greet with PREAUTH") }
            return try body(session)
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError("dovecot (\(name)): \(error)")
        }
    }

    /// UIDs of the labelled messages in the selected mailbox.
    private func uids(_ labelNames: [String], mailbox: String, labels: LabelIndex, _ session: IMAPSession) throws -> SequenceSet {
        let box = try fetchMailbox(mailbox, session, select: true)
        var set = SequenceSet()
        for label in labelNames {
            let found = labels.uids(of: label, in: box)
            guard !found.isEmpty else { throw RunnerError("no message '\(label)' in \(mailbox)") }
            for uid in found { set.insert(uid) }
        }
        return set
    }

    func apply(_ change: ServerChange, labels: LabelIndex) throws {
        try withSession { session in
            switch change {
            case let .append(mailbox, m): try append(m, to: mailbox, session)
            case let .addFlags(mailbox, l, flags), let .removeFlags(mailbox, l, flags), let .setFlags(mailbox, l, flags):
                let set = try uids(l, mailbox: mailbox, labels: labels, session)
                let operation: StoreOperation
                switch change {
                case .addFlags: operation = StoreOperation(.add, silent: true)
                case .removeFlags: operation = StoreOperation(.remove, silent: true)
                default: operation = StoreOperation(.replace, silent: true)
                }
                try session.execute(.uidStore(set, operation: operation, flags: flags.map(Flag.init)))
            case let .expunge(mailbox, l):
                let set = try uids(l, mailbox: mailbox, labels: labels, session)
                try session.execute(.uidStore(set, operation: StoreOperation(.add, silent: true), flags: [.deleted]))
                try session.execute(.uidExpunge(set))
            case .create(let n): try session.execute(.create(MailboxName(n)))
            case .delete(let n): try session.execute(.delete(MailboxName(n)))
            case let .rename(from, to): try session.execute(.rename(from: MailboxName(from), to: MailboxName(to)))
            case .subscribe(let n): try session.execute(.subscribe(MailboxName(n)))
            case .unsubscribe(let n): try session.execute(.unsubscribe(MailboxName(n)))
            case .resetUIDValidity, .noModSeq, .replaceToken:
                throw RunnerError("this change needs the fake server")
            }
        }
    }

    func moveInternalDates(back seconds: TimeInterval) throws {
        throw RunnerError("time passing needs the fake server")
    }

    /// Selects (or examines) the mailbox and reads every message.
    private func fetchMailbox(_ mailbox: String, _ session: IMAPSession, select: Bool) throws -> MailboxSnapshot {
        var status = MailboxStatus()
        try session.execute(.status(MailboxName(mailbox), items: [.uidNext, .uidValidity, .highestModSeq, .messages])) { event in
            if case .untagged(.status(_, let s)) = event { status = s }
        }
        let name = MailboxName(mailbox)
        try session.execute(select ? .select(name) : .examine(name))
        var messages: [MessageSnapshot] = []
        if (status.messages ?? 1) > 0 {
            var current = MessageSnapshot(uid: 0, flags: [], internalDate: 0, body: [])
            try session.execute(.uidFetch(SequenceSet(ranges: [1...UInt32.max]), items: [.uid, .flags, .internalDate, .body(section: .complete, peek: true)])) { event in
                switch event {
                case .fetchStart: current = MessageSnapshot(uid: 0, flags: [], internalDate: 0, body: [])
                case .fetchAttribute(.uid(let u)): current.uid = u
                case .fetchAttribute(.flags(let f)): current.flags = f.filter { $0 != .recent }.map(\.rawValue).sorted()
                case .fetchAttribute(.internalDate(let d)): current.internalDate = Int64(d.date.timeIntervalSince1970)
                case .fetchBodyChunk(let bytes): current.body += bytes
                case .fetchEnd: if current.uid > 0 { messages.append(current) }
                default: break
                }
            }
        }
        return MailboxSnapshot(uidValidity: status.uidValidity ?? 0, uidNext: status.uidNext ?? 0, highestModSeq: status.highestModSeq ?? 0,
                               messages: messages.sorted { $0.uid < $1.uid })
    }

    func snapshot() throws -> ServerSnapshot {
        try withSession { session in
            var names: [String] = []
            try session.execute(.list(reference: MailboxName(wire: ""), patterns: [MailboxName(wire: "*")])) { event in
                if case .untagged(.list(let listing)) = event,
                   !listing.attributes.contains(where: { ["\\noselect", "\\nonexistent"].contains($0.rawValue.lowercased()) }) {
                    names.append(listing.name.displayName)
                }
            }
            var subscriptions: [String] = []
            try session.execute(.lsub(reference: MailboxName(wire: ""), pattern: MailboxName(wire: "*"))) { event in
                if case .untagged(.lsub(let listing)) = event { subscriptions.append(listing.name.displayName) }
            }
            var boxes: [String: MailboxSnapshot] = [:]
            for n in names {
                boxes[n] = try fetchMailbox(n, session, select: false)
            }
            return ServerSnapshot(delimiter: delimiter, mailboxes: boxes, subscriptions: subscriptions.sorted())
        }
    }

    func tunnelCommand(faults: [ServerFault]) -> String {
        Shell.join(commandWords)
    }

    func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
