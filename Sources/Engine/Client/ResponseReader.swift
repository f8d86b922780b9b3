/// Reads server responses from a byte stream: the bytes go through the traffic log (for
/// `--debug`) and the incremental parser, and come out as `ResponseEvent`s, one at a time.
///
/// Only one thread reads. The stream can be replaced (after STARTTLS or COMPRESS) only at a point
/// where no byte beyond the last response has been received: bytes the server sent in clear after
/// its STARTTLS OK would otherwise be taken as protected (RFC 2595 §3.1, RFC 3501 §6.2.1).
final class ResponseReader {
    private(set) var stream: ByteStream
    private var parser = ResponseParser()
    private let traffic: TrafficLog?
    /// The text of the last untagged BYE, reported when the connection then closes.
    private(set) var byeText: String?
    private var ended = false
    static let readSize = 64 * 1024

    init(stream: ByteStream, traffic: TrafficLog?) {
        self.stream = stream
        self.traffic = traffic
    }

    /// The next event; blocks until one is complete. Throws when the connection ends first or the
    /// server's bytes do not parse.
    func next() throws -> ResponseEvent {
        while true {
            let event: ResponseEvent?
            do { event = try parser.next() } catch {
                throw IMAPClientError.protocolViolation(String(describing: error))
            }
            if let event {
                if case .untagged(.bye(let text)) = event { byeText = text.text }
                return event
            }
            if ended { throw endOfStream() }
            let bytes: [UInt8]
            do { bytes = try stream.read(maxLength: Self.readSize) } catch {
                throw IMAPClientError.lost(error)
            }
            if bytes.isEmpty { ended = true; throw endOfStream() }
            traffic?.server(bytes)
            parser.append(bytes)
        }
    }

    private func endOfStream() -> IMAPClientError {
        if let byeText { return .serverClosed(byeText) }
        return .connectionLost("the server closed the connection unexpectedly")
    }

    /// Switches to a new stream layered over the old one (TLS, DEFLATE).
    func replaceStream(_ newStream: ByteStream) throws {
        guard !(parser.bufferedByteCount > 0) else {
            throw IMAPClientError.protocolViolation("the server sent data before the stream switch completed (possible injection)")
        }
        stream = newStream
    }
}
