import TestSupport
import XCTest
@testable import Engine

final class InterimapConfigurationTests: XCTestCase {
    func testDefaults() throws {
        let config = try parseInterimap("[local]\n[remote]\n")
        XCTAssertEqual(config.database, "/data/interimap/localhost.db")
        XCTAssertEqual(config.listMailbox, ["*"])
        XCTAssertEqual(config.listSelectOptions, [])
        XCTAssertNil(config.ignoreMailbox)
        XCTAssertNil(config.logfile)
        XCTAssertEqual(config.logPrefix, LogPrefixFormat.default)
        XCTAssertEqual(config.local.name, "local")
        XCTAssertEqual(config.remote.name, "remote")
        XCTAssertEqual(config.local.listReference, "")
        XCTAssertEqual(config.configFile, "config")
    }

    func testDatabaseDefaultComesFromTheRemoteHost() throws {
        XCTAssertEqual(try parseInterimap("[local]\nhost=l.example\n[remote]\nhost=imap.example.org\n").database,
                       "/data/interimap/imap.example.org.db")
        // The [remote] host defaults to localhost, so it decides even when only [local] sets one
        // (as the reference does).
        XCTAssertEqual(try parseInterimap("[local]\nhost=l.example\n[remote]\n").database, "/data/interimap/localhost.db")
        XCTAssertEqual(try parseInterimap("[local]\nhost=l.example\n[remote]\ntype=tunnel\ncommand=x\n").database,
                       "/data/interimap/localhost.db")
        XCTAssertEqual(try parseInterimap("[local]\n[remote]\nhost=[::1]\n").database, "/data/interimap/[::1].db")
        XCTAssertEqual(try parseInterimap("host=shared\n[local]\n[remote]\n").database, "/data/interimap/shared.db")
    }

    func testDatabasePaths() throws {
        XCTAssertEqual(try parseInterimap("database=sync/x.db\n[local]\n[remote]\n").database, "/data/interimap/sync/x.db")
        XCTAssertEqual(try parseInterimap("database=/var/x.db\n[local]\n[remote]\n").database, "/var/x.db")
        let noXDG = ConfigEnvironment(variables: ["HOME": "/home/u"])
        XCTAssertEqual(try InterimapConfiguration(file: INIFile(text: "[local]\n[remote]\n", path: "c"), environment: noXDG).database,
                       "/home/u/.local/share/interimap/localhost.db")
        XCTAssertConfigError(try parseInterimap("database=\n[local]\n[remote]\n"), "config:1: database: empty value")
    }

    func testDefaultSectionConnectionOptionsApplyToBothSides() throws {
        let config = try parseInterimap("type=tunnel\ncommand=imapd\n[local]\n[remote]\ncommand=other\n")
        XCTAssertEqual(config.local.connection.type, .tunnel)
        XCTAssertEqual(config.local.connection.command, "imapd")
        XCTAssertEqual(config.remote.connection.command, "other")
        XCTAssertConfigError(try parseInterimap("type=imapz\n[local]\ntype=imap\n[remote]\n"),
                             "config:1: type: unknown value 'imapz' (expected imap, imaps or tunnel)")
    }

    func testListReferenceIsPerSection() throws {
        let config = try parseInterimap("[local]\nlist-reference=perso/\n[remote]\n")
        XCTAssertEqual(config.local.listReference, "perso/")
        XCTAssertEqual(config.remote.listReference, "")
        XCTAssertEqual(try parseInterimap("list-reference=x/\n[local]\n[remote]\n").remote.listReference, "x/")
    }

    func testDefaultSectionOnlyOptionsAreRefusedElsewhere() {
        for (key, value) in [("database", "x.db"), ("list-mailbox", "INBOX"), ("list-select-opts", "SUBSCRIBED"),
                             ("ignore-mailbox", "^x"), ("logfile", "/tmp/log")] {
            XCTAssertConfigError(try parseInterimap("[local]\n[remote]\n\(key)=\(value)\n"),
                                 "config:3: \(key): only available in the default section, not in [remote]")
            XCTAssertConfigError(try parseInterimap("[local]\n\(key)=\(value)\n[remote]\n"),
                                 "config:2: \(key): only available in the default section, not in [local]")
        }
    }

    func testLogPrefixInASectionIsIgnoredWithAWarning() throws {
        let config = try parseInterimap("[local]\nlog-prefix=L:\n[remote]\n")
        XCTAssertEqual(config.logPrefix, .default)
        XCTAssertEqual(config.warnings.map(\.description), ["config:2: log-prefix: ignored in [local]: only read from the default section"])
    }

    func testUnknownOptionsAndSections() throws {
        XCTAssertConfigError(try parseInterimap("foo=bar\n[local]\n[remote]\n"), "config:1: foo: unknown option")
        XCTAssertConfigError(try parseInterimap("[local]\nbogus=1\n[remote]\n"), "config:2: bogus: unknown option in [local]")
        XCTAssertConfigError(try parseInterimap("[local]\nstatefile=x\n[remote]\n"), "config:2: statefile: unknown option in [local]")
        let config = try parseInterimap("[local]\n[remote]\n[other]\nfoo=bar\ntype=imapz\n")
        XCTAssertEqual(config.warnings.map(\.description),
                       ["config:3: section [other] is ignored (interimap reads [local], [remote] and the default section)"])
    }

