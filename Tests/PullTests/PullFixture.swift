import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import TestSupport
import XCTest

/// A test message: its subject names it, so deliveries can be counted per message.
func testMessage(_ n: Int, from sender: String? = nil, padding: Int = 0) -> [UInt8] {
    var text = "From: \(sender ?? "sender\(n)@example.org")\r\nTo: rcpt@example.net\r\nSubject: message \(n)\r\n"
        + "Message-ID: <m\(n)@example.org>\r\n\r\nbody of message \(n)\r\n"
    if padding > 0 {
        let line = String(repeating: "x", count: 75) + "\r\n"
        text += String(repeating: line, count: max(1, padding / line.utf8.count))
    }
    return Array(text.utf8)
}

/// The `Subject: message N` number of a stored message, or nil.
func messageNumber(_ message: [UInt8]) -> Int? {
    let text = String(decoding: message.prefix(4096), as: UTF8.self)
    guard let range = text.range(of: "Subject: message ") else { return nil }
    return Int(text[range.upperBound...].prefix { $0.isNumber })
}

/// How many times each message number was delivered.
func deliveryCounts(_ messages: [[UInt8]]) -> [Int: Int] {
    var counts: [Int: Int] = [:]
    for message in messages { counts[messageNumber(message) ?? -1, default: 0] += 1 }
    return counts
}

/// Log lines captured from a `LogSink` (written to a file as if it were the standard error, so
/// they carry no timestamp).
final class CapturedLog {
    let path: String
    let sink: LogSink
    private let fd: Int32

    init(directory: String, debug: Bool = true) throws {
        path = directory + "/log-\(UUID().uuidString)"
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        sink = try LogSink(threshold: LogSink.threshold(quiet: false, debugLevel: debug ? 1 : 0), standardError: fd)
    }

    deinit { close(fd) }

    var lines: [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

/// An account on the in-process fake IMAP server, delivering to the in-process fake LMTP (or
/// SMTP) receiver: the engine's pull driven directly, without processes.
final class InProcessAccount {
    let store: FakeIMAPStore
    let faults = FaultScript()
    let server: FakeIMAPServer
    let receiver: FakeMailReceiver
    let directory: String
    var statefilePath: String { directory + "/statefile" }
    let log: CapturedLog
    var settings: PullSettings

    init(_ testCase: XCTestCase, transferProtocol: DeliveryMethod.TransferProtocol = .lmtp,
         configuration: FakeIMAPServerConfiguration = FakeIMAPServerConfiguration()) throws {
        store = FakeIMAPStore(delimiter: "/", firstUIDValidity: 4242)
        server = FakeIMAPServer(store: store, configuration: configuration, faults: faults)
        receiver = FakeMailReceiver(transferProtocol)
        directory = try makeTemporaryDirectory(testCase)
        log = try CapturedLog(directory: directory)
        settings = PullSettings(section: "acct", mailbox: "INBOX", recipient: "rcpt@example.net")
    }

    /// Appends messages `numbers` (each `testMessage(n)`); returns their UIDs.
    @discardableResult
    func add(_ numbers: ClosedRange<Int>, internalDate: Date = Date(), flags: Set<Flag> = []) throws -> [UInt32] {
        try numbers.map { try store.append(to: "INBOX", testMessage($0), flags: flags, internalDate: internalDate) }
    }

    var inbox: FakeMailbox? { store.mailbox("INBOX") }

    /// UIDs in the mailbox without `\Seen`.
    var unseenUIDs: [UInt32] { inbox?.messages.filter { !$0.flags.contains(.seen) }.map(\.uid) ?? [] }
    var uids: [UInt32] { inbox?.messages.map(\.uid) ?? [] }

    /// Delivery counts per message number.
    var counts: [Int: Int] { deliveryCounts(receiver.deliveries.map(\.message)) }

    /// The statefile as on disk (opened and released).
    func statefileContents() throws -> PullStatefileContents {
        let statefile = try PullStatefile.open(path: statefilePath)
        defer { statefile.close() }
        return try statefile.read()
    }

    func writeStatefile(_ state: PullMailboxState, stalled: [UInt32] = []) throws {
        let statefile = try PullStatefile.open(path: statefilePath)
        defer { statefile.close() }
        try statefile.truncateToState()
        try statefile.setState(state)
        for uid in stalled { try statefile.appendDeliveredUID(uid) }
    }

    /// A logged-in session on a new connection (COMPRESS=DEFLATE, as the fake offers it).
    func openSession() throws -> IMAPSession {
        let session = IMAPSession(stream: server.connect(), name: "acct")
        var options = ConnectionOptions()
        options.type = .tunnel
        options.compress = true
        try SessionLogin(options: options, name: "acct").login(session)
        return session
    }

    var channel: DeliveryChannel {
        let receiver = self.receiver
        let transferProtocol = receiver.configuration.transferProtocol
        return DeliveryChannel { () throws(MailDeliveryError) in
            try MailDeliverySession(stream: receiver.connect(), transferProtocol: transferProtocol, clientDomain: "pull.example")
        }
    }

    /// One pull as the program does it: lock the statefile, log in, run (idling if the settings
    /// say so, for at most `maximumCycles` cycles), log out.
    func pull(maximumCycles: Int? = nil, now: @escaping () -> Date = Date.init) throws {
        let statefile = try PullStatefile.open(path: statefilePath)
        defer { statefile.close() }
        let session = try openSession()
        defer { session.logout() }
        let channel = self.channel
        defer { channel.close() }
        let run = PullRun(settings: settings, connection: PullConnection(session: session, mailboxName: settings.mailbox),
                          statefile: statefile, channel: channel,
                          log: PullLog(sink: log.sink, section: settings.section, mailbox: settings.mailbox), now: now)
        try run.run(maximumCycles: maximumCycles)
        XCTAssertTrue(receiver.waitForSessions(timeout: 10))
    }

    /// Commands the fake server completed, by name (`UID FETCH`, `IDLE`, ...), counted.
    func countCommands() -> CommandCounter {
        let counter = CommandCounter()
        faults.afterCommand { info, _ in counter.add(info.name, arguments: info.arguments) }
        return counter
    }
}

/// Commands seen by a fake server's after-command hook.
final class CommandCounter: @unchecked Sendable {
    /// Protects `commands`.
    private let lock = NSLock()
    private var commands: [(name: String, arguments: String, time: Date)] = []

    func add(_ name: String, arguments: String) { lock.withLock { commands.append((name, arguments, Date())) } }
    func count(_ name: String) -> Int { lock.withLock { commands.filter { $0.name == name }.count } }
    func arguments(_ name: String) -> [String] { lock.withLock { commands.filter { $0.name == name }.map(\.arguments) } }
    func times(_ name: String) -> [Date] { lock.withLock { commands.filter { $0.name == name }.map(\.time) } }
}
