import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// Runs the reference (`/usr/bin/interimap`) and ours on the same case: two fake-imapd stores
/// (delimiters `/` and `.`), one configuration, each program in its own copy, so that a test
/// can assert that both behave the same (or differ only as the README lists).
final class SideBySide {
    static let reference = "/usr/bin/interimap"

    struct Outcome {
        var status: Int32
        var stderr: String
        /// Whether the run was still going at the timeout (and was stopped with SIGTERM).
        var stopped: Bool
        /// The program's own directory, shown as `DIR` in `lines`.
        var dir: String
        /// The log lines without the traffic summaries, which differ in byte counts.
        var lines: [String] {
            stderr.replacingOccurrences(of: dir, with: "DIR").split(separator: "\n").map(String.init)
                .filter { !$0.contains("IMAP traffic (bytes)") }
        }
        var localMailboxes: [String]
        var remoteMailboxes: [String]
    }

    let root: URL
    private let fakeIMAPD: String

    /// `seed` fills the local and remote stores before the first run.
    init(seed: (FakeIMAPStore, FakeIMAPStore) throws -> Void = { _, _ in }) throws {
        _ = try RequiredTool.require(Self.reference)
        fakeIMAPD = try RequiredTool.product("fake-imapd")
        root = FileManager.default.temporaryDirectory.appendingPathComponent("side-by-side-\(UUID().uuidString.prefix(8))")
        let local = FakeIMAPStore(delimiter: "/", firstUIDValidity: 100)
        let remote = FakeIMAPStore(delimiter: ".", firstUIDValidity: 500)
        try seed(local, remote)
        for who in ["reference", "ours"] {
            let dir = root.appendingPathComponent(who)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try FakeIMAPStateFile(path: dir.appendingPathComponent("local.json").path, delimiter: "/", firstUIDValidity: 100).save(local)
            try FakeIMAPStateFile(path: dir.appendingPathComponent("remote.json").path, delimiter: ".", firstUIDValidity: 500).save(remote)
            try configuration(dir: dir).write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    private func configuration(dir: URL, extraGlobal: String = "") -> String {
        """
        database = \(dir.appendingPathComponent("db").path)
        \(extraGlobal)
        [local]
        type = tunnel
        command = \(fakeIMAPD) --state \(dir.appendingPathComponent("local.json").path)

        [remote]
        type = tunnel
        command = \(fakeIMAPD) --state \(dir.appendingPathComponent("remote.json").path) --delimiter .

        """
    }

    /// Replaces the body of the `[local]` or `[remote]` section in both configurations (nil: as
    /// set up). `FAKE` stands for the fake-imapd program, `DIR` for the program's own directory
    /// (its state files are `DIR/local.json` and `DIR/remote.json`).
    /// `remoteFor`, when given, makes the remote section of each program (`reference`, `ours`).
    func reconfigure(local: String? = nil, remote: String? = nil, remoteFor: ((String) -> String)? = nil) throws {
        for who in ["reference", "ours"] {
            let dir = root.appendingPathComponent(who)
            var text = configuration(dir: dir)
            for (name, body) in [("local", local), ("remote", remoteFor.map { $0(who) } ?? remote)] {
                guard let body, let start = text.range(of: "[\(name)]\n") else { continue }
                let end = text.range(of: "\n\n", range: start.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
                text.replaceSubrange(start.upperBound..<end, with: body.replacingOccurrences(of: "FAKE", with: fakeIMAPD)
                    .replacingOccurrences(of: "DIR", with: dir.path))
            }
            try text.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        }
    }

    /// Runs both programs with `arguments`; a run still going after `timeout` seconds is
    /// stopped with `stopSignal`.
    func run(_ arguments: [String], timeout: TimeInterval = 30, stopSignal: Int32 = SIGTERM) throws -> (reference: Outcome, ours: Outcome) {
        (try run(program: Self.reference, in: "reference", arguments, timeout: timeout, stopSignal: stopSignal),
         try run(program: ToolRunner.productsDirectory.appendingPathComponent("interimap").path, in: "ours", arguments,
                 timeout: timeout, stopSignal: stopSignal))
    }

    private func run(program: String, in who: String, _ arguments: [String], timeout: TimeInterval, stopSignal: Int32) throws -> Outcome {
        let dir = root.appendingPathComponent(who)
        let err = dir.appendingPathComponent("stderr")
        let process = try RunningProcess(program, ["--config=\(dir.appendingPathComponent("config").path)"] + arguments,
                                         environment: ["HOME": dir.path, "XDG_CONFIG_HOME": dir.path, "XDG_DATA_HOME": dir.path],
                                         stdout: .file(err.path), stderr: .merged)
        let (result, stopped) = process.stop(after: timeout, with: stopSignal)
        return Outcome(status: result.status, stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "", stopped: stopped, dir: dir.path,
                       localMailboxes: try mailboxes(dir.appendingPathComponent("local.json")),
                       remoteMailboxes: try mailboxes(dir.appendingPathComponent("remote.json")))
    }

    private func mailboxes(_ state: URL) throws -> [String] {
        try FakeIMAPStateFile(path: state.path).loadStore().mailboxes.map(\.name).sorted()
    }
}
