/// Reads SMTP/LMTP replies (RFC 5321 §4.2) from a byte stream, buffering what arrives beyond the
/// current reply so that the replies to pipelined commands (RFC 2920 §3.1) are read one by one.
struct MailReplyReader {
    /// Failures while reading a reply.
    enum ReadError: Error, Equatable {
        /// End of stream or a transport error before a complete reply.
        case connectionLost(String)
        /// A line that is not `ddd`, `ddd text` or `ddd-text`, or whose code differs from the
        /// first line of its reply.
        case malformed(String)
    }

    /// RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets; accept far longer lines from lax
    /// servers but not an unbounded one.
    static let maximumLineLength = 64 * 1024
    /// A reply of more lines than this is not a reply but a stream of garbage.
    static let maximumLineCount = 1000

    private let stream: ByteStream
    private var buffer: [UInt8] = []
    private var head = 0

    init(stream: ByteStream) { self.stream = stream }

    /// Bytes received but not yet consumed by a reply.
    var bufferedByteCount: Int { buffer.count - head }

    /// Reads one complete reply, all its lines.
    mutating func readReply(trace: (String) -> Void = { _ in }) throws(ReadError) -> MailReply {
        var code: Int?
        var lines: [String] = []
        while true {
            let line = try readLine()
            trace(line)
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw .malformed(line)
            }
            let lineCode = Int(bytes[0] - 0x30) * 100 + Int(bytes[1] - 0x30) * 10 + Int(bytes[2] - 0x30)
            if let code, code != lineCode { throw .malformed(line) }
            code = lineCode
            let isLast: Bool
            if bytes.count == 3 {
                isLast = true
            } else if bytes[3] == 0x20 {
                isLast = true
            } else if bytes[3] == 0x2D {
                isLast = false
            } else {
                throw .malformed(line)
            }
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if isLast { return MailReply(code: lineCode, lines: lines) }
            if lines.count >= Self.maximumLineCount { throw .malformed("reply of more than \(Self.maximumLineCount) lines") }
        }
    }

    /// One line without its CRLF (a bare LF is accepted as a line end too, as lax servers send it).
    private mutating func readLine() throws(ReadError) -> String {
        var searchFrom = head
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                var end = newline
                if end > head, buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[head..<end], as: UTF8.self)
                head = newline + 1
                if head == buffer.count { buffer.removeAll(keepingCapacity: true); head = 0 }
                return line
            }
            searchFrom = buffer.count
            if buffer.count - head > Self.maximumLineLength {
                throw .malformed("reply line longer than \(Self.maximumLineLength) octets")
            }
            let chunk: [UInt8]
            do {
                chunk = try stream.read(maxLength: 16 * 1024)
            } catch {
                throw .connectionLost(String(describing: error))
            }
            if chunk.isEmpty { throw .connectionLost("connection closed by the server") }
            if head > 0 {
                buffer.removeSubrange(0..<head)
                searchFrom -= head
                head = 0
            }
            buffer.append(contentsOf: chunk)
        }
    }
}
