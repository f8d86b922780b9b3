import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connected stream socket (TCP, or our end of a tunnel's socketpair) as a `ByteStream`.
///
/// Reading and writing are plain blocking system calls on the one descriptor, so a reader thread
/// and a writer thread never wait for each other. `close()` may be called from any thread while
/// another is blocked in `read` or `write`: it shuts the socket down (which wakes both) and the
/// descriptor itself is released only once no call is using it, so a reused descriptor number can
/// never be read or written by mistake.
public final class SocketStream: ByteStream, @unchecked Sendable {
    /// What the socket is connected to, for error messages ("imap.example.org:993").
    public let peer: String

    /// Protects `fd`, `isClosed` and `callsInFlight`.
    private let lock = NSLock()
    private var fd: Int32
    private var isClosed = false
    private var callsInFlight = 0
    /// Bounds the silence of a blocked read or write (the `timeout` option); nil: none.
    private let silence: SilenceLimit?

    /// Takes ownership of a connected stream socket.
    public init(adopting fd: Int32, peer: String, silence: SilenceLimit? = nil) {
        self.fd = fd
        self.peer = peer
        self.silence = silence
        prepareDescriptor(fd)
    }

    deinit {
        if fd >= 0 { closeDescriptor(fd) }
    }

    /// The descriptor for the duration of one system call, or nil once closed.
    private func acquire() -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if isClosed || fd < 0 { return nil }
        callsInFlight += 1
        return fd
    }

    private func release() {
        lock.lock(); defer { lock.unlock() }
        callsInFlight -= 1
        if isClosed && callsInFlight == 0 && fd >= 0 {
            closeDescriptor(fd)
            fd = -1
        }
    }

    private var closedLocally: Bool {
        lock.lock(); defer { lock.unlock() }
        return isClosed
    }

    public func read(maxLength: Int) throws -> [UInt8] {
        guard maxLength > 0 else { return [] }
        guard let fd = acquire() else { return [] }
        defer { release() }
        try awaitReady(fd, events: POLLIN)
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: maxLength) { buffer, count in
            count = 0
            while true {
                let n = recv(fd, buffer.baseAddress, maxLength, 0)
                if n >= 0 { count = n; return }
                if errno == EINTR { continue }
                failure = errno
                return
            }
        }
        if failure != 0 {
            // A read interrupted by our own close() is end of stream, not a failure.
            if closedLocally { return [] }
            throw TransportError.system(call: "read", target: peer, message: errnoText(failure))
        }
        if !bytes.isEmpty { silence?.progress() }
        return bytes
    }

    /// Waits until `fd` is ready for `events` (or hung up), for as long as the silence limit
    /// allows; throws `.timedOut` once it is exceeded. Without a limit, returns at once and the
    /// system call that follows blocks.
    private func awaitReady(_ fd: Int32, events: Int32) throws {
        guard let silence else { return }
        while true {
            guard let wait = silence.pollWait() else {
                throw TransportError.timedOut(target: peer, seconds: silence.seconds)
            }
            var pfd = pollfd(fd: fd, events: Int16(events), revents: 0)
            let n = poll(&pfd, 1, wait)
            if n > 0 { return }
            if n < 0 && errno != EINTR { return }  // the system call that follows reports it
            if closedLocally { return }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        guard let fd = acquire() else { throw TransportError.closed }
        defer { release() }
        var failure: Int32 = 0
        var timedOut: Error?
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                // With a silence limit, a full send buffer is waited on with poll, which has the
                // timeout that a blocking send lacks.
                let n = send(fd, base + offset, raw.count - offset, sendFlags | (silence == nil ? 0 : Int32(MSG_DONTWAIT)))
                if n >= 0 { offset += n; silence?.progress(); continue }
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    do { try awaitReady(fd, events: POLLOUT) } catch { timedOut = error; return }
                    continue
                }
                failure = errno
                return
            }
        }
        if let timedOut { throw timedOut }
        if failure != 0 {
            if closedLocally { throw TransportError.closed }
            throw TransportError.system(call: "write", target: peer, message: errnoText(failure))
        }
    }

    public func shutdownWrite() {
        guard let fd = acquire() else { return }
        defer { release() }
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    public func close() {
        lock.lock(); defer { lock.unlock() }
        if isClosed { return }
        isClosed = true
        guard fd >= 0 else { return }
        // shutdown(2) wakes a thread blocked in recv (it returns 0) or send (EPIPE); closing the
        // descriptor alone would not, on Linux.
        _ = shutdown(fd, Int32(SHUT_RDWR))
        if callsInFlight == 0 {
            closeDescriptor(fd)
            fd = -1
        }
    }

    /// Whether SO_KEEPALIVE is set (false once closed).
    public var isKeepAliveEnabled: Bool {
        guard let fd = acquire() else { return false }
        defer { release() }
        return (socketOption(fd, level: SOL_SOCKET, name: SO_KEEPALIVE) ?? 0) != 0
    }

    /// Enables TCP keep-alive probes, so that a connection idling for a long time (`--watch`,
    /// IDLE, NOTIFY) through a NAT or firewall is noticed when it silently dies.
    public func enableKeepAlive() throws {
        guard let fd = acquire() else { throw TransportError.closed }
        defer { release() }
        if let message = setSocketOption(fd, level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1) {
            throw TransportError.system(call: "setsockopt(SO_KEEPALIVE)", target: peer, message: message)
        }
        // The first probe after a minute of silence, as the reference sets it (the system's
        // default is two hours, far too long to notice that a watched connection died).
        #if os(Linux)
        if let message = setSocketOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE, value: Self.keepAliveIdleSeconds) {
            throw TransportError.system(call: "setsockopt(TCP_KEEPIDLE)", target: peer, message: message)
        }
        #endif
    }

    /// Seconds of silence before the first keep-alive probe.
    public static let keepAliveIdleSeconds: Int32 = 60

    /// TCP_KEEPIDLE in seconds (nil once closed or where the system has no such option).
    public var keepAliveIdle: Int32? {
        #if os(Linux)
        guard let fd = acquire() else { return nil }
        defer { release() }
        return socketOption(fd, level: Int32(IPPROTO_TCP), name: TCP_KEEPIDLE)
        #else
        return nil
        #endif
    }
}
