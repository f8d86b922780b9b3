import Engine
@testable import FakeIMAPServer
import Foundation
import TestSupport
import XCTest

/// fake-imapd's state file: round trip, atomic save after each change, sharing between
/// processes, and the executable on stdio and TCP.
final class StateFileTests: FakeServerTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-state-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    func testRoundTripKeepsEverything() throws {
        let s = FakeIMAPStore(delimiter: ".", firstUIDValidity: 77)
        try s.createMailbox("a.b")
        try s.append(to: "a.b", message("x"), flags: [.seen, Flag("$Junk")], internalDate: Date(timeIntervalSince1970: 1_700_000_000), timeZoneOffset: -3600)
        try s.append(to: "a.b", message("y"))
        try s.expunge(in: "a.b", uids: SequenceSet([1]))
        try s.setNoModSeq("INBOX", true)
        s.subscribe("a.b")
        let path = dir.appendingPathComponent("s.json").path
        try FakeIMAPStateFile(path: path).save(s)
        let loaded = try FakeIMAPStateFile(path: path).loadStore()
        XCTAssertEqual(loaded.mailboxes, s.mailboxes)
        XCTAssertEqual(loaded.subscriptions, ["a.b"])
        XCTAssertEqual(loaded.delimiter, ".")
        XCTAssertEqual(loaded.mailbox("a.b")?.expunged, [ExpungedUID(uid: 1, modSeq: 4)])
        // A mailbox created after loading gets a fresh UIDVALIDITY.
        XCTAssertEqual(try loaded.createMailbox("c").uidValidity, 79)
        try "{\"format\":\"other\"}".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FakeIMAPStateFile(path: path).loadStore())
    }

    func testServerSavesAfterEveryChangeAndReloadsChangesOfOthers() throws {
        let path = dir.appendingPathComponent("s.json").path
        let file = FakeIMAPStateFile(path: path, firstUIDValidity: 5)
        let s = try FakeIMAPServer(stateFile: file)
        let c = try connect(s)
        try c.command([.text("APPEND INBOX "), .literalPlus(message("a"))])
        // Saved already, before LOGOUT: a killed client loses nothing.
        XCTAssertEqual(try FakeIMAPStateFile(path: path).loadStore().mailbox("INBOX")?.messages.count, 1)
        // Another process changes the file: the server sees it at its next command.
        let other = FakeIMAPStateFile(path: path)
        try other.withLock {
            let st = try other.loadStore()
            try st.createMailbox("fromOther")
            try other.save(st)
        }
        XCTAssertTrue(try c.command("LIST \"\" *").untagged.contains { $0.text.hasSuffix(" fromOther") })
    }

    func testFakeIMAPDOnStdioAndTwoProcessesSharingAState() throws {
        let exe = try RequiredTool.product("fake-imapd")
        let path = dir.appendingPathComponent("s.json").path
        func run(_ input: String, _ args: [String] = []) throws -> String {
            try RunningProcess.run(exe, ["--state", path] + args, stdin: .bytes(Array(input.utf8))).stdout
        }
        let out = try run("a CREATE x.y\r\nb APPEND x.y {5+}\r\nhello\r\nc LIST \"\" *\r\n", ["--delimiter", "."])
        XCTAssertTrue(out.contains("* LIST (\\HasNoChildren) \".\" x.y"), out)
        XCTAssertTrue(out.contains("b OK [APPENDUID "), out)
        // No LOGOUT, killed by end of input: the state survives.
        let out2 = try run("a STATUS x.y (MESSAGES)\r\nz LOGOUT\r\n")
        XCTAssertTrue(out2.contains("* STATUS x.y (MESSAGES 1)"), out2)
        let login = try run("a LOGIN u p\r\nb LOGIN u secret\r\n", ["--user", "u", "--password", "secret"])
        XCTAssertTrue(login.hasPrefix("* OK [CAPABILITY "), login)
        XCTAssertTrue(login.contains("a NO [AUTHENTICATIONFAILED]"), login)
        XCTAssertTrue(login.contains("b OK [CAPABILITY"), login)
        // Faults from the command line: the drop ends the output after one FETCH response.
        let dropped = try run("a SELECT x.y\r\nb UID FETCH 1:* (UID)\r\nc NOOP\r\n", ["--drop-after", "UID FETCH:1", "--fail", "NOOP:BAD"])
        XCTAssertTrue(dropped.hasSuffix("* 1 FETCH (UID 1)\r\n"), dropped)
        let failed = try run("c NOOP\r\n", ["--fail", "NOOP:BAD"])
        XCTAssertTrue(failed.contains("c BAD Injected failure."), failed)
    }

    func testListenerServesTCP() throws {
        let listener = try FakeIMAPListener(server: server, host: "127.0.0.1", port: 0)
        listener.start()
        defer { listener.stop() }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = listener.port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(rc, 0)
        let c = IMAPTestClient(stream: FileDescriptorStream(readFD: fd, writeFD: fd))
        XCTAssertTrue(try c.readResponse().text.hasPrefix("* PREAUTH"))
        XCTAssertEqual(try c.command("LOGOUT").status, "OK")
        c.stream.close()
    }

    /// fake-imapd `--listen [::1]:PORT`: the brackets keep the IPv6 address's colons apart from
    /// the port's, and the server answers on the IPv6 loopback.
    func testListenerServesTheIPv6Loopback() throws {
        let listener = try FakeIMAPListener(server: server, address: "[::1]:0")
        listener.start()
        defer { listener.stop() }
        XCTAssertNotEqual(listener.port, 0)
        let stream = try SocketStream.connect(host: "[::1]", port: listener.port)
        let c = IMAPTestClient(stream: stream)
        XCTAssertTrue(try c.readResponse().text.hasPrefix("* PREAUTH"))
        XCTAssertEqual(try c.command("LOGOUT").status, "OK")
        c.stream.close()
        // Nothing answers on IPv4 there: the socket is bound to ::1 only.
        XCTAssertThrowsError(try SocketStream.connect(host: "127.0.0.1", port: listener.port).close())
        XCTAssertThrowsError(try FakeIMAPListener(server: server, address: "::1:0"))  // unbracketed
    }
}
