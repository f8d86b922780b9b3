import FakeIMAPServer
import XCTest
@testable import scenario

/// Steps and expectations that need no engine run: server content, changes by another client,
/// time passing, and what a failing expectation reports.
final class RunnerStepTests: XCTestCase {
    var workRoot: String!

    override func setUpWithError() throws {
        workRoot = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-runner-\(UUID().uuidString.prefix(8))").path
    }

    override func tearDown() {
        if let workRoot { try? FileManager.default.removeItem(atPath: workRoot) }
    }

    func replay(_ text: String) throws -> ScenarioResult {
        let scenario = try ScenarioParser.parse(text: text, path: "t.ini")
        let options = RunnerOptions(interimap: "/bin/false", pullimap: "/bin/false", fakeIMAPD: "/bin/false", scenarioExecutable: "/bin/false",
                                    engine: .ours, backend: .fake, verbose: false, keepWorkspace: false, workRoot: workRoot)
        return ScenarioRunner(scenario: scenario, options: options).run()
    }

    func failure(_ result: ScenarioResult, file: StaticString = #filePath, line: UInt = #line) -> FailureReport? {
        guard case .failed(let report) = result.outcome else {
            XCTFail("the scenario did not fail", file: file, line: line)
            return nil
        }
        return report
    }

    func assertPasses(_ result: ScenarioResult, file: StaticString = #filePath, line: UInt = #line) {
        if case .failed = result.outcome { XCTFail(Report.render(result), file: file, line: line) }
    }

    func testChangesByAnotherClientAndExpectationsOnTheFakeServer() throws {
        let result = try replay("""
            [server local]
            subscribed = INBOX
            [mailbox local INBOX]
            message = a
            message = b \\Seen
            message = c
            [change local]
            append = INBOX d \\Draft
            add-flags = INBOX a : \\Flagged $Work
            remove-flags = INBOX b : \\Seen
            set-flags = INBOX c : \\Answered
            expunge = INBOX b
            create = Work
            append = Work w
            rename = Work Job
            subscribe = Job
            create = Gone
            delete = Gone
            [expect]
            messages local INBOX = a c d
            flags local INBOX a = \\Flagged $Work
            flags local INBOX c = \\Answered
            flags local INBOX d = \\Draft
            count local Job = 1
            mailboxes local = INBOX Job
            subscribed local = INBOX Job
            uidnext local INBOX = 5
            uidvalidity local INBOX = 100
            no-duplicates = yes
            """)
        assertPasses(result)
        XCTAssertNil(result.workspace, "a passing scenario leaves nothing behind")
    }

