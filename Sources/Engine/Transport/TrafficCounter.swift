import Foundation

/// Bytes received and sent on the wire by one connection, for the log line
/// `IMAP traffic (bytes): recv N sent M`. Once COMPRESS=DEFLATE (RFC 4978) is active, the bytes
/// of the IMAP conversation are counted as well, above the compression layer, so that the line
/// gives both figures as the reference does:
/// `recv 3.97K (compr. 1.09K, factor 0.27) sent 1.20K (compr. 500, factor 0.41)`.
public final class TrafficCounter: @unchecked Sendable {
    /// Protects every count.
    private let lock = NSLock()
    private var received = 0
    private var sent = 0
    /// Uncompressed totals, from the start of the connection; nil until compression starts.
    private var plain: (received: Int, sent: Int)?

    public init() {}

    public var bytesReceived: Int { lock.lock(); defer { lock.unlock() }; return received }
    public var bytesSent: Int { lock.lock(); defer { lock.unlock() }; return sent }

    func addReceived(_ n: Int) { lock.lock(); received += n; lock.unlock() }
    func addSent(_ n: Int) { lock.lock(); sent += n; lock.unlock() }

    /// Wraps `stream`, the decompressing layer just put over the connection: what was counted
    /// so far was not compressed, and from now on the IMAP bytes are counted above it.
    public func countingDecompressed(_ stream: ByteStream) -> ByteStream {
        lock.lock()
        if plain == nil { plain = (received, sent) }
        lock.unlock()
        return CountingStream(over: stream, counter: self, compressed: false)
    }

    fileprivate func addPlain(received r: Int, sent s: Int) {
        lock.lock()
        if let p = plain { plain = (p.received + r, p.sent + s) }
        lock.unlock()
    }

    /// `recv N sent M`, or with compression `recv N (compr. C, factor F) sent ...`, where N is
    /// the uncompressed count, C the count on the wire, and F = C / N to two decimals.
    public var summary: String {
        lock.lock()
        let (wire, plain) = ((received, sent), self.plain)
        lock.unlock()
        guard let plain else { return "recv \(Self.bytes(wire.0)) sent \(Self.bytes(wire.1))" }
        func part(_ plain: Int, _ wire: Int) -> String {
            let factor = plain == 0 ? 0 : Double(wire) / Double(plain)
            return "\(Self.bytes(plain)) (compr. \(Self.bytes(wire)), factor \(String(format: "%.2f", factor)))"
        }
        return "recv \(part(plain.received, wire.0)) sent \(part(plain.sent, wire.1))"
    }

    /// Byte counts as the reference prints them: `229`, `1.59K`, `3.20M`.
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n)" }
        var value = Double(n) / 1024
        var unit = "K"
        for next in ["M", "G", "T"] where value >= 1024 { value /= 1024; unit = next }
        return String(format: "%.2f%@", value, unit)
    }
}

/// Counts what passes through it into a `TrafficCounter`. Placed directly above the socket
/// (below TLS and COMPRESS) so that the counts are the bytes that really crossed the network.
public final class CountingStream: ByteStream {
    /// The stream being counted (e.g. the SocketStream or TunnelStream).
    public let underlying: ByteStream
    public let counter: TrafficCounter
    /// True for the wire counts, false for the uncompressed counts above COMPRESS.
    private let compressed: Bool

    public convenience init(over underlying: ByteStream, counter: TrafficCounter) {
        self.init(over: underlying, counter: counter, compressed: true)
    }

    fileprivate init(over underlying: ByteStream, counter: TrafficCounter, compressed: Bool) {
        self.underlying = underlying
        self.counter = counter
        self.compressed = compressed
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        let bytes = try underlying.read(maxLength: maxLength)
        if compressed { counter.addReceived(bytes.count) } else { counter.addPlain(received: bytes.count, sent: 0) }
        return bytes
    }

    public func write(_ bytes: [UInt8]) throws {
        try underlying.write(bytes)
        if compressed { counter.addSent(bytes.count) } else { counter.addPlain(received: 0, sent: bytes.count) }
    }

    public func shutdownWrite() { underlying.shutdownWrite() }
    public func close() { underlying.close() }
}
