import Engine
import Foundation
import TestSupport
import XCTest

/// The new delivery targets and modes against real servers: dovecot IMAP as the source,
/// dovecot's LMTP on its unix socket, a maildir, an MDA; `--status-only`, `--serverinfo` and
/// `--idle` losing its dovecot connection.
final class RealServerDeliveryMethodTests: XCTestCase {
    private func once(_ numbers: ClosedRange<Int>) -> [Int: Int] { Dictionary(uniqueKeysWithValues: numbers.map { ($0, 1) }) }

    func testDovecotLMTPOnItsUnixSocketWithACrashInTheMiddle() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...300, padding: { ($0 * 37) % 6000 })
        try account.writeConfiguration(deliverMethod: "lmtp:\(lmtp.root)/run/lmtp")
        let crash = try account.run(crashAt: "pull-delivered-before-statefile:150")
        XCTAssertTrue(crash.killedBySIGKILL, "\(crash)")
        XCTAssertEqual(lmtp.storedCount, 150)
        let resume = try account.run()
        XCTAssertEqual(resume.status, 0, resume.stderr)
        var expected = once(1...300)
        expected[150] = 2  // accepted by LMTP, not yet in the statefile: the one documented duplicate
        XCTAssertEqual(deliveryCounts(lmtp.storedMessages()), expected)
        XCTAssertEqual(try account.unseenUIDs(), [])
    }

    func testDovecotIntoAMaildirAndThroughAnMDA() throws {
        let account = try DovecotAccount(self)
        try account.add(1...50, padding: { $0 * 50 })
        let maildir = account.directory + "/Maildir"
        try account.writeConfiguration(deliverMethod: "maildir:\(maildir)")
        XCTAssertTrue(try account.run(crashAt: "maildir-tmp-written:20").killedBySIGKILL)
        let resume = try account.run()
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let stored = try FileManager.default.contentsOfDirectory(atPath: maildir + "/new").map {
            Array(FileManager.default.contents(atPath: maildir + "/new/" + $0) ?? Data())
        }
        XCTAssertEqual(deliveryCounts(stored), once(1...50))
        XCTAssertFalse(stored.contains { $0.contains(0x0D) }, "LF line endings in the maildir")

        // The same messages once more, through an MDA, from a new statefile.
        let out = account.directory + "/mda"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: account.statefilePath)
        try account.writeConfiguration(deliverMethod: "mda:cat > \(out)/$(date +%s%N).$$")
        XCTAssertEqual(try account.run().status, 0)
        let viaMDA = try FileManager.default.contentsOfDirectory(atPath: out).map {
            Array(FileManager.default.contents(atPath: out + "/" + $0) ?? Data())
        }
        XCTAssertEqual(deliveryCounts(viaMDA), once(1...50))
    }

    func testStatusOnlyAndServerInfoAgainstDovecot() throws {
        let account = try DovecotAccount(self)
        try account.add(1...5, padding: { _ in 500 })
        try account.writeConfiguration(deliverMethod: "lmtp:[127.0.0.1]:9")
        let stdoutPath = account.directory + "/stdout"
        let status = try ExecutableRun.run(account.pullimap, ["--config=" + account.configPath, "--status-only", "acct"],
                                           stderrPath: account.directory + "/stderr", stdoutPath: stdoutPath)
        XCTAssertEqual(status.status, 0, status.stderr)
        let line = try String(contentsOfFile: stdoutPath, encoding: .utf8)
        XCTAssertTrue(line.hasPrefix("acct(INBOX): 5 messages waiting, "), line)

        let info = try ExecutableRun.run(account.pullimap, ["--config=" + account.configPath, "--serverinfo", "acct"],
                                         stderrPath: account.directory + "/stderr2", stdoutPath: stdoutPath)
        XCTAssertEqual(info.status, 0, info.stderr)
        let text = try String(contentsOfFile: stdoutPath, encoding: .utf8)
        XCTAssertTrue(text.contains("acct: capabilities: IMAP4rev1"), text)
        XCTAssertTrue(text.contains("acct: mailbox INBOX: UIDVALIDITY \(try account.uidValidity()), UIDNEXT 6, 5 message(s)"), text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: account.statefilePath), "neither mode creates the statefile")
        XCTAssertEqual(try account.unseenUIDs(), [1, 2, 3, 4, 5])
    }

    /// The dovecot process behind the tunnel is killed while pullimap idles: it reconnects, and
    /// mail appended afterwards is delivered.
    func testIdleSurvivesTheDeathOfTheDovecotConnection() throws {
        let account = try DovecotAccount(self)
        let lmtp = try DovecotLMTPServer()
        defer { lmtp.stop() }
        try account.add(1...2)
        try account.writeConfiguration(deliverMethod: "lmtp:\(lmtp.root)/run/lmtp")
        let stderrPath = account.directory + "/idle-stderr"
        let process = try account.start(["--idle=60"], stderrPath: stderrPath)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let log = { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        XCTAssertTrue(eventually(timeout: 30) { lmtp.storedCount == 2 }, log())
        Thread.sleep(forTimeInterval: 0.5)
        // The tunnel and everything below it (doveadm runs imap as its child, which holds the socket).
        let tunnel = Self.descendants(of: process.processIdentifier)
        XCTAssertFalse(tunnel.isEmpty, "the tunnel command")
        for child in tunnel { kill(child, SIGKILL) }
        XCTAssertTrue(eventually(timeout: 30) { log().contains("reconnecting in 1 s") }, log())
        try account.add(3...4)
        XCTAssertTrue(eventually(timeout: 30) { lmtp.storedCount == 4 }, log())
        XCTAssertTrue(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(deliveryCounts(lmtp.storedMessages()), once(1...4))
    }

    /// The children of `pid`, their children and so on.
    static func descendants(of pid: pid_t) -> [pid_t] {
        children(of: pid).flatMap { [$0] + descendants(of: $0) }
    }

    /// The direct children of `pid` (Linux: /proc/PID/task/*/children).
    static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [pid_t] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }
}
