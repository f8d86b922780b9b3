import Foundation
import XCTest
@testable import scenario

/// `scenario fuzz`: random crash histories, reproducible from their seed, checked after every
/// run, a failure shrunk to a scenario file. CI replays a few seeds; scripts/fuzz-histories.sh
/// replays thousands.
final class CrashHistoryFuzzTests: XCTestCase {
    func testAHistoryIsReproducibleFromItsSeed() throws {
        let a = HistoryScript(events: HistoryGenerator.history(seed: 42, steps: 20), name: "x", description: "d", reference: false, closingReferenceRun: true)
        let b = HistoryScript(events: HistoryGenerator.history(seed: 42, steps: 20), name: "x", description: "d", reference: false, closingReferenceRun: true)
        let c = HistoryScript(events: HistoryGenerator.history(seed: 43, steps: 20), name: "x", description: "d", reference: false, closingReferenceRun: true)
        XCTAssertEqual(a.text, b.text)
        XCTAssertNotEqual(a.text, c.text)
        // What it writes is a scenario the parser takes, with changes on both sides and crashes.
        let scenario = try ScenarioParser.parse(text: a.text, path: "x.ini")
        XCTAssertGreaterThan(scenario.steps.count, 10)
        for needed in ["[change local]", "[change remote]", "[crash]", "absent ", "present ", "engine = reference"] {
            XCTAssertTrue(a.text.contains(needed) || c.text.contains(needed), "no \(needed) in\n\(a.text)")
        }
    }

    func testTheModelDropsEventsAShrinkLeftMeaningless() {
        // Without the append, the flag change and the expunge of l1 name nothing.
        let events: [HistoryEvent] = [.setFlags(.local, mailbox: "INBOX", label: "l1", flags: ["\\Seen"]),
                                      .expunge(.local, mailbox: "INBOX", label: "l1"), .run(nil),
                                      .append(.remote, mailbox: "Box1", label: "r2", flags: [])]
        let script = HistoryScript(events: events, name: "x", description: "d", reference: false, closingReferenceRun: false)
        XCTAssertEqual(script.events, [.run(nil)])
    }

    func testForTheReferenceCrashPointsBecomeKillsAfterAWhile() {
        let events: [HistoryEvent] = [.append(.local, mailbox: "INBOX", label: "l1", flags: []), .run(.crash(point: "append-after-message", count: 1))]
        let script = HistoryScript(events: events, name: "x", description: "d", reference: true, closingReferenceRun: false)
        XCTAssertFalse(script.text.contains("[crash]"))
        XCTAssertTrue(script.text.contains("kill-after = 0.55"), script.text)
        XCTAssertFalse(script.text.contains("engine = ours"))
    }

    func testBoundedSeedsPassOnOurEngine() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try ScenarioTool.run(["fuzz", "--seed", "1", "--seeds", "4", "--steps", "10", "--output", output])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("4 passed, 0 failed"), result.output)
    }

    func testAFailingHistoryIsShrunkToAScenarioFileThatStillFails() throws {
        // An "interimap" that does nothing: the first clean run after an append fails.
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try ScenarioTool.run(["fuzz", "--seed", "7", "--steps", "8", "--interimap", "/bin/true", "--output", output, "--shrink-budget", "30"])
        XCTAssertNotEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("FAIL seed 7"), result.output)
        let file = (output as NSString).appendingPathComponent("fuzz-seed-7.ini")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let scenario = try ScenarioParser.parse(text: text, path: file)
        let changes = scenario.steps.filter { if case .change = $0.kind { return true }; return false }
        XCTAssertLessThanOrEqual(changes.count, 1, "shrunk to one change:\n\(text)")
        let replay = try ScenarioTool.run(["replay", "--interimap", "/bin/true", "--engine", "ours", file])
        XCTAssertNotEqual(replay.status, 0, "the shrunk scenario still fails:\n\(replay.output)")
    }
}
