import Foundation

/// Bytes received and sent on the wire by one connection, for the log line
/// `IMAP traffic (bytes): recv N sent M`.
public final class TrafficCounter: @unchecked Sendable {
    /// Protects both counts.
    private let lock = NSLock()
    private var received = 0
    private var sent = 0

    public init() {}

    public var bytesReceived: Int { lock.lock(); defer { lock.unlock() }; return received }
    public var bytesSent: Int { lock.lock(); defer { lock.unlock() }; return sent }

    func addReceived(_ n: Int) { lock.lock(); received += n; lock.unlock() }
    func addSent(_ n: Int) { lock.lock(); sent += n; lock.unlock() }
}

/// Counts what passes through it into a `TrafficCounter`. Placed directly above the socket
/// (below TLS and COMPRESS) so that the counts are the bytes that really crossed the network.
public final class CountingStream: ByteStream {
    /// The stream being counted (e.g. the SocketStream or TunnelStream).
    public let underlying: ByteStream
    public let counter: TrafficCounter

    public init(over underlying: ByteStream, counter: TrafficCounter) {
        self.underlying = underlying
        self.counter = counter
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        let bytes = try underlying.read(maxLength: maxLength)
        counter.addReceived(bytes.count)
        return bytes
    }

    public func write(_ bytes: [UInt8]) throws {
        try underlying.write(bytes)
        counter.addSent(bytes.count)
    }

    public func shutdownWrite() { underlying.shutdownWrite() }
    public func close() { underlying.close() }
}
