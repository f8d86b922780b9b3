import Engine
import Foundation

/// The server-to-client direction of a session: responses are buffered and written in batches
/// (at the end of a command, before waiting, or past 64 KiB), deflated once COMPRESS is active
/// and slowed by the latency model's per-byte cost. Only the session thread uses it.
final class SessionOutput {
    private let stream: ByteStream
    private let latency: LatencyModel
    private var buffer: [UInt8] = []
    private var deflater: DeflateCodec?
    private(set) var bytesSent = 0

    init(stream: ByteStream, latency: LatencyModel) {
        self.stream = stream
        self.latency = latency
    }

    func send(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let plain = buffer
        buffer.removeAll(keepingCapacity: true)
        bytesSent += plain.count
        let wire = try deflater?.process(plain) ?? plain
        if latency.perByte > 0 { Thread.sleep(forTimeInterval: latency.perByte * Double(wire.count)) }
        try stream.write(wire)
    }

    /// RFC 4978: everything after the tagged OK of COMPRESS is deflated.
    func startDeflating() throws {
        try flush()
        deflater = try DeflateCodec(.compress)
    }
}
