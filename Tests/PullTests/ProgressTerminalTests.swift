import Engine
import Foundation
import TestSupport
import XCTest

/// pullimap's progress line, seen as a user sees it: the real executable with its standard error
/// on a pseudo-terminal (drawn by default), on a file (never, unless --progress), and with
/// --no-progress or --quiet on a terminal (not drawn).
final class ProgressTerminalTests: XCTestCase {
    /// A draw (`\r`, text, `ESC [K`) or an erase (`\r ESC [K`).
    static let drawing = "\r[^\r\n]*\u{1B}\\[K"

    struct Output {
        var status: Int32
        var text: String
        /// The output with every draw and erase taken out: what the log alone says.
        var logOnly: String { text.replacingOccurrences(of: ProgressTerminalTests.drawing, with: "", options: .regularExpression) }
        var draws: [String] {
            let expression = try? NSRegularExpression(pattern: "\r([^\r\n]+)\u{1B}\\[K")
            let range = NSRange(text.startIndex..., in: text)
            return (expression?.matches(in: text, range: range) ?? []).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
        }
    }

    /// Runs `pullimap ARGUMENTS acct` with its standard error on a terminal or in a file.
    func pull(_ account: ProcessAccount, _ arguments: [String], onTerminal: Bool) throws -> Output {
        try account.writeConfiguration()
        let words = ["--config=" + account.configPath] + arguments + ["acct"]
        let output: Output
        if onTerminal {
            let run = try PseudoTerminal.run(account.pullimap, words, environment: ["TERM": "xterm"], columns: 120)
            output = Output(status: run.status, text: run.text)
        } else {
            let path = account.directory + "/stderr-" + UUID().uuidString
            let run = try ExecutableRun.run(account.pullimap, words, stderrPath: path)
            output = Output(status: run.status, text: run.stderr)
        }
        XCTAssertTrue(account.receiver.waitForSessions(timeout: 10))
        return output
    }

    func testDrawnOnATerminalWithTheLogLinesAboveIt() throws {
        let account = try ProcessAccount(self)
        try account.add(1...3)
        let output = try pull(account, [], onTerminal: true)
        XCTAssertEqual(output.status, 0, output.text)
        XCTAssertEqual(account.receiver.deliveries.count, 3)
        // Drawn with the expected total, from the first message on.
        XCTAssertEqual(output.draws.first, "acct(INBOX): delivered 0/3", output.text.debugDescription)
        XCTAssertTrue(output.draws.allSatisfy { $0.hasPrefix("acct(INBOX): delivered ") && $0.contains("/3") }, output.draws.description)
        // Every log line starts on a line of its own: the status is erased before it.
        let logLines = output.logOnly.split(separator: "\n").map(String.init)
        XCTAssertEqual(logLines.filter { $0.contains(": UID ") }.count, 3, output.logOnly)
        for logLine in logLines where logLine.contains(": UID ") {
            XCTAssertTrue(logLine.hasPrefix("acct(INBOX): UID "), logLine.debugDescription)
            XCTAssertTrue(output.text.contains("\r\u{1B}[K" + logLine + "\n"), "not written over the erased status: \(logLine)")
        }
        // Erased at the end: the last thing about the status is an erase, and nothing follows the
        // last log line on its line.
        XCTAssertTrue(output.text.hasSuffix("\n"), output.text.debugDescription)
        let afterLastErase = output.text.components(separatedBy: "\r\u{1B}[K").last ?? ""
        XCTAssertFalse(afterLastErase.contains("delivered"), output.text.debugDescription)
    }

    func testSameLogWithAndWithoutTheLine() throws {
        let account = try ProcessAccount(self)
        try account.add(1...2)
        let onTerminal = try pull(account, [], onTerminal: true)
        try account.add(3...4)
        let inFile = try pull(account, [], onTerminal: false)
        let shape = { (text: String) in
            text.split(separator: "\n").map { $0.replacingOccurrences(of: "UID [0-9]+ from .*", with: "UID n from ...", options: .regularExpression)
                .replacingOccurrences(of: "recv .*", with: "recv ...", options: .regularExpression) }
        }
        XCTAssertEqual(shape(onTerminal.logOnly), shape(inFile.text))
        XCTAssertFalse(inFile.text.contains("\u{1B}"), "no control sequences in a file: \(inFile.text.debugDescription)")
        XCTAssertFalse(inFile.text.contains("delivered"), inFile.text)
    }

    func testNoProgressAndQuietOnATerminal() throws {
        let account = try ProcessAccount(self)
        try account.add(1...2)
        let off = try pull(account, ["--no-progress"], onTerminal: true)
        XCTAssertEqual(off.status, 0, off.text)
        XCTAssertFalse(off.text.contains("\u{1B}"), off.text.debugDescription)
        XCTAssertTrue(off.text.contains("acct(INBOX): UID 1 from"), off.text)
        try account.add(3...4)
        let quiet = try pull(account, ["--quiet"], onTerminal: true)
        XCTAssertEqual(quiet.status, 0, quiet.text)
        XCTAssertEqual(quiet.text, "")
        XCTAssertEqual(account.receiver.deliveries.count, 4)
    }

    func testProgressForcedOnAFile() throws {
        let account = try ProcessAccount(self)
        try account.add(1...2)
        let output = try pull(account, ["--progress"], onTerminal: false)
        XCTAssertEqual(output.status, 0, output.text)
        XCTAssertEqual(output.draws.first, "acct(INBOX): delivered 0/2", output.text.debugDescription)
    }

    /// The command line accepts the pair, the last one winning as usual.
    func testLastFlagWins() throws {
        let account = try ProcessAccount(self)
        try account.add(1...1)
        let output = try pull(account, ["--progress", "--no-progress"], onTerminal: true)
        XCTAssertEqual(output.status, 0, output.text)
        XCTAssertFalse(output.text.contains("\u{1B}"), output.text.debugDescription)
    }
}
