import Foundation

/// One line of status on the standard error, redrawn in place during long work (a first sync,
/// a big pull), as mbsync and offlineimap users expect.
///
/// It is drawn only on a terminal: `\r`, the text cut to the terminal's width (a wrapped line
/// could not be redrawn in place), then `ESC [K` (erase to the end of the line, ECMA-48 EL) to
/// wipe what a longer previous text left. A log line goes above it: ``printAbove(_:)`` erases the
/// status, writes the log line, and draws the status again under it, so the log reads exactly as
/// without a progress line. Never in a log file: the log sink writes there itself.
///
/// Redraws are limited to ``minimumInterval`` apart, so that counting thousands of messages a
/// second costs no more than a few writes; ``finish()`` erases the line at the end.
public final class ProgressLine: @unchecked Sendable {
    /// `--progress`, `--no-progress`, or neither.
    public enum Mode: Sendable, Equatable {
        /// Only when the standard error is a terminal (and not `TERM=dumb`), and not with `--quiet`.
        case automatic
        /// `--progress`: whatever the standard error is.
        case always
        /// `--no-progress`.
        case never

        /// The mode for the `--progress`/`--no-progress` flag pair (nil: neither was given).
        public init(flag: Bool?) {
            switch flag {
            case .some(true): self = .always
            case .some(false): self = .never
            case .none: self = .automatic
            }
        }

        /// Whether a progress line is drawn on `descriptor`.
        public func isEnabled(descriptor: Int32, quiet: Bool,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
            switch self {
            case .always: return true
            case .never: return false
            case .automatic: return !quiet && isatty(descriptor) == 1 && environment["TERM"] != "dumb"
            }
        }
    }

    /// The shortest time between two redraws of a changed status.
    public static let minimumInterval: TimeInterval = 0.1

    private let descriptor: Int32
    private let clock: @Sendable () -> TimeInterval
    private let widthOverride: Int?
    /// Protects everything below; every write to `descriptor` happens under it, so a log line and
    /// a redraw never interleave.
    private let lock = NSLock()
    /// The status as last set (drawn or not yet).
    private var status = ""
    /// Whether the status is on the screen now.
    private var shown = false
    private var lastDraw: TimeInterval = -.infinity

    /// A progress line on `descriptor` (normally the standard error).
    /// - Parameters:
    ///   - width: the terminal width to cut the status to; by default asked of the terminal
    ///     (TIOCGWINSZ) at each redraw, 80 when it does not say.
    ///   - clock: seconds, monotonic; for tests.
    public init(descriptor: Int32 = STDERR_FILENO, width: Int? = nil,
                clock: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }) {
        self.descriptor = descriptor
        self.widthOverride = width
        self.clock = clock
    }

    /// Sets the status; it is drawn now unless the last redraw was less than
    /// ``minimumInterval`` ago (then the next call, or the next log line, draws it).
    public func update(_ text: String, force: Bool = false) {
        lock.withLock {
            status = Self.singleLine(text)
            let now = clock()
            guard force || now - lastDraw >= Self.minimumInterval else { return }
            lastDraw = now
            write(status.isEmpty ? erase() : drawSequence())
        }
    }

    /// Writes `line` (one or more complete lines, each ending in a newline) above the status.
    public func printAbove(_ line: String) {
        lock.withLock {
            var text = erase() + line
            if !status.isEmpty { text += drawSequence() }
            write(text)
        }
    }

    /// Erases the status for good: the next log lines are written as they are.
    public func finish() {
        lock.withLock {
            write(erase())
            status = ""
        }
    }

    /// The status as last set.
    public var text: String { lock.withLock { status } }

    // MARK: - Drawing (under `lock`)

    /// What erases the status if it is shown.
    private func erase() -> String {
        guard shown else { return "" }
        shown = false
        return "\r\u{1B}[K"
    }

    /// What draws the status over whatever the line holds (`\r` first, `ESC [K` last).
    private func drawSequence() -> String {
        guard !status.isEmpty else { return "" }
        shown = true
        // One column is left free: writing the last column makes some terminals wrap at once.
        let width = max(10, (widthOverride ?? terminalWidth()) - 1)
        let cut = status.count > width ? String(status.prefix(width - 1)) + "…" : status
        return "\r" + cut + "\u{1B}[K"
    }

    private func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return  // a status that cannot be shown is not worth failing the run for
            }
            offset += written
        }
    }

    /// Control characters would break the redraw: a status is one line of plain text.
    private static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
}
