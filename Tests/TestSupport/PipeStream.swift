import Engine
import Foundation

/// A `ByteStream` over a child process's standard input and output pipes.
public final class PipeStream: ByteStream, @unchecked Sendable {
    private let input: FileHandle
    private let output: FileHandle
    /// Protects `closed`.
    private let lock = NSLock()
    private var closed = false
    private var writeClosed = false

    public init(writingTo input: FileHandle, readingFrom output: FileHandle) {
        self.input = input
        self.output = output
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: maxLength)
        let fd = output.fileDescriptor
        while true {
            let n = buf.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, maxLength) }
            if n >= 0 { return Array(buf[0..<n]) }
            if errno == EINTR { continue }
            throw TransportError.system(call: "read", target: "pipe", message: String(cString: strerror(errno)))
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        let fd = input.fileDescriptor
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress.map { $0 + off }, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TransportError.closed
            }
            off += n
        }
    }

    public func shutdownWrite() {
        lock.lock(); defer { lock.unlock() }
        guard !writeClosed else { return }
        writeClosed = true
        try? input.close()
    }

    public func close() {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        if !writeClosed { try? input.close() }
        writeClosed = true
        try? output.close()
    }
}
