import Foundation
import Logging

/// Installs a ``LogSink`` as the process-wide swift-log backend; the tools call it once at start,
/// after reading the configuration, and then use `Logger(label:)` everywhere.
public enum LoggingBootstrap {
    /// Guards the one-time bootstrap: swift-log's `LoggingSystem.bootstrap` must run at most once.
    private final class Once: @unchecked Sendable {
        // `lock` protects `done`.
        let lock = NSLock()
        var done = false
    }
    private static let once = Once()

    /// Makes every `Logger` of the process write to `sink`. Returns false (and changes nothing)
    /// when a backend was already installed.
    @discardableResult
    public static func bootstrap(_ sink: LogSink) -> Bool {
        once.lock.lock()
        defer { once.lock.unlock() }
        guard !once.done else { return false }
        once.done = true
        LoggingSystem.bootstrap { label in sink.makeLogHandler(label: label) }
        return true
    }
}
