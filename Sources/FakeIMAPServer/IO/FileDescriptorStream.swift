import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `ByteStream` over file descriptors: a socket (one descriptor both ways) or a pair of pipes
/// (fake-imapd on stdin/stdout). Reading and writing may run on two threads at once.
public final class FileDescriptorStream: ByteStream, @unchecked Sendable {
    private let readFD: Int32
    private let writeFD: Int32
    private let isSocket: Bool
    /// Protects `closed` and `writeClosed`.
    private let lock = NSLock()
    private var closed = false
    private var writeClosed = false

    /// A stream over `readFD` and `writeFD` (the same descriptor for a socket).
    public init(readFD: Int32, writeFD: Int32) {
        self.readFD = readFD
        self.writeFD = writeFD
        var st = Glibc.stat()
        isSocket = fstat(readFD, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maxLength)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress, maxLength) }
            if n >= 0 { return Array(buffer[0..<n]) }
            if errno == EINTR { continue }
            if isClosed { return [] }
            throw TransportError.system(call: "read", target: "fd \(readFD)", message: String(cString: strerror(errno)))
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(writeFD, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || isClosed { throw TransportError.closed }
                throw TransportError.system(call: "write", target: "fd \(writeFD)", message: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    private var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    public func shutdownWrite() {
        lock.lock(); defer { lock.unlock() }
        guard !writeClosed else { return }
        writeClosed = true
        if isSocket { _ = Glibc.shutdown(writeFD, Int32(SHUT_WR)) } else if writeFD != readFD { Glibc.close(writeFD) }
    }

    public func close() {
        lock.lock(); defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        if isSocket {
            // shutdown wakes a thread blocked in read on the descriptor; close alone would not.
            _ = Glibc.shutdown(readFD, Int32(SHUT_RDWR))
            Glibc.close(readFD)
        } else {
            if !writeClosed { Glibc.close(writeFD) }
            if readFD != writeFD { Glibc.close(readFD) }
        }
        writeClosed = true
    }
}
