import Foundation
import TestSupport
import XCTest
@testable import Engine

/// A clock the tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: TimeInterval = 1000
    var now: TimeInterval { lock.withLock { value } }
    func advance(_ seconds: TimeInterval) { lock.withLock { value += seconds } }
    var function: @Sendable () -> TimeInterval { { [self] in now } }
}

/// The progress line's drawing: in place, above the log lines, cut to the width, throttled,
/// erased at the end; and when it is drawn at all.
final class ProgressLineTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    /// A file standing in for the standard error, and what was written to it.
    private func makeOutput() throws -> (fd: Int32, read: () throws -> String) {
        let path = directory + "/stderr-" + UUID().uuidString
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        addTeardownBlock { close(fd) }
        return (fd, { try String(contentsOfFile: path, encoding: .utf8) })
    }

    let erase = "\r\u{1B}[K"

    func testRedrawnInPlaceAndErasedAtTheEnd() throws {
        let output = try makeOutput()
        let clock = ManualClock()
        let line = ProgressLine(descriptor: output.fd, width: 80, clock: clock.function)
        line.update("delivered 1/3")
        clock.advance(1)
        line.update("delivered 2/3")
        line.finish()
        XCTAssertEqual(try output.read(), "\rdelivered 1/3\u{1B}[K" + "\rdelivered 2/3\u{1B}[K" + erase)
    }

    func testLogLinesGoAboveIt() throws {
        let output = try makeOutput()
        let line = ProgressLine(descriptor: output.fd, width: 80, clock: ManualClock().function)
        line.printAbove("before any status\n")
        line.update("delivered 1/3")
        line.printAbove("acct(INBOX): UID 2 from <a@example.org>\n")
        line.finish()
        line.printAbove("after the end\n")
        XCTAssertEqual(try output.read(), "before any status\n" + "\rdelivered 1/3\u{1B}[K"
                       + erase + "acct(INBOX): UID 2 from <a@example.org>\n" + "\rdelivered 1/3\u{1B}[K"
                       + erase + "after the end\n")
    }

    func testRedrawsAreThrottledButTheLatestTextIsKept() throws {
        let output = try makeOutput()
        let clock = ManualClock()
        let line = ProgressLine(descriptor: output.fd, width: 80, clock: clock.function)
        line.update("1")
        for n in 2...50 { line.update("\(n)") }
        XCTAssertEqual(line.text, "50")
        clock.advance(ProgressLine.minimumInterval)
        line.update("51")
        line.update("52", force: true)
        XCTAssertEqual(try output.read(), "\r1\u{1B}[K" + "\r51\u{1B}[K" + "\r52\u{1B}[K")
    }

    func testCutToTheWidthAndKeptToOneLine() throws {
        let output = try makeOutput()
        let line = ProgressLine(descriptor: output.fd, width: 20, clock: ManualClock().function)
        line.update("mailboxes 3/10\n· messages 120/500 · INBOX")
        let text = try output.read()
        XCTAssertEqual(text, "\rmailboxes 3/10 · m…\u{1B}[K")
        XCTAssertFalse(text.contains("\n"))
    }

    func testWhenItIsDrawn() throws {
        let file = try makeOutput()
        XCTAssertFalse(ProgressLine.Mode.automatic.isEnabled(descriptor: file.fd, quiet: false, environment: [:]), "not a terminal")
        XCTAssertTrue(ProgressLine.Mode.always.isEnabled(descriptor: file.fd, quiet: true, environment: [:]))
        XCTAssertFalse(ProgressLine.Mode.never.isEnabled(descriptor: file.fd, quiet: false, environment: [:]))
        XCTAssertEqual(ProgressLine.Mode(flag: nil), .automatic)
        XCTAssertEqual(ProgressLine.Mode(flag: true), .always)
        XCTAssertEqual(ProgressLine.Mode(flag: false), .never)
        // On a terminal: PullTests/ProgressTerminalTests.
    }

    /// With a log file, the status goes to the standard error only, and the log lines reach the
    /// standard error above it.
    func testLogSinkWritesAboveTheLineAndNeverToTheLogFile() throws {
        let output = try makeOutput()
        let logfile = directory + "/log"
        let line = ProgressLine(descriptor: output.fd, width: 80, clock: ManualClock().function)
        let sink = try LogSink(threshold: .debug, logfile: logfile, standardError: output.fd, progressLine: line)
        line.update("mailboxes 0/2")
        sink.record(level: .info, component: "local", mailbox: "INBOX", message: "Added 1 UID(s) 1 <- 1")
        sink.record(level: .debug, component: "local", mailbox: "", message: "C: a NOOP")
        line.finish()
        sink.close()
        XCTAssertEqual(try output.read(), "\rmailboxes 0/2\u{1B}[K" + erase + "local(INBOX): Added 1 UID(s) 1 <- 1\n"
                       + "\rmailboxes 0/2\u{1B}[K" + erase)
        let logged = try String(contentsOfFile: logfile, encoding: .utf8)
        XCTAssertFalse(logged.contains("mailboxes"), logged)
        XCTAssertFalse(logged.contains("\u{1B}"), logged)
        XCTAssertEqual(logged.split(separator: "\n").count, 2)
    }
}

