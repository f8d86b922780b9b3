import Foundation
import XCTest

/// `scenario replay` as a user runs it: one line per scenario, the failing step with a diff, the
/// summary line, the exit status; one-line errors for bad files.
final class ReplayCommandTests: XCTestCase {
    /// Needs no engine: servers, a change and expectations only.
    static let engineFree = """
        description = A store holds what it was given.
        [server local]
        [mailbox local INBOX]
        message = m1 \\Seen
        [change local]
        append = INBOX m2
        [expect]
        messages local INBOX = m1 m2
        flags local INBOX m1 = \\Seen
        """

    func testAPassingScenarioPrintsPassAndTheSummary() throws {
        let file = try ScenarioTool.write(Self.engineFree, name: "engine-free.ini")
        let result = try ScenarioTool.run(["replay", file])
        XCTAssertEqual(result.status, 0, result.output)
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.output)
        XCTAssertTrue(lines[0].hasPrefix("PASS engine-free ("), result.output)
        XCTAssertEqual(lines[1], "1 passed, 0 failed")
    }

    func testAWrongExpectationFailsWithTheStepAndADiffAndANonZeroStatus() throws {
        let wrong = Self.engineFree.replacingOccurrences(of: "messages local INBOX = m1 m2", with: "messages local INBOX = m1 m3")
            .replacingOccurrences(of: "message = m1 \\Seen", with: "message = m1 \\Seen\nmessage = m3 \\Draft")
            .replacingOccurrences(of: "description", with: "name = made-wrong\ndescription")
        let file = try ScenarioTool.write(wrong, name: "wrong.ini")
        let result = try ScenarioTool.run(["replay", file])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.hasPrefix("FAIL made-wrong ("), result.output)
        XCTAssertTrue(result.output.contains("  \(file):9: step 2 [expect]\n  \(file):10: messages local INBOX = m1 m3\n"), result.output)
        XCTAssertTrue(result.output.contains("    --- expected\n    +++ local INBOX, in UID order\n     m1\n     m3\n    +m2\n"), result.output)
        XCTAssertTrue(result.output.contains("workspace kept in "), result.output)
        XCTAssertTrue(result.output.hasSuffix("0 passed, 1 failed\n"), result.output)
    }

    func testABadScenarioFileGivesAOneLineErrorAndFails() throws {
        let good = try ScenarioTool.write(Self.engineFree, name: "good.ini")
        let bad = try ScenarioTool.write("[server local]\n[expect]\nflags local INBOX = \\Seen\n", name: "bad.ini")
        let result = try ScenarioTool.run(["replay", bad, good])
        XCTAssertNotEqual(result.status, 0)
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "ERROR \(bad):3: key 'flags local INBOX': expected 'flags SERVER MAILBOX LABEL = FLAG...'")
        XCTAssertEqual(lines.last, "1 passed, 1 failed", "the other files still run")
    }

    func testListFilterAndEngineSkips() throws {
        let crash = try ScenarioTool.write("""
            description = Needs a crash point.
            [server local]
            [server remote]
            [crash]
            at = flags-store
            [run interimap]
            [expect]
            equal = yes
            """, name: "crashing.ini")
        let list = try ScenarioTool.run(["replay", "--list", crash])
        XCTAssertEqual(list.output, "crashing [engine=ours]: Needs a crash point.\n")
        let skipped = try ScenarioTool.run(["replay", "--engine", "reference", crash])
        XCTAssertEqual(skipped.status, 0, skipped.output)
        XCTAssertEqual(skipped.output, "SKIP crashing: needs our engine (crash point flags-store)\n0 passed, 0 failed, 1 skipped (engine: reference)\n")
        let filtered = try ScenarioTool.run(["replay", "--list", "--filter", "^nothing$", crash])
        XCTAssertEqual(filtered.output, "")
    }

    func testDirectoriesAreSearchedForScenarioFiles() throws {
        let file = try ScenarioTool.write(Self.engineFree, name: "one.ini")
        let dir = (file as NSString).deletingLastPathComponent
        try "not a scenario".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try ScenarioTool.run(["replay", "--list", dir])
        XCTAssertEqual(result.output, "one: A store holds what it was given.\n")
    }

    /// The library against the reference implementation (Debian's interimap and pullimap): every
    /// scenario it can run passes, which validates the scenarios and the runner independently of
    /// our engine. The others are skipped and say why.
    func testTheLibraryPassesWithTheReferenceImplementation() throws {
        for tool in ["/usr/bin/interimap", "/usr/bin/pullimap"] where !FileManager.default.isExecutableFile(atPath: tool) {
            let message = "\(tool) is missing: run scripts/setup.sh"
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail(message) }
            throw XCTSkip(message)
        }
        let result = try ScenarioTool.run(["replay", "--interimap", "/usr/bin/interimap", "--pullimap", "/usr/bin/pullimap", ScenarioTool.libraryDirectory])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertFalse(result.output.contains("FAIL"), result.output)
        let summary = result.output.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(summary.hasSuffix("skipped (engine: reference)"), summary)
        let passed = Int(summary.prefix { $0 != " " }) ?? 0
        XCTAssertGreaterThanOrEqual(passed, 40, summary)
    }
}

