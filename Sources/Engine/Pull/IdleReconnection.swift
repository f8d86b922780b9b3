import Foundation

/// `--idle` survives a lost connection: a read error, the server's BYE, a keep-alive timeout,
/// a server or delivery target that cannot be reached right now. The failure is logged, the
/// pull waits (1 s, doubling up to 5 minutes, back to 1 s after a good cycle), connects and
/// logs in again, and the control flow resumes at SELECT: the statefile says where it stood,
/// so nothing is lost or delivered twice.
///
/// A permanent error ends the program as without `--idle`: authentication refused, UIDVALIDITY
/// changed, a configuration or protocol error, a delivery refused for good.
public struct IdleReconnection {
    public static let initialDelay: TimeInterval = 1
    public static let maximumDelay: TimeInterval = 300

    public let log: PullLog
    /// Waits between attempts (a real sleep in the program, recorded in tests).
    public var sleep: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// Stop after this many connections (tests); nil: never.
    public var maximumConnections: Int?

    public init(log: PullLog) { self.log = log }

    /// The delay after `delay`: doubled, at most ``maximumDelay``.
    public static func nextDelay(after delay: TimeInterval) -> TimeInterval { min(delay * 2, maximumDelay) }

    /// Runs `connection` (connect, log in, pull and idle until it throws) again and again;
    /// `connection` calls its argument after each successful cycle, which resets the backoff.
    /// Throws the first permanent error.
    public func run(_ connection: (_ cycleSucceeded: @escaping () -> Void) throws -> Void) throws {
        var delay = Self.initialDelay
        var connections = 0
        while maximumConnections.map({ connections < $0 }) ?? true {
            connections += 1
            do {
                try connection { delay = Self.initialDelay }
                return
            } catch {
                guard Self.isTemporary(error) else { throw error }
                let seconds = delay == delay.rounded() ? String(Int(delay)) : String(delay)
                log.warning("\(Self.describe(error)); reconnecting in \(seconds) s")
                sleep(delay)
                delay = Self.nextDelay(after: delay)
            }
        }
    }

    /// Whether `error` may go away by itself: worth reconnecting for.
    public static func isTemporary(_ error: Error) -> Bool {
        switch error {
        case let error as IMAPClientError:
            switch error {
            case .connectionLost, .serverClosed, .greetingRejected: return true
            default: return false
            }
        case let error as TransportError:
            switch error {
            case .closed, .system, .resolve, .socks: return true
            case .tls, .compression, .tunnel, .configuration: return false
            }
        case let error as PullError:
            if case .delivery(_, _, _, let underlying) = error { return underlying.isTransient }
            return false
        case let error as MailDeliveryError:
            return error.isTransient
        default:
            return false
        }
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? PullError { return error.logLine.message }
        return String(describing: error)
    }
}
