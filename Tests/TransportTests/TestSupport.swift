import Foundation
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Thrown after XCTFail when a required tool is missing under CI.
struct ToolMissing: Error {}
/// Thrown after XCTFail when a body did not finish in time.
struct TimedOut: Error {}

/// The path of a system tool the test needs. Missing: the test fails when CI is set (so a broken
/// CI image cannot pass silently), and is skipped otherwise.
func requireTool(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/bin"] {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    let message = "\(name) is not installed (scripts/setup.sh installs it)"
    if ProcessInfo.processInfo.environment["CI"] != nil {
        XCTFail(message, file: file, line: line)
        throw ToolMissing()
    }
    throw XCTSkip(message)
}

/// A result slot shared between a worker thread and the test.
final class Box<T>: @unchecked Sendable {
    /// Protects `value`.
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

/// Runs `body` on its own thread and waits at most `seconds` for it: a deadlock becomes a test
/// failure instead of a hung suite.
@discardableResult
func withTimeout<T>(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                    _ body: @escaping @Sendable () throws -> T) throws -> T {
    let box = Box<Result<T, Error>>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.set(Result { try body() })
        done.signal()
    }
    thread.start()
    guard done.wait(timeout: .now() + seconds) == .success, let result = box.get() else {
        XCTFail("timed out after \(seconds)s (deadlock?)", file: file, line: line)
        throw TimedOut()
    }
    return try result.get()
}

/// Starts `body` on a thread now; `wait` collects its result later, with a timeout.
final class Background<T>: @unchecked Sendable {
    private let box = Box<Result<T, Error>>()
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [box, done] in
            box.set(Result { try body() })
            done.signal()
        }
        thread.start()
    }

    func wait(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line) throws -> T {
        guard done.wait(timeout: .now() + seconds) == .success, let result = box.get() else {
            XCTFail("background work timed out after \(seconds)s (deadlock?)", file: file, line: line)
            throw TimedOut()
        }
        return try result.get()
    }
}

/// Reads from `stream` until `count` bytes or end of stream.
func readExactly(_ stream: ByteStream, _ count: Int) throws -> [UInt8] {
    var out: [UInt8] = []
    while out.count < count {
        let chunk = try stream.read(maxLength: count - out.count)
        if chunk.isEmpty { break }
        out += chunk
    }
    return out
}

/// Reads from `stream` until end of stream.
func readToEnd(_ stream: ByteStream) throws -> [UInt8] {
    var out: [UInt8] = []
    while true {
        let chunk = try stream.read(maxLength: 65536)
        if chunk.isEmpty { return out }
        out += chunk
    }
}

/// Reads until `terminator` has been seen (or end of stream).
func readUntil(_ stream: ByteStream, _ terminator: String) throws -> String {
    var out: [UInt8] = []
    let t = Array(terminator.utf8)
    while !(out.count >= t.count && Array(out.suffix(t.count)) == t) {
        let chunk = try stream.read(maxLength: 4096)
        if chunk.isEmpty { break }
        out += chunk
    }
    return String(decoding: out, as: UTF8.self)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A fresh temporary directory, removed by `remove()`.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "transport-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { "\(path)/\(name)" }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Whether a local IPv6 loopback is usable.
let ipv6LoopbackAvailable: Bool = {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { Glibc.close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
        }
    }
}()

/// A listening TCP socket bound to a loopback address; port 0 picks a free port.
func listenSocket(_ address: String, port: UInt16) throws -> (fd: Int32, port: UInt16) {
    let v6 = address.contains(":")
    let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw TransportError.system(call: "socket", target: address, message: errnoText(errno)) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var storage = sockaddr_storage()
    var length: socklen_t
    if v6 {
        setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = port.bigEndian
        inet_pton(AF_INET6, address, &sin6.sin6_addr)
        withUnsafeBytes(of: sin6) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
        length = socklen_t(MemoryLayout<sockaddr_in6>.size)
    } else {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &sin.sin_addr)
        withUnsafeBytes(of: sin) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
        length = socklen_t(MemoryLayout<sockaddr_in>.size)
    }
    let bound = withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0, listen(fd, 16) == 0 else {
        let e = errno
        Glibc.close(fd)
        throw TransportError.system(call: "bind", target: "\(address):\(port)", message: errnoText(e))
    }
    var actual = sockaddr_storage()
    var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &actual) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
    }
    let boundPort: UInt16 = withUnsafeBytes(of: actual) { raw in
        // sin_port and sin6_port are both at offset 2, in network byte order.
        UInt16(raw[2]) << 8 | UInt16(raw[3])
    }
    return (fd, boundPort)
}

