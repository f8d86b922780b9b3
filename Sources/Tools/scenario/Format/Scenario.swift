import Foundation

/// A scenario: servers and their initial content, the engine's configuration, an ordered list of
/// steps (runs, changes by other clients, faults, crashes, time passing, expectations).
/// Read from a plain INI file by `ScenarioParser`; the format is described in Scenarios/README.md.
struct Scenario {
    /// Which engine can pass the scenario.
    enum EngineRequirement: Equatable {
        /// Any drop-in implementation, the reference included.
        case any
        /// Only ours: it uses crash points, or expects behaviour where we improve on the reference.
        case ours(reason: String)
    }

    var file: String
    var name: String
    var description: String
    var engine: EngineRequirement
    /// Seconds a foreground run may take before it is killed and the scenario fails.
    var runTimeout: TimeInterval
    var servers: [ServerSpec]
    /// Lines of the generated interimap configuration: `""` is the default section, else a server.
    var interimapOptions: [String: [ConfigLine]]
    var pullimapSections: [PullimapSectionSpec]
    var receiver: ReceiverSpec
    var steps: [Step]
    /// Every labelled message body of the scenario (initial content and appends).
    var bodies: [String: [UInt8]]
    /// Why the scenario cannot run against real dovecot stores (empty: it can).
    var fakeOnlyReasons: [String]

    func server(_ name: String) -> ServerSpec? { servers.first { $0.name == name } }
}

/// One configuration line passed through to the engine's configuration file.
struct ConfigLine: Equatable {
    var key: String
    var value: String
    var line: Int
}

/// A fake (or dovecot) server and what it holds before the first step.
struct ServerSpec {
    var name: String
    var line: Int
    var delimiter: Character = "/"
    /// UIDVALIDITY of the first mailbox created (INBOX); later ones count up.
    var firstUIDValidity: UInt32
    /// A provider profile (`FakeIMAPServer/Profiles`): its capabilities and quirks on the fake,
    /// its capabilities on dovecot (`imap_capability`).
    var profile: String?
    /// RFC 9738 MESSAGELIMIT (fake only; overrides the profile's).
    var messageLimit: Int?
    /// Replaces the default capability list.
    var capabilities: [String]?
    var addCapabilities: [String] = []
    var withheldCapabilities: [String] = []
    /// LOGIN instead of PREAUTH.
    var login: (user: String, password: String)?
    /// OAuth access tokens the server accepts (or refuses as expired / without the mail scope).
    var tokens: [ServerToken] = []
    /// SASL mechanisms offered before login (default: the fake's PLAIN LOGIN).
    var authMechanisms: [String]?
    /// LOGINDISABLED: no LOGIN, no plaintext SASL.
    var loginDisabled = false
    /// The scope the server names in its OAuth errors.
    var oauthScope: String?
    /// A SCRAM server that does not know the password (sends a wrong signature).
    var scramWrongSignature = false

    /// Whether the server needs more than PREAUTH.
    var requiresLogin: Bool { login != nil || !tokens.isEmpty }
    var mailboxes: [MailboxSpec] = []
    var subscriptions: [String] = []
}

/// `token = USER TOKEN [valid|expired|insufficient-scope]`: an access token of a server account.
struct ServerToken: Equatable {
    var user: String
    var token: String
    var state: String
}

/// A mailbox of a server's initial content.
struct MailboxSpec {
    var name: String
    var line: Int
    var messages: [MessageSpec] = []
    var noModSeq = false
}

/// A message: a label naming it in the scenario, flags, an internal date and a body.
struct MessageSpec: Equatable {
    var label: String
    var flags: [String]
    var internalDate: Date
    var timeZoneOffsetSeconds: Int
    var body: [UInt8]
    var line: Int
}

/// A pullimap configuration section, pulling from one of the servers.
struct PullimapSectionSpec {
    var name: String
    var server: String
    var options: [ConfigLine]
    var line: Int
}

