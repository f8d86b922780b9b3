import Foundation
import XCTest
@testable import Engine

final class ConnectorTests: XCTestCase {
    func testDefaultPortsAndDescriptions() {
        XCTAssertEqual(TransportEndpoint(type: .imap).effectivePort, 143)
        XCTAssertEqual(TransportEndpoint(type: .imaps).effectivePort, 993)
        XCTAssertEqual(TransportEndpoint(type: .imaps, port: 10993).effectivePort, 10993)
        XCTAssertEqual(TransportEndpoint(type: .imaps, host: "[::1]").peerDescription, "[::1]:993")
        XCTAssertEqual(TransportEndpoint(type: .imap, host: "imap.example.org").peerDescription, "imap.example.org:143")
        XCTAssertEqual(TransportEndpoint(type: .tunnel, command: "imapd").peerDescription, "tunnel 'imapd'")
        XCTAssertEqual(TransportEndpoint().type, .imaps)
        XCTAssertEqual(TransportEndpoint().host, "localhost")
    }

    func testTunnelWithTrafficCounter() throws {
        let traffic = TrafficCounter()
        let stream = try Connector.open(TransportEndpoint(type: .tunnel, command: "cat", nullStderr: true), traffic: traffic)
        try stream.write(bytes("a1 NOOP\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(stream, "\r\n") }, "a1 NOOP\r\n")
        XCTAssertEqual(traffic.bytesSent, 9)
        XCTAssertEqual(traffic.bytesReceived, 9)
        stream.close()
        let tunnel = (stream as? CountingStream)?.underlying as? TunnelStream
        XCTAssertEqual(tunnel?.exitStatus, .exited(0))
    }

    func testTunnelNeedsACommand() {
        XCTAssertThrowsError(try Connector.open(TransportEndpoint(type: .tunnel))) {
            XCTAssertEqual("\($0)", "type=tunnel requires a command")
        }
    }

    func testImapOverTCP() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let stream = try Connector.open(TransportEndpoint(type: .imap, host: "[127.0.0.1]", port: echo.port, keepAlive: true))
        guard let socket = stream as? SocketStream else { return XCTFail("a plain socket without a counter") }
        XCTAssertTrue(socket.isKeepAliveEnabled)
        try stream.write(bytes("a1 NOOP\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(stream, "\r\n") }, "a1 NOOP\r\n")
        stream.close()
    }

    func testRefusedConnectionNamesTheServer() throws {
        let port = try unusedPort()
        XCTAssertThrowsError(try Connector.open(TransportEndpoint(type: .imaps, host: "127.0.0.1", port: port))) {
            XCTAssertEqual("\($0)", "connect(127.0.0.1:\(port)): Connection refused")
        }
    }
}
