import TestSupport
import XCTest
@testable import Engine

/// Runs the reference interimap (a tunnel to two dovecot stores) with a `log-prefix` and checks
/// that our renderer produces the same prefixes for the same log entries.
final class ReferenceLogPrefixTests: XCTestCase {
    private let user = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest"

    private func requireTools() throws {
        var missing: [String] = []
        for tool in ["/usr/bin/interimap", "/usr/bin/doveadm", "/usr/bin/setpriv"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            missing.append(tool)
        }
        if getpwnam(user) == nil { missing.append("user \(user)") }
        if geteuid() != 0 { missing.append("root (to run dovecot as \(user))") }
        guard missing.isEmpty else {
            let message = "missing \(missing.joined(separator: ", ")); run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message); return }
            throw XCTSkip(message)
        }
    }

    @discardableResult
    private func run(_ arguments: [String], input: String? = nil, environment: [String: String]? = nil) throws -> (status: Int32, stderr: String) {
        let result = try RunningProcess.run(arguments[0], Array(arguments.dropFirst()), stdin: .bytes(Array((input ?? "").utf8)),
                                            environment: environment ?? [:], inheritEnvironment: environment == nil, stdout: .null)
        return (result.status, result.stderr)
    }

    /// Two dovecot stores under `root`, a message in the local INBOX; returns the tunnel commands.
    private func makeStores(_ root: String) throws -> (local: String, remote: String) {
        var commands: [String] = []
        for side in ["local", "remote"] {
            let home = root + "/" + side
            try FileManager.default.createDirectory(atPath: home + "/mail", withIntermediateDirectories: true)
            try """
                ssl = no
                mail_location = maildir:\(home)/mail
                mail_home = \(home)
                log_path = \(home)/dovecot.log
                mail_fsync = never
                namespace inbox {
                  inbox = yes
                  separator = /
                }

                """.write(toFile: home + "/dovecot.conf", atomically: true, encoding: .utf8)
            commands.append("/usr/bin/setpriv --reuid=\(user) --regid=\(user) --clear-groups env USER=\(user) HOME=\(home) /usr/bin/doveadm -c \(home)/dovecot.conf exec imap")
        }
        try run(["/bin/chown", "-R", "\(user):", root])
        try run(["/bin/chmod", "755", root])
        let save = try run(["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "env", "USER=\(user)",
                            "HOME=\(root)/local", "/usr/bin/doveadm", "-c", "\(root)/local/dovecot.conf", "save", "-m", "INBOX"],
                           input: "From: a@example.org\nSubject: t\n\nhello\n")
        XCTAssertEqual(save.status, 0, save.stderr)
        return (commands[0], commands[1])
    }

    func testRendererMatchesTheReferenceOutput() throws {
        try requireTools()
        for format in [LogPrefixFormat.defaultFormatString, "%?m?[%?n?%n&-?]&{%n}?|", #"%?n?%n\&\?\\%%&X?:"#, "<%n|%m>"] {
            let root = try makeTemporaryDirectory(self)
            let stores = try makeStores(root)
            try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
            let configPath = root + "/config"
            try """
                log-prefix = \(format)
                [local]
                type = tunnel
                command = \(stores.local)
                [remote]
                type = tunnel
                command = \(stores.remote)

                """.write(toFile: configPath, atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment
            environment["XDG_DATA_HOME"] = root + "/data"
            let result = try run(["/usr/bin/interimap", "--config=" + configPath], environment: environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            let lines = result.stderr.split(separator: "\n").map(String.init)

            let prefix = try LogPrefixFormat(parsing: format)
            let expected = [
                prefix.render(name: "", mailbox: "") + "Creating new schema in database file \(root)/data/interimap/localhost.db",
                prefix.render(name: "database", mailbox: "") + "Created mailbox INBOX",
                prefix.render(name: "remote", mailbox: "INBOX") + "Added 1 UID(s) 1 -> 1",
            ]
            for line in expected {
                XCTAssertTrue(lines.contains(line), "format \(format): expected the line \(line) in\n\(result.stderr)")
            }
        }
    }
}
