import Foundation

/// interimap's progress line: mailboxes done of how many, messages and bytes copied of how many,
/// the copy rate and the time left, e.g.
/// `mailboxes 3/10 · messages 120/500 · 4.1 MiB/20.0 MiB · 1.2 MiB/s · 0:13 left · INBOX`.
///
/// The synchronizer reports what it learns as it goes (the number of mailboxes after LIST, the
/// messages a mailbox will copy after its SELECT, each message copied); the counts may be called
/// from any thread. Without a progress line (not a terminal, `--no-progress`) every call only
/// counts.
public final class SyncProgress: @unchecked Sendable {
    private let line: ProgressLine?
    private let clock: @Sendable () -> TimeInterval
    /// Protects everything below.
    private let lock = NSLock()
    private var mailboxesDone = 0
    private var mailboxesTotal: Int?
    private var messages = ProgressEstimate()
    private var bytes = ProgressEstimate()
    private var current: String?

    /// - Parameter line: where to draw, or nil to draw nothing.
    public init(line: ProgressLine?, clock: @escaping @Sendable () -> TimeInterval = { ProcessInfo.processInfo.systemUptime }) {
        self.line = line
        self.clock = clock
    }

    /// The number of mailboxes this run synchronizes (after LIST).
    public func setMailboxCount(_ count: Int) { change { $0.mailboxesTotal = count } }

    /// The mailboxes and the messages this run expects to work on, set at once so that the first
    /// drawing already shows both.
    public func start(mailboxes: Int, messages count: Int) {
        change {
            $0.mailboxesTotal = mailboxes
            $0.messages.total += Int64(count)
        }
    }

    /// A mailbox's synchronization started: it is named at the end of the line.
    public func mailboxStarted(_ name: String) { change { $0.current = name } }

    /// A mailbox is done (whichever it is: several may be in flight).
    public func mailboxFinished() {
        change {
            $0.mailboxesDone += 1
            if let total = $0.mailboxesTotal { $0.mailboxesTotal = max(total, $0.mailboxesDone) }
            $0.current = nil
        }
    }

    /// More messages to copy, in either direction: `count` messages of `bytes` octets in all
    /// (the sizes from `RFC822.SIZE`, or 0 when not known yet).
    public func willCopy(messages count: Int, bytes size: Int64 = 0) {
        change {
            $0.messages.total += Int64(count)
            $0.bytes.total += size
        }
    }

    /// One message of `size` octets was copied.
    public func copied(bytes size: Int64) {
        let now = clock()
        change {
            $0.messages.add(1, at: now)
            $0.bytes.add(size, at: now)
        }
    }

    /// Erases the line (at the end of the run, before the final log lines).
    public func finish() { line?.finish() }

    /// What the line shows now.
    public var text: String { lock.withLock { render(at: clock()) } }

    private func change(_ body: (SyncProgress) -> Void) {
        let text: String = lock.withLock {
            body(self)
            return line == nil ? "" : render(at: clock())
        }
        line?.update(text)
    }

    /// Under `lock`.
    private func render(at now: TimeInterval) -> String {
        var parts: [String] = []
        if let mailboxesTotal { parts.append("mailboxes \(mailboxesDone)/\(mailboxesTotal)") }
        if messages.total > 0 { parts.append("messages \(messages.done)/\(messages.total)") }
        if bytes.total > 0 { parts.append("\(ProgressFormat.bytes(bytes.done))/\(ProgressFormat.bytes(bytes.total))") }
        if let rate = bytes.rate(at: now), bytes.total > 0 {
            parts.append(ProgressFormat.bytes(Int64(rate)) + "/s")
        } else if let rate = messages.rate(at: now) {
            parts.append(ProgressFormat.rate(rate) + " messages")
        }
        // Bytes tell the time left better than messages (one big attachment is not one small note).
        if let left = bytes.total > 0 ? bytes.remaining(at: now) : messages.remaining(at: now) {
            parts.append(ProgressFormat.duration(left) + " left")
        }
        if let current { parts.append(current) }
        return parts.joined(separator: " · ")
    }
}
