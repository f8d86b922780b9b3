import Foundation

/// Staying connected while watching (interimap `--watch`/`--notify`, pullimap `--idle`): a lost
/// connection (a read error, the server's BYE, a timeout, a server that cannot be reached right
/// now) is logged in one line, and after a pause (1 s, doubling up to 5 minutes, back to 1 s
/// after a good cycle) the program connects and logs in again and carries on from where its
/// database or statefile says it stood, so nothing is lost or copied twice.
///
/// A permanent error ends the program as it would without watching: authentication refused,
/// UIDVALIDITY changed, a configuration or protocol error.
public struct Reconnection {
    public static let initialDelay: TimeInterval = 1
    public static let maximumDelay: TimeInterval = 300

    /// Writes the one line logged for each lost connection (the error, for the caller to name
    /// its server and mailbox, and the line: what happened and when the next attempt is).
    public let warn: (_ error: Error, _ line: String) -> Void
    /// Waits between attempts; true when the program is asked to stop meanwhile (a real,
    /// interruptible sleep in the programs, recorded in tests).
    public var sleep: (TimeInterval) -> Bool = { Thread.sleep(forTimeInterval: $0); return false }
    /// Whether an error of the caller's own kinds (a delivery target's) may go away by itself.
    public var isTemporaryOther: (Error) -> Bool = { _ in false }
    /// The line for an error (by default its description; a ``ServerFailure``'s without the
    /// server's name, which the log line's prefix gives).
    public var describe: (Error) -> String = Reconnection.line(for:)
    /// Stop after this many connections (tests); nil: never.
    public var maximumConnections: Int?

    public init(warn: @escaping (_ error: Error, _ line: String) -> Void) { self.warn = warn }

    /// The delay after `delay`: doubled, at most ``maximumDelay``.
    public static func nextDelay(after delay: TimeInterval) -> TimeInterval { min(delay * 2, maximumDelay) }

    /// Runs `connection` (connect, log in, work until it throws) again and again; `connection`
    /// calls its argument after each successful cycle, which resets the backoff. Returns when
    /// `connection` returns or a stop is requested during a pause; throws the first permanent error.
    public func run(_ connection: (_ cycleSucceeded: @escaping () -> Void) throws -> Void) throws {
        var delay = Self.initialDelay
        var connections = 0
        while maximumConnections.map({ connections < $0 }) ?? true {
            connections += 1
            do {
                try connection { delay = Self.initialDelay }
                return
            } catch {
                guard Self.isTemporary(error) || isTemporaryOther(error) else { throw error }
                warn(error, "\(describe(error)); reconnecting in \(SilenceLimit.format(delay)) s")
                if sleep(delay) { return }
                delay = Self.nextDelay(after: delay)
            }
        }
    }

    /// Whether an IMAP or transport error may go away by itself: worth reconnecting for.
    public static func isTemporary(_ error: Error) -> Bool {
        switch error {
        case let error as IMAPClientError:
            switch error {
            case .connectionLost, .serverClosed, .greetingRejected, .timedOut: return true
            default: return false
            }
        case let error as ServerFailure:
            return isTemporary(error.error)
        case let error as ConnectionFailure:
            return isTemporary(error.error)
        case let error as TransportError:
            switch error {
            case .closed, .system, .resolve, .socks, .timedOut: return true
            case .tls, .compression, .tunnel, .configuration: return false
            }
        default:
            return false
        }
    }

    public static func line(for error: Error) -> String {
        if let failure = error as? ServerFailure { return failure.message }
        if let failure = error as? ConnectionFailure { return failure.message }
        if let described = error as? CustomStringConvertible { return described.description }
        return String(describing: error)
    }
}
