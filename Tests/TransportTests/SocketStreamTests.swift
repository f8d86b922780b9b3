import Foundation
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

final class SocketStreamTests: XCTestCase {
    var echo: EchoServer!

    override func setUpWithError() throws {
        echo = try EchoServer()
    }

    override func tearDown() {
        echo?.stop()
    }

    private func roundTrip(_ stream: ByteStream, _ text: String = "a1 NOOP\r\n") throws {
        try stream.write(bytes(text))
        XCTAssertEqual(String(decoding: try readExactly(stream, text.utf8.count), as: UTF8.self), text)
    }

    func testConnectsToIPv4AddressAndBracketedLiteral() throws {
        for host in ["127.0.0.1", "[127.0.0.1]", "localhost"] {
            let stream = try SocketStream.connect(host: host, port: echo.port)
            try roundTrip(stream)
            stream.close()
        }
    }

    func testConnectsToIPv6Literal() throws {
        guard ipv6LoopbackAvailable else { throw XCTSkip("no IPv6 loopback") }
        let stream = try SocketStream.connect(host: "[::1]", port: echo.port)
        XCTAssertEqual(stream.peer, "[::1]:\(echo.port)")
        try roundTrip(stream)
        stream.close()
    }

    func testRefusedPortNamesHostPortAndReason() throws {
        let port = try unusedPort()
        XCTAssertThrowsError(try SocketStream.connect(host: "[127.0.0.1]", port: port)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("127.0.0.1:\(port)"), text)
            XCTAssertTrue(text.contains("Connection refused"), text)
            XCTAssertEqual(error as? TransportError,
                           .system(call: "connect", target: "127.0.0.1:\(port)", message: "Connection refused"))
        }
    }

    func testBracketedNameIsNotAnIPLiteral() {
        XCTAssertThrowsError(try SocketStream.connect(host: "[localhost]", port: 143)) { error in
            XCTAssertEqual("\(error)", "host '[localhost]': not an IPv4 or IPv6 literal")
        }
    }

    func testKeepAliveOption() throws {
        let with = try SocketStream.connect(host: "127.0.0.1", port: echo.port, keepAlive: true)
        let without = try SocketStream.connect(host: "127.0.0.1", port: echo.port)
        XCTAssertTrue(with.isKeepAliveEnabled)
        XCTAssertFalse(without.isKeepAliveEnabled)
        with.close()
        without.close()
    }

    func testShutdownWriteLetsPeerSeeEndOfStreamWhileReadingContinues() throws {
        let stream = try SocketStream.connect(host: "127.0.0.1", port: echo.port)
        try stream.write(bytes("last words"))
        stream.shutdownWrite()
        // The echo server answers, sees end of stream, and closes: we read everything, then EOF.
        XCTAssertEqual(String(decoding: try withTimeout(5) { try readToEnd(stream) }, as: UTF8.self), "last words")
        stream.close()
    }

    func testCloseIsIdempotentAndUnblocksPendingRead() throws {
        let stream = try SocketStream.connect(host: "127.0.0.1", port: echo.port)
        let reader = Background { try stream.read(maxLength: 100) }
        usleep(100_000)
        stream.close()
        XCTAssertEqual(try reader.wait(5), [])
        stream.close()
        XCTAssertEqual(try stream.read(maxLength: 10), [])
        XCTAssertThrowsError(try stream.write(bytes("x"))) { XCTAssertEqual($0 as? TransportError, .closed) }
    }

    func testReaderBlockedWhileAnotherThreadWrites() throws {
        let stream = try SocketStream.connect(host: "127.0.0.1", port: echo.port)
        let total = 2_000_000
        // The reader starts first and blocks; the writer then pushes more than the socket
        // buffers hold, which only completes if the reader drains the echo concurrently.
        let reader = Background { try readExactly(stream, total) }
        usleep(50_000)
        let payload = (0..<total).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try withTimeout(20) {
            var offset = 0
            while offset < total {
                let n = min(65536, total - offset)
                try stream.write(Array(payload[offset..<offset + n]))
                offset += n
            }
        }
        XCTAssertEqual(try reader.wait(20), payload)
        stream.close()
    }

    func testPeerResetIsReportedWithPeer() throws {
        let (listener, port) = try listenSocket("127.0.0.1", port: 0)
        defer { Glibc.close(listener) }
        let stream = try SocketStream.connect(host: "127.0.0.1", port: port)
        let accepted = accept(listener, nil, nil)
        // SO_LINGER 0 makes close send RST.
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(accepted, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        Glibc.close(accepted)
        usleep(50_000)
        XCTAssertThrowsError(try stream.read(maxLength: 10)) { error in
            XCTAssertEqual("\(error)", "read(127.0.0.1:\(port)): Connection reset by peer")
        }
        stream.close()
    }

    func testHostAddressParsing() throws {
        XCTAssertEqual(try HostAddress(parsing: "[192.0.2.1]").ip, .v4([192, 0, 2, 1]))
        XCTAssertEqual(try HostAddress(parsing: "[::1]").name, "::1")
        XCTAssertEqual(try HostAddress(parsing: "[::1]").description, "[::1]")
        XCTAssertEqual(try HostAddress(parsing: "192.0.2.1").isIPLiteral, true)
        XCTAssertEqual(try HostAddress(parsing: "imap.example.org").isIPLiteral, false)
        XCTAssertThrowsError(try HostAddress(parsing: "[imap.example.org]"))
        XCTAssertThrowsError(try HostAddress(parsing: ""))
    }

    /// The one HOST[:PORT] splitter: brackets protect an IPv6 literal's colons.
    func testHostPortSplitting() throws {
        func split(_ text: String) -> String {
            switch HostAddress.split(Substring(text)) {
            case .success(let parts): return "\(parts.host)|\(parts.port.map(String.init) ?? "-")"
            case .failure(let error): return "\(error)"
            }
        }
        XCTAssertEqual(split("[::1]:143"), "[::1]|143")
        XCTAssertEqual(split("[::1]"), "[::1]|-")
        XCTAssertEqual(split("127.0.0.1:25"), "127.0.0.1|25")
        XCTAssertEqual(split("imap.example.org"), "imap.example.org|-")
        XCTAssertEqual(split("::1:25"), "::1|25")
        XCTAssertEqual(split("[::1:25"), "unterminatedBracket")
        XCTAssertEqual(split("[::1]x25"), "textAfterBracket")
    }
}