/// The fake LMTP (or SMTP) receiver pullimap delivers to.
struct ReceiverSpec {
    var transferProtocol = "lmtp"
}

/// One step of a scenario, in file order.
struct Step {
    var kind: Kind
    var line: Int
    /// The section header as written, for reports.
    var title: String

    enum Kind {
        case run(RunSpec)
        case stop(signal: Int32)
        case wait(WaitSpec)
        case change(server: String, [Located<ServerChange>])
        case changeDatabase([Located<DatabaseChange>])
        case fault(server: String, [Located<ServerFault>])
        case receiverFault([Located<ReceiverFault>])
        case crash(point: String, count: Int)
        case advanceTime(seconds: TimeInterval)
        /// Writes a file below the workspace's HOME (a token helper's output, a password file).
        case writeFile(path: String, text: String)
        case expect([Located<Expectation>])
    }
}

/// A value with the line and key that wrote it.
struct Located<Value> {
    var value: Value
    var line: Int
    var key: String
    /// The whole setting as written, for reports (`flags remote INBOX one = \Seen`).
    var text: String
}

enum Program: String, Equatable {
    case interimap, pullimap
}

struct RunSpec {
    var program: Program
    var arguments: [String]
    /// pullimap's SECTION.
    var section: String?
    /// Leave it running (watch, notify, idle loops) until a `[stop]` step.
    var background: Bool
    var timeout: TimeInterval?
    /// `engine = reference`: this run is the reference interimap's, on the same servers and
    /// database (to prove it can take over a database ours left, e.g. after a crash).
    var reference = false
    /// `kill-after = S`: SIGKILL the run (its process group) after S seconds if it is still
    /// going, as a crash at no named point (any engine, the reference too).
    var killAfter: TimeInterval?
}

struct WaitSpec {
    /// Wait until the background run's output has a line containing this (or matching
    /// `logPattern`) ...
    var logText: String?
    var logPattern: String?
    /// ... this many times.
    var logTimes = 1
    /// Or until this many deliveries were recorded.
    var deliveries: Int?
    /// Or just sleep.
    var seconds: TimeInterval?
    var timeout: TimeInterval
}

/// A change made by another client on a server.
enum ServerChange {
    case append(mailbox: String, MessageSpec)
    case addFlags(mailbox: String, labels: [String], flags: [String])
    case removeFlags(mailbox: String, labels: [String], flags: [String])
    case setFlags(mailbox: String, labels: [String], flags: [String])
    case expunge(mailbox: String, labels: [String])
    case create(String)
    case delete(String)
    case rename(from: String, to: String)
    case subscribe(String)
    case unsubscribe(String)
    /// A new UIDVALIDITY, messages renumbered from 1 (fake only).
    case resetUIDValidity(mailbox: String)
    /// The mailbox stops supporting persistent mod-sequences (fake only).
    case noModSeq(mailbox: String)
    /// The server now accepts this token for the user instead of the earlier ones (a token
    /// refresh; fake only, from the next connection on).
    case replaceToken(ServerToken)
}

/// A change made to interimap's database behind its back (to create the anomalies `--repair` finds).
enum DatabaseChange {
    case sql(String)
    /// Delete the mapping rows of these labels.
    case forgetMapping(mailbox: String, labels: [String])
    /// Insert a mapping row.
    case map(mailbox: String, localUID: UInt32, remoteUID: UInt32)
    /// Set the side's UIDNEXT and HIGHESTMODSEQ to the server's current values, so that the
    /// next QRESYNC reports none of the changes made meanwhile.
    case catchUp(side: String, mailbox: String)
}

/// A fault armed in a fake server for the next run only.
enum ServerFault: Equatable {
    case dropAfter(command: String, responses: Int)
    case dropAppendAfter(messages: Int)
    case stallAfter(command: String, responses: Int)
    case stallGreeting(connections: Int)
    /// The other faults hit the run's first connection only (a reconnecting client finds a
    /// working server).
    case firstConnectionOnly
    case reorderFetch(command: String)
    case fail(command: String, status: String)
    case withholdCapability(String)
    case addCapability(String)

