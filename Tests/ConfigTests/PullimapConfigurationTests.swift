import XCTest
@testable import Engine

final class PullimapConfigurationTests: XCTestCase {
    /// The option under test is on line 2.
    private func acct(_ line: String) throws -> PullimapConfiguration {
        try parsePullimap("[acct]\n" + line + "\n")
    }

    private func assertBad(_ line: String, _ message: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        XCTAssertConfigError(try acct(line), "pullimap:2: " + message, file: file, line: lineNumber)
    }

    func testDefaults() throws {
        let config = try parsePullimap("[acct]\n")
        XCTAssertEqual(config.section, "acct")
        XCTAssertEqual(config.statefile, "/data/pullimap/acct")
        XCTAssertEqual(config.mailbox, "INBOX")
        XCTAssertEqual(config.deliverMethod, .server(DeliveryMethod(transferProtocol: .smtp, address: .ipLiteral("127.0.0.1"), port: 25)))
        XCTAssertEqual(config.deliverMethod.description, "smtp:[127.0.0.1]:25")
        XCTAssertEqual(config.deliverEHLO, "localhost.localdomain")
        XCTAssertEqual(config.deliverRecipient, "alice", "the user name of the effective uid")
        XCTAssertNil(config.purgeAfterDays)
        XCTAssertTrue(config.connection.compress, "pullimap(1): compress defaults to YES")
        XCTAssertEqual(config.connection.type, .imaps)
        XCTAssertEqual(config.connection.effectivePort, 993)
        XCTAssertTrue(config.warnings.isEmpty)
    }

    func testStatefile() throws {
        XCTAssertEqual(try acct("statefile=state/x").statefile, "/data/pullimap/state/x")
        XCTAssertEqual(try acct("statefile=/var/lib/x").statefile, "/var/lib/x")
        XCTAssertEqual(try parsePullimap("statefile=shared\n[acct]\n").statefile, "/data/pullimap/shared")
        assertBad("statefile=", "statefile: empty value")
        let noXDG = ConfigEnvironment(variables: ["HOME": "/home/u"], effectiveUserName: "u")
        XCTAssertEqual(try PullimapConfiguration(file: INIFile(text: "[a]\n", path: "p"), section: "a", environment: noXDG).statefile,
                       "/home/u/.local/share/pullimap/a")
    }

    func testMailbox() throws {
        XCTAssertEqual(try acct("mailbox=Lists/foo").mailbox, "Lists/foo")
        assertBad("mailbox=", "mailbox: empty value")
    }

    func testDeliverMethod() throws {
        XCTAssertEqual(try acct("deliver-method=lmtp:[::1]:24").deliverMethod,
                       .server(DeliveryMethod(transferProtocol: .lmtp, address: .ipLiteral("::1"), port: 24)))
        XCTAssertEqual(try acct("deliver-method=smtp:mail.example.org:587").deliverMethod,
                       .server(DeliveryMethod(transferProtocol: .smtp, address: .hostname("mail.example.org"), port: 587)))
        XCTAssertEqual(try acct("deliver-method=lmtp:127.0.0.1:24").deliverMethod,
                       .server(DeliveryMethod(transferProtocol: .lmtp, address: .ipLiteral("127.0.0.1"), port: 24)))
        let expected = "(expected smtp:[ADDRESS]:PORT, lmtp:[ADDRESS]:PORT, lmtp:/SOCKET, maildir:PATH, mbox:PATH or mda:COMMAND)"
        assertBad("deliver-method=SMTP:[127.0.0.1]:25", "deliver-method: unknown protocol in 'SMTP:[127.0.0.1]:25' \(expected)")
        assertBad("deliver-method=foo:[127.0.0.1]:25", "deliver-method: unknown protocol in 'foo:[127.0.0.1]:25' \(expected)")
        assertBad("deliver-method=smtp:[127.0.0.1]", "deliver-method: missing port in 'smtp:[127.0.0.1]' \(expected)")
        assertBad("deliver-method=smtp:[127.0.0.1]:99999",
                  "deliver-method: bad port '99999' in 'smtp:[127.0.0.1]:99999' (expected a number from 1 to 65535)")
        assertBad("deliver-method=smtp:[x y]:25", "deliver-method: 'x y' in 'smtp:[x y]:25' is not an IPv4 or IPv6 address")
        assertBad("deliver-method=lmtp:[/run/lmtp]:24", "deliver-method: '/run/lmtp' in 'lmtp:[/run/lmtp]:24' is not an IPv4 or IPv6 address")
        assertBad("deliver-method=smtp:[::1]", "deliver-method: missing port in 'smtp:[::1]' \(expected)")
        assertBad("deliver-method=smtp:::1:25", "deliver-method: bad address '::1' in 'smtp:::1:25' \(expected)")
        assertBad("deliver-method=smtp::25", "deliver-method: bad address '' in 'smtp::25' \(expected)")
        assertBad("deliver-method=", "deliver-method: empty value")
    }

