import Engine
import FakeIMAPServer
import FakeLMTP
import Foundation
import TestSupport
import XCTest

/// The outcome of one run of the `pullimap` executable.
struct PullimapExit {
    var status: Int32
    /// Whether the process was killed by a signal (`status` is then the signal number).
    var signaled: Bool
    var stderr: String
    var duration: TimeInterval

    var killedBySIGKILL: Bool { signaled && status == SIGKILL }
}

/// An account served by `fake-imapd` through `type = tunnel` (its store in a state file that
/// this process can change too) and delivered to a fake LMTP receiver over TCP: the real
/// `pullimap` executable, run as a user runs it, crashable with `INTERIMAP_CRASH_AT`.
final class ProcessAccount {
    let directory: String
    let imapState: FakeIMAPStateFile
    let receiver: FakeMailReceiver
    let port: UInt16
    let pullimap: String
    let fakeIMAPD: String
    var statefilePath: String { directory + "/statefile" }
    var configPath: String { directory + "/pullimap.ini" }
    /// Extra fake-imapd arguments (faults), for the next runs.
    var fakeArguments: [String] = []
    /// Extra configuration lines.
    var extraConfiguration: [String] = []
    /// `deliver-method` instead of the fake receiver.
    var deliverMethod: String?
    /// `command` instead of fake-imapd with `fakeArguments`.
    var tunnelCommand: String?
    private var processes: [RunningProcess] = []

    init(_ testCase: XCTestCase, transferProtocol: DeliveryMethod.TransferProtocol = .lmtp) throws {
        pullimap = try RequiredTool.product("pullimap")
        fakeIMAPD = try RequiredTool.product("fake-imapd")
        directory = try makeTemporaryDirectory(testCase, prefix: "pullimap-process")
        imapState = FakeIMAPStateFile(path: directory + "/imap.json", delimiter: "/", firstUIDValidity: 4242)
        _ = try imapState.loadStore()
        receiver = FakeMailReceiver(transferProtocol)
        port = try receiver.listen()
        testCase.addTeardownBlock { [receiver] in receiver.stop() }
    }

    deinit {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Changes the server's store as another client would, between or during runs.
    func changeStore(_ body: (FakeIMAPStore) throws -> Void) throws {
        try imapState.withLock {
            let store = try imapState.loadStore()
            try body(store)
            try imapState.save(store)
        }
    }

    @discardableResult
    func add(_ numbers: ClosedRange<Int>, padding: Int = 0) throws -> [UInt32] {
        var uids: [UInt32] = []
        try changeStore { store in
            for n in numbers { uids.append(try store.append(to: "INBOX", testMessage(n, padding: padding))) }
        }
        return uids
    }

    /// The server's INBOX now.
    func inbox() throws -> FakeMailbox {
        try XCTUnwrap(try imapState.withLock { try imapState.loadStore() }.mailbox("INBOX"))
    }

    func unseenUIDs() throws -> [UInt32] { try inbox().messages.filter { !$0.flags.contains(.seen) }.map(\.uid) }

    var counts: [Int: Int] { deliveryCounts(receiver.deliveries.map(\.message)) }

    func statefileContents() throws -> PullStatefileContents {
        let statefile = try PullStatefile.open(path: statefilePath)
        defer { statefile.close() }
        return try statefile.read()
    }

    func writeConfiguration() throws {
        let command = tunnelCommand ?? fakeCommand()
        let lines = [
            "[acct]",
            "type = tunnel",
            "command = \(command)",
            "statefile = \(statefilePath)",
            "deliver-method = \(deliverMethod ?? "\(receiver.configuration.transferProtocol.rawValue):[127.0.0.1]:\(port)")",
            "deliver-ehlo = pull.example",
            "deliver-rcpt = rcpt@example.net",
        ] + extraConfiguration
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// fake-imapd on the account's state file, with `arguments` (or `fakeArguments`).
    func fakeCommand(_ arguments: [String]? = nil) -> String {
        ([fakeIMAPD, "--state", imapState.path] + (arguments ?? fakeArguments)).map(Self.shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        if word.allSatisfy({ $0.isLetter || $0.isNumber || "/-_.=:".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Starts `pullimap --config=… ARGUMENTS acct`; its standard error goes to `stderrPath`.
    func start(_ arguments: [String] = [], crashAt: String? = nil, stderrPath: String) throws -> RunningProcess {
        try writeConfiguration()
        let process = try ExecutableRun.start(pullimap, ["--config=" + configPath] + arguments + ["acct"], crashAt: crashAt,
                                              stderrPath: stderrPath)
        processes.append(process)
        return process
    }

    /// Runs pullimap to its end (within `timeout` seconds, or it is killed and the test fails).
    func run(_ arguments: [String] = [], crashAt: String? = nil, timeout: TimeInterval = 60,
             file: StaticString = #filePath, line: UInt = #line) throws -> PullimapExit {
        try writeConfiguration()
        let result = try ExecutableRun.run(pullimap, ["--config=" + configPath] + arguments + ["acct"], crashAt: crashAt,
                                           stderrPath: directory + "/stderr-\(UUID().uuidString)", timeout: timeout, file: file, line: line)
        // The receiver's session ends when pullimap's connection does.
        XCTAssertTrue(receiver.waitForSessions(timeout: 10), file: file, line: line)
        return result
    }
}

/// Runs a program (ours or the reference pullimap) as a user would, with the shared runner.
enum ExecutableRun {
    /// Starts `executable`; its standard error goes to `stderrPath`. `crashAt` arms a crash point
    /// (`INTERIMAP_CRASH_AT`).
    static func start(_ executable: String, _ arguments: [String], crashAt: String? = nil, stderrPath: String,
                      stdoutPath: String? = nil, environment extra: [String: String] = [:]) throws -> RunningProcess {
        var environment: [String: String?] = ["INTERIMAP_CRASH_AT": crashAt]
        for (key, value) in extra { environment[key] = value }
        return try RunningProcess(executable, arguments, environment: environment,
                                  stdout: stdoutPath.map { .file($0) } ?? .null, stderr: .file(stderrPath))
    }

    /// Waits for `process` (killing it and failing the test after `timeout` seconds).
    static func finish(_ process: RunningProcess, stderrPath: String, timeout: TimeInterval,
                       file: StaticString = #filePath, line: UInt = #line) -> PullimapExit {
        let result = process.wait(timeout: timeout, file: file, line: line)
        return PullimapExit(status: result.status, signaled: result.signaled,
                            stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
                            duration: result.duration)
    }

    static func run(_ executable: String, _ arguments: [String], crashAt: String? = nil, stderrPath: String,
                    stdoutPath: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 60,
                    file: StaticString = #filePath, line: UInt = #line) throws -> PullimapExit {
        let process = try start(executable, arguments, crashAt: crashAt, stderrPath: stderrPath, stdoutPath: stdoutPath,
                                environment: environment)
        return finish(process, stderrPath: stderrPath, timeout: timeout, file: file, line: line)
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}
