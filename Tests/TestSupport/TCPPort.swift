import Engine
import Foundation
import XCTest

/// Loopback TCP ports for servers started by tests, on the shared `TCPListener`.
public enum TCPPort {
    /// A port nobody listens on right now (bound to port 0, then released).
    public static func free() throws -> Int {
        let listener = try TCPListener(host: "127.0.0.1", port: 0)
        defer { listener.stop() }
        return Int(listener.port)
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:`port`.
    public static func waitForListener(port: Int, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let stream = try? SocketStream.connect(host: "127.0.0.1", port: UInt16(port)) {
                stream.close()
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