    /// The fake-imapd options that arm it.
    var fakeIMAPDArguments: [String] {
        switch self {
        case let .dropAfter(command, n): return ["--drop-after", "\(command):\(n)"]
        case let .dropAppendAfter(n): return ["--drop-append-after", String(n)]
        case let .stallAfter(command, n): return ["--stall-after", "\(command):\(n)"]
        case let .stallGreeting(n): return ["--stall-greeting", String(n)]
        case .firstConnectionOnly: return []  // the backend adds --faults-once with a file of its own
        case let .reorderFetch(command): return ["--reorder-fetch", command]
        case let .fail(command, status): return ["--fail", "\(command):\(status)"]
        case let .withholdCapability(c): return ["--withhold-capability", c]
        case let .addCapability(c): return ["--add-capability", c]
        }
    }
}

/// A fault armed in the fake LMTP/SMTP receiver for the next run only.
struct ReceiverFault: Equatable {
    enum Stage: String, CaseIterable {
        case greeting, hello, mail, rcpt, data
        case endOfData = "end-of-data"
    }
    enum Action: Equatable {
        /// Answer with this reply line (`452 4.2.2 Mailbox full`).
        case reply(code: Int, text: String)
        /// Drop the connection after this many bytes of message data.
        case dropInData(afterBytes: Int)
    }
    var stage: Stage
    var action: Action
    /// Only in this transaction (1-based, counted within the run); nil: every time.
    var transaction: Int?
}

/// Something that must be true at an `[expect]` step.
enum Expectation {
    enum ExitStatus: Equatable {
        case code(Int32)
        case nonzero
        case killed
        case signal
        case any
    }
    /// A number, or the server's current value (`current`).
    enum Counter: Equatable {
        case value(UInt64)
        case current
    }

    case exit(ExitStatus)
    case logContains(String)
    case logMatches(String)
    case logLacks(String)
    case equal(Bool)
    case messages(server: String, mailbox: String, labels: [String])
    /// Each of these messages is in the mailbox (in any order, beside others).
    case present(server: String, mailbox: String, labels: [String])
    /// None of these messages is in the mailbox (an expunged message never comes back).
    case absent(server: String, mailbox: String, labels: [String])
    case flags(server: String, mailbox: String, label: String, flags: [String])
    case count(server: String, mailbox: String, count: Int)
    case mailboxes(server: String, names: [String])
    case subscribed(server: String, names: [String])
    case noDuplicates
    case uidNext(server: String, mailbox: String, Counter)
    case uidValidity(server: String, mailbox: String, Counter)
    case databaseMailboxes([String])
    case databaseUIDNext(side: String, mailbox: String, Counter)
    case databaseHighestModSeq(side: String, mailbox: String, Counter)
    case databaseUIDValidity(side: String, mailbox: String, Counter)
    /// `complete`: one row per message present on both sides; otherwise label or `lUID:rUID` words.
    case databaseMapping(mailbox: String, complete: Bool, entries: [String])
    /// Words: numbers, `uidvalidity`/`uidnext` (the server's current values), or `absent`.
    case statefile(section: String, words: [String])
    case delivered(labels: [String])
    case deliveredCount(Int)
    case deliveredTo([String])
    /// The messages of a maildir (`new/` and `cur/`) or an mbox file pullimap delivered to, by
    /// label; the path is relative to `$XDG_DATA_HOME/pullimap` of the workspace.
    case localStore(kind: LocalStoreKind, path: String, labels: [String])
}

/// A local mail store a scenario's pullimap delivers to (`deliver-method = maildir:…/mbox:…`).
enum LocalStoreKind: String {
    case maildir
    case mbox
}
