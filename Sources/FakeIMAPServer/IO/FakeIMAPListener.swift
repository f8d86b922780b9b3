import Engine
import Foundation

/// A TCP listener that serves every connection with a fake server (fake-imapd `--listen`, and
/// tests of the TCP transport), on the shared `TCPListener`: IPv4 or IPv6, `[::1]:PORT`.
public final class FakeIMAPListener: Sendable {
    public let server: FakeIMAPServer
    private let listener: TCPListener
    /// The port actually bound (useful with port 0).
    public var port: UInt16 { listener.port }

    /// Binds `host` (an IPv4 or IPv6 literal, bracketed or not) and `port` (0 picks a free one).
    public init(server: FakeIMAPServer, host: String = "127.0.0.1", port: UInt16 = 0) throws {
        self.server = server
        listener = try TCPListener(host: host, port: port)
    }

    /// Parses `ADDRESS:PORT` (`[ADDRESS]:PORT` for IPv6) and binds it.
    public init(server: FakeIMAPServer, address: String) throws {
        self.server = server
        listener = try TCPListener(address: address)
    }

    /// Accepts connections until `stop()`, each served on its own thread. Blocks.
    public func run() {
        listener.run { [server] in server.serveInBackground($0) }
    }

    /// Accepts connections on a background thread.
    public func start() {
        listener.start { [server] in server.serveInBackground($0) }
    }

    public func stop() { listener.stop() }
}
