import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listening TCP socket on an IP literal, IPv4 or IPv6: the one listener of the fake IMAP
/// server (fake-imapd `--listen`), the fake LMTP/SMTP receiver and the tests' helper servers.
///
/// The address is numeric only (a listener of the simulator never resolves names), bracketed
/// or not, so `127.0.0.1`, `::1` and `[::1]` all work; `HOST:PORT` values go through
/// `HostAddress.split`, so `[::1]:1143` is IPv6 and not a host `[::1]` with a port of `:1143`.
/// An IPv6 socket on a specific address is IPv6-only (the same port stays free for IPv4); on
/// the wildcard `::` it takes IPv4 connections too (dual-stack, IPv4-mapped).
public final class TCPListener: @unchecked Sendable {
    /// The port bound (the one picked by the system when asked for port 0).
    public let port: UInt16
    /// The address bound, bracketed when IPv6, as it goes before `:port` in messages.
    public let host: String
    /// The listening descriptor, for tests that accept by hand.
    public let descriptor: Int32
    /// Protects `isStopped`, `loopRunning` and `isClosed`.
    private let condition = NSCondition()
    private var isStopped = false
    private var loopRunning = false
    private var isClosed = false

    /// Binds `host` (an IP literal) and `port` (0: any free port) and listens.
    public init(host: String, port: UInt16, backlog: Int32 = 64) throws {
        let address = try HostAddress(parsing: host)
        guard address.isIPLiteral else {
            throw TransportError.configuration("listen address '\(host)': not an IPv4 or IPv6 literal")
        }
        // Numeric: getaddrinfo only builds the socket address here.
        guard let candidate = try SocketStream.resolve(address, port: port).first else {
            throw TransportError.resolve(host: address.name, message: "no address")
        }
        let target = "\(address):\(port)"
        let fd = socket(candidate.family, streamSocketType, candidate.proto)
        guard fd >= 0 else { throw TransportError.system(call: "socket", target: target, message: errnoText(errno)) }
        prepareDescriptor(fd)
        _ = setSocketOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        if candidate.family == AF_INET6 {
            let wildcard = address.ip == .v6([UInt8](repeating: 0, count: 16))
            _ = setSocketOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: wildcard ? 0 : 1)
        }
        let bound = candidate.address.withUnsafeBytes { raw -> Int32 in
            guard let sa = raw.baseAddress?.assumingMemoryBound(to: sockaddr.self) else { return -1 }
            return bind(fd, sa, socklen_t(raw.count))
        }
        guard bound == 0, systemListen(fd, backlog) == 0 else {
            let failure = TransportError.system(call: "bind", target: target, message: errnoText(errno))
            closeDescriptor(fd)
            throw failure
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let failure = TransportError.system(call: "getsockname", target: target, message: errnoText(errno))
            closeDescriptor(fd)
            throw failure
        }
        descriptor = fd
        // sin_port and sin6_port sit at the same offset, in network byte order.
        self.port = withUnsafeBytes(of: &storage) { UInt16($0[2]) << 8 | UInt16($0[3]) }
        self.host = address.description
    }

    /// Binds `HOST:PORT`, where an IPv6 host is in brackets (`[::1]:1143`).
    public convenience init(address: String) throws {
        guard case .success(let parts) = HostAddress.split(Substring(address)), let portText = parts.port,
              let port = UInt16(portText), !parts.host.isEmpty,
              parts.host.hasPrefix("[") || !parts.host.contains(":") else {
            throw TransportError.configuration("invalid listen address '\(address)': expected ADDRESS:PORT ([ADDRESS]:PORT for IPv6)")
        }
        try self.init(host: String(parts.host), port: port)
    }

    /// Accepts connections on a background thread until `stop()`, handing each over as a stream.
    public func start(_ onAccept: @escaping @Sendable (ByteStream) -> Void) {
        condition.withLock { loopRunning = true }
        Thread.detachNewThread { [self] in acceptLoop(onAccept) }
    }

    /// Accepts connections on this thread until `stop()`.
    public func run(_ onAccept: @Sendable (ByteStream) -> Void) {
        condition.withLock { loopRunning = true }
        acceptLoop(onAccept)
    }

    /// Polls with a short timeout so that `stop` is noticed without closing the descriptor
    /// under a blocked accept(2) (another thread could be handed the number meanwhile).
    private func acceptLoop(_ onAccept: @Sendable (ByteStream) -> Void) {
        while !condition.withLock({ isStopped }) {
            var pollFD = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&pollFD, 1, 100) > 0 else { continue }
            let client = accept(descriptor, nil, nil)
            if client < 0 { continue }
            // Close-on-exec: a child process (a program under test) must not keep the
            // connection open after the session ends.
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            prepareDescriptor(client)
            onAccept(SocketStream(adopting: client, peer: "client"))
        }
        condition.withLock {
            closeOnce()
            loopRunning = false
            condition.broadcast()
        }
    }

    /// Stops accepting and waits until the listening socket is closed.
    public func stop() {
        condition.withLock {
            isStopped = true
            while loopRunning { condition.wait() }
            closeOnce()
        }
    }

    /// Called with `condition` held.
    private func closeOnce() {
        guard !isClosed else { return }
        isClosed = true
        closeDescriptor(descriptor)
    }
}

#if canImport(Glibc)
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
#elseif canImport(Darwin)
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
#endif
