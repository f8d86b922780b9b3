import Engine
import Foundation
import XCTest

/// A throw-away dovecot mail store for integration tests: a temporary directory owned by the
/// unprivileged test user (dovecot refuses to run as root), a minimal configuration (maildir,
/// `/` separator, COMPRESS through imap_zlib, no fsync), and IMAP sessions spoken over pipes
/// with `doveadm exec imap` (PREAUTH). See DESIGN.md, "Real servers in tests".
public final class DovecotFixture {
    public static let doveadm = "/usr/bin/doveadm"
    public static let setpriv = "/usr/bin/setpriv"

    public let directory: URL
    public let user: String
    /// What dovecot advertises instead of its own list, if set.
    public let capabilities: String?
    public var configPath: String { directory.appendingPathComponent("dovecot.conf").path }
    private var streams: [ByteStream] = []

    /// Creates the store. Fails (CI) or skips the test when dovecot or the test user is missing.
    /// - Parameter capabilities: what dovecot advertises instead of its own list (dovecot's
    ///   `imap_capability`), to play a server with less support.
    public init(user: String = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest",
                separator: Character = "/", capabilities: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        _ = try RequiredTool.require(Self.doveadm, file: file, line: line)
        _ = try RequiredTool.require(Self.setpriv, file: file, line: line)
        guard let pw = getpwnam(user) else {
            let message = "test user '\(user)' does not exist: run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message, file: file, line: line) }
            throw XCTSkip(message)
        }
        self.user = user
        self.capabilities = capabilities
        let dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("dovecot-test-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        directory = dir
        let d = dir.path
        let config = """
            ssl = no
            mail_location = maildir:\(d)/mail
            mail_home = \(d)/home
            log_path = \(d)/dovecot.log
            mail_fsync = never
            namespace inbox {
              inbox = yes
              separator = \(separator)
            }
            mail_plugins = zlib
            protocol imap {
              mail_plugins = $mail_plugins imap_zlib
            }
            \(capabilities.map { "imap_capability = \($0)" } ?? "")

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        for sub in ["", "/mail", "/home"] {
            let p = d + sub
            try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
            chown(p, pw.pointee.pw_uid, pw.pointee.pw_gid)
            chmod(p, 0o755)
        }
        chown(configPath, pw.pointee.pw_uid, pw.pointee.pw_gid)
    }

    deinit { cleanUp() }

    /// Ends every session and removes the store.
    public func cleanUp() {
        for stream in streams { stream.close() }
        streams = []
        try? FileManager.default.removeItem(at: directory)
    }

    /// The dovecot log (errors of the sessions go there).
    public var log: String { (try? String(contentsOfFile: directory.appendingPathComponent("dovecot.log").path, encoding: .utf8)) ?? "" }

    /// The argument vector that runs `doveadm` on this store as the test user; append the
    /// doveadm command (`exec imap`, `save -m INBOX`, ...). None of its words needs shell quoting.
    public var doveadmCommand: [String] {
        [Self.setpriv, "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "env", "USER=\(user)", "HOME=\(directory.path)",
         Self.doveadm, "-c", configPath]
    }

    /// dovecot's imap binary, run directly when the capabilities are restricted: `doveadm exec
    /// imap` does not hand it `imap_capability` (dovecot 2.3).
    public static let imapBinary = "/usr/lib/dovecot/imap"

    /// The shell command that speaks IMAP to this store on stdin/stdout, for `type = tunnel`.
    public var tunnelCommand: String {
        guard capabilities != nil else { return (doveadmCommand + ["exec", "imap"]).joined(separator: " ") }
        return ([Self.setpriv, "--reuid=\(user)", "--regid=\(user)", "--clear-groups", "env", "USER=\(user)", "HOME=\(directory.path)",
                 Self.imapBinary, "-c", configPath]).joined(separator: " ")
    }

    /// Starts `doveadm exec imap` as a tunnel (a socketpair: dovecot aborts on a regular file as
    /// stdin) and returns the stream to it; the command is reaped when the stream is closed.
    public func openStream() throws -> ByteStream {
        let stream = try TunnelStream.spawn(command: tunnelCommand, nullStderr: true)
        streams.append(stream)
        return stream
    }

    /// A client on a new session, greeting already read.
    public func connect() throws -> IMAPTestClient {
        let client = IMAPTestClient(stream: try openStream())
        _ = try client.readResponse()
        return client
    }
}
