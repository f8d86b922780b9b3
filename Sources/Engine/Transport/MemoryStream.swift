import Foundation

/// An in-memory connected pair of byte streams, so tests and the scenario runner can wire a client
/// to the fake server with no socket and no file descriptor.
///
/// Each direction is a bounded buffer: a writer blocks when `capacity` bytes are waiting, as a
/// socket's send buffer would, so a test sees the same back-pressure a real connection gives.
public final class MemoryStream: ByteStream, @unchecked Sendable {
    /// One direction of the pair.
    final class Pipe: @unchecked Sendable {
        let condition = NSCondition()
        var buffer: [UInt8] = []
        var head = 0
        var writerClosed = false
        var readerClosed = false
        let capacity: Int
        init(capacity: Int) { self.capacity = capacity }

        func write(_ bytes: [UInt8]) throws {
            var offset = 0
            condition.lock(); defer { condition.unlock() }
            while offset < bytes.count {
                if readerClosed || writerClosed { throw TransportError.closed }
                let room = capacity - (buffer.count - head)
                if room <= 0 { condition.wait(); continue }
                let n = min(room, bytes.count - offset)
                if head > 0 && head == buffer.count { buffer.removeAll(keepingCapacity: true); head = 0 }
                buffer.append(contentsOf: bytes[offset..<offset + n])
                offset += n
                condition.broadcast()
            }
        }

        func read(maxLength: Int) throws -> [UInt8] {
            condition.lock(); defer { condition.unlock() }
            while head == buffer.count {
                if writerClosed || readerClosed { return [] }
                condition.wait()
            }
            let n = min(maxLength, buffer.count - head)
            let out = Array(buffer[head..<head + n])
            head += n
            if head == buffer.count { buffer.removeAll(keepingCapacity: true); head = 0 }
            condition.broadcast()
            return out
        }

        func closeWriter() { condition.lock(); writerClosed = true; condition.broadcast(); condition.unlock() }
        func closeReader() { condition.lock(); readerClosed = true; condition.broadcast(); condition.unlock() }
    }

    private let incoming: Pipe
    private let outgoing: Pipe

    init(incoming: Pipe, outgoing: Pipe) { self.incoming = incoming; self.outgoing = outgoing }

    /// Two connected ends: what one writes, the other reads.
    public static func pair(capacity: Int = 1 << 20) -> (MemoryStream, MemoryStream) {
        let ab = Pipe(capacity: capacity), ba = Pipe(capacity: capacity)
        return (MemoryStream(incoming: ba, outgoing: ab), MemoryStream(incoming: ab, outgoing: ba))
    }

    public func read(maxLength: Int) throws -> [UInt8] { try incoming.read(maxLength: maxLength) }
    public func write(_ bytes: [UInt8]) throws { try outgoing.write(bytes) }
    public func shutdownWrite() { outgoing.closeWriter() }
    public func close() { outgoing.closeWriter(); incoming.closeReader() }
}
