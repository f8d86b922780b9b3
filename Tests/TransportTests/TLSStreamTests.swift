import Foundation
import XCTest
@testable import Engine

final class TLSStreamTests: XCTestCase {
    var pki: TestPKI!
    var servers: [ReversingTLSServer] = []

    override func setUpWithError() throws {
        _ = try requireTool("openssl")
        pki = try TestPKI.shared()
    }

    override func tearDown() {
        servers.forEach { $0.stop() }
        servers = []
    }

    override class func tearDown() {
        TestPKI.removeShared()
    }

    private func server(_ cert: (cert: String, key: String)? = nil, _ extra: [String] = []) throws -> UInt16 {
        let server = try ReversingTLSServer(cert: cert ?? pki.leaf, extra: extra,
                                            log: pki.directory.file("s_server-\(UUID().uuidString).log"))
        servers.append(server)
        return server.port
    }

    private func connect(_ port: UInt16, host: String = "localhost", _ configuration: TLSConfiguration) throws -> TLSStream {
        let socket = try SocketStream.connect(host: "127.0.0.1", port: port)
        return try withTimeout(10) { try TLSStream.handshake(over: socket, host: host, configuration: configuration) }
    }

    private func assertEcho(_ stream: TLSStream, file: StaticString = #filePath, line: UInt = #line) throws {
        try stream.write(bytes("a1 CAPABILITY\n"))
        XCTAssertEqual(try withTimeout(10) { try readUntil(stream, "\n") }, "YTILIBAPAC 1a\n", file: file, line: line)
    }

    private func assertRefused(_ port: UInt16, host: String = "localhost", _ configuration: TLSConfiguration,
                               file: StaticString = #filePath, line: UInt = #line,
                               _ check: (String) -> Void) {
        XCTAssertThrowsError(try connect(port, host: host, configuration), file: file, line: line) { error in
            guard case .tls = error as? TransportError else {
                return XCTFail("not a TLS error: \(error)", file: file, line: line)
            }
            check("\(error)")
        }
    }

    // MARK: Verification

    func testVerifiesWithCAfile() throws {
        let port = try server()
        let stream = try connect(port, TLSConfiguration(caFile: pki.caFile))
        try assertEcho(stream)
        XCTAssertEqual(stream.protocolVersion, "TLSv1.3")
        XCTAssertFalse(stream.cipher.isEmpty)
        XCTAssertGreaterThanOrEqual(stream.session.cipherBits, 128)
        XCTAssertEqual(stream.peerSPKIFingerprint?.description, "sha256$" + pki.leafSPKI)
        XCTAssertEqual(stream.session.peerSubject, "/CN=localhost")
        // What `pullimap --serverinfo` shows of the certificate.
        XCTAssertEqual(stream.session.peerIssuer, "/CN=Transport Test CA")
        let date = #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$"#
        for value in [stream.session.peerNotBefore, stream.session.peerNotAfter] {
            XCTAssertNotNil(value?.range(of: date, options: .regularExpression), value ?? "nil")
        }
        XCTAssertLessThan(stream.session.peerNotBefore ?? "", stream.session.peerNotAfter ?? "", "-days 2")
        stream.close()
    }

    func testVerifiesWithCApath() throws {
        let port = try server()
        let stream = try connect(port, TLSConfiguration(caPath: pki.caPath))
        try assertEcho(stream)
        stream.close()
    }

    func testVerifiesIPLiteralAgainstIPAddressSAN() throws {
        let port = try server()
        let stream = try connect(port, host: "[127.0.0.1]", TLSConfiguration(caFile: pki.caFile))
        try assertEcho(stream)
        stream.close()
        assertRefused(port, host: "[127.0.0.2]", TLSConfiguration(caFile: pki.caFile)) {
            XCTAssertEqual($0, "TLS: the server certificate (subject /CN=localhost) does not match '127.0.0.2': IP address mismatch")
        }
    }

    func testWrongHostnameIsRefused() throws {
        let port = try server()
        assertRefused(port, host: "imap.example.org", TLSConfiguration(caFile: pki.caFile)) {
            XCTAssertEqual($0, "TLS: the server certificate (subject /CN=localhost) does not match 'imap.example.org': hostname mismatch")
        }
    }

