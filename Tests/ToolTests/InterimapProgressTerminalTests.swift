import Engine
import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// interimap's progress line on a real (pseudo-)terminal, where it is drawn without being asked:
/// redrawn in place with the mailboxes and messages done of how many, the log lines written above
/// it, erased at the end; not drawn with `--no-progress` or `--quiet`.
final class InterimapProgressTerminalTests: XCTestCase {
    private func pair() throws -> FakeServerPair {
        try FakeServerPair { local, remote in
            _ = try local.createMailbox("Archive")
            for i in 1...3 { try local.append(to: "INBOX", "From: a@example.org\r\nSubject: \(i)\r\n\r\nbody \(i)\r\n") }
            try local.append(to: "Archive", "From: a@example.org\r\nSubject: old\r\n\r\nold\r\n")
            try remote.append(to: "INBOX", "From: b@example.org\r\nSubject: r\r\n\r\nr\r\n")
        }
    }

    private func run(_ pair: FakeServerPair, _ arguments: [String]) throws -> PseudoTerminal.Output {
        try PseudoTerminal.run(ToolRunner.productsDirectory.appendingPathComponent("interimap").path,
                               ["--config=\(pair.configURL.path)"] + arguments,
                               environment: pair.environment.merging(["TERM": "xterm"]) { $1 }, columns: 120)
    }

    func testDrawnOnATerminalUnderTheLogLines() throws {
        let pair = try pair()
        let output = try run(pair, [])
        XCTAssertEqual(output.status, 0, output.text)
        let states = output.text.components(separatedBy: "\r").map { $0.replacingOccurrences(of: "\u{1B}[K", with: "") }
        XCTAssertTrue(states.contains { $0.hasPrefix("mailboxes 0/2 · messages 0/5") }, output.text.debugDescription)
        XCTAssertTrue(states.contains { $0.hasPrefix("mailboxes 2/2 · messages 5/5") }, output.text.debugDescription)
        // Each log line is written where the line was, after erasing it, and the line is erased at the end.
        XCTAssertTrue(output.text.contains("\r\u{1B}[Kremote(Archive): Added 1 UID(s) 1 -> 1\n"), output.text.debugDescription)
        XCTAssertTrue(output.text.hasSuffix("\r\u{1B}[K"), "erased at the end: \(output.text.debugDescription)")
        // The first drawing already has both totals.
        let firstDrawn = states.first { $0.contains("messages ") } ?? ""
        XCTAssertTrue(firstDrawn.hasPrefix("mailboxes 0/2 · messages 0/5"), output.text.debugDescription)
    }

    func testNotDrawnWithNoProgressOrQuiet() throws {
        for arguments in [["--no-progress"], ["--quiet"]] {
            let pair = try pair()
            let output = try run(pair, arguments)
            XCTAssertEqual(output.status, 0, output.text)
            XCTAssertFalse(output.text.contains("mailboxes "), "\(arguments): \(output.text.debugDescription)")
            XCTAssertFalse(output.text.contains("\u{1B}[K"), "\(arguments): \(output.text.debugDescription)")
        }
    }
}
