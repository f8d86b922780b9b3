import Foundation

/// Sends commands on its own thread, so that a caller can queue many commands (pipelining) while
/// it reads responses: writing never waits on reading and reading never waits on writing, which
/// is what keeps a long pipeline from deadlocking against a server whose responses fill the
/// socket buffers.
///
/// A command is a list of segments; a segment after a synchronizing literal `{n}` is written only
/// once the server has sent its continuation request (RFC 3501 §7.5), which the reader hands over
/// with `continuationReceived()`. If the command completes (NO/BAD) before that, its remaining
/// segments are dropped (`commandCompleted(tag:)`).
final class CommandSender: @unchecked Sendable {
    private struct Item {
        let tag: String
        let bytes: [UInt8]
        /// Whether a continuation request must arrive before these bytes go out.
        let needsContinuation: Bool
    }

    // `condition` protects every field below.
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var head = 0
    private var stream: ByteStream
    private var continuations = 0
    /// The tag whose literal waits for a continuation request, if any.
    private var waitingTag: String?
    private var completedTags: Set<String> = []
    private var failure: Error?
    private var stopping = false
    private var busy = false
    private var thread: Thread?
    /// Bytes queued and not yet written.
    private var unsentBytes = 0
    /// How many unsent bytes ``enqueueStreamed(tag:bytes:)`` lets accumulate before it waits for
    /// the writer: what bounds a copy's memory when the destination is slower than the source.
    static let streamingLimit = 1 << 20

    init(stream: ByteStream) { self.stream = stream }

    func start() {
        let t = Thread { [weak self] in self?.loop() }
        t.name = "imap-sender"
        condition.lock(); thread = t; condition.unlock()
        t.start()
    }

    /// Queues a command's segments; the first goes out as soon as the writer gets to it.
    func enqueue(tag: String, segments: [[UInt8]]) throws {
        condition.lock(); defer { condition.unlock() }
        if let failure { throw failure }
        for (i, s) in segments.enumerated() {
            queue.append(Item(tag: tag, bytes: s, needsContinuation: i > 0))
            unsentBytes += s.count
        }
        condition.broadcast()
    }

    /// Queues more bytes of a command being written in pieces (no synchronizing literal among
    /// them), after waiting until at most ``streamingLimit`` bytes are unsent: the caller goes at
    /// the pace of the connection. It never waits while the writer waits for a continuation
    /// request, which only the caller can read.
    func enqueueStreamed(tag: String, bytes: [UInt8]) throws {
        condition.lock(); defer { condition.unlock() }
        while unsentBytes > Self.streamingLimit && failure == nil && !stopping && waitingTag == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(Item(tag: tag, bytes: bytes, needsContinuation: false))
        unsentBytes += bytes.count
        condition.broadcast()
    }

    /// Writes bytes that answer the server directly (a SASL response, `DONE`), after what is queued.
    func enqueueRaw(_ bytes: [UInt8]) throws {
        try enqueue(tag: "", segments: [bytes])
    }

    /// Whether the writer is waiting for a continuation request (so a `+` belongs to it).
    var isWaitingForContinuation: Bool {
        condition.lock(); defer { condition.unlock() }
        return waitingTag != nil
    }

    func continuationReceived() {
        condition.lock(); continuations += 1; condition.broadcast(); condition.unlock()
    }

    /// The server completed `tag`: a literal still waiting for its continuation will never get one.
    func commandCompleted(tag: String) {
        condition.lock(); completedTags.insert(tag); condition.broadcast(); condition.unlock()
    }

    /// Blocks until everything queued has been written (used before switching streams).
    func drain() throws {
        condition.lock(); defer { condition.unlock() }
        while (head < queue.count || busy) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Replaces the stream; the queue must be drained first.
    func replaceStream(_ newStream: ByteStream) {
        condition.lock(); stream = newStream; condition.unlock()
    }

    func stop() {
        condition.lock(); stopping = true; condition.broadcast(); condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count && stopping { condition.unlock(); return }
            let item = queue[head]
            if item.needsContinuation {
                while continuations == 0 && !completedTags.contains(item.tag) && !stopping { condition.wait() }
                waitingTag = nil
                if stopping { condition.unlock(); return }
                if continuations == 0 {
                    // Completed (NO/BAD) without a continuation: drop the rest of this command.
                    while head < queue.count && queue[head].tag == item.tag && queue[head].needsContinuation {
                        unsentBytes -= queue[head].bytes.count
                        head += 1
                    }
                    condition.broadcast(); condition.unlock(); continue
                }
                continuations -= 1
            }
            // The bytes are let go as soon as they are taken: a sent command must not stay in
            // memory until the queue is next compacted (a MULTIAPPEND batch is megabytes).
            queue[head] = Item(tag: item.tag, bytes: [], needsContinuation: item.needsContinuation)
            head += 1
            // Announce the wait before writing: the server may answer `+` before this thread runs again.
            if head < queue.count && queue[head].needsContinuation && queue[head].tag == item.tag { waitingTag = item.tag }
            queue.dropTakenPrefix(&head)
            busy = true
            let stream = self.stream
            condition.unlock()
            do {
                try stream.write(item.bytes)
                condition.lock(); busy = false; unsentBytes -= item.bytes.count; condition.broadcast(); condition.unlock()
            } catch {
                condition.lock(); busy = false; failure = error; stopping = true; condition.broadcast(); condition.unlock()
                return
            }
        }
    }
}