    func testAWrongExpectationFailsWithTheStepTheSettingAndADiff() throws {
        let result = try replay("""
            [server local]
            [mailbox local INBOX]
            message = a
            message = c
            [mailbox local Other]
            message = b
            [expect]
            count local INBOX = 2
            messages local INBOX = a b
            flags local INBOX a = \\Seen
            """)
        guard let report = failure(result) else { return }
        XCTAssertEqual(report.stepNumber, 1)
        XCTAssertEqual(report.stepTitle, "[expect]")
        XCTAssertEqual(report.failures.map(\.line), [9, 10], "both wrong expectations are reported, the right one is not")
        XCTAssertEqual(report.failures[0].text, "messages local INBOX = a b")
        XCTAssertEqual(report.failures[0].detail, "--- expected\n+++ local INBOX, in UID order\n a\n-b\n+c")
        XCTAssertEqual(report.failures[1].detail, "UID 1:\n--- expected\n+++ local INBOX UID 1\n-\\Seen")
        let text = Report.render(result)
        XCTAssertTrue(text.hasPrefix("FAIL t ("), text)
        XCTAssertTrue(text.contains("  t.ini:7: step 1 [expect]\n  t.ini:9: messages local INBOX = a b\n    --- expected"), text)
        if let dir = result.workspace {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir), "a failing scenario keeps its workspace")
        }
    }

    func testEqualComparesBothSidesModuloDelimiterAndShowsTheDifference() throws {
        let same = try replay("""
            [server local]
            [server remote]
            delimiter = .
            [mailbox local A/B]
            message = m1 \\Seen date=2024-01-01
            [mailbox remote A.B]
            message = m2
            [change remote]
            expunge = A.B m2
            append = A.B m1 \\Seen date=2024-01-01
            [expect]
            equal = yes
            """)
        assertPasses(same)
        let different = try replay("""
            [server local]
            [server remote]
            [mailbox local INBOX]
            message = m1 \\Seen date=2024-01-01
            [mailbox remote INBOX]
            message = m2 date=2024-01-01
            [expect]
            equal = yes
            """)
        guard let report = failure(different) else { return }
        XCTAssertEqual(report.failures[0].detail, """
            the servers differ:
            --- local
            +++ remote
            -INBOX: m1 (\\Seen) 2024-01-01T00:00:00Z
            +INBOX: m2 () 2024-01-01T00:00:00Z
            """)
    }

    func testDuplicatesAndMissingMailboxesAreReported() throws {
        let result = try replay("""
            [server local]
            [mailbox local INBOX]
            message = m1
            [change local]
            append = INBOX m2 body=Subject: x\\n\\ny
            append = INBOX m3 body=Subject: x\\n\\ny
            [expect]
            no-duplicates = yes
            count local Nowhere = 0
            """)
        guard let report = failure(result) else { return }
        XCTAssertEqual(report.failures.map(\.detail), ["duplicates:\n  local INBOX: 'm2' 2 times", "local has no mailbox 'Nowhere'"])
    }

    func testAChangeThatCannotBeMadeFailsTheStep() throws {
        let result = try replay("""
            [server local]
            [mailbox local INBOX]
            message = m1
            [change local]
            expunge = Nowhere m1
            """)
        guard let report = failure(result) else { return }
        XCTAssertEqual(report.stepTitle, "[change local]")
        XCTAssertEqual(report.failures[0].line, 5)
        XCTAssertTrue(report.failures[0].detail.contains("Nowhere"), report.failures[0].detail)
    }

    func testExpectationsAboutARunNeedARun() throws {
        let result = try replay("[server local]\n[expect]\nexit = 0\nlog = x")
        guard let report = failure(result) else { return }
        XCTAssertEqual(report.failures.map(\.detail), ["no engine run before this expectation", "no engine run before this expectation"])
    }

    func testTimePassingMovesInternalDatesBack() throws {
        let dir = workRoot + "/servers"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let backend = FakeServerBackend(name: "remote", directory: dir, fakeIMAPD: "/bin/false")
        let scenario = try ScenarioParser.parse(text: "[server remote]\n[mailbox remote INBOX]\nmessage = m date=2024-01-10T12:00:00Z", path: "t.ini")
        try backend.setUp(scenario.servers[0])
        try backend.moveInternalDates(back: 2 * 86400)
        let box = try XCTUnwrap(try backend.snapshot().mailbox("INBOX"))
        XCTAssertEqual(box.messages.map(\.internalDate), [1_704_888_000 - 2 * 86400])
        XCTAssertEqual(box.uidNext, 2, "the rest of the store is untouched")
    }

    func testTunnelCommandCarriesServerOptionsAndArmedFaults() throws {
        let backend = FakeServerBackend(name: "local", directory: "/tmp/x", fakeIMAPD: "/bin/fake-imapd")
        let scenario = try ScenarioParser.parse(text: "[server local]\nwithhold-capability = QRESYNC\nlogin = alice s3cr3t", path: "t.ini")
        let dir = workRoot + "/servers"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let real = FakeServerBackend(name: "local", directory: dir, fakeIMAPD: "/bin/fake-imapd")
        try real.setUp(scenario.servers[0])
        XCTAssertEqual(real.tunnelCommand(faults: [.dropAfter(command: "UID FETCH", responses: 2), .fail(command: "CREATE", status: "NO")]),
                       "/bin/fake-imapd --state \(dir)/local.json --withhold-capability QRESYNC --user alice --password s3cr3t "
                       + "--drop-after 'UID FETCH:2' --fail CREATE:NO")
        XCTAssertEqual(backend.tunnelCommand(faults: []), "/bin/fake-imapd --state /tmp/x/local.json")
    }
}
