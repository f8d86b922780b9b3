import GRDB
import XCTest
@testable import scenario

/// Expectations on interimap's database and pullimap's statefile, read from files prepared here.
final class CheckerTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-checker-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        if let dir { try? FileManager.default.removeItem(atPath: dir) }
    }

    func snapshot(_ delimiter: Character, _ boxes: [String: MailboxSnapshot]) -> ServerSnapshot {
        ServerSnapshot(delimiter: delimiter, mailboxes: boxes, subscriptions: [])
    }

    func message(_ uid: UInt32, _ label: String, _ scenario: Scenario) -> MessageSnapshot {
        MessageSnapshot(uid: uid, flags: [], internalDate: 0, body: scenario.bodies[label] ?? [])
    }

    func testDatabaseExpectationsReadTheReferenceSchema() throws {
        let scenario = try ScenarioParser.parse(text: """
            [server local]
            [server remote]
            delimiter = .
            [mailbox local Work/Reports]
            message = a
            message = b
            message = c
            [expect]
            db-mailboxes = Work/Reports
            """, path: "t.ini")
        let path = dir + "/db.sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE mailboxes (idx INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, mailbox BLOB COLLATE BINARY NOT NULL CHECK (mailbox != '') UNIQUE, subscribed BOOLEAN NOT NULL)")
            for side in ["local", "remote"] {
                try db.execute(sql: "CREATE TABLE \(side) (idx INTEGER NOT NULL PRIMARY KEY REFERENCES mailboxes(idx), UIDVALIDITY UNSIGNED INT NOT NULL, UIDNEXT UNSIGNED INT NOT NULL, HIGHESTMODSEQ UNSIGNED BIGINT NOT NULL)")
            }
            try db.execute(sql: "CREATE TABLE mapping (idx INTEGER NOT NULL REFERENCES mailboxes(idx), lUID UNSIGNED INT NOT NULL, rUID UNSIGNED INT NOT NULL, PRIMARY KEY (idx,lUID), UNIQUE (idx,rUID))")
            try db.execute(sql: "INSERT INTO mailboxes (idx, mailbox, subscribed) VALUES (1, ?, 0)", arguments: [Data("Work\u{0}Reports".utf8)])
            try db.execute(sql: "INSERT INTO local VALUES (1, 100, 4, 7)")
            try db.execute(sql: "INSERT INTO remote VALUES (1, 200, 3, 9)")
            try db.execute(sql: "INSERT INTO mapping VALUES (1, 1, 2), (1, 3, 1)")
        }
        let local = snapshot("/", ["Work/Reports": MailboxSnapshot(uidValidity: 100, uidNext: 4, highestModSeq: 8,
                                                                    messages: [message(1, "a", scenario), message(2, "b", scenario), message(3, "c", scenario)])])
        let remote = snapshot(".", ["Work.Reports": MailboxSnapshot(uidValidity: 200, uidNext: 3, highestModSeq: 9,
                                                                     messages: [message(1, "c", scenario), message(2, "a", scenario)])])
        let checker = ExpectationChecker(scenario: scenario, labels: LabelIndex(bodies: scenario.bodies), lastRun: nil, databasePath: path,
                                         statefilePaths: [:], deliveries: [], snapshot: { $0 == "local" ? local : remote })
        func check(_ e: Expectation) -> String? { checker.check(Located(value: e, line: 1, key: "k", text: "k = v"))?.detail }
        XCTAssertNil(check(.databaseMailboxes(["Work/Reports"])))
        XCTAssertNil(check(.databaseUIDNext(side: "local", mailbox: "Work/Reports", .current)))
        XCTAssertNil(check(.databaseUIDNext(side: "remote", mailbox: "Work/Reports", .value(3))))
        XCTAssertEqual(check(.databaseHighestModSeq(side: "local", mailbox: "Work/Reports", .current)),
                       "local.HIGHESTMODSEQ of 'Work/Reports' is 7 but the server's is 8")
        XCTAssertNil(check(.databaseUIDValidity(side: "remote", mailbox: "Work/Reports", .value(200))))
        XCTAssertNil(check(.databaseMapping(mailbox: "Work/Reports", complete: true, entries: [])), "a and c are on both sides and mapped")
        XCTAssertNil(check(.databaseMapping(mailbox: "Work/Reports", complete: false, entries: ["a", "3:1"])))
        XCTAssertEqual(check(.databaseMapping(mailbox: "Work/Reports", complete: false, entries: ["a"])),
                       "--- expected\n+++ mapping of 'Work/Reports' (lUID:rUID local/remote label)\n 1:2 a/a\n+3:1 c/c")
        XCTAssertEqual(check(.databaseMailboxes(["INBOX"])), "--- expected\n+++ database mailboxes\n-INBOX\n+Work/Reports")
        XCTAssertEqual(check(.databaseUIDNext(side: "local", mailbox: "INBOX", .current)), "the database has no mailbox 'INBOX'")
    }

    func testStatefileWords() throws {
        let scenario = try ScenarioParser.parse(text: "[server remote]\n[pullimap acct]\nmailbox = Feed", path: "t.ini")
        let path = dir + "/acct"
        try Data([0, 0, 0, 100, 0, 0, 0, 5, 0, 0, 0, 3]).write(to: URL(fileURLWithPath: path))
        let remote = snapshot("/", ["Feed": MailboxSnapshot(uidValidity: 100, uidNext: 6, highestModSeq: 1, messages: [])])
        let checker = ExpectationChecker(scenario: scenario, labels: LabelIndex(bodies: [:]), lastRun: nil, databasePath: "",
                                         statefilePaths: ["acct": path], deliveries: [], snapshot: { _ in remote })
        func check(_ words: [String]) -> String? {
            checker.check(Located(value: .statefile(section: "acct", words: words), line: 1, key: "k", text: "k = v"))?.detail
        }
        XCTAssertNil(check(["uidvalidity", "5", "3"]))
        XCTAssertEqual(check(["uidvalidity", "uidnext"]), "the statefile holds [100 5 3], expected [100 6] (uidvalidity uidnext)")
        XCTAssertEqual(check(["absent"]), "the statefile \(path) exists: 100 5 3")
    }

    func testExitAndLogExpectationsAgainstTheLastRun() throws {
        let scenario = try ScenarioParser.parse(text: "[server a]", path: "t.ini")
        let run = RunRecord(program: .interimap, stepIndex: 0, status: .signaled(SIGKILL),
                            output: "local(INBOX): Added 3 UID(s) 1:3 <- 4:6\nremote: done\n", trafficPath: nil, crashArmed: "x")
        let checker = ExpectationChecker(scenario: scenario, labels: LabelIndex(bodies: [:]), lastRun: run, databasePath: "",
                                         statefilePaths: [:], deliveries: [], snapshot: { _ in throw RunnerError("no server") })
        func check(_ e: Expectation) -> String? { checker.check(Located(value: e, line: 1, key: "k", text: "k = v"))?.detail }
        XCTAssertNil(check(.exit(.killed)))
        XCTAssertNil(check(.exit(.signal)))
        XCTAssertTrue(check(.exit(.code(0)))?.hasPrefix("the run ended with killed (SIGKILL)\noutput of the last run") ?? false)
        XCTAssertNil(check(.logContains("Added 3 UID(s) 1:3 <- 4:6")))
        XCTAssertNil(check(.logMatches(#"^local\(INBOX\): Added \d+ UID"#)))
        XCTAssertEqual(check(.logLacks("remote:")), "log lines contain 'remote:':\n  | remote: done")
        XCTAssertTrue(check(.logContains("WARNING"))?.contains("  | local(INBOX): Added 3 UID(s) 1:3 <- 4:6") ?? false)
    }
}