    func testUntrustedCAIsRefused() throws {
        let port = try server(pki.untrustedLeaf)
        assertRefused(port, TLSConfiguration(caFile: pki.caFile)) {
            XCTAssertTrue($0.contains("certificate verification failed for 'localhost': unable to get local issuer certificate"), $0)
        }
        // The system's default CAs do not know the test CA either.
        assertRefused(port, TLSConfiguration()) {
            XCTAssertTrue($0.contains("certificate verification failed"), $0)
        }
    }

    func testVerifyNoAcceptsUntrustedCertificate() throws {
        let port = try server(pki.untrustedLeaf)
        let stream = try connect(port, host: "imap.example.org", TLSConfiguration(verify: false))
        try assertEcho(stream)
        XCTAssertEqual(stream.peerSPKIFingerprint?.hex, pki.untrustedLeafSPKI)
        stream.close()
    }

    func testMissingCAfileIsAConfigurationError() throws {
        let port = try server()
        XCTAssertThrowsError(try connect(port, TLSConfiguration(caFile: "/nonexistent/ca.pem"))) { error in
            guard case .configuration(let message) = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("SSL_CAfile '/nonexistent/ca.pem': "), message)
        }
        XCTAssertThrowsError(try connect(port, TLSConfiguration(caPath: "/nonexistent"))) { error in
            XCTAssertEqual("\(error)", "SSL_CApath '/nonexistent': no such directory")
        }
    }

    // MARK: Pinning

    func testMatchingPinWithoutVerificationAcceptsAnUntrustedCertificate() throws {
        // How a self-signed certificate is pinned: SSL_verify = NO and its fingerprint.
        let port = try server(pki.untrustedLeaf)
        // Upper case, colons, explicit algorithm, among other pins: all tolerated.
        let hex = pki.untrustedLeafSPKI.uppercased()
        var colonized = ""
        for (i, c) in hex.enumerated() { colonized += (i > 0 && i % 2 == 0 ? ":" : "") + String(c) }
        let pins = try SPKIFingerprint.parseList("sha256$\(String(repeating: "00", count: 32)) SHA256$\(colonized)")
        let stream = try connect(port, TLSConfiguration(verify: false, caFile: pki.caFile, fingerprints: pins))
        try assertEcho(stream)
        stream.close()
        // Another algorithm.
        let sha1 = try connect(port, TLSConfiguration(verify: false, fingerprints: [SPKIFingerprint(parsing: "sha1$" + pki.untrustedLeafSPKISHA1)]))
        try assertEcho(sha1)
        sha1.close()
    }

    func testWithVerificationAMatchingPinDoesNotReplaceTheChain() throws {
        // SSL_verify = YES (the default) and a pin: both must hold, as with the reference.
        let port = try server(pki.untrustedLeaf)
        let pin = try SPKIFingerprint(parsing: "sha256$" + pki.untrustedLeafSPKI)
        assertRefused(port, TLSConfiguration(caFile: pki.caFile, fingerprints: [pin])) {
            XCTAssertTrue($0.contains("certificate verification failed for 'localhost'"), $0)
        }
        // A trusted chain naming the host, and the matching pin: accepted.
        let trusted = try server()
        let stream = try connect(trusted, TLSConfiguration(caFile: pki.caFile, fingerprints: [try SPKIFingerprint(parsing: "sha256$" + pki.leafSPKI)]))
        try assertEcho(stream)
        stream.close()
    }

    func testPinMismatchIsRefusedEvenWithValidChain() throws {
        let port = try server()
        let wrong = String(repeating: "ab", count: 32)
        assertRefused(port, TLSConfiguration(caFile: pki.caFile, fingerprints: [try SPKIFingerprint(parsing: wrong)])) {
            XCTAssertEqual($0, "TLS: SPKI fingerprint mismatch for 'localhost': the server's is sha256$\(pki.leafSPKI), SSL_fingerprint allows sha256$\(wrong)")
        }
    }

    func testFingerprintParsing() throws {
        let pin = try SPKIFingerprint(parsing: "AB:cd" + String(repeating: "0", count: 60))
        XCTAssertEqual(pin.algorithm, "sha256")
        XCTAssertEqual(pin.digest.prefix(2), [0xab, 0xcd])
        XCTAssertEqual(try SPKIFingerprint(parsing: "sha512$" + String(repeating: "f", count: 128)).digest.count, 64)
        XCTAssertThrowsError(try SPKIFingerprint(parsing: "abcd")) {
            XCTAssertEqual("\($0)", "SSL_fingerprint: 'abcd': sha256 digests have 64 hex digits, not 4")
        }
        XCTAssertThrowsError(try SPKIFingerprint(parsing: "nodigest$abcd")) {
            XCTAssertEqual("\($0)", "SSL_fingerprint: 'nodigest$abcd': unknown digest algorithm 'nodigest'")
        }
        XCTAssertThrowsError(try SPKIFingerprint(parsing: "sha256$" + String(repeating: "zz", count: 32)))
        XCTAssertEqual(try SPKIFingerprint.parseList("").count, 0)
    }

    // MARK: Protocols and ciphers

    func testProtocolMinAboveServerMaxIsRefused() throws {
        let port = try server(nil, ["-tls1_2"])
        assertRefused(port, TLSConfiguration(caFile: pki.caFile, protocolMin: .tlsv1_3)) {
            XCTAssertTrue($0.contains("protocol version"), $0)
        }
        let stream = try connect(port, TLSConfiguration(caFile: pki.caFile, protocolMin: .tlsv1_2))
        XCTAssertEqual(stream.protocolVersion, "TLSv1.2")
        stream.close()
    }

    func testProtocolMaxAndDeprecatedProtocolList() throws {
        let port = try server()
        let capped = try connect(port, TLSConfiguration(caFile: pki.caFile, protocolMax: .tlsv1_2))
        XCTAssertEqual(capped.protocolVersion, "TLSv1.2")
        try assertEcho(capped)
        capped.close()
        let deprecated = try connect(port, TLSConfiguration(caFile: pki.caFile, protocols: try TLSProtocolSelection(parsing: "!SSLv2 !SSLv3 !TLSv1.3")))
        XCTAssertEqual(deprecated.protocolVersion, "TLSv1.2")
        deprecated.close()
    }

    func testProtocolParsing() throws {
        XCTAssertEqual(try TLSProtocolVersion(parsing: "TLSv1.2"), .tlsv1_2)
        XCTAssertThrowsError(try TLSProtocolVersion(parsing: "TLSv9", option: "SSL_protocol_max")) {
            XCTAssertEqual("\($0)", "SSL_protocol_max: unknown protocol version 'TLSv9' (known: SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)")
        }
        XCTAssertEqual(try TLSProtocolSelection(parsing: "!SSLv2 !SSLv3").disabled, [.sslv3])
        XCTAssertEqual(try TLSProtocolSelection(parsing: "TLSv1.2 TLSv1.3").disabled, [.sslv3, .tlsv1, .tlsv1_1])
        XCTAssertEqual(try TLSProtocolSelection(parsing: "TLSv1.2 TLSv1.3 !TLSv1.3").disabled, [.sslv3, .tlsv1, .tlsv1_1, .tlsv1_3])
        XCTAssertThrowsError(try TLSProtocolSelection(parsing: "!SSLv3 TLSv2")) {
            XCTAssertTrue("\($0)".contains("'TLSv2'"), "\($0)")
        }
    }

    func testCipherListAndSuites() throws {
        let tls12 = try server(nil, ["-tls1_2"])
        let stream = try connect(tls12, TLSConfiguration(caFile: pki.caFile, cipherList: "ECDHE-ECDSA-AES128-GCM-SHA256"))
        XCTAssertEqual(stream.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256")
        stream.close()
        let tls13 = try server()
        let suite = try connect(tls13, TLSConfiguration(caFile: pki.caFile, cipherSuites: "TLS_CHACHA20_POLY1305_SHA256"))
        XCTAssertEqual(suite.cipher, "TLS_CHACHA20_POLY1305_SHA256")
        try assertEcho(suite)
        suite.close()
        XCTAssertThrowsError(try connect(tls13, TLSConfiguration(caFile: pki.caFile, cipherList: "NO-SUCH-CIPHER"))) {
            XCTAssertTrue("\($0)".hasPrefix("SSL_cipherlist 'NO-SUCH-CIPHER': "), "\($0)")
        }
    }

    // MARK: SNI

    func testServerNameIndication() throws {
        let port = try server(nil, ["-servername", "sni.example", "-cert2", pki.sniLeaf.cert, "-key2", pki.sniLeaf.key])
        // SNI from the host name: the server picks the sni.example certificate, which verifies.
        let byHost = try connect(port, host: "sni.example", TLSConfiguration(caFile: pki.caFile))
        XCTAssertEqual(byHost.peerSPKIFingerprint?.hex, pki.sniLeafSPKI)
        try assertEcho(byHost)
        byHost.close()
        // Explicit SSL_hostname overrides an IP literal host.
        let explicit = try connect(port, host: "[127.0.0.1]", TLSConfiguration(verify: false, serverName: "sni.example"))
        XCTAssertEqual(explicit.peerSPKIFingerprint?.hex, pki.sniLeafSPKI)
        explicit.close()
        // An IP literal sends no SNI; an empty SSL_hostname disables it: default certificate.
        let literal = try connect(port, host: "[127.0.0.1]", TLSConfiguration(caFile: pki.caFile))
        XCTAssertEqual(literal.peerSPKIFingerprint?.hex, pki.leafSPKI)
        literal.close()
        let disabled = try connect(port, host: "sni.example", TLSConfiguration(verify: false, serverName: ""))
        XCTAssertEqual(disabled.peerSPKIFingerprint?.hex, pki.leafSPKI)
        disabled.close()
    }

    // MARK: Streaming

    func testReaderBlockedWhileAnotherThreadWrites() throws {
        let port = try server()
        let stream = try connect(port, TLSConfiguration(caFile: pki.caFile))
        let lines = 3000
        let line = String(repeating: "x", count: 90)
        // The reader blocks first; the writer then sends more than the socket buffers hold in
        // both directions, which only completes if reading goes on while writing.
        let reader = Background { () -> Int in
            var count = 0
            var pending = ""
            while count < lines {
                let chunk = try stream.read(maxLength: 16384)
                if chunk.isEmpty { break }
                pending += String(decoding: chunk, as: UTF8.self)
                while let newline = pending.firstIndex(of: "\n") {
                    let received = pending[..<newline]
                    if received != String(repeating: "x", count: 89) + "y" { throw TransportError.tls("bad line \(received)") }
                    count += 1
                    pending = String(pending[pending.index(after: newline)...])
                }
            }
            return count
        }
        usleep(50_000)
        try withTimeout(30) {
            for _ in 0..<lines / 100 {
                try stream.write(bytes(String(repeating: "y" + line.dropFirst() + "\n", count: 100)))
            }
        }
        XCTAssertEqual(try reader.wait(30), lines)
        let pending = Background { try stream.read(maxLength: 10) }
        usleep(50_000)
        stream.close()
        XCTAssertEqual(try pending.wait(5), [])
        XCTAssertThrowsError(try stream.write(bytes("x\n"))) { XCTAssertEqual($0 as? TransportError, .closed) }
    }

    func testShutdownWriteSendsCloseNotifyAndReadingContinues() throws {
        let port = try server()
        let stream = try connect(port, TLSConfiguration(caFile: pki.caFile))
        try stream.write(bytes("a1 LOGOUT\n"))
        XCTAssertEqual(try withTimeout(10) { try readUntil(stream, "\n") }, "TUOGOL 1a\n")
        stream.shutdownWrite()
        XCTAssertEqual(try withTimeout(10) { try readToEnd(stream) }, [])
        stream.close()
    }

    func testImapsThroughConnectorCountsWireBytes() throws {
        let port = try server()
        let traffic = TrafficCounter()
        // "localhost" may resolve to ::1 first, where nothing listens: the next address is tried.
        let options = TransportEndpoint(type: .imaps, host: "localhost", port: port, tls: TLSConfiguration(caFile: pki.caFile))
        let stream = try withTimeout(10) { try Connector.open(options, traffic: traffic) }
        guard let tls = stream as? TLSStream else { return XCTFail("imaps gives a TLSStream") }
        let afterHandshake = (traffic.bytesReceived, traffic.bytesSent)
        XCTAssertGreaterThan(afterHandshake.0, 300)  // the server's certificate went through
        XCTAssertGreaterThan(afterHandshake.1, 100)
        try assertEcho(tls)
        // 14 bytes each way, plus record overhead.
        XCTAssertGreaterThan(traffic.bytesSent, afterHandshake.1 + 14)
        XCTAssertGreaterThan(traffic.bytesReceived, afterHandshake.0 + 14)
        tls.close()
    }

    func testStartTLSOverAnEstablishedStream() throws {
        // STARTTLS: the handshake runs over whatever stream the session already has.
        let port = try server()
        let plain = try Connector.open(TransportEndpoint(type: .imap, host: "[127.0.0.1]", port: port))
        let configuration = TLSConfiguration(caFile: pki.caFile)
        let tls = try withTimeout(10) {
            try TLSStream.handshake(over: plain, host: "localhost", configuration: configuration)
        }
        try assertEcho(tls)
        tls.close()
    }

    func testKeyUpdateRequestedByServerIsAnsweredWhileOnlyReading() throws {
        // TLS 1.3 §4.6.3: a KeyUpdate with update_requested must be answered by one of ours.
        // That reply is ciphertext produced inside SSL_read: it must reach the server although
        // this side only reads. s_server's console (its stdin, driven through a tunnel) sends
        // the request on the line "K"; -msg logs every handshake message it receives.
        let openssl = try requireTool("openssl")
        let console = try TunnelStream.spawn(
            command: "exec '\(openssl)' s_server -accept 127.0.0.1:0 -cert '\(pki.leaf.cert)' -key '\(pki.leaf.key)' -msg -naccept 1 2>&1",
            terminationGracePeriod: 1)
        defer { console.close() }
        let log = LogCollector(console)
        let portText = try log.waitFor("ACCEPT 127\\.0\\.0\\.1:([0-9]+)")
        let stream = try connect(try XCTUnwrap(UInt16(portText)), TLSConfiguration(caFile: pki.caFile))
        XCTAssertEqual(stream.protocolVersion, "TLSv1.3")
        let reader = Background { try readUntil(stream, "world\n") }
        try stream.write(bytes("hello\n"))
        _ = try log.waitFor("(hello)")
        try console.write(bytes("K\n"))
        // Our KeyUpdate reaches the server with no write from this side.
        _ = try log.waitFor("<<< TLS 1.3, Handshake \\[length 0005\\], (KeyUpdate)")
        try console.write(bytes("world\n"))
        XCTAssertEqual(try reader.wait(10), "world\n")
        // Both sides now use the new keys.
        try stream.write(bytes("again\n"))
        _ = try log.waitFor("(again)")
        XCTAssertEqual(log.occurrences(of: "<<< TLS 1.3, Handshake [length 0005], KeyUpdate"), 1)
        stream.close()
    }
}

/// Collects a stream's output on a background thread so that tests can wait for a line.
final class LogCollector: @unchecked Sendable {
    /// Protects `text`.
    private let condition = NSCondition()
    private var text = ""

    init(_ stream: ByteStream) {
        Thread { [self] in
            while let chunk = try? stream.read(maxLength: 4096), !chunk.isEmpty {
                condition.lock()
                text += String(decoding: chunk, as: UTF8.self)
                condition.broadcast()
                condition.unlock()
            }
        }.start()
    }

    func occurrences(of needle: String) -> Int {
        condition.lock(); defer { condition.unlock() }
        return text.components(separatedBy: needle).count - 1
    }

    /// Waits until `pattern` (with one capture group) matches the output; returns the capture.
    func waitFor(_ pattern: String, timeout: Double = 10) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        while true {
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
               let range = Range(match.range(at: 1), in: text) {
                return String(text[range])
            }
            guard condition.wait(until: deadline) else {
                throw TransportError.tls("'\(pattern)' never appeared in: \(text)")
            }
        }
    }
}
