import Foundation
import XCTest

/// A real LMTP server for delivery tests: dovecot's LMTP service (`dovecot -F`) on a loopback
/// port, storing every recipient's mail in one maildir owned by the unprivileged test user.
/// Needs root (dovecot's master process) and the test user; fails (CI) or skips otherwise.
public final class DovecotLMTPServer {
    public let root: String
    public let port: Int
    /// The maildir the messages land in (`new/` and `cur/`).
    public var maildir: String { root + "/mail" }
    private let process: RunningProcess

    public init(user: String = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest",
                file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try RequiredTool.require("/usr/sbin/dovecot", file: file, line: line)
        guard getpwnam(user) != nil, geteuid() == 0 else {
            let message = "dovecot LMTP needs root and the user '\(user)': run scripts/setup.sh as root"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        root = "/tmp/dovecot-lmtp-\(getpid())-\(UUID().uuidString.prefix(8))"
        port = try TCPPort.free()
        for directory in ["", "/run", "/state", "/home", "/mail"] {
            try FileManager.default.createDirectory(atPath: root + directory, withIntermediateDirectories: true)
        }
        try """
            ssl = no
            protocols = lmtp
            listen = 127.0.0.1
            base_dir = \(root)/run
            state_dir = \(root)/state
            log_path = \(root)/dovecot.log
            mail_location = maildir:\(root)/mail
            mail_home = \(root)/home
            mail_fsync = never
            default_internal_user = \(user)
            default_internal_group = \(user)
            default_login_user = \(user)
            namespace inbox {
              inbox = yes
              separator = /
            }
            passdb {
              driver = static
              args = nopassword=y
            }
            userdb {
              driver = static
              args = uid=\(user) gid=\(user) home=\(root)/home
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = \(port)
              }
              unix_listener lmtp {
                mode = 0600
              }
            }
            service anvil {
              chroot =
            }
            service stats {
              chroot =
            }

            """.write(toFile: root + "/dovecot.conf", atomically: true, encoding: .utf8)
        guard let pw = getpwnam(user) else { throw XCTSkip("no user \(user)") }
        for directory in ["", "/home", "/state", "/mail"] {
            chown(root + directory, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        chmod(root, 0o755)
        process = try RunningProcess("/usr/sbin/dovecot", ["-F", "-c", root + "/dovecot.conf"], stdout: .null, stderr: .null)
        guard TCPPort.waitForListener(port: port) else {
            stop()
            let log = (try? String(contentsOfFile: root + "/dovecot.log", encoding: .utf8)) ?? ""
            XCTFail("dovecot LMTP did not listen on \(port): \(log)", file: file, line: line)
            throw XCTSkip("dovecot LMTP did not start")
        }
    }

    deinit { stop() }

    /// Stops dovecot and removes its files.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Every message stored so far (dovecot adds Return-Path and Delivered-To in front).
    public func storedMessages() -> [[UInt8]] {
        var messages: [[UInt8]] = []
        for sub in ["new", "cur"] {
            let directory = maildir + "/" + sub
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
                if let data = FileManager.default.contents(atPath: directory + "/" + name) { messages.append(Array(data)) }
            }
        }
        return messages
    }

    /// The number of messages stored so far (cheap: a directory listing).
    public var storedCount: Int {
        ["new", "cur"].reduce(0) { $0 + ((try? FileManager.default.contentsOfDirectory(atPath: maildir + "/" + $1))?.count ?? 0) }
    }
}