    /// Unix sockets and local stores; relative paths from $XDG_DATA_HOME/pullimap, `~` from $HOME.
    func testLocalDeliverMethods() throws {
        XCTAssertEqual(try acct("deliver-method=lmtp:/run/dovecot/lmtp").deliverMethod, .unixSocket(.lmtp, path: "/run/dovecot/lmtp"))
        XCTAssertEqual(try acct("deliver-method=smtp:~/smtp.sock").deliverMethod, .unixSocket(.smtp, path: "/home/u/smtp.sock"))
        XCTAssertEqual(try acct("deliver-method=maildir:Mail").deliverMethod, .maildir(path: "/data/pullimap/Mail"))
        XCTAssertEqual(try acct("deliver-method=maildir:~/Maildir").deliverMethod, .maildir(path: "/home/u/Maildir"))
        XCTAssertEqual(try acct("deliver-method=maildir:~").deliverMethod, .maildir(path: "/home/u"))
        XCTAssertEqual(try acct("deliver-method=mbox:/var/mail/alice").deliverMethod, .mbox(path: "/var/mail/alice"))
        XCTAssertEqual(try acct("deliver-method=mbox:inbox.mbox").deliverMethod, .mbox(path: "/data/pullimap/inbox.mbox"))
        XCTAssertEqual(try acct("deliver-method=mda:/usr/bin/procmail -f '%F'").deliverMethod, .mda(command: "/usr/bin/procmail -f '%F'"))
        XCTAssertEqual(try acct("deliver-method=mda:/usr/bin/procmail -f '%F'").deliverMethod.description, "mda:/usr/bin/procmail -f '%F'")
        XCTAssertEqual(try acct("deliver-method=maildir:Mail").deliverMethod.description, "maildir:/data/pullimap/Mail")
        assertBad("deliver-method=maildir:", "deliver-method: missing directory in 'maildir:' (expected maildir:PATH)")
        assertBad("deliver-method=mbox:", "deliver-method: missing file in 'mbox:' (expected mbox:PATH)")
        assertBad("deliver-method=mda:", "deliver-method: missing command in 'mda:' (expected mda:COMMAND)")
    }

    func testDeliverEHLOAndRecipient() throws {
        let config = try acct("deliver-ehlo=mx.example.org\ndeliver-rcpt=bob@example.org")
        XCTAssertEqual(config.deliverEHLO, "mx.example.org")
        XCTAssertEqual(config.deliverRecipient, "bob@example.org")
        assertBad("deliver-ehlo=", "deliver-ehlo: empty value")
        assertBad("deliver-rcpt=", "deliver-rcpt: empty value")
        // Spaces are kept and sent as written, as the reference sends them.
        let spaced = try acct("deliver-ehlo = my host\ndeliver-rcpt = alice smith ; the local user")
        XCTAssertEqual(spaced.deliverEHLO, "my host")
        XCTAssertEqual(spaced.deliverRecipient, "alice smith")
        let nobody = ConfigEnvironment(variables: [:], effectiveUserName: nil)
        XCTAssertConfigError(try PullimapConfiguration(file: INIFile(text: "\n[a]\n", path: "p"), section: "a", environment: nobody),
                             "p:2: deliver-rcpt: not set in [a] and the effective uid has no user name")
    }

    func testCurrentEnvironmentKnowsTheUserName() {
        XCTAssertEqual(ConfigEnvironment.current().effectiveUserName, ConfigEnvironment.passwordEntry(uid: geteuid())?.name)
        XCTAssertNotNil(ConfigEnvironment.current().effectiveUserName)
    }

    func testPurgeAfter() throws {
        XCTAssertEqual(try acct("purge-after=0").purgeAfterDays, 0)
        XCTAssertEqual(try acct("purge-after=30").purgeAfterDays, 30)
        XCTAssertEqual(try acct("purge-after=007").purgeAfterDays, 7)
        XCTAssertNil(try acct("purge-after=").purgeAfterDays, "empty means never, as in the reference")
        for bad in ["-1", "1.5", "abc", "1d", "99999999999999999999"] {
            assertBad("purge-after=\(bad)", "purge-after: invalid number of days '\(bad)' (expected a non-negative integer)")
        }
    }

    func testConnectionOptionsAndTheirDefaultSectionInheritance() throws {
        let config = try parsePullimap("type=tunnel\ncommand=imapd\n[acct]\ncompress=NO\nSSL_cipher_list=HIGH\n")
        XCTAssertEqual(config.connection.type, .tunnel)
        XCTAssertEqual(config.connection.command, "imapd")
        XCTAssertFalse(config.connection.compress)
        XCTAssertEqual(config.connection.sslCipherList, "HIGH")
        assertBad("type=imapz", "type: unknown value 'imapz' (expected imap, imaps or tunnel)")
        assertBad("compress=1", "compress: invalid value '1' (expected YES or NO)")
    }

    func testUnknownOptions() throws {
        assertBad("foo=bar", "foo: unknown option")
        assertBad("logfile=/tmp/x", "logfile: unknown option (pullimap logs to the standard error)")
        assertBad("log-prefix=x", "log-prefix: unknown option (pullimap logs to the standard error)")
        assertBad("database=x", "database: unknown option")
        assertBad("list-mailbox=x", "list-mailbox: unknown option")
        XCTAssertConfigError(try parsePullimap("foo=bar\n[acct]\n"), "pullimap:1: foo: unknown option")
        // Other sections are other accounts and are not checked (as in the reference).
        XCTAssertEqual(try parsePullimap("[acct]\n[other]\nfoo=bar\ntype=imapz\n").section, "acct")
    }

    func testMissingSection() {
        XCTAssertConfigError(try parsePullimap("[acct]\n", section: "nope"), "pullimap: no [nope] section")
    }
}
