import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SocketStream {
    /// Opens a TCP connection to `host`:`port`.
    ///
    /// `host` is a name (resolved with getaddrinfo; every address is tried in order until one
    /// accepts), an unbracketed IP address, or an IP literal in square brackets (`[192.0.2.1]`,
    /// `[2001:db8::1]`), which is never resolved. `timeout` bounds each connection attempt
    /// (nil: the system's own limit). Errors name `host:port` and errno's text.
    /// `silence` goes to the stream (see `SilenceLimit`).
    public static func connect(host: String, port: UInt16, keepAlive: Bool = false,
                               timeout: Double? = nil, silence: SilenceLimit? = nil) throws -> SocketStream {
        let address = try HostAddress(parsing: host)
        let target = "\(address):\(port)"
        let candidates = try resolve(address, port: port)
        var failures: [(address: String, message: String)] = []
        for candidate in candidates {
            switch attemptConnect(candidate, timeout: timeout) {
            case .success(let fd):
                // IMAP is request/response: Nagle's algorithm would hold a short command back
                // until the previous segment is acknowledged; the layers above already write
                // whole commands at once.
                if candidate.family == AF_INET || candidate.family == AF_INET6 {
                    setSocketOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
                }
                let stream = SocketStream(adopting: fd, peer: target, silence: silence)
                if keepAlive { try stream.enableKeepAlive() }
                return stream
            case .failure(let message):
                failures.append((candidate.text, message))
            }
        }
        let message: String
        if failures.count == 1, let only = failures.first {
            message = only.message
        } else {
            message = failures.map { "\($0.address): \($0.message)" }.joined(separator: "; ")
        }
        throw TransportError.system(call: "connect", target: target, message: message)
    }

    /// One address getaddrinfo gave, copied out of the addrinfo list.
    struct Candidate {
        var family: Int32
        var socketType: Int32
        var proto: Int32
        var address: [UInt8]
        var text: String
    }

    /// Resolves `address` (numerically only when it is an IP literal).
    static func resolve(_ address: HostAddress, port: UInt16) throws -> [Candidate] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV | (address.isIPLiteral || address.bracketed ? AI_NUMERICHOST : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address.name, String(port), &hints, &list)
        guard rc == 0 else {
            let message = rc == EAI_SYSTEM ? errnoText(errno) : String(cString: gai_strerror(rc))
            throw TransportError.resolve(host: address.name, message: message)
        }
        defer { freeaddrinfo(list) }
        var result: [Candidate] = []
        var entry = list
        while let ai = entry?.pointee {
            if let sa = ai.ai_addr {
                let bytes = Array(UnsafeRawBufferPointer(start: sa, count: Int(ai.ai_addrlen)))
                result.append(Candidate(family: ai.ai_family, socketType: ai.ai_socktype, proto: ai.ai_protocol,
                                        address: bytes, text: numericAddress(sa, length: ai.ai_addrlen)))
            }
            entry = ai.ai_next
        }
        guard !result.isEmpty else {
            throw TransportError.resolve(host: address.name, message: "no address")
        }
        return result
    }

    enum Attempt { case success(Int32), failure(String) }

    /// A non-blocking connect followed by poll: an EINTR during connect(2) would otherwise leave
    /// the connection in progress with no way to learn its outcome, and poll gives the timeout.
    static func attemptConnect(_ candidate: Candidate, timeout: Double?) -> Attempt {
        let fd = socket(candidate.family, streamSocketType, candidate.proto)
        guard fd >= 0 else { return .failure(errnoText(errno)) }
        prepareDescriptor(fd)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = candidate.address.withUnsafeBytes { raw -> Int32 in
            guard let sa = raw.baseAddress?.assumingMemoryBound(to: sockaddr.self) else { return -1 }
            return systemConnect(fd, sa, socklen_t(raw.count))
        }
        if rc != 0 {
            let e = errno
            guard e == EINPROGRESS || e == EINTR else {
                closeDescriptor(fd)
                return .failure(errnoText(e))
            }
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            while true {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var wait: Int32 = -1
                if let deadline {
                    let left = deadline.timeIntervalSinceNow
                    if left <= 0 { closeDescriptor(fd); return .failure("no answer within \(SilenceLimit.format(timeout ?? 0)) seconds (timeout)") }
                    wait = Int32(min(left * 1000, Double(Int32.max)).rounded(.up))
                }
                let n = poll(&pfd, 1, wait)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { let e = errno; closeDescriptor(fd); return .failure(errnoText(e)) }
                if n == 0 { continue }  // re-checks the deadline
                break
            }
            guard let soError = socketOption(fd, level: SOL_SOCKET, name: SO_ERROR) else {
                let e = errno; closeDescriptor(fd); return .failure(errnoText(e))
            }
            if soError != 0 { closeDescriptor(fd); return .failure(errnoText(soError)) }
        }
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return .success(fd)
    }
}

/// connect(2), named apart from `SocketStream.connect`.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.connect(fd, address, length)
    #else
    return Darwin.connect(fd, address, length)
    #endif
}