    func testMissingSections() {
        XCTAssertConfigError(try parseInterimap("[local]\n"), "config: no [remote] section")
        XCTAssertConfigError(try parseInterimap("[remote]\n"), "config: no [local] section")
    }

    func testListMailbox() throws {
        XCTAssertEqual(try parseInterimap("list-mailbox=INBOX \"a b\" \"foo\\x00bar\"\n[local]\n[remote]\n").listMailbox,
                       ["INBOX", "a b", "foo\u{0}bar"])
        XCTAssertConfigError(try parseInterimap("list-mailbox=\"ab\n[local]\n[remote]\n"),
                             "config:1: list-mailbox: unterminated quoted name (missing the closing '\"') in '\"ab'")
        XCTAssertConfigError(try parseInterimap("list-mailbox=\n[local]\n[remote]\n"), "config:1: list-mailbox: empty value")
    }

    func testListSelectOptions() throws {
        XCTAssertEqual(try parseInterimap("list-select-opts=SUBSCRIBED  RECURSIVEMATCH\n[local]\n[remote]\n").listSelectOptions,
                       ["SUBSCRIBED", "RECURSIVEMATCH"])
        XCTAssertEqual(try parseInterimap("list-select-opts=\n[local]\n[remote]\n").listSelectOptions, [])
        XCTAssertConfigError(try parseInterimap("list-select-opts=a(b\n[local]\n[remote]\n"),
                             "config:1: list-select-opts: 'a(b' is not a LIST selection option (an IMAP atom such as SUBSCRIBED)")
    }

    func testIgnoreMailbox() throws {
        let config = try parseInterimap("ignore-mailbox=^virtual(?:\\x00|$)\n[local]\n[remote]\n")
        XCTAssertEqual(config.ignoreMailbox?.pattern, "^virtual(?:\\x00|$)")
        XCTAssertEqual(config.ignoreMailbox?.excludes("virtual\u{0}sub"), true)
        XCTAssertNil(try parseInterimap("[local]\n[remote]\n").ignoreMailbox)
        XCTAssertConfigError(try parseInterimap("ignore-mailbox=(\n[local]\n[remote]\n"),
                             "config:1: ignore-mailbox: invalid regular expression '('")
        XCTAssertConfigError(try parseInterimap("ignore-mailbox=\n[local]\n[remote]\n"), "config:1: ignore-mailbox: empty value")
    }

    func testLogfile() throws {
        XCTAssertEqual(try parseInterimap("logfile=/var/log/interimap.log\n[local]\n[remote]\n").logfile, "/var/log/interimap.log")
        XCTAssertConfigError(try parseInterimap("logfile=x.log\n[local]\n[remote]\n"),
                             "config:1: logfile: 'x.log' is not an absolute path")
        XCTAssertConfigError(try parseInterimap("logfile=\n[local]\n[remote]\n"), "config:1: logfile: empty value")
    }

    func testOpenLogSink() throws {
        let directory = try makeTemporaryDirectory(self)
        let config = try parseInterimap("log-prefix=%n> \nlogfile=\(directory)/i.log\n[local]\n[remote]\n")
        let sink = try config.openLogSink(threshold: .info, standardError: nil)
        sink.makeLogger(component: "local").info("hello")
        sink.close()
        let text = try String(contentsOfFile: directory + "/i.log", encoding: .utf8)
        XCTAssertTrue(text.hasSuffix(" local>hello\n"), "trailing blanks are trimmed, as in the reference: \(text)")
        let broken = try parseInterimap("\nlogfile=\(directory)/none/i.log\n[local]\n[remote]\n")
        XCTAssertConfigError(try broken.openLogSink(threshold: .info, standardError: nil),
                             "config:2: logfile: cannot open the log file '\(directory)/none/i.log': No such file or directory")
    }

    func testLogPrefix() throws {
        let config = try parseInterimap("log-prefix=[%n] \n[local]\n[remote]\n")
        XCTAssertEqual(config.logPrefix.render(name: "local", mailbox: "INBOX"), "[local]")
        XCTAssertEqual(try parseInterimap("log-prefix=\n[local]\n[remote]\n").logPrefix.render(name: "local", mailbox: "x"), "")
        XCTAssertConfigError(try parseInterimap("log-prefix=%x\n[local]\n[remote]\n"),
                             "config:1: log-prefix: bad format '%x': unknown sequence '%x' (expected %n, %m, %? or %%) at offset 0")
    }

    func testLoadFromDiskUsesTheRealPathInErrors() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/config"
        try "[local]\n# c\ntype = imapz\n[remote]\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertConfigError(try InterimapConfiguration.load(path: path, environment: testEnvironment),
                             "\(path):3: type: unknown value 'imapz' (expected imap, imaps or tunnel)")
    }
}
