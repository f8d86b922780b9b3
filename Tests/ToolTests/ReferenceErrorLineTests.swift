import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// Error lines name their server, as the reference's do (`remote: ERROR: ...`): authentication,
/// connection, TLS, SOCKS, STARTTLS and LIST failures, run on the reference and on ours side by
/// side. Where the words after `ERROR:` differ, the README lists it ("Differences from the original").
final class ReferenceErrorLineTests: XCTestCase {
    private var listener: RunningProcess?

    override func tearDown() {
        if let listener, listener.isRunning { listener.terminate(); listener.waitUntilExit() }
    }

    private func fixture() throws -> SideBySide {
        try SideBySide { local, _ in _ = try local.append(to: "INBOX", "From: a@example.org\r\nSubject: one\r\n\r\none\r\n") }
    }

    /// Our lines without the one that says the database was created: ours creates (and locks) it
    /// before connecting, the reference after logging in (a difference the README lists).
    private func errorLines(_ outcome: SideBySide.Outcome) -> [String] {
        outcome.lines.filter { !$0.hasPrefix("Creating new schema in database file") }
    }

    /// A fake-imapd serving TCP on a free loopback port (plain IMAP, PREAUTH, no STARTTLS).
    private func tcpServer() throws -> Int {
        let port = try TCPPort.free()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString.prefix(8)).json")
        listener = try RunningProcess(ToolRunner.productsDirectory.appendingPathComponent("fake-imapd").path,
                                      ["--listen", "127.0.0.1:\(port)", "--state", state.path], stdout: .null, stderr: .null)
        XCTAssertTrue(TCPPort.waitForListener(port: port), "fake-imapd listens on \(port)")
        return port
    }

    func testAuthenticationFailureNamesTheServer() throws {
        let fixture = try fixture()
        try fixture.reconfigure(local: "type = tunnel\ncommand = FAKE --state DIR/local.json --password secret\nusername = fake\npassword = wrong\n")
        let (reference, ours) = try fixture.run([])
        XCTAssertEqual(reference.lines, ["local: ERROR: NO [AUTHENTICATIONFAILED] Authentication failed."], reference.stderr)
        XCTAssertEqual(errorLines(ours), reference.lines, ours.stderr)
        XCTAssertEqual(ours.status, 77)
    }

    func testConnectionRefusedNamesTheServer() throws {
        let fixture = try fixture()
        let port = try TCPPort.free()
        try fixture.reconfigure(remote: "type = imap\nhost = 127.0.0.1\nport = \(port)\nSTARTTLS = NO\n")
        let (reference, ours) = try fixture.run([])
        XCTAssertEqual(reference.lines, ["remote: ERROR: Can't connect to 127.0.0.1:\(port)"], reference.stderr)
        XCTAssertEqual(errorLines(ours), ["remote: ERROR: connect(127.0.0.1:\(port)): Connection refused"], ours.stderr)
        XCTAssertEqual(ours.status, 75, "worth retrying as it is")
    }

    func testTLSStartTLSAndSOCKSFailuresNameTheServer() throws {
        let port = try tcpServer()
        let cases: [(section: String, reference: String, ours: String)] = [
            ("type = imaps\nhost = 127.0.0.1\nport = \(port)\n",
             "remote: ERROR: Can't initiate TLS/SSL handshake", "remote: ERROR: TLS: handshake with '127.0.0.1' failed: "),
            ("type = imap\nhost = 127.0.0.1\nport = \(port)\n",
             "remote: ERROR: PREAUTH greeting on plaintext connection? MiTM in action? Aborting, set \"STARTTLS = NO\" to ignore.",
             "remote: ERROR: PREAUTH greeting on plaintext connection? MiTM in action? Aborting, set \"STARTTLS = NO\" to ignore."),
            ("type = imap\nhost = 127.0.0.1\nport = \(port)\nSTARTTLS = NO\nproxy = socks5h://127.0.0.1:\(port)\n",
             "remote: SOCKSv5 ERROR: Invalid protocol", "remote: ERROR: SOCKS5 proxy: 127.0.0.1:\(port): "),
        ]
        for c in cases {
            let fixture = try fixture()
            try fixture.reconfigure(remote: c.section)
            let (reference, ours) = try fixture.run([], timeout: 20)
            XCTAssertEqual(reference.lines.first, c.reference, reference.stderr)
            XCTAssertEqual(errorLines(ours).count, 1, ours.stderr)
            XCTAssertTrue(errorLines(ours).first?.hasPrefix(c.ours) ?? false, "\(c.ours) in\n\(ours.stderr)")
            XCTAssertNotEqual(ours.status, 0)
        }
    }

    func testListFailureNamesTheServerAsTheReferenceDoes() throws {
        let fixture = try fixture()
        try fixture.reconfigure(remote: "type = tunnel\ncommand = FAKE --state DIR/remote.json --delimiter .\nlist-reference = nonexistent&\n")
        let (reference, ours) = try fixture.run([])
        XCTAssertEqual(reference.lines, ["remote: ERROR: NO Mailbox name is not valid mUTF-7"], reference.stderr)
        XCTAssertEqual(errorLines(ours), reference.lines, ours.stderr)
    }
}
