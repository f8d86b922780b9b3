#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small wrappers over the C library shared by the socket, tunnel and SOCKS code. They exist so
// that the differences between Linux and Darwin (socket type flags, SIGPIPE suppression) and
// the EINTR retry rule live in one place.

/// errno's text, e.g. "Connection refused".
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// `SOCK_STREAM` with close-on-exec set atomically, so that no socket we open leaks into a
/// tunnel command started at the same time by another thread.
var streamSocketType: Int32 {
    #if os(Linux)
    return Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    #else
    return SOCK_STREAM
    #endif
}

/// Flags for `send`: a peer that went away must give EPIPE, not kill the process with SIGPIPE.
var sendFlags: Int32 {
    #if os(Linux)
    return Int32(MSG_NOSIGNAL)
    #else
    return 0
    #endif
}

/// Marks a descriptor close-on-exec (for platforms without SOCK_CLOEXEC) and, on Darwin,
/// suppresses SIGPIPE on sockets.
func prepareDescriptor(_ fd: Int32) {
    #if !os(Linux)
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    var one: Int32 = 1
    _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
}

/// close(2) under a name that does not collide with the streams' own `close()`.
func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

/// Sets an integer socket option; returns errno's text on failure.
@discardableResult
func setSocketOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) -> String? {
    var v = value
    if setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 { return nil }
    return errnoText(errno)
}

/// Reads an integer socket option, or nil when the descriptor is not a socket.
func socketOption(_ fd: Int32, level: Int32, name: Int32) -> Int32? {
    var v: Int32 = 0
    var len = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, level, name, &v, &len) == 0 ? v : nil
}

/// The numeric text of a socket address ("192.0.2.1:143", "[2001:db8::1]:993").
func numericAddress(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> String {
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
    let rc = getnameinfo(address, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                         NI_NUMERICHOST | NI_NUMERICSERV)
    guard rc == 0 else { return "?" }
    let h = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let s = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return h.contains(":") ? "[\(h)]:\(s)" : "\(h):\(s)"
}
