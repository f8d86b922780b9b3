import Foundation
#if canImport(Glibc)
import Glibc
private func systemClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private func systemClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
private let sendFlags: Int32 = 0
#endif

/// A TCP connection to the SMTP/LMTP server as a ``ByteStream``.
///
/// Delivery needs only a plain connect to `deliver-method`'s address and port (no TLS, no proxy),
/// so it is kept here, small, rather than depending on the IMAP transports.
final class DeliverySocket: ByteStream, @unchecked Sendable {
    private let fd: Int32
    /// Protects `isClosed`: `close` may be called from another thread than the reader.
    private let lock = NSLock()
    private var isClosed = false

    init(adopting fd: Int32) { self.fd = fd }

    deinit {
        // The descriptor is released only here, never while a read may still use it.
        _ = systemClose(fd)
    }

    /// Connects to `host` (a name, or an IP address with or without brackets) on `port`, trying
    /// each address getaddrinfo(3) returns in order.
    static func connect(host: String, port: Int) throws(MailDeliveryError) -> DeliverySocket {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let target = name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        let closeOnExec = Int32(SOCK_CLOEXEC.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        let closeOnExec: Int32 = 0
        #endif
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .connectFailed(target: target, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        var reasons: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | closeOnExec, info.pointee.ai_protocol)
            if fd < 0 { reasons.append(String(cString: strerror(errno))); continue }
            var result: Int32
            repeat { result = systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) } while result < 0 && errno == EINTR
            if result == 0 {
                // Commands are written as whole groups already; Nagle would only delay them.
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return DeliverySocket(adopting: fd)
            }
            reasons.append(String(cString: strerror(errno)))
            _ = systemClose(fd)
        }
        throw .connectFailed(target: target, reason: Array(Set(reasons)).sorted().joined(separator: "; "))
    }

    func read(maxLength: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max(1, maxLength))
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return Array(buffer[0..<n]) }
            if errno == EINTR { continue }
            if lock.withLock({ isClosed }) { return [] }
            throw TransportError.system(call: "recv", target: "delivery server", message: String(cString: strerror(errno)))
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset, sendFlags) }
            if n < 0 {
                if errno == EINTR { continue }
                if lock.withLock({ isClosed }) { throw TransportError.closed }
                throw TransportError.system(call: "send", target: "delivery server", message: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    func close() {
        let first = lock.withLock { () -> Bool in
            defer { isClosed = true }
            return !isClosed
        }
        // shutdown wakes a blocked reader (it reads end of stream) without freeing the descriptor.
        if first { _ = shutdown(fd, Int32(SHUT_RDWR)) }
    }
}