/// The numbers behind the lines: counts, rate, time left.
final class ProgressReportTests: XCTestCase {
    func testFormats() {
        XCTAssertEqual(ProgressFormat.bytes(512), "512 B")
        XCTAssertEqual(ProgressFormat.bytes(4200), "4.1 KiB")
        XCTAssertEqual(ProgressFormat.bytes(20 * 1024 * 1024), "20.0 MiB")
        XCTAssertEqual(ProgressFormat.duration(7), "0:07")
        XCTAssertEqual(ProgressFormat.duration(754), "12:34")
        XCTAssertEqual(ProgressFormat.duration(3723), "1:02:03")
        XCTAssertEqual(ProgressFormat.rate(1.25), "1.2/s")
        XCTAssertEqual(ProgressFormat.rate(37.4), "37/s")
    }

    func testEstimate() {
        var estimate = ProgressEstimate(total: 100)
        estimate.add(10, at: 50)
        XCTAssertNil(estimate.rate(at: 50.5), "not before a second")
        estimate.add(10, at: 52)
        XCTAssertEqual(estimate.rate(at: 52), 10)
        XCTAssertEqual(estimate.remaining(at: 52), 8)
        estimate.add(200, at: 53)
        XCTAssertEqual(estimate.total, 220, "the total grows when the work outruns it")
        XCTAssertNil(estimate.remaining(at: 53))
    }

    func testSyncProgressText() {
        let clock = ManualClock()
        let progress = SyncProgress(line: nil, clock: clock.function)
        XCTAssertEqual(progress.text, "")
        progress.setMailboxCount(10)
        progress.mailboxStarted("INBOX")
        progress.willCopy(messages: 4, bytes: 4 * 1024 * 1024)
        XCTAssertEqual(progress.text, "mailboxes 0/10 · messages 0/4 · 0 B/4.0 MiB · INBOX")
        progress.copied(bytes: 1024 * 1024)
        clock.advance(2)
        progress.copied(bytes: 1024 * 1024)
        XCTAssertEqual(progress.text, "mailboxes 0/10 · messages 2/4 · 2.0 MiB/4.0 MiB · 1.0 MiB/s · 0:02 left · INBOX")
        progress.mailboxFinished()
        XCTAssertEqual(progress.text, "mailboxes 1/10 · messages 2/4 · 2.0 MiB/4.0 MiB · 1.0 MiB/s · 0:02 left")
    }

    func testSyncProgressWithoutSizes() {
        let clock = ManualClock()
        let progress = SyncProgress(line: nil, clock: clock.function)
        progress.willCopy(messages: 30)
        for _ in 1...10 { progress.copied(bytes: 0) }
        clock.advance(2)
        XCTAssertEqual(progress.text, "messages 10/30 · 5.0/s messages · 0:04 left")
    }

    func testPullProgressCountsAndExpectedTotal() {
        let clock = ManualClock()
        let progress = PullProgress(line: nil, label: "acct(INBOX): ", clock: clock.function)
        // UIDNEXT 101, from 91: at most 10 new, but only 4 messages exist.
        progress.fetchStarted(fromUID: 91, uidNext: 101, exists: 4)
        XCTAssertEqual(progress.text, "acct(INBOX): delivered 0/4")
        progress.messageDelivered()
        clock.advance(1)
        progress.messageDelivered()
        XCTAssertEqual(progress.text, "acct(INBOX): delivered 2/4 · 2.0/s · 0:01 left")
        progress.fetchStarted(fromUID: 7, uidNext: 10, exists: 500)
        XCTAssertEqual(progress.text, "acct(INBOX): delivered 0/3")
        // A later --idle cycle: SELECT's UIDNEXT is behind, so there is no total.
        progress.fetchStarted(fromUID: 10, uidNext: 10, exists: 500)
        XCTAssertEqual(progress.text, "", "nothing delivered yet, nothing shown")
        progress.messageDelivered()
        XCTAssertEqual(progress.text, "acct(INBOX): delivered 1")
    }

    /// The counts reach the line as they change.
    func testCountsAreDrawn() throws {
        let directory = try makeTemporaryDirectory(self)
        let path = directory + "/stderr"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(fd) }
        let clock = ManualClock()
        let line = ProgressLine(descriptor: fd, width: 200, clock: clock.function)
        let progress = SyncProgress(line: line, clock: clock.function)
        progress.setMailboxCount(2)
        clock.advance(1)
        progress.mailboxFinished()
        progress.finish()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8),
                       "\rmailboxes 0/2\u{1B}[K" + "\rmailboxes 1/2\u{1B}[K" + "\r\u{1B}[K")
    }
}
