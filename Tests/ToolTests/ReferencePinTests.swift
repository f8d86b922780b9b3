import Foundation
import TestSupport
import XCTest

/// `SSL_fingerprint` (a pin) with and without `SSL_verify`, on the reference and on ours side by
/// side, against fake-imapd behind TLS: with `SSL_verify = YES` (the default) a pin narrows what a
/// trusted certificate allows and never replaces the chain check; with `SSL_verify = NO` the pin
/// alone authenticates a self-signed certificate.
final class ReferencePinTests: XCTestCase {
    private var directory: URL!
    private var proxies: [RunningProcess] = []

    override func setUpWithError() throws {
        _ = try RequiredTool.require("/usr/bin/openssl")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pin-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        stopProxies()
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    private func shell(_ script: String) throws -> String {
        let run = try ToolRunner.run(executable: "/bin/sh", ["-c", script], directory: directory.path)
        guard run.status == 0 else { throw NSError(domain: "shell", code: Int(run.status), userInfo: [NSLocalizedDescriptionKey: "\(script): \(run.stderr)"]) }
        return run.stdout
    }

    /// A CA and a leaf for 127.0.0.1 it signs (`ca.pem`, `leaf.pem`/`leaf.key`), and a
    /// self-signed certificate for 127.0.0.1 (`self.pem`/`self.key`); returns the SPKI pins.
    private func makeCertificates() throws -> (leaf: String, selfSigned: String) {
        try shell("""
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=Pin Test CA' \
              -keyout ca.key -out ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > leaf.ext
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' -keyout leaf.key -out leaf.csr 2>/dev/null
            openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=localhost' \
              -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout self.key -out self.pem 2>/dev/null
            """)
        func pin(_ cert: String) throws -> String {
            let out = try shell("openssl x509 -in \(cert) -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256")
            return "sha256$" + (out.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (try pin("leaf.pem"), try pin("self.pem"))
    }

    private func stopProxies() {
        for proxy in proxies where proxy.isRunning { proxy.terminate(); proxy.waitUntilExit() }
        proxies = []
    }

    /// TLS in front of fake-imapd for each program, on the remote state file of its own copy:
    /// the port of each (`reference`, `ours`).
    private func startTLS(cert: String, key: String, fixture: SideBySide) throws -> [String: Int] {
        var ports: [String: Int] = [:]
        for who in ["reference", "ours"] {
            ports[who] = try startTLS(cert: cert, key: key, root: fixture.root.appendingPathComponent(who).path)
        }
        return ports
    }

    private func startTLS(cert: String, key: String, root: String) throws -> Int {
        let port = try TCPPort.free()
        let script = """
            import socket, ssl, subprocess, sys, threading
            port, cert, key, fake, root = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); context.load_cert_chain(cert, key)
            server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(('127.0.0.1', port)); server.listen(8)
            def serve(raw):
                try:
                    conn = context.wrap_socket(raw, server_side=True)
                except Exception:
                    raw.close(); return
                child = subprocess.Popen([fake, '--state', root + '/remote.json', '--delimiter', '.'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                def pump():
                    while True:
                        data = child.stdout.read1(65536)
                        if not data: break
                        conn.sendall(data)
                    conn.close()
                threading.Thread(target=pump, daemon=True).start()
                try:
                    while True:
                        data = conn.recv(65536)
                        if not data: break
                        child.stdin.write(data); child.stdin.flush()
                except Exception:
                    pass
                child.stdin.close(); child.wait()
            while True:
                raw, _ = server.accept()
                threading.Thread(target=serve, args=(raw,), daemon=True).start()
            """
        let process = try RunningProcess("python3", ["-c", script, String(port), cert, key,
                                                     ToolRunner.productsDirectory.appendingPathComponent("fake-imapd").path, root],
                                         stdout: .null, stderr: .null)
        proxies.append(process)
        XCTAssertTrue(TCPPort.waitForListener(port: port))
        return port
    }

    private func fixture() throws -> SideBySide {
        try SideBySide { local, _ in _ = try local.append(to: "INBOX", "From: a@example.org\r\nSubject: one\r\n\r\none\r\n") }
    }

    private func reconfigure(_ fixture: SideBySide, ports: [String: Int], _ lines: String) throws {
        try fixture.reconfigure(remoteFor: { who in "type = imaps\nhost = 127.0.0.1\nport = \(ports[who] ?? 0)\n\(lines)\n" })
    }

    func testAPinNeverReplacesTheChainCheckAndAloneAuthenticatesWithVerifyOff() throws {
        let pins = try makeCertificates()
        let fixture = try fixture()
        let ca = directory.appendingPathComponent("ca.pem").path

        // A self-signed certificate, pinned, SSL_verify = YES: both refuse the handshake.
        var port = try startTLS(cert: directory.appendingPathComponent("self.pem").path,
                                key: directory.appendingPathComponent("self.key").path, fixture: fixture)
        try reconfigure(fixture, ports: port, "SSL_fingerprint = \(pins.selfSigned)")
        var (reference, ours) = try fixture.run([], timeout: 20)
        XCTAssertNotEqual(reference.status, 0, reference.stderr)
        XCTAssertNotEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(reference.lines.last?.hasPrefix("remote: ERROR: ") ?? false, reference.stderr)
        XCTAssertTrue(ours.lines.last?.hasPrefix("remote: ERROR: TLS: ") ?? false, ours.stderr)
        XCTAssertEqual(ours.remoteMailboxes, reference.remoteMailboxes)

        // The same pin with SSL_verify = NO: both connect and synchronize.
        try reconfigure(fixture, ports: port, "SSL_fingerprint = \(pins.selfSigned)\nSSL_verify = NO")
        (reference, ours) = try fixture.run([], timeout: 20)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertEqual(ours.lines.filter { !$0.hasPrefix("Creating new schema") }, reference.lines.filter { !$0.hasPrefix("Creating new schema") })

        // SSL_verify = NO and a pin that does not match: both refuse.
        try reconfigure(fixture, ports: port, "SSL_fingerprint = \(pins.leaf)\nSSL_verify = NO")
        (reference, ours) = try fixture.run([], timeout: 20)
        XCTAssertNotEqual(reference.status, 0, reference.stderr)
        XCTAssertNotEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(ours.lines.last?.contains("SPKI fingerprint mismatch") ?? false, ours.stderr)

        // A certificate the CA signs, trusted and pinned: both connect.
        stopProxies()
        port = try startTLS(cert: directory.appendingPathComponent("leaf.pem").path,
                            key: directory.appendingPathComponent("leaf.key").path, fixture: fixture)
        try reconfigure(fixture, ports: port, "SSL_CAfile = \(ca)\nSSL_fingerprint = \(pins.leaf)")
        (reference, ours) = try fixture.run([], timeout: 20)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertEqual(ours.status, 0, ours.stderr)
        // Trusted, but another pin: both refuse.
        try reconfigure(fixture, ports: port, "SSL_CAfile = \(ca)\nSSL_fingerprint = \(pins.selfSigned)")
        (reference, ours) = try fixture.run([], timeout: 20)
        XCTAssertNotEqual(reference.status, 0, reference.stderr)
        XCTAssertNotEqual(ours.status, 0, ours.stderr)
    }
}
