import Foundation
import Logging

/// Where log lines go: the standard error and, when `logfile` is set, a file opened in append
/// mode. Every line is one write(2), under a lock, so lines from several threads never mix.
///
/// Line shapes, as the reference implementation prints them:
/// - `PREFIX MESSAGE` for debug and informational messages, `PREFIX WARNING: MESSAGE` for
///   warnings and `PREFIX ERROR: MESSAGE` for errors, where PREFIX is the rendered `log-prefix`
///   (`local(INBOX): ` with the default format);
/// - in the log file, each line starts with a local timestamp `Mar  5 04:03:02.450417 `;
/// - with a log file, debug lines go to the file only, and the other lines to both the file and
///   the standard error (what the reference does, even though interimap(1) suggests otherwise).
public final class LogSink: @unchecked Sendable {
    // `lock` protects `logfileDescriptor` and serializes writes to both descriptors.
    private let lock = NSLock()
    private var logfileDescriptor: Int32?
    private let standardError: Int32?

    /// The progress line drawn on the standard error, if any: lines for the standard error are
    /// written above it (see ``ProgressLine/printAbove(_:)``).
    public let progressLine: ProgressLine?

    /// The `log-prefix` format.
    public let prefix: LogPrefixFormat
    /// The lowest level written (see ``threshold(quiet:debugLevel:)``).
    public let threshold: Logger.Level
    /// The log file path, if any.
    public let logfile: String?

    /// Opens the sink.
    /// - Parameters:
    ///   - prefix: the `log-prefix` format.
    ///   - threshold: the lowest level to write.
    ///   - logfile: a file to append to (created with mode 0666 minus the umask, like the reference).
    ///   - standardError: the descriptor for the standard error, or nil to write nothing there.
    ///   - progressLine: a progress line drawn on that descriptor, to keep under the log lines.
    public init(prefix: LogPrefixFormat = .default, threshold: Logger.Level = .info, logfile: String? = nil,
                standardError: Int32? = STDERR_FILENO, progressLine: ProgressLine? = nil) throws(LogSinkError) {
        self.prefix = prefix
        self.threshold = threshold
        self.logfile = logfile
        self.standardError = standardError
        self.progressLine = standardError == nil ? nil : progressLine
        if let logfile {
            let fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw LogSinkError(path: logfile, code: errno) }
            logfileDescriptor = fd
        }
    }

    deinit {
        if let fd = logfileDescriptor { Foundation.close(fd) }
    }

    /// Closes the log file; later lines go to the standard error only.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if let fd = logfileDescriptor { Foundation.close(fd) }
        logfileDescriptor = nil
    }

    /// The level threshold for the command-line flags: `--quiet` keeps notices (the lines the
    /// reference keeps with `-q`: the database's schema creation and its mailbox changes),
    /// warnings and errors; `--debug` adds debug lines, `--debug` twice adds trace lines
    /// (unredacted credentials).
    public static func threshold(quiet: Bool, debugLevel: Int) -> Logger.Level {
        if debugLevel >= 2 { return .trace }
        if debugLevel == 1 { return .debug }
        return quiet ? .notice : .info
    }

    /// The text of a log line, without the timestamp and the newline.
    public func formatLine(level: Logger.Level, component: String, mailbox: String, message: String) -> String {
        let marker: String
        switch level {
        case .warning: marker = "WARNING: "
        case .error, .critical: marker = "ERROR: "
        default: marker = ""
        }
        return prefix.render(name: component, mailbox: mailbox) + marker + message
    }

    /// Writes one log entry if `level` reaches the threshold.
    public func record(level: Logger.Level, component: String, mailbox: String, message: String) {
        guard level >= threshold else { return }
        let line = formatLine(level: level, component: component, mailbox: mailbox, message: message) + "\n"
        lock.lock()
        defer { lock.unlock() }
        if let fd = logfileDescriptor {
            Self.writeAll(fd, Self.timestamp(Self.now()) + " " + line)
            if level >= .info { writeStandardError(line) }
        } else {
            writeStandardError(line)
        }
    }

    /// Under `lock`.
    private func writeStandardError(_ line: String) {
        if let progressLine {
            progressLine.printAbove(line)
        } else if let standardError {
            Self.writeAll(standardError, line)
        }
    }

    /// A swift-log handler writing to this sink.
    public func makeLogHandler(label: String = "interimap") -> InterIMAPLogHandler {
        InterIMAPLogHandler(sink: self)
    }

    /// A logger writing to this sink directly (without the process-wide bootstrap), optionally
    /// about component `component`.
    public func makeLogger(label: String = "interimap", component: String? = nil) -> Logger {
        Logger(label: label, factory: { _ in self.makeLogHandler(label: label) }).withComponent(component)
    }

    /// `Mon dd HH:MM:SS.uuuuuu` in local time, the day padded with a space (strftime `%b %e`).
    public static func timestamp(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var broken = tm()
        localtime_r(&seconds, &broken)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBufferPointer { pointer in
            strftime(pointer.baseAddress, pointer.count, "%b %e %H:%M:%S", &broken)
        }
        let base = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let micros = String(Int(time.tv_nsec) / 1000)
        return base + "." + String(repeating: "0", count: max(0, 6 - micros.count)) + micros
    }

    static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return  // nowhere to report a failing log destination
            }
            offset += written
        }
    }
}

/// The log file cannot be opened.
public struct LogSinkError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var code: Int32
    public var description: String { "cannot open the log file \(quoted(path)): \(errnoText(code))" }
}
