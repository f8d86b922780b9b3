import Foundation
import XCTest

/// A real IMAP server that requires a login: dovecot (`dovecot -F`) on a loopback port with a
/// passwd-file passdb, offering PLAIN, LOGIN, SCRAM-SHA-1 and SCRAM-SHA-256 (dovecot 2.3 has both
/// SCRAM mechanisms), for the authentication tests. The accounts are given as user and password;
/// a password is stored in the passdb as `{PLAIN}` or hashed by `doveadm pw` into a SCRAM scheme,
/// as an administrator who never keeps plaintext passwords would. Needs root (dovecot's master
/// process) and the unprivileged test user; fails (CI) or skips otherwise.
public final class DovecotIMAPLoginServer {
    /// How a password is kept in the passdb.
    public enum Scheme: String, Sendable { case plain = "PLAIN", scramSHA1 = "SCRAM-SHA-1", scramSHA256 = "SCRAM-SHA-256" }

    public let root: String
    public let port: Int
    private let process: RunningProcess

    public var log: String { (try? String(contentsOfFile: root + "/dovecot.log", encoding: .utf8)) ?? "" }

    public init(accounts: [(user: String, password: String, scheme: Scheme)],
                testUser: String = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest",
                file: StaticString = #filePath, line: UInt = #line) throws {
        let dovecot = try RequiredTool.require("/usr/sbin/dovecot", file: file, line: line)
        let doveadm = try RequiredTool.require("/usr/bin/doveadm", file: file, line: line)
        guard let pw = getpwnam(testUser), geteuid() == 0 else {
            let message = "dovecot IMAP logins need root and the user '\(testUser)': run scripts/setup.sh as root"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        root = "/tmp/dovecot-login-\(getpid())-\(UUID().uuidString.prefix(8))"
        port = try TCPPort.free()
        for directory in ["", "/run", "/state", "/home", "/mail"] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        var passwd = ""
        for account in accounts {
            let stored = account.scheme == .plain
                ? "{PLAIN}" + account.password
                : try Self.hash(account.password, scheme: account.scheme, doveadm: doveadm)
            passwd += "\(account.user):\(stored)::::::\n"
        }
        try passwd.write(toFile: root + "/passwd", atomically: true, encoding: .utf8)
        try """
            ssl = no
            protocols = imap
            listen = 127.0.0.1
            base_dir = \(root)/run
            state_dir = \(root)/state
            log_path = \(root)/dovecot.log
            mail_location = maildir:\(root)/mail/%u
            mail_fsync = never
            default_internal_user = \(testUser)
            default_internal_group = \(testUser)
            default_login_user = \(testUser)
            disable_plaintext_auth = no
            auth_mechanisms = plain login scram-sha-1 scram-sha-256
            auth_failure_delay = 0
            namespace inbox {
              inbox = yes
              separator = /
            }
            passdb {
              driver = passwd-file
              args = \(root)/passwd
            }
            userdb {
              driver = static
              args = uid=\(testUser) gid=\(testUser) home=\(root)/home/%u
            }
            service imap-login {
              chroot =
              inet_listener imap {
                address = 127.0.0.1
                port = \(port)
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }
            service stats {
              chroot =
            }

            """.write(toFile: root + "/dovecot.conf", atomically: true, encoding: .utf8)
        for directory in ["", "/home", "/state", "/mail"] { chown(root + directory, uid, gid) }
        chown(root + "/passwd", uid, gid)
        chmod(root, 0o755)
        process = try RunningProcess(dovecot, ["-F", "-c", root + "/dovecot.conf"], stdout: .null, stderr: .null)
        guard TCPPort.waitForListener(port: port) else {
            let log = self.log
            stop()
            XCTFail("dovecot IMAP did not listen on \(port): \(log)", file: file, line: line)
            throw XCTSkip("dovecot IMAP did not start")
        }
    }

    deinit { stop() }

    /// `doveadm pw -s SCHEME`: the passdb form of a password (`{SCRAM-SHA-256}4096,salt,...`).
    static func hash(_ password: String, scheme: Scheme, doveadm: String) throws -> String {
        let hasher = try RunningProcess.run(doveadm, ["pw", "-s", scheme.rawValue, "-p", password], stderr: .null)
        let text = hasher.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard hasher.status == 0, text.hasPrefix("{\(scheme.rawValue)}") else {
            throw XCTSkip("doveadm pw -s \(scheme.rawValue) failed: \(text)")
        }
        return text
    }

    /// Stops dovecot and removes its files.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