/// The runner's handling of engine processes, with small shell scripts standing in for the engine:
/// the configuration it writes, crash points armed through the environment, background runs
/// waited for and stopped.
final class EngineProcessTests: XCTestCase {
    func script(_ body: String) throws -> String {
        let path = try ScenarioTool.write("#!/bin/sh\n" + body + "\n", name: "engine.sh")
        chmod(path, 0o755)
        return path
    }

    func testTheEngineGetsATunnelConfigurationInItsXDGDirectories() throws {
        let engine = try script(#"cat "$XDG_CONFIG_HOME/interimap/config"; echo "home=$HOME""#)
        let file = try ScenarioTool.write("""
            [server local]
            [server remote]
            delimiter = .
            withhold-capability = COMPRESS=DEFLATE
            [interimap]
            list-mailbox = INBOX
            [interimap remote]
            compress = NO
            [fault remote]
            drop-after = UID FETCH:1
            [run interimap]
            [expect]
            log = list-mailbox = INBOX
            log = [local]
            log = type = tunnel
            log-regex = ^command = .*/fake-imapd --state .*/servers/local\\.json$
            log-regex = ^command = .*/fake-imapd --state .*/servers/remote\\.json --withhold-capability COMPRESS=DEFLATE --drop-after 'UID FETCH:1'$
            log = compress = NO
            log-regex = ^home=/.*/home$
            """, name: "config.ini")
        let result = try ScenarioTool.run(["replay", "--engine", "ours", "--interimap", engine, file])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testAnArmedCrashReachesTheEngineAndAKilledRunIsExpected() throws {
        let engine = try script(#"echo "crash=$INTERIMAP_CRASH_AT"; [ -n "$INTERIMAP_CRASH_AT" ] && kill -9 $$; exit 0"#)
        let file = try ScenarioTool.write("""
            [server local]
            [server remote]
            [crash]
            at = fetch-after-message:3
            [run interimap]
            [expect]
            log = crash=fetch-after-message:3
            [run interimap]
            [expect]
            exit = 0
            log = crash=
            no-log = crash=fetch
            """, name: "crash.ini")
        let result = try ScenarioTool.run(["replay", "--engine", "ours", "--interimap", engine, file])
        XCTAssertEqual(result.status, 0, result.output)
        let never = try script("exit 0")
        let missed = try ScenarioTool.run(["replay", "--engine", "ours", "--interimap", never, file])
        XCTAssertNotEqual(missed.status, 0)
        XCTAssertTrue(missed.output.contains("the run ended with exit status 0; expected a crash at fetch-after-message:3 (killed)"), missed.output)
    }

    func testBackgroundRunsAreWaitedForAndStopped() throws {
        let engine = try script("trap 'echo stopping; exit 3' TERM; i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.05; done")
        let file = try ScenarioTool.write("""
            [server local]
            [server remote]
            [run interimap]
            args = --watch=1
            background = yes
            [wait]
            log-regex = ^tick [0-9]+$
            times = 3
            [stop]
            [expect]
            exit = 3
            log = tick 3
            log = stopping
            """, name: "background.ini")
        let result = try ScenarioTool.run(["replay", "--engine", "ours", "--interimap", engine, file])
        XCTAssertEqual(result.status, 0, result.output)
    }

    func testARunThatHangsIsKilledAfterItsTimeout() throws {
        let engine = try script("sleep 30")
        let file = try ScenarioTool.write("[server local]\n[server remote]\n[run interimap]\ntimeout = 0.5\n", name: "hang.ini")
        let start = Date()
        let result = try ScenarioTool.run(["replay", "--engine", "ours", "--interimap", engine, file])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.output.contains("the run did not end within 0.5 seconds (killed)"), result.output)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "the engine and what it started are killed at once")
    }
}
