import TestSupport
import XCTest
import Logging
@testable import Engine

final class LoggingTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
    }

    /// A file standing in for the standard error.
    private func makeStandardError() throws -> (fd: Int32, path: String) {
        let path = directory + "/stderr-" + UUID().uuidString
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        addTeardownBlock { close(fd) }
        return (fd, path)
    }

    private func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast().map { $0 }
    }

    /// Drops the `Mon dd HH:MM:SS.uuuuuu ` timestamp, checking its shape.
    private func withoutTimestamp(_ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) -> String {
        let pattern = #"^[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6} "#
        guard let range = line.range(of: pattern, options: .regularExpression) else {
            XCTFail("no timestamp in \(line)", file: file, line: lineNumber)
            return line
        }
        return String(line[range.upperBound...])
    }

    func testLineShapesOnTheStandardError() throws {
        let stderr = try makeStandardError()
        let sink = try LogSink(prefix: .default, threshold: .info, standardError: stderr.fd)
        let logger = sink.makeLogger()
        logger.withComponent("remote").withMailbox("INBOX").info("Added 1 UID(s) 1 -> 1")
        logger.withComponent("database").info("Created mailbox INBOX")
        logger.info("Creating new schema in database file /x.db")
        logger.warning("Conflicting flag update in INBOX")
        logger.withComponent("local").error("0 bytes read (got EOF)")
        logger.withComponent("local").debug("C: 000000 ENABLE QRESYNC")
        XCTAssertEqual(try lines(stderr.path), [
            "remote(INBOX): Added 1 UID(s) 1 -> 1",
            "database: Created mailbox INBOX",
            "Creating new schema in database file /x.db",
            "WARNING: Conflicting flag update in INBOX",
            "local: ERROR: 0 bytes read (got EOF)",
        ])
    }

    func testMetadataPerMessageAndMailboxClearing() throws {
        let stderr = try makeStandardError()
        let sink = try LogSink(threshold: .info, standardError: stderr.fd)
        let local = sink.makeLogger(component: "local")
        local.info("a", metadata: [LogMetadataKey.mailbox: "Sent"])
        local.withMailbox("Drafts").withMailbox(nil).info("b")
        local.withMailbox("Drafts").warning("c")
        XCTAssertEqual(try lines(stderr.path), ["local(Sent): a", "local: b", "local(Drafts): WARNING: c"])
    }

    func testQuietKeepsNoticesWarningsAndErrors() throws {
        let stderr = try makeStandardError()
        let sink = try LogSink(threshold: LogSink.threshold(quiet: true, debugLevel: 0), standardError: stderr.fd)
        let logger = sink.makeLogger(component: "local")
        logger.debug("d")
        logger.info("i")
        logger.notice("n")
        logger.warning("w")
        logger.error("e")
        logger.critical("c")
        XCTAssertEqual(try lines(stderr.path), ["local: n", "local: WARNING: w", "local: ERROR: e", "local: ERROR: c"])
    }

    func testThresholds() {
        XCTAssertEqual(LogSink.threshold(quiet: false, debugLevel: 0), .info)
        XCTAssertEqual(LogSink.threshold(quiet: true, debugLevel: 0), .notice)
        XCTAssertEqual(LogSink.threshold(quiet: false, debugLevel: 1), .debug)
        XCTAssertEqual(LogSink.threshold(quiet: true, debugLevel: 1), .debug)
        XCTAssertEqual(LogSink.threshold(quiet: false, debugLevel: 2), .trace)
    }

    func testLogfileGetsTimestampedLinesAndDebugStaysOutOfTheStandardError() throws {
        let stderr = try makeStandardError()
        let logfile = directory + "/interimap.log"
        try "earlier line\n".write(toFile: logfile, atomically: true, encoding: .utf8)
        let prefix = try LogPrefixFormat(parsing: "[%n] ")
        let sink = try LogSink(prefix: prefix, threshold: .debug, logfile: logfile, standardError: stderr.fd)
        let logger = sink.makeLogger(component: "remote")
        logger.debug("S: * OK ready")
        logger.info("Clean state!")
        logger.warning("careful")
        sink.close()
        logger.info("after close")

        let fileLines = try lines(logfile)
        XCTAssertEqual(fileLines.first, "earlier line", "append mode")
        XCTAssertEqual(fileLines.dropFirst().map { withoutTimestamp($0) },
                       ["[remote] S: * OK ready", "[remote] Clean state!", "[remote] WARNING: careful"])
        XCTAssertEqual(try lines(stderr.path),
                       ["[remote] Clean state!", "[remote] WARNING: careful", "[remote] after close"])
    }

    func testQuietWithLogfile() throws {
        let stderr = try makeStandardError()
        let logfile = directory + "/q.log"
        let sink = try LogSink(threshold: .warning, logfile: logfile, standardError: stderr.fd)
        let logger = sink.makeLogger(component: "local")
        logger.info("hidden")
        logger.warning("shown")
        XCTAssertEqual(try lines(logfile).map { withoutTimestamp($0) }, ["local: WARNING: shown"])
        XCTAssertEqual(try lines(stderr.path), ["local: WARNING: shown"])
    }

    func testLogfileThatCannotBeOpened() {
        XCTAssertThrowsError(try LogSink(logfile: directory + "/none/x.log", standardError: nil)) { error in
            XCTAssertEqual((error as? LogSinkError)?.description,
                           "cannot open the log file '\(directory)/none/x.log': No such file or directory")
        }
    }

    func testLinesFromManyThreadsDoNotInterleave() throws {
        let logfile = directory + "/threads.log"
        let sink = try LogSink(threshold: .info, logfile: logfile, standardError: nil)
        let payload = String(repeating: "x", count: 2000)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            let logger = sink.makeLogger(component: "t\(thread)")
            for index in 0..<100 { logger.info("\(index) \(payload)") }
        }
        let fileLines = try lines(logfile)
        XCTAssertEqual(fileLines.count, 800)
        for line in fileLines {
            let body = withoutTimestamp(line)
            XCTAssertNotNil(body.range(of: #"^t[0-7]: [0-9]+ x{2000}$"#, options: .regularExpression), body.prefix(40).description)
        }
    }

    func testTimestampShape() {
        // 2024-03-05 04:03:02.000450 UTC: the day is space-padded like strftime's %e.
        var time = timespec()
        time.tv_sec = 1_709_611_382
        time.tv_nsec = 450_417
        let stamp = LogSink.timestamp(time)
        XCTAssertNotNil(stamp.range(of: #"^Mar  [45] [0-2][0-9]:[0-5][0-9]:02\.000450$"#, options: .regularExpression), stamp)
    }
}
