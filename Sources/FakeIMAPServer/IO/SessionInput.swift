import Engine
import Foundation

/// The client-to-server direction of a session: a reader thread moves bytes from the stream into
/// a buffer, so the session thread can wait for "a command arrived" and "the store changed" at
/// the same time (IDLE, NOTIFY: RFC 2177, RFC 5465) without a read blocking the pushes.
final class SessionInput: @unchecked Sendable {
    enum WaitResult { case input, storeChanged, timedOut, endOfStream }

    private let stream: ByteStream
    private let latency: LatencyModel
    /// Protects everything below.
    private let condition = NSCondition()
    /// Chunks read from the stream, each usable from its arrival time plus the round trip.
    private var arriving: [(bytes: [UInt8], usableAt: Date)] = []
    /// Bytes ready for the session (already inflated once COMPRESS is active).
    private var ready: [UInt8] = []
    private var readyHead = 0
    private var ended = false
    private var readError: Error?
    private var changed = false
    private var inflater: DeflateCodec?
    /// Total bytes received, for tests and logs.
    private(set) var bytesReceived = 0

    init(stream: ByteStream, latency: LatencyModel) {
        self.stream = stream
        self.latency = latency
    }

    func start() {
        let thread = Thread { [self] in self.readLoop() }
        thread.name = "fake-imap-reader"
        thread.start()
    }

    private func readLoop() {
        while true {
            let chunk: [UInt8]
            do { chunk = try stream.read(maxLength: 64 * 1024) } catch {
                condition.lock(); ended = true; readError = error; condition.broadcast(); condition.unlock()
                return
            }
            condition.lock()
            if chunk.isEmpty { ended = true } else {
                arriving.append((chunk, Date().addingTimeInterval(latency.perRoundTrip)))
                bytesReceived += chunk.count
            }
            condition.broadcast()
            condition.unlock()
            if chunk.isEmpty { return }
        }
    }

    /// Store-change notification: called from any thread.
    func wake() {
        condition.lock(); changed = true; condition.broadcast(); condition.unlock()
    }

    /// Moves arrived chunks whose time has come into `ready`. Returns the time the next chunk
    /// becomes usable, if one is still in flight. Caller holds the lock.
    private func admit() throws -> Date? {
        let now = Date()
        while let first = arriving.first {
            if first.usableAt > now { return first.usableAt }
            arriving.removeFirst()
            if let inflater {
                ready.append(contentsOf: try inflater.process(first.bytes))
            } else {
                ready.append(contentsOf: first.bytes)
            }
        }
        return nil
    }

    private var availableCount: Int { ready.count - readyHead }

    /// Waits until input is ready, the store changed (only when `watchStore`), the timeout passes
    /// or the stream ended. Consumes the "changed" signal it reports.
    func wait(watchStore: Bool, timeout: TimeInterval? = nil) throws -> WaitResult {
        condition.lock(); defer { condition.unlock() }
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        while true {
            let next = try admit()
            if availableCount > 0 { return .input }
            if watchStore && changed { changed = false; return .storeChanged }
            if ended && arriving.isEmpty { return .endOfStream }
            var until = next
            if let deadline {
                if deadline <= Date() { return .timedOut }
                until = min(until ?? deadline, deadline)
            }
            // Foundation on Linux traps on far-future deadlines: wait without one instead.
            if let until { _ = condition.wait(until: until) } else { condition.wait() }
        }
    }

    /// Forgets a pending store-change signal (the session just synchronised anyway).
    func clearChanged() {
        condition.lock(); changed = false; condition.unlock()
    }

    /// Blocks for at least one byte; returns nil at end of stream.
    private func fill() throws -> Bool {
        condition.lock(); defer { condition.unlock() }
        while true {
            let next = try admit()
            if availableCount > 0 { return true }
            if ended && arriving.isEmpty { return false }
            if let next { _ = condition.wait(until: next) } else { condition.wait() }
        }
    }

    private func take(_ n: Int) -> [UInt8] {
        condition.lock(); defer { condition.unlock() }
        let out = Array(ready[readyHead..<readyHead + n])
        readyHead += n
        if readyHead > 64 * 1024 && readyHead * 2 > ready.count {
            ready.removeFirst(readyHead); readyHead = 0
        }
        return out
    }

    private func peekAll() -> ArraySlice<UInt8> {
        condition.lock(); defer { condition.unlock() }
        return ready[readyHead...]
    }

    /// A line without its CRLF (a bare LF is accepted), or nil at end of stream.
    /// Throws `LineTooLong` past `maxLength`.
    func readLine(maxLength: Int) throws -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            guard try fill() else { return nil }
            let avail = peekAll()
            if let lf = avail.firstIndex(of: 0x0A) {
                let n = lf - avail.startIndex + 1
                line.append(contentsOf: take(n))
                line.removeLast()
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            line.append(contentsOf: take(avail.count))
            if line.count > maxLength { throw CommandReadError.lineTooLong }
        }
    }

    /// Exactly `count` bytes, or nil if the stream ended first.
    func readExactly(_ count: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard try fill() else { return nil }
            let avail = peekAll()
            out.append(contentsOf: take(min(avail.count, count - out.count)))
        }
        return out
    }

    /// RFC 4978: from now on what the client sends is deflated. Bytes already buffered after the
    /// COMPRESS command line are compressed data and are inflated now.
    func startInflating() throws {
        condition.lock(); defer { condition.unlock() }
        let codec = try DeflateCodec(.decompress)
        let leftover = Array(ready[readyHead...])
        ready = try codec.process(leftover)
        readyHead = 0
        inflater = codec
    }
}

/// Failures while reading a command.
enum CommandReadError: Error, Equatable {
    case lineTooLong
    case literalTooLarge
}
