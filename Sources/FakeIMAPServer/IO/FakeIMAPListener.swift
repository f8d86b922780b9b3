import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on a loopback address that serves every connection with a fake server
/// (fake-imapd `--listen`, and tests of the TCP transport).
public final class FakeIMAPListener: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case invalidAddress(String)
        case system(call: String, message: String)
        public var description: String {
            switch self {
            case .invalidAddress(let a): return "invalid listen address '\(a)': expected IPv4-ADDRESS:PORT"
            case let .system(call, message): return "\(call): \(message)"
            }
        }
    }

    public let server: FakeIMAPServer
    private let fd: Int32
    /// The port actually bound (useful with port 0).
    public let port: UInt16
    /// Protects `stopped`.
    private let lock = NSLock()
    private var stopped = false

    /// Binds `host:port` (IPv4 literal; port 0 picks a free one).
    public init(server: FakeIMAPServer, host: String = "127.0.0.1", port: UInt16 = 0) throws {
        self.server = server
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw Failure.invalidAddress("\(host):\(port)") }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw Failure.system(call: "socket", message: String(cString: strerror(errno))) }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 16) == 0 else {
            let m = String(cString: strerror(errno)); Glibc.close(s)
            throw Failure.system(call: "bind/listen \(host):\(port)", message: m)
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    /// Parses `HOST:PORT` and binds it.
    public convenience init(server: FakeIMAPServer, address: String) throws {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw Failure.invalidAddress(address)
        }
        try self.init(server: server, host: String(address[..<colon]), port: port)
    }

    /// Accepts connections until `stop()`, each served on its own thread. Blocks.
    public func run() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock(); let done = stopped; lock.unlock()
            if done { Glibc.close(c); return }
            // SocketStream keeps the descriptor until no call is using it (no reuse race) and
            // sends with MSG_NOSIGNAL (no SIGPIPE when a client hangs up).
            server.serveInBackground(SocketStream(adopting: c, peer: "client"))
        }
    }

    /// Accepts connections on a background thread.
    public func start() {
        let t = Thread { [self] in self.run() }
        t.name = "fake-imap-listener"
        t.start()
    }

    public func stop() {
        lock.lock(); stopped = true; lock.unlock()
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }
}
