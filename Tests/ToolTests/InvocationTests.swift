import XCTest
@testable import Engine

/// Parsing rules of the two command lines, below the argument parser.
final class InvocationTests: XCTestCase {
    func testBareWatchTakesNoValue() {
        // getopt semantics: `--watch INBOX` means watch with the default interval, mailbox INBOX.
        XCTAssertEqual(OptionalValueArguments.normalize(["--watch", "INBOX"], optionalValueOptions: ["watch"]),
                       ["--watch=default", "INBOX"])
        XCTAssertEqual(OptionalValueArguments.normalize(["--watch=30", "--", "--watch"], optionalValueOptions: ["watch"]),
                       ["--watch=30", "--", "--watch"])
    }

    func testWatchDefaultsDependOnNotify() throws {
        let plain = try InterimapInvocation.make(repair: false, delete: false, rename: false, mailboxes: [], targets: [],
                                                 watch: "default", notify: false, quiet: false, debugLevel: 0, configPath: nil)
        XCTAssertEqual(plain.watchInterval, 60)
        let notify = try InterimapInvocation.make(repair: false, delete: false, rename: false, mailboxes: [], targets: [],
                                                  watch: "default", notify: true, quiet: false, debugLevel: 0, configPath: nil)
        XCTAssertEqual(notify.watchInterval, 900)
        let explicit = try InterimapInvocation.make(repair: false, delete: false, rename: false, mailboxes: ["INBOX"], targets: [],
                                                    watch: "42", notify: true, quiet: false, debugLevel: 2, configPath: "c")
        XCTAssertEqual(explicit.watchInterval, 42)
        XCTAssertEqual(explicit.command, .synchronize(mailboxes: ["INBOX"]))
        XCTAssertEqual(explicit.debugLevel, 2)
    }

    func testCommandsAndTargets() throws {
        let rename = try InterimapInvocation.make(repair: false, delete: false, rename: true, mailboxes: ["a", "b"],
                                                  targets: ["local", "database"], watch: nil, notify: false,
                                                  quiet: false, debugLevel: 0, configPath: nil)
        XCTAssertEqual(rename.command, .rename(source: "a", destination: "b"))
        XCTAssertEqual(rename.targets, [.local, .database])
        let delete = try InterimapInvocation.make(repair: false, delete: true, rename: false, mailboxes: ["x", "y"],
                                                  targets: [], watch: nil, notify: false, quiet: false, debugLevel: 0, configPath: nil)
        XCTAssertEqual(delete.command, .delete(mailboxes: ["x", "y"]))
        XCTAssertEqual(delete.targets, [.local, .remote, .database])
        let repair = try InterimapInvocation.make(repair: true, delete: false, rename: false, mailboxes: [],
                                                  targets: [], watch: nil, notify: false, quiet: false, debugLevel: 0, configPath: nil)
        XCTAssertEqual(repair.command, .repair(mailboxes: []))
    }

    func testPullimapIdleDefault() throws {
        XCTAssertEqual(try PullimapInvocation.make(section: "acct", idle: "default", noDelivery: false, quiet: false,
                                                   debugLevel: 0, configPath: nil).idleTimeout, 29 * 60)
        XCTAssertNil(try PullimapInvocation.make(section: "acct", idle: nil, noDelivery: true, quiet: false,
                                                 debugLevel: 0, configPath: nil).idleTimeout)
        XCTAssertThrowsError(try PullimapInvocation.make(section: "", idle: nil, noDelivery: false, quiet: false,
                                                         debugLevel: 0, configPath: nil))
    }

    func make(_ mailboxes: [String] = [], delete: Bool = false, rename: Bool = false, targets: [String] = [],
              watch: String? = nil, notify: Bool = false) throws -> InterimapInvocation {
        try InterimapInvocation.make(repair: false, delete: delete, rename: rename, mailboxes: mailboxes, targets: targets,
                                     watch: watch, notify: notify, quiet: false, debugLevel: 0, configPath: nil)
    }

    /// getopt's optional integer: the next word is the value when it is a number.
    func testOptionalValueTakesTheNextNumber() {
        XCTAssertEqual(OptionalValueArguments.normalize(["--watch", "30", "INBOX"], optionalValueOptions: ["watch"]),
                       ["--watch=30", "INBOX"])
        XCTAssertEqual(OptionalValueArguments.normalize(["--watch", "30x"], optionalValueOptions: ["watch"]),
                       ["--watch=default", "30x"])
        XCTAssertEqual(OptionalValueArguments.normalize(["--idle", "-3", "acct"], optionalValueOptions: ["idle"]),
                       ["--idle=-3", "acct"])
        XCTAssertEqual(OptionalValueArguments.normalize(["--idle", "30", "acct"], optionalValueOptions: ["idle"]),
                       ["--idle=30", "acct"])
    }

    /// `--watch=0` and `--idle=0` mean the default interval, as the reference reads them.
    func testZeroMeansTheDefault() throws {
        XCTAssertEqual(try make(watch: "0").watchInterval, 60)
        XCTAssertEqual(try make(watch: "0", notify: true).watchInterval, 900)
        XCTAssertEqual(try PullimapInvocation.make(section: "acct", idle: "0", noDelivery: false, quiet: false,
                                                   debugLevel: 0, configPath: nil).idleTimeout, 29 * 60)
        XCTAssertThrowsError(try make(watch: "-1"))
    }

    /// interimap(1): `--notify` alone implies `--watch` with its 15-minute default.
    func testNotifyImpliesWatch() throws {
        let notify = try make(notify: true)
        XCTAssertEqual(notify.watchInterval, 900)
        XCTAssertTrue(notify.notify)
        XCTAssertNil(try make().watchInterval)
    }

    func testCommaSeparatedTargets() throws {
        XCTAssertEqual(try make(["x"], delete: true, targets: ["local,remote"]).targets, [.local, .remote])
        XCTAssertEqual(try make(["x"], delete: true, targets: ["database", "LOCAL"]).targets, [.local, .database])
        XCTAssertThrowsError(try make(["x"], delete: true, targets: ["local,"]))
    }

    /// `inbox` in any case is INBOX (RFC 3501 §5.1), everywhere; it is never deleted.
    func testInboxIsCaseInsensitiveAndNeverDeleted() throws {
        XCTAssertEqual(try make(["inbox", "Work"]).command, .synchronize(mailboxes: ["INBOX", "Work"]))
        XCTAssertEqual(try make(["inbox", "foo"], rename: true).command, .rename(source: "INBOX", destination: "foo"))
        XCTAssertEqual(try make(["inbox/sub"]).command, .synchronize(mailboxes: ["inbox/sub"]))
        for names in [["INBOX"], ["inbox"], ["Work", "Inbox"]] {
            XCTAssertThrowsError(try make(names, delete: true)) { error in
                let e = error as? CommandLineError
                XCTAssertEqual(e?.description, "INBOX can't be deleted")
                XCTAssertEqual(e?.isUsage, false)
            }
        }
        XCTAssertThrowsError(try make(["inbox"], delete: true, targets: ["database"]))
    }

    func testMailboxArgumentsMustBeModifiedUTF7() throws {
        XCTAssertEqual(try make(["Caf&AOk-"]).command, .synchronize(mailboxes: ["Caf&AOk-"]))
        for bad in ["Café", "a&b", "tab\there"] {
            XCTAssertThrowsError(try make([bad]), bad) { error in
                XCTAssertEqual((error as? CommandLineError)?.isUsage, false)
            }
        }
    }
}
