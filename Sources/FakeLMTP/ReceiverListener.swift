import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening TCP socket whose accepted connections are handed over as byte streams.
final class ReceiverListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    /// Protects `isStopped`, read by the accept thread.
    private let lock = NSLock()
    private var isStopped = false
    private let stoppedCondition = NSCondition()
    private var acceptLoopEnded = false

    init(host: String, port: UInt16, onAccept: @escaping @Sendable (ByteStream) -> Void) throws {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let info = list else {
            throw TransportError.resolve(host: host, message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(info) }
        let target = "\(host):\(port)"
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | closeOnExec, 0)
        guard fd >= 0 else { throw Self.error("socket", target) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, systemListen(fd, 64) == 0 else {
            let failure = Self.error("bind", target)
            _ = systemClose(fd)
            throw failure
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let failure = Self.error("getsockname", target)
            _ = systemClose(fd)
            throw failure
        }
        // sin_port and sin6_port sit at the same offset, in network byte order.
        let boundPort = withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
        self.fd = fd
        self.port = boundPort
        Thread.detachNewThread { [self] in acceptLoop(onAccept) }
    }

    private static func error(_ call: String, _ target: String) -> TransportError {
        .system(call: call, target: target, message: String(cString: strerror(errno)))
    }

    /// Polls with a short timeout so that `stop` is noticed without closing the descriptor
    /// under a blocked accept(2).
    private func acceptLoop(_ onAccept: @Sendable (ByteStream) -> Void) {
        while !lock.withLock({ isStopped }) {
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pollFD, 1, 100) > 0 else { continue }
            let client = accept(fd, nil, nil)
            if client < 0 { continue }
            // Close-on-exec: a child process (a program under test) must not keep the
            // connection open after the session ends.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            onAccept(SocketStream(adopting: client, peer: "client"))
        }
        _ = systemClose(fd)
        stoppedCondition.withLock {
            acceptLoopEnded = true
            stoppedCondition.broadcast()
        }
    }

    /// Stops accepting and waits until the listening socket is closed.
    func stop() {
        lock.withLock { isStopped = true }
        stoppedCondition.withLock {
            while !acceptLoopEnded { stoppedCondition.wait() }
        }
    }
}

#if canImport(Glibc)
private func systemClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
private let closeOnExec = Int32(SOCK_CLOEXEC.rawValue)
#elseif canImport(Darwin)
private func systemClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
private let closeOnExec: Int32 = 0
#endif
