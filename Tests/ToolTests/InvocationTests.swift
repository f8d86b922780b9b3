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
}
