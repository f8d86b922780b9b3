import Engine
import Foundation
import TestSupport
import XCTest

/// Several sections per run, `--all`, `--status-only`, `--serverinfo` and `--idle`'s
/// reconnection, with the `pullimap` executable on fake-imapd.
final class PullimapModesTests: XCTestCase {
    /// Writes a file of sections `names` on the account's server, each with its own statefile;
    /// `deliverMethods` overrides a section's `deliver-method`.
    private func writeSections(_ account: ProcessAccount, _ names: [String], deliverMethods: [String: String] = [:]) throws {
        var text = "deliver-rcpt = rcpt@example.net\ntype = tunnel\ncommand = \(account.fakeCommand())\n"
        for name in names {
            text += "\n[\(name)]\nstatefile = \(account.directory)/state-\(name)\n"
            text += "deliver-method = \(deliverMethods[name] ?? "lmtp:[127.0.0.1]:\(account.port)")\n"
        }
        try text.write(toFile: account.configPath, atomically: true, encoding: .utf8)
    }

    private func run(_ account: ProcessAccount, _ arguments: [String]) throws -> (exit: PullimapExit, stdout: String) {
        let stdoutPath = account.directory + "/stdout-\(UUID().uuidString)"
        let exit = try ExecutableRun.run(account.pullimap, ["--config=" + account.configPath] + arguments,
                                         stderrPath: account.directory + "/stderr-\(UUID().uuidString)", stdoutPath: stdoutPath)
        XCTAssertTrue(account.receiver.waitForSessions(timeout: 10))
        return (exit, (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "")
    }

    private func state(_ account: ProcessAccount, _ name: String) throws -> PullStatefileContents? {
        try PullStatefile.peek(path: account.directory + "/state-" + name)
    }

    func testSeveralSectionsInOneRunEachWithItsOwnStatefile() throws {
        let account = try ProcessAccount(self)
        try account.add(1...2)
        try writeSections(account, ["one", "two", "three"])
        let result = try run(account, ["one", "three"])
        XCTAssertEqual(result.exit.status, 0, result.exit.stderr)
        XCTAssertEqual(account.counts, [1: 2, 2: 2], "both sections delivered every message")
        XCTAssertEqual(try state(account, "one"), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 3)))
        XCTAssertEqual(try state(account, "three"), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 3)))
        XCTAssertNil(try state(account, "two"), "a section not named is not pulled")
        XCTAssertTrue(result.exit.stderr.contains("one(INBOX): UID 1 from <"), result.exit.stderr)
        XCTAssertTrue(result.exit.stderr.contains("three(INBOX): UID 2 from <"), result.exit.stderr)
    }

    func testAllPullsEverySectionAndAFailingOneDoesNotStopTheOthers() throws {
        let account = try ProcessAccount(self)
        try account.add(1...1)
        try writeSections(account, ["a", "broken", "c"], deliverMethods: ["broken": "lmtp:[127.0.0.1]:9"])
        let result = try run(account, ["--all"])
        XCTAssertEqual(result.exit.status, ExitStatus.unavailable.rawValue, "the worst status: \(result.exit.stderr)")
        XCTAssertEqual(account.counts, [1: 2], "a and c delivered")
        XCTAssertEqual(try state(account, "c")?.state?.uidNext, 2)
        XCTAssertTrue(result.exit.stderr.contains("broken(INBOX): ERROR: UID 1 will be retried on the next run: cannot connect"),
                      result.exit.stderr)
    }

    func testWorstExitStatus() {
        XCTAssertEqual(PullimapProgram.worst([.success, .success]), .success)
        XCTAssertEqual(PullimapProgram.worst([.success, .temporaryFailure]), .temporaryFailure)
        XCTAssertEqual(PullimapProgram.worst([.temporaryFailure, .dataError, .unavailable]), .dataError)
    }

    func testUsageErrorsOfTheNewOptions() throws {
        let account = try ProcessAccount(self)
        try writeSections(account, ["a"])
        for (arguments, message) in [(["--all", "a"], "--all takes no SECTION"), (["a", "a"], "section 'a' is given twice"),
                                     (["--status-only", "--serverinfo", "a"], "cannot be combined"),
                                     (["--status-only", "--idle", "a"], "--idle cannot be combined with --status-only")] {
            let result = try run(account, arguments)
            XCTAssertEqual(result.exit.status, 64, "\(arguments)")
            XCTAssertTrue(result.exit.stderr.contains(message), "\(arguments): \(result.exit.stderr)")
        }
        let unknown = try run(account, ["a", "nope"])
        XCTAssertEqual(unknown.exit.status, ExitStatus.configuration.rawValue, unknown.exit.stderr)
        XCTAssertTrue(unknown.exit.stderr.contains("no [nope] section"), unknown.exit.stderr)
    }

    func testStatusOnlyCountsWaitingMessagesWithoutDelivering() throws {
        let account = try ProcessAccount(self)
        try account.add(1...2, padding: 1000)
        try writeSections(account, ["a", "b"])
        XCTAssertEqual(try run(account, ["a"]).exit.status, 0)
        try account.add(3...5, padding: 1000)
        let sizes = try account.inbox().messages.filter { $0.uid >= 3 }.reduce(0) { $0 + $1.body.count }
        let result = try run(account, ["--status-only", "a", "b"])
        XCTAssertEqual(result.exit.status, 0, result.exit.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.stdout + result.exit.stderr)
        XCTAssertTrue(lines[0].hasPrefix("a(INBOX): 3 messages waiting, "), lines[0] + result.exit.stderr)
        XCTAssertTrue(lines[0].hasSuffix("(\(sizes) bytes)"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("b(INBOX): 5 messages waiting, "), "no statefile yet: everything waits: \(lines[1])")
        XCTAssertEqual(account.counts, [1: 1, 2: 1], "nothing delivered")
        XCTAssertNil(try state(account, "b"), "no statefile created")
        XCTAssertEqual(try account.unseenUIDs(), [3, 4, 5])
    }

    func testServerInfoShowsTheServerAndTouchesNothing() throws {
        let account = try ProcessAccount(self)
        try account.add(1...3)
        try writeSections(account, ["a"])
        let result = try run(account, ["--serverinfo", "a"])
        XCTAssertEqual(result.exit.status, 0, result.exit.stderr)
        XCTAssertTrue(result.stdout.contains("a: greeting: * "), result.stdout)
        XCTAssertTrue(result.stdout.contains("a: capabilities: IMAP4rev1"), result.stdout)
        XCTAssertTrue(result.stdout.contains("a: TLS: none"), result.stdout)
        XCTAssertTrue(result.stdout.contains("a: mailbox INBOX: UIDVALIDITY 4242, UIDNEXT 4, 3 message(s)"), result.stdout)
        XCTAssertNil(try state(account, "a"), "the statefile is not created")
        XCTAssertEqual(account.receiver.connectionCount, 0)
        XCTAssertEqual(try account.unseenUIDs(), [1, 2, 3])
    }

    /// A connection dropped while idling is logged and reopened after 1 s; mail that arrives
    /// afterwards is pulled without restarting pullimap.
    func testIdleReconnectsAfterALostConnection() throws {
        let account = try ProcessAccount(self)
        try account.add(1...1)
        let marker = account.directory + "/dropped-once"
        // The first connection drops as soon as IDLE starts; later ones behave.
        account.tunnelCommand = "if [ -e \(marker) ]; then exec \(account.fakeCommand()); else touch \(marker); "
            + "exec \(account.fakeCommand(["--drop-after", "IDLE:0"])); fi"
        let stderrPath = account.directory + "/idle-stderr"
        let process = try account.start(["--idle=60"], stderrPath: stderrPath)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let log = { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        XCTAssertTrue(eventually { log().contains("reconnecting in 1 s") }, log())
        XCTAssertTrue(eventually { log().contains("acct: IMAP traffic") && log().components(separatedBy: "Logged in").count >= 1 })
        Thread.sleep(forTimeInterval: 1.5)
        try account.add(2...2)
        XCTAssertTrue(eventually { account.receiver.deliveries.count == 2 }, log())
        XCTAssertTrue(process.isRunning, "still idling: \(log())")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(account.counts, [1: 1, 2: 1])
    }

    /// A permanent error ends --idle as it ends a single run.
    func testIdleEndsOnAPermanentError() throws {
        let account = try ProcessAccount(self)
        try account.add(1...1)
        XCTAssertEqual(try account.run().status, 0)
        try account.changeStore { store in try store.setUIDValidity("INBOX", to: 777) }
        let result = try account.run(["--idle=60"], timeout: 20)
        XCTAssertEqual(result.status, ExitStatus.dataError.rawValue, result.stderr)
        XCTAssertFalse(result.stderr.contains("reconnecting"), result.stderr)
    }

    func testReconnectionBackoffAndClassification() throws {
        XCTAssertEqual(IdleReconnection.nextDelay(after: 1), 2)
        XCTAssertEqual(IdleReconnection.nextDelay(after: 256), 300)
        XCTAssertEqual(IdleReconnection.nextDelay(after: 300), 300)
        XCTAssertTrue(IdleReconnection.isTemporary(IMAPClientError.connectionLost("reset")))
        XCTAssertTrue(IdleReconnection.isTemporary(IMAPClientError.serverClosed("BYE idle for too long")))
        XCTAssertTrue(IdleReconnection.isTemporary(TransportError.resolve(host: "imap.example", message: "offline")))
        XCTAssertFalse(IdleReconnection.isTemporary(IMAPClientError.commandFailed(command: "LOGIN", text: "bad password")))
        XCTAssertFalse(IdleReconnection.isTemporary(TransportError.tls("certificate verify failed")))
        XCTAssertFalse(IdleReconnection.isTemporary(PullError.uidValidityChanged(section: "a", mailbox: "INBOX", statefile: "s",
                                                                                  recorded: 1, server: 2)))

        let directory = try makeTemporaryDirectory(self, prefix: "backoff")
        let captured = try CapturedLog(directory: directory)
        var reconnection = IdleReconnection(log: PullLog(sink: captured.sink, section: "a", mailbox: "INBOX"))
        var slept: [TimeInterval] = []
        reconnection.sleep = { slept.append($0) }
        reconnection.maximumConnections = 12
        var attempts = 0
        try reconnection.run { cycleSucceeded in
            attempts += 1
            if attempts == 4 { cycleSucceeded() }
            throw IMAPClientError.connectionLost("reset")
        }
        XCTAssertEqual(slept, [1, 2, 4, 1, 2, 4, 8, 16, 32, 64, 128, 256], "doubling, back to 1 s after a good cycle")
        XCTAssertEqual(captured.lines.first, "a(INBOX): WARNING: connection lost: reset; reconnecting in 1 s")
    }
}
