import Foundation

/// pullimap's progress line: messages delivered of how many, the rate and the time left, e.g.
/// `acct(INBOX): delivered 120/500 · 37/s · 0:11 left`.
///
/// How many: when a UID FETCH starts, the messages at or above the statefile's UIDNEXT are at
/// most the server's UIDNEXT minus that UIDNEXT (UIDs only grow, RFC 3501 §2.3.1.1) and at most
/// the number of messages in the mailbox; the smaller is exact unless messages were expunged,
/// and costs no extra command. Mail arriving meanwhile raises the count as it is delivered. In
/// the later cycles of `--idle` the UIDNEXT known is SELECT's, already passed: the line then
/// counts the deliveries without a total (`delivered 3`).
public final class PullProgress: @unchecked Sendable {
    private let line: ProgressLine?
    private let label: String
    private let clock: @Sendable () -> TimeInterval
    /// Protects `delivered` and `totalKnown`.
    private let lock = NSLock()
    private var delivered = ProgressEstimate()
    private var totalKnown = false

    /// - Parameters:
    ///   - line: where to draw, or nil to draw nothing.
    ///   - label: what the line starts with (the log prefix of the mailbox).
    public init(line: ProgressLine?, label: String = "",
                clock: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }) {
        self.line = line
        self.label = label
        self.clock = clock
    }

    /// The UID FETCH of a cycle starts from `fromUID`, with the mailbox's `uidNext` and message
    /// count `exists` as the server last reported them.
    public func fetchStarted(fromUID: UInt32, uidNext: UInt32?, exists: Int?) {
        var expected: Int64?
        if let uidNext, uidNext > fromUID {
            expected = Int64(uidNext - fromUID)
            if let exists { expected = min(Int64(exists), Int64(uidNext - fromUID)) }
        }
        lock.withLock {
            delivered = ProgressEstimate(total: expected ?? 0)
            totalKnown = expected != nil
        }
        redraw()
    }

    /// One message was delivered (or, with `--no-delivery`, recorded).
    public func messageDelivered() {
        let now = clock()
        lock.withLock { delivered.add(1, at: now) }
        redraw()
    }

    /// The cycle is over: the line is erased until the next one.
    public func fetchFinished() { line?.finish() }

    /// What the line shows now (empty before a fetch with something to deliver).
    public var text: String { lock.withLock { render(at: clock()) } }

    private func redraw() {
        guard let line else { return }
        line.update(text)
    }

    /// Under `lock`.
    private func render(at now: TimeInterval) -> String {
        guard delivered.total > 0 else { return "" }
        var parts = [totalKnown ? "\(label)delivered \(delivered.done)/\(delivered.total)" : "\(label)delivered \(delivered.done)"]
        if let rate = delivered.rate(at: now) { parts.append(ProgressFormat.rate(rate)) }
        if totalKnown, let left = delivered.remaining(at: now) { parts.append(ProgressFormat.duration(left) + " left") }
        return parts.joined(separator: " · ")
    }
}
