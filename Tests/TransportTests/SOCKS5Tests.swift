import Foundation
import TestSupport
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

final class SOCKS5Tests: XCTestCase {
    var echo: EchoServer!
    var proxies: [ServerProcess] = []
    var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        echo = try EchoServer()
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        proxies.forEach { $0.stop() }
        proxies = []
        echo?.stop()
        directory?.remove()
    }

    /// microsocks on a free loopback port, optionally requiring username/password.
    private func startProxy(user: String? = nil, password: String? = nil) throws -> UInt16 {
        let microsocks = try requireTool("microsocks")
        var lastError: Error?
        for _ in 0..<5 {
            let port = try unusedPort()
            var arguments = [microsocks, "-i", "127.0.0.1", "-p", String(port)]
            if let user, let password { arguments += ["-u", user, "-P", password] }
            let process = try ServerProcess(arguments, log: directory.file("microsocks-\(port).log"))
            do {
                guard TCPPort.waitForListener(port: Int(port), timeout: 5) else {
                    throw TransportError.system(call: "connect", target: "127.0.0.1:\(port)", message: "never listened")
                }
                proxies.append(process)
                return port
            } catch {
                process.stop()
                lastError = error
            }
        }
        throw lastError ?? TransportError.closed
    }

    private func assertEcho(_ stream: ByteStream, file: StaticString = #filePath, line: UInt = #line) throws {
        try stream.write(bytes("a1 NOOP\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(stream, "\r\n") }, "a1 NOOP\r\n", file: file, line: line)
    }

    func testSocks5ResolvesLocallyAndSocks5hRemotely() throws {
        let port = try startProxy()
        for url in ["socks5://127.0.0.1:\(port)", "socks5h://127.0.0.1:\(port)", "socks5h://[127.0.0.1]:\(port)/"] {
            let proxy = try SOCKS5Proxy(url: url)
            let echoPort = echo.port
            for host in ["localhost", "[127.0.0.1]", "127.0.0.1"] {
                let stream = try withTimeout(10) { try proxy.connect(to: host, port: echoPort) }
                try assertEcho(stream)
                stream.close()
            }
        }
    }

    func testUsernamePasswordAuthentication() throws {
        let port = try startProxy(user: "alice", password: "s3cr:t")
        let echoPort = echo.port
        let good = try SOCKS5Proxy(url: "socks5h://alice:s3cr%3At@127.0.0.1:\(port)")
        XCTAssertEqual(good.password, "s3cr:t")
        let stream = try withTimeout(10) { try good.connect(to: "localhost", port: echoPort) }
        try assertEcho(stream)
        stream.close()

        let bad = try SOCKS5Proxy(url: "socks5h://alice:wrong@127.0.0.1:\(port)")
        XCTAssertThrowsError(try withTimeout(10) { try bad.connect(to: "localhost", port: echoPort) }) { error in
            XCTAssertEqual("\(error)", "SOCKS5 proxy: 127.0.0.1:\(port): username/password authentication failed for user 'alice'")
        }
        let anonymous = try SOCKS5Proxy(url: "socks5h://127.0.0.1:\(port)")
        XCTAssertThrowsError(try withTimeout(10) { try anonymous.connect(to: "localhost", port: echoPort) }) { error in
            XCTAssertEqual("\(error)", "SOCKS5 proxy: 127.0.0.1:\(port): the proxy requires authentication (no acceptable method)")
        }
    }

    func testReplyCodesAreSpelledOut() throws {
        let port = try startProxy()
        let closed = try unusedPort()
        let proxy = try SOCKS5Proxy(url: "socks5h://127.0.0.1:\(port)")
        XCTAssertThrowsError(try withTimeout(10) { try proxy.connect(to: "[127.0.0.1]", port: closed) }) { error in
            XCTAssertEqual("\(error)", "SOCKS5 proxy: 127.0.0.1:\(port): cannot connect to 127.0.0.1:\(closed): connection refused by destination host")
        }
        XCTAssertEqual(SOCKS5Handshake.describeReply(2), "connection not allowed by ruleset")
        XCTAssertEqual(SOCKS5Handshake.describeReply(4), "host unreachable")
    }

    func testProxyNotListening() throws {
        let port = try unusedPort()
        let proxy = try SOCKS5Proxy(url: "socks5://127.0.0.1:\(port)")
        XCTAssertThrowsError(try proxy.connect(to: "localhost", port: echo.port)) { error in
            XCTAssertEqual("\(error)", "connect(127.0.0.1:\(port)): Connection refused")
        }
    }

    func testImapThroughConnectorWithProxyAndKeepAlive() throws {
        let port = try startProxy()
        let traffic = TrafficCounter()
        let options = TransportEndpoint(type: .imap, host: "localhost", port: echo.port,
                                        proxy: try SOCKS5Proxy(url: "socks5h://127.0.0.1:\(port)"), keepAlive: true)
        let stream = try withTimeout(10) { try Connector.open(options, traffic: traffic) }
        try assertEcho(stream)
        // Only the IMAP bytes count, not the proxy negotiation.
        XCTAssertEqual(traffic.bytesSent, 9)
        XCTAssertEqual(traffic.bytesReceived, 9)
        let socket = (stream as? CountingStream)?.underlying as? SocketStream
        XCTAssertEqual(socket?.isKeepAliveEnabled, true)
        stream.close()
    }

    func testProxyURLParsing() throws {
        let full = try SOCKS5Proxy(url: "socks5h://us%40er:p%40ss@[::1]:1081")
        XCTAssertEqual(full, SOCKS5Proxy(host: "[::1]", port: 1081, username: "us@er", password: "p@ss", resolvesTargetRemotely: true))
        XCTAssertEqual(full.description, "socks5h://us@er:***@[::1]:1081")
        let plain = try SOCKS5Proxy(url: "SOCKS5://proxy.example")
        XCTAssertEqual(plain, SOCKS5Proxy(host: "proxy.example", port: 1080, resolvesTargetRemotely: false))

        let bad: [(String, String)] = [
            ("proxy.example:1080", "proxy 'proxy.example:1080': expected socks5://[USER:PASSWORD@]HOST[:PORT] or socks5h://..."),
            ("http://proxy.example", "proxy 'http://proxy.example': unsupported protocol 'http' (only socks5 and socks5h)"),
            ("socks4://proxy.example", "proxy 'socks4://proxy.example': unsupported protocol 'socks4' (only socks5 and socks5h)"),
            ("socks5://", "proxy 'socks5://': missing host"),
            ("socks5://proxy.example:70000", "proxy 'socks5://proxy.example:70000': bad port '70000'"),
            ("socks5://proxy.example:", "proxy 'socks5://proxy.example:': bad port ''"),
            ("socks5://[::1:1080", "proxy 'socks5://[::1:1080': unterminated '[' in host"),
            ("socks5://[proxy]:1080", "proxy 'socks5://[proxy]:1080': '[proxy]' is not an IP literal"),
            ("socks5://::1:1080", "proxy 'socks5://::1:1080': IPv6 addresses must be written in brackets"),
            ("socks5://user@proxy", "proxy 'socks5://user@proxy': credentials must be USER:PASSWORD"),
            ("socks5://u:secret%zz@proxy", "proxy 'socks5://u:***@proxy': bad percent-encoding in the credentials"),
            ("socks5://proxy/path", "proxy 'socks5://proxy/path': unexpected path"),
        ]
        for (url, message) in bad {
            XCTAssertThrowsError(try SOCKS5Proxy(url: url), url) { error in
                XCTAssertEqual("\(error)", message)
                guard case .configuration = error as? TransportError else { return XCTFail("\(error)") }
            }
        }
    }

    /// Accepts one connection, plays the proxy side of RFC 1928/1929 by the book (method 0x02
    /// when `authenticate`), records every byte the client sent, and answers success.
    private func recordingProxy(authenticate: Bool) throws -> (port: UInt16, request: Background<[UInt8]>) {
        let (listener, port) = try listenSocket("127.0.0.1", port: 0)
        let request = Background { () -> [UInt8] in
            defer { Glibc.close(listener) }
            let fd = accept(listener, nil, nil)
            let client = SocketStream(adopting: fd, peer: "client")
            defer { client.close() }
            var seen: [UInt8] = []
            func take(_ n: Int) throws -> [UInt8] {
                let got = try readExactly(client, n)
                seen += got
                return got
            }
            let greeting = try take(2)
            _ = try take(Int(greeting[1]))
            if authenticate {
                try client.write([0x05, 0x02])
                _ = try take(1)
                let userLength = try take(1)[0]
                _ = try take(Int(userLength))
                let passwordLength = try take(1)[0]
                _ = try take(Int(passwordLength))
                try client.write([0x01, 0x00])
            } else {
                try client.write([0x05, 0x00])
            }
            let head = try take(4)
            switch head[3] {
            case 0x01: _ = try take(4)
            case 0x04: _ = try take(16)
            default: _ = try take(Int(try take(1)[0]))
            }
            _ = try take(2)
            // A reply with a domain-name BND.ADDR, to exercise that reply layout too.
            try client.write([0x05, 0x00, 0x00, 0x03, 0x04] + bytes("bind") + [0x12, 0x34])
            return seen
        }
        return (port, request)
    }

    func testRequestBytesOnTheWire() throws {
        // socks5h: the name goes to the proxy (ATYP 3), with RFC 1929 credentials.
        let remote = try recordingProxy(authenticate: true)
        let viaName = try SOCKS5Proxy(url: "socks5h://bob:pw@127.0.0.1:\(remote.port)")
        try withTimeout(10) { try viaName.connect(to: "imap.example.org", port: 993).close() }
        XCTAssertEqual(try remote.request.wait(10),
                       [0x05, 0x02, 0x00, 0x02]                                   // methods: none, user/pass
                       + [0x01, 0x03] + bytes("bob") + [0x02] + bytes("pw")         // RFC 1929
                       + [0x05, 0x01, 0x00, 0x03, 16] + bytes("imap.example.org")  // CONNECT, domain
                       + [0x03, 0xE1])                                              // port 993

        // socks5: the name is resolved here and an address goes to the proxy.
        let local = try recordingProxy(authenticate: false)
        let viaAddress = try SOCKS5Proxy(url: "socks5://127.0.0.1:\(local.port)")
        try withTimeout(10) { try viaAddress.connect(to: "localhost", port: 143).close() }
        let sent = try local.request.wait(10)
        XCTAssertEqual(Array(sent.prefix(6)), [0x05, 0x01, 0x00, 0x05, 0x01, 0x00])
        XCTAssertTrue(sent[6] == 0x01 && sent.count == 13 && Array(sent[7..<11]) == [127, 0, 0, 1]
                      || sent[6] == 0x04 && sent.count == 25 && Array(sent[7..<23]) == Array(repeating: 0, count: 15) + [1],
                      "\(sent)")
        XCTAssertEqual(Array(sent.suffix(2)), [0x00, 143])

        // An IPv6 literal target is sent as such in both flavours.
        let literal = try recordingProxy(authenticate: false)
        let viaLiteral = try SOCKS5Proxy(url: "socks5h://127.0.0.1:\(literal.port)")
        try withTimeout(10) { try viaLiteral.connect(to: "[2001:db8::1]", port: 143).close() }
        XCTAssertEqual(Array(try literal.request.wait(10).dropFirst(3)),
                       [0x05, 0x01, 0x00, 0x04, 0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1, 0x00, 143])
    }
}
