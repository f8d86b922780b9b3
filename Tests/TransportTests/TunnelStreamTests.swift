import Foundation
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

final class TunnelStreamTests: XCTestCase {
    /// The process is gone for good: not running, not a zombie, not our child any more.
    private func assertReaped(_ pid: pid_t, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(kill(pid, 0), -1, "process \(pid) still exists", file: file, line: line)
        XCTAssertEqual(errno, ESRCH, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)"), file: file, line: line)
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, WNOHANG), -1, file: file, line: line)
    }

    func testCommandArgumentsWordSplittingVersusShell() throws {
        XCTAssertEqual(try TunnelCommand.arguments(for: "cat"), ["cat"])
        XCTAssertEqual(try TunnelCommand.arguments(for: "  doveadm  -c /etc/d.conf\texec imap "),
                       ["doveadm", "-c", "/etc/d.conf", "exec", "imap"])
        XCTAssertEqual(try TunnelCommand.arguments(for: "ssh host /usr/lib/dovecot/imap"),
                       ["ssh", "host", "/usr/lib/dovecot/imap"])
        for command in ["a | b", "a && b", "a; b", "a < f", "a > f", "(a)", "echo $HOME", "echo `id`",
                        "a\\ b", "\"a b\"", "'a b'", "ls *", "ls ?", "ls [ab]", "a # c", "ls ~",
                        "FOO=1 a", "kill %1", "a\nb", "{ a; }", "! a"] {
            XCTAssertEqual(try TunnelCommand.arguments(for: command), ["/bin/sh", "-c", command], command)
        }
        XCTAssertThrowsError(try TunnelCommand.arguments(for: " \t "))
    }

    func testRoundTripThroughCat() throws {
        let tunnel = try TunnelStream.spawn(command: "cat")
        try tunnel.write(bytes("* PREAUTH hello\r\n"))
        XCTAssertEqual(try readUntil(tunnel, "\r\n"), "* PREAUTH hello\r\n")
        tunnel.close()
        XCTAssertEqual(tunnel.exitStatus, .exited(0))
        assertReaped(tunnel.processID)
    }

    func testDirectExecRunsTheProgramItself() throws {
        // No metacharacter: the child is the program, not a shell running it.
        let tunnel = try TunnelStream.spawn(command: "sleep 30", terminationGracePeriod: 0.2)
        usleep(50_000)
        let comm = try String(contentsOfFile: "/proc/\(tunnel.processID)/comm", encoding: .utf8)
        XCTAssertEqual(comm.trimmingCharacters(in: .whitespacesAndNewlines), "sleep")
        tunnel.close()
        // It ignores end of input: SIGTERM after the grace period.
        XCTAssertEqual(tunnel.exitStatus, .signaled(SIGTERM))
        assertReaped(tunnel.processID)
    }

    func testShellCommandWithMetacharacters() throws {
        let tunnel = try TunnelStream.spawn(command: "printf '* OK %s\\n' \"$0\"; tr a-z A-Z")
        try tunnel.write(bytes("a1 login\n"))
        tunnel.shutdownWrite()
        XCTAssertEqual(String(decoding: try withTimeout(5) { try readToEnd(tunnel) }, as: UTF8.self),
                       "* OK /bin/sh\nA1 LOGIN\n")
        tunnel.close()
        XCTAssertEqual(tunnel.exitStatus, .exited(0))
    }

    func testExitStatusIsExposed() throws {
        let tunnel = try TunnelStream.spawn(command: "cat >/dev/null; exit 3")
        tunnel.close()
        XCTAssertEqual(tunnel.exitStatus, .exited(3))
        XCTAssertEqual(tunnel.exitStatus?.description, "exited with status 3")
        assertReaped(tunnel.processID)
    }

    func testStubbornCommandIsKilled() throws {
        // Ignores SIGTERM too: SIGKILL after the second grace period.
        let tunnel = try TunnelStream.spawn(command: "trap '' TERM; while :; do sleep 0.05; done",
                                            terminationGracePeriod: 0.2)
        usleep(100_000)
        let start = Date()
        tunnel.close()
        XCTAssertEqual(tunnel.exitStatus, .signaled(SIGKILL))
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        assertReaped(tunnel.processID)
    }

    func testNullStderr() throws {
        let quiet = try TunnelStream.spawn(command: "readlink /proc/$$/fd/2", nullStderr: true)
        XCTAssertEqual(try withTimeout(5) { try readUntil(quiet, "\n") }, "/dev/null\n")
        quiet.close()
        let loud = try TunnelStream.spawn(command: "readlink /proc/$$/fd/2", nullStderr: false)
        let inherited = try withTimeout(5) { try readUntil(loud, "\n") }
        XCTAssertNotEqual(inherited, "/dev/null\n")
        XCTAssertEqual(inherited, (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/2")).map { $0 + "\n" })
        loud.close()
    }

    func testChildInheritsNoOtherDescriptors() throws {
        // A descriptor opened without close-on-exec by someone else in this process.
        let stray = open("/dev/null", O_RDONLY)
        defer { Glibc.close(stray) }
        XCTAssertGreaterThan(stray, 2)
        let tunnel = try TunnelStream.spawn(command: "ls /proc/$$/fd")
        let listing = String(decoding: try withTimeout(5) { try readToEnd(tunnel) }, as: UTF8.self)
        tunnel.close()
        XCTAssertEqual(listing.split(separator: "\n").sorted(), ["0", "1", "2"])
    }

    func testMissingCommandIsAClearError() {
        XCTAssertThrowsError(try TunnelStream.spawn(command: "no-such-imap-command --stdio")) { error in
            XCTAssertEqual("\(error)",
                           "tunnel 'no-such-imap-command --stdio': no-such-imap-command: No such file or directory")
        }
    }

    func testWriteAfterChildExitFails() throws {
        let tunnel = try TunnelStream.spawn(command: "true")
        XCTAssertEqual(try withTimeout(5) { try tunnel.read(maxLength: 10) }, [])
        usleep(50_000)
        XCTAssertThrowsError(try tunnel.write(bytes("a1 NOOP\r\n"))) { error in
            XCTAssertTrue("\(error)".contains("tunnel 'true'"), "\(error)")
        }
        tunnel.close()
        XCTAssertEqual(tunnel.exitStatus, .exited(0))
    }

    func testReaderBlockedWhileAnotherThreadWrites() throws {
        let tunnel = try TunnelStream.spawn(command: "cat")
        let reader = Background { try readUntil(tunnel, "a2 OK\n") }
        usleep(50_000)
        try withTimeout(5) {
            try tunnel.write(bytes("a1 OK\n"))
            try tunnel.write(bytes("a2 OK\n"))
        }
        XCTAssertEqual(try reader.wait(5), "a1 OK\na2 OK\n")
        // close() from this thread while a read is pending.
        let pending = Background { try tunnel.read(maxLength: 10) }
        usleep(50_000)
        tunnel.close()
        XCTAssertEqual(try pending.wait(5), [])
        assertReaped(tunnel.processID)
    }

    func testDeinitReapsTheChild() throws {
        var pid: pid_t = 0
        do {
            let tunnel = try TunnelStream.spawn(command: "cat")
            pid = tunnel.processID
        }
        assertReaped(pid)
    }
}
