import Engine
import Foundation
import TestSupport
import XCTest

/// A dovecot INBOX (``DovecotFixture``) that `pullimap` — ours or the reference — pulls from over
/// a `doveadm exec imap` tunnel, with the statefile and configuration in a directory of their own.
final class DovecotAccount {
    let fixture: DovecotFixture
    let directory: String
    let pullimap: String
    var statefilePath: String { directory + "/statefile" }
    var configPath: String { directory + "/pullimap.ini" }
    private var processes: [RunningProcess] = []

    init(_ testCase: XCTestCase) throws {
        fixture = try DovecotFixture()
        pullimap = try RequiredTool.product("pullimap")
        directory = try makeTemporaryDirectory(testCase, prefix: "pullimap-dovecot")
        testCase.addTeardownBlock { [fixture] in fixture.cleanUp() }
    }

    deinit {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs `body` on a new session with INBOX selected.
    @discardableResult
    func withInbox<T>(_ body: (IMAPSession) throws -> T) throws -> T {
        let session = IMAPSession(stream: try fixture.openStream(), name: "test")
        defer { session.logout() }
        var options = ConnectionOptions()
        options.type = .tunnel
        options.compress = false
        try SessionLogin(options: options, name: "test").login(session)
        try session.execute(.select(.inbox))
        return try body(session)
    }

    /// Appends messages `numbers` (MULTIAPPEND, 100 at a time).
    func add(_ numbers: ClosedRange<Int>, padding: (Int) -> Int = { _ in 0 }, internalDate: InternalDate? = nil) throws {
        try withInbox { session in
            for chunk in stride(from: numbers.lowerBound, through: numbers.upperBound, by: 100) {
                let last = min(chunk + 99, numbers.upperBound)
                let messages = (chunk...last).map { AppendMessage(internalDate: internalDate, body: testMessage($0, padding: padding($0))) }
                try session.execute(.append(.inbox, messages: messages))
            }
        }
    }

    func uidValidity() throws -> UInt32 {
        var value: UInt32?
        try withInbox { session in
            try session.execute(.examine(.inbox)) { event in
                if case .untagged(.ok(let text)) = event, case .uidValidity(let v)? = text.code { value = v }
            }
        }
        return try XCTUnwrap(value)
    }

    private func search(_ key: SearchKey) throws -> [UInt32] {
        var uids: [UInt32] = []
        try withInbox { session in
            try session.execute(.uidSearch(key)) { event in
                if case .untagged(.search(let response)) = event { uids.append(contentsOf: response.numbers) }
            }
        }
        return uids.sorted()
    }

    func unseenUIDs() throws -> [UInt32] { try search(.unseen) }
    func allUIDs() throws -> [UInt32] { try search(.all) }

    func statefileContents() throws -> PullStatefileContents {
        let statefile = try PullStatefile.open(path: statefilePath)
        defer { statefile.close() }
        return try statefile.read()
    }

    func writeConfiguration(deliverMethod: String, extra: [String] = []) throws {
        let lines = [
            "[acct]",
            "type = tunnel",
            "command = \(fixture.tunnelCommand)",
            "null-stderr = YES",
            "statefile = \(statefilePath)",
            "deliver-method = \(deliverMethod)",
            "deliver-ehlo = pull.example",
            "deliver-rcpt = \(fixture.user)",
        ] + extra
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Runs our pullimap (or, with `reference`, /usr/bin/pullimap) on the configuration.
    func run(_ arguments: [String] = [], reference: Bool = false, crashAt: String? = nil, timeout: TimeInterval = 120,
             file: StaticString = #filePath, line: UInt = #line) throws -> PullimapExit {
        try ExecutableRun.run(reference ? try Self.referencePullimap() : pullimap, ["--config=" + configPath] + arguments + ["acct"],
                              crashAt: crashAt, stderrPath: directory + "/stderr-\(UUID().uuidString)", timeout: timeout,
                              file: file, line: line)
    }

    /// Starts pullimap in the background (e.g. with `--idle`).
    func start(_ arguments: [String], reference: Bool = false, stderrPath: String) throws -> RunningProcess {
        let process = try ExecutableRun.start(reference ? try Self.referencePullimap() : pullimap,
                                              ["--config=" + configPath] + arguments + ["acct"], stderrPath: stderrPath)
        processes.append(process)
        return process
    }

    static func referencePullimap(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try RequiredTool.require("/usr/bin/pullimap", file: file, line: line)
    }
}