/// A port nobody listens on (bound then released).
func unusedPort() throws -> UInt16 {
    let (fd, port) = try listenSocket("127.0.0.1", port: 0)
    Glibc.close(fd)
    return port
}

/// A TCP echo server on 127.0.0.1 and, when available, [::1] on the same port.
final class EchoServer: @unchecked Sendable {
    let port: UInt16
    /// Protects `listeners` and `connections`.
    private let lock = NSLock()
    private var listeners: [Int32] = []
    private var connections: [Int32] = []

    init(ipv6: Bool = true) throws {
        var attempt = 0
        while true {
            attempt += 1
            let v4 = try listenSocket("127.0.0.1", port: 0)
            if !ipv6 || !ipv6LoopbackAvailable {
                listeners = [v4.fd]
                port = v4.port
                break
            }
            if let v6 = try? listenSocket("::1", port: v4.port) {
                listeners = [v4.fd, v6.fd]
                port = v4.port
                break
            }
            Glibc.close(v4.fd)
            if attempt > 20 { throw TransportError.closed }
        }
        for fd in listeners {
            Thread { [self] in self.acceptLoop(fd) }.start()
        }
    }

    private func acceptLoop(_ listener: Int32) {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            lock.lock(); connections.append(fd); lock.unlock()
            Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = recv(fd, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    var offset = 0
                    while offset < n {
                        let w = buffer.withUnsafeBytes { send(fd, $0.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL)) }
                        if w <= 0 { break }
                        offset += w
                    }
                }
                shutdown(fd, Int32(SHUT_RDWR))
            }.start()
        }
    }

    func stop() {
        lock.lock(); defer { lock.unlock() }
        for fd in listeners + connections { shutdown(fd, Int32(SHUT_RDWR)) }
        for fd in listeners { Glibc.close(fd) }
        listeners = []
    }
}

/// A helper server started for a test (openssl s_server, microsocks): stdout and stderr go to
/// a file that `waitForOutput` polls. Stopped with SIGTERM and reaped.
final class ServerProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String

    init(_ arguments: [String], log: String) throws {
        logPath = log
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard rc == 0 else {
            throw TransportError.tunnel(command: arguments.joined(separator: " "), message: errnoText(rc))
        }
        self.pid = pid
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls the output until `pattern` (a regular expression with one capture group) matches.
    func waitForOutput(_ pattern: String, timeout: Double = 10) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = output
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               let range = Range(match.range(at: 1), in: text) {
                return String(text[range])
            }
            usleep(10_000)
        }
        throw TransportError.tunnel(command: "server", message: "no '\(pattern)' in output: \(output)")
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitForListener(port: UInt16, timeout: Double = 10) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let stream = try? SocketStream.connect(host: "127.0.0.1", port: port) {
            stream.close()
            return
        }
        if Date() > deadline { throw TransportError.system(call: "connect", target: "127.0.0.1:\(port)", message: "never listened") }
        usleep(10_000)
    }
}

/// Runs a shell command line (for the openssl CLI), failing with its output on a non-zero exit.
@discardableResult
func shell(_ command: String) throws -> String {
    let tunnel = try TunnelStream.spawn(command: "exec 2>&1; " + command, terminationGracePeriod: 30)
    tunnel.shutdownWrite()
    let output = String(decoding: try readToEnd(tunnel), as: UTF8.self)
    tunnel.close()
    guard tunnel.exitStatus == .exited(0) else {
        throw TransportError.tunnel(command: command, message: "\(tunnel.exitStatus.map { "\($0)" } ?? "?"): \(output)")
    }
    return output
}
