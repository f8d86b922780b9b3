import Foundation

/// The hand-off between the thread that reads the `UID FETCH` responses and the thread that
/// delivers them, so the IMAP server streams the next messages while the SMTP/LMTP server takes
/// the current one: the two servers work in parallel and the slower one sets the pace.
///
/// Bounded by octets: the reader blocks once `capacity` octets of messages wait (a single larger
/// message is still let through), so a mailbox of any size never sits in memory.
final class FetchedMessageQueue: @unchecked Sendable {
    /// How the reader finished: the tagged response arrived (nil) or the read failed.
    enum End {
        case completed
        case failed(Error)
    }

    // `condition` protects every field below.
    private let condition = NSCondition()
    private var messages: [FetchedMessage] = []
    private var head = 0
    private var bufferedOctets = 0
    private var end: End?
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int = 32 << 20) { self.capacity = capacity }

    /// Adds a message; blocks while the queue is full. After `cancel()` the message is dropped.
    func put(_ message: FetchedMessage) {
        condition.lock(); defer { condition.unlock() }
        while !cancelled && head < messages.count && bufferedOctets + message.memoryFootprint > capacity {
            condition.wait()
        }
        guard !cancelled else { return }
        messages.append(message)
        bufferedOctets += message.memoryFootprint
        condition.broadcast()
    }

    /// The reader is done; `take()` returns nil once the queued messages are consumed.
    func finish(_ how: End) {
        condition.lock(); defer { condition.unlock() }
        if end == nil { end = how }
        condition.broadcast()
    }

    /// The next message, or nil at the end; throws the reader's error once the queued messages
    /// (all complete) have been taken.
    func take() throws -> FetchedMessage? {
        condition.lock(); defer { condition.unlock() }
        while head == messages.count && end == nil { condition.wait() }
        if head < messages.count {
            let message = messages[head]
            head += 1
            bufferedOctets -= message.memoryFootprint
            messages.dropTakenPrefix(&head)
            condition.broadcast()
            return message
        }
        if case .failed(let error)? = end { throw error }
        return nil
    }

    /// The next message if one is waiting now, without blocking: `.some(nil)` at the end (the
    /// reader finished and everything was taken), nil when the reader has not sent more yet.
    func poll() throws -> FetchedMessage?? {
        condition.lock()
        let ready = head < messages.count || end != nil
        condition.unlock()
        guard ready else { return nil }
        return .some(try take())
    }

    /// The consumer gives up: the reader's further messages are dropped and it never blocks.
    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        messages.removeAll()
        head = 0
        bufferedOctets = 0
        condition.broadcast()
    }

    /// Blocks until the reader called `finish(_:)`.
    func waitForEnd() -> End {
        condition.lock(); defer { condition.unlock() }
        while end == nil { condition.wait() }
        return end ?? .completed
    }
}
