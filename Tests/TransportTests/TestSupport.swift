import Foundation
import TestSupport
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

/// A listening TCP socket bound to a loopback address (the shared `TCPListener`); port 0 picks a
/// free port. The descriptor is the caller's to accept on and to close.
func listenSocket(_ address: String, port: UInt16) throws -> (fd: Int32, port: UInt16) {
    let listener = try TCPListener(host: address, port: port, backlog: 16)
    return (listener.descriptor, listener.port)
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
        pid = try ChildSpawn.spawn(arguments, stdin: .null, stdout: .file(log, append: false), stderr: .standardOutput)
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

/// Runs a shell command line (for the openssl CLI) with the shared test runner, failing with its
/// output on a non-zero exit.
@discardableResult
func shell(_ command: String) throws -> String {
    let result = try RunningProcess.run("/bin/sh", ["-c", command], stderr: .merged, timeout: 60)
    guard result.status == 0, !result.signaled else {
        throw TransportError.tunnel(command: command, message: "\(result.signaled ? "signal" : "exit status") \(result.status): \(result.stdout)")
    }
    return result.stdout
}
