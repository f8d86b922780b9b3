import Engine
import Foundation
import TestSupport
import XCTest

/// The `pullimap` executable delivering with each `deliver-method`: maildir, mbox, MDA and the
/// fake LMTP receiver, killed (SIGKILL) at every named step of a delivery and run again.
final class LocalDeliveryProcessTests: XCTestCase {
    /// A delivery method under test and how to count what reached it.
    private struct Method {
        var name: String
        /// The `deliver-method` value for an account directory (nil: the fake receiver).
        var value: (String) -> String?
        /// Its crash points besides the generic ones, and whether each may cause one duplicate.
        var ownCrashPoints: [(String, mayDuplicate: Bool)]
        var counts: (ProcessAccount) -> [Int: Int]
    }

    private static func fileContents(_ directories: [String]) -> [[UInt8]] {
        directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().compactMap {
                FileManager.default.contents(atPath: directory + "/" + $0).map(Array.init)
            }
        }
    }

    /// The messages of an mbox file: split at `From ` lines that follow an empty line.
    static func mboxMessages(_ path: String) -> [[UInt8]] {
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        guard !text.isEmpty else { return [] }
        return ("\n\n" + text).components(separatedBy: "\n\nFrom ").dropFirst().map { Array($0.utf8) }
    }

    private let methods: [Method] = [
        Method(name: "lmtp", value: { _ in nil }, ownCrashPoints: [], counts: { $0.counts }),
        Method(name: "maildir", value: { "maildir:\($0)/Maildir" }, ownCrashPoints: [("maildir-tmp-written", false)],
               counts: { deliveryCounts(fileContents([$0.directory + "/Maildir/new", $0.directory + "/Maildir/cur"])) }),
        Method(name: "mbox", value: { "mbox:\($0)/inbox.mbox" }, ownCrashPoints: [("mbox-written", true)],
               counts: { deliveryCounts(mboxMessages($0.directory + "/inbox.mbox")) }),
        Method(name: "mda", value: { "mda:mkdir -p \($0)/mda && cat > \($0)/mda/$(date +%s%N).$$" },
               ownCrashPoints: [("mda-running", true)],
               counts: { deliveryCounts(fileContents([$0.directory + "/mda"])) }),
    ]

    private static let genericCrashPoints: [(String, count: Int, mayDuplicate: Bool)] = [
        ("pull-delivered-before-statefile", 2, true), ("pull-statefile-appended", 2, false), ("pull-seen-store", 1, false),
        ("pull-before-uidnext", 1, false), ("pull-before-truncate", 1, false),
    ]

    func testEachMethodDeliversEveryMessageOnce() throws {
        for method in methods {
            let account = try ProcessAccount(self)
            account.deliverMethod = method.value(account.directory)
            try account.add(1...3)
            let result = try account.run()
            XCTAssertEqual(result.status, 0, "\(method.name): \(result.stderr)")
            XCTAssertEqual(method.counts(account), [1: 1, 2: 1, 3: 1], method.name)
            XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 4)))
            XCTAssertEqual(try account.unseenUIDs(), [], "\(method.name): delivered messages are \\Seen")
            try account.add(4...4)
            XCTAssertEqual(try account.run().status, 0)
            XCTAssertEqual(method.counts(account), [1: 1, 2: 1, 3: 1, 4: 1], "\(method.name): the next run delivers only the new one")
        }
    }

    /// kill -9 at every step of each method, then a clean run: every message arrives, at most
    /// one twice, and only where the documented window allows it.
    func testKillAtEveryStepOfEachMethod() throws {
        for method in methods {
            let points = Self.genericCrashPoints + method.ownCrashPoints.map { ($0.0, count: 2, mayDuplicate: $0.mayDuplicate) }
            for point in points {
                let label = "\(method.name) killed at \(point.0):\(point.count)"
                let account = try ProcessAccount(self)
                account.deliverMethod = method.value(account.directory)
                try account.add(1...3)
                let crashed = try account.run(crashAt: "\(point.0):\(point.count)")
                XCTAssertTrue(crashed.killedBySIGKILL, "\(label): \(crashed.stderr)")
                let clean = try account.run()
                XCTAssertEqual(clean.status, 0, "\(label): \(clean.stderr)")
                let counts = method.counts(account)
                XCTAssertEqual(Set(counts.keys), [1, 2, 3], "\(label): \(counts)")
                let duplicates = counts.values.reduce(0) { $0 + $1 - 1 }
                XCTAssertLessThanOrEqual(duplicates, point.mayDuplicate ? 1 : 0, "\(label): \(counts)")
                XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 4)),
                               label)
                XCTAssertEqual(try account.unseenUIDs(), [], label)
            }
        }
    }

    func testMaildirLeavesNothingInTmpButACrashedWrite() throws {
        let account = try ProcessAccount(self)
        account.deliverMethod = "maildir:\(account.directory)/Maildir"
        try account.add(1...2)
        XCTAssertTrue(try account.run(crashAt: "maildir-tmp-written:2").killedBySIGKILL)
        let tmp = try FileManager.default.contentsOfDirectory(atPath: account.directory + "/Maildir/tmp")
        XCTAssertEqual(tmp.count, 1, "the interrupted message is in tmp/, never in new/")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: account.directory + "/Maildir/new").count, 1)
    }

    func testRelativeMaildirIsUnderTheDataDirectory() throws {
        let account = try ProcessAccount(self)
        account.deliverMethod = "maildir:Mail/inbox"
        try account.add(1...1)
        let dataHome = account.directory + "/data"
        try FileManager.default.createDirectory(atPath: dataHome, withIntermediateDirectories: true)
        try account.writeConfiguration()
        let result = try ExecutableRun.run(account.pullimap, ["--config=" + account.configPath, "acct"],
                                           stderrPath: account.directory + "/stderr", environment: ["XDG_DATA_HOME": dataHome])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dataHome + "/pullimap/Mail/inbox/new").count, 1)
    }

    func testMDATemporaryFailureIsRetriedAtTheNextRun() throws {
        let account = try ProcessAccount(self)
        let out = account.directory + "/mda"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        account.deliverMethod = #"mda:m=$(cat); case "$m" in *"Subject: message 2"*) echo busy; exit 75;; esac; printf '%s\n' "$m" > "#
            + out + "/$(date +%s%N)"
        try account.add(1...3)
        let failed = try account.run()
        XCTAssertEqual(failed.status, ExitStatus.temporaryFailure.rawValue, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("UID 2 will be retried on the next run: the MDA"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("exited with status 75 (\"busy\")"), failed.stderr)
        XCTAssertEqual(deliveryCounts(Self.fileContents([out])), [1: 1])
        XCTAssertEqual(try account.statefileContents().state?.uidNext, 1, "the statefile keeps UID 1 in its delivered list")

        account.deliverMethod = "mda:cat > \(out)/$(date +%s%N)"
        XCTAssertEqual(try account.run().status, 0)
        XCTAssertEqual(deliveryCounts(Self.fileContents([out])), [1: 1, 2: 1, 3: 1])
    }

    func testMDAPermanentFailureIsReportedLikeA5xxReply() throws {
        let account = try ProcessAccount(self)
        account.deliverMethod = "mda:cat >/dev/null; echo 'no such user' >&2; exit 67"
        try account.add(1...2)
        let failed = try account.run()
        XCTAssertEqual(failed.status, ExitStatus.unavailable.rawValue, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("acct(INBOX): ERROR: UID 1 not delivered: the MDA"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("exited with status 67"), failed.stderr)
        XCTAssertEqual(try account.statefileContents(), PullStatefileContents(state: PullMailboxState(uidValidity: 4242, uidNext: 1)))
    }

    func testUnwritableMaildirFailsWithoutTouchingTheStatefileState() throws {
        let account = try ProcessAccount(self)
        let blocker = account.directory + "/blocker"
        FileManager.default.createFile(atPath: blocker, contents: Data())
        account.deliverMethod = "maildir:\(blocker)/Maildir"
        try account.add(1...1)
        let failed = try account.run()
        XCTAssertNotEqual(failed.status, 0)
        XCTAssertTrue(failed.stderr.contains("UID 1 not delivered: cannot deliver to \(blocker)/Maildir"), failed.stderr)
        XCTAssertEqual(try account.statefileContents().stalledUIDs, [])
        XCTAssertEqual(try account.unseenUIDs(), [1])
    }
}
