import Foundation

/// `--idle` survives a lost connection (see ``Reconnection``): the control flow resumes at
/// SELECT, the statefile says where it stood. A delivery target that cannot be reached right
/// now counts as temporary too; a delivery refused for good ends the program.
public struct IdleReconnection {
    public static let initialDelay = Reconnection.initialDelay
    public static let maximumDelay = Reconnection.maximumDelay

    public let log: PullLog
    /// Waits between attempts (a real sleep in the program, recorded in tests).
    public var sleep: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// Stop after this many connections (tests); nil: never.
    public var maximumConnections: Int?

    public init(log: PullLog) { self.log = log }

    /// The delay after `delay`: doubled, at most ``maximumDelay``.
    public static func nextDelay(after delay: TimeInterval) -> TimeInterval { Reconnection.nextDelay(after: delay) }

    /// See ``Reconnection/run(_:)``.
    public func run(_ connection: (_ cycleSucceeded: @escaping () -> Void) throws -> Void) throws {
        var reconnection = Reconnection(warn: { [log] _, line in log.warning(line) })
        let sleep = self.sleep
        reconnection.sleep = { sleep($0); return false }
        reconnection.isTemporaryOther = Self.isTemporaryDelivery
        reconnection.maximumConnections = maximumConnections
        reconnection.describe = { ($0 as? PullError)?.logLine.message ?? Reconnection.line(for: $0) }
        try reconnection.run(connection)
    }

    /// Whether `error` may go away by itself: worth reconnecting for.
    public static func isTemporary(_ error: Error) -> Bool {
        Reconnection.isTemporary(error) || isTemporaryDelivery(error)
    }

    private static func isTemporaryDelivery(_ error: Error) -> Bool {
        switch error {
        case let error as PullError:
            if case .delivery(_, _, _, let underlying) = error { return underlying.isTransient }
            return false
        case let error as MailDeliveryError:
            return error.isTransient
        default:
            return false
        }
    }
}
