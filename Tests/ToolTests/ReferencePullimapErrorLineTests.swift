import Foundation
import TestSupport
import XCTest

/// pullimap's error lines name the section (`acct: ERROR: ...`) and come before the section's
/// traffic line, as the reference's do: the reference and ours on the same fake-imapd account.
final class ReferencePullimapErrorLineTests: XCTestCase {
    private func run(section: String) throws -> (reference: ToolRun, ours: ToolRun) {
        _ = try RequiredTool.require("/usr/bin/pullimap")
        let fakeIMAPD = ToolRunner.productsDirectory.appendingPathComponent("fake-imapd").path
        var results: [ToolRun] = []
        for program in ["/usr/bin/pullimap", ToolRunner.productsDirectory.appendingPathComponent("pullimap").path] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pull-errors-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let text = "[acct]\n" + section.replacingOccurrences(of: "FAKE", with: fakeIMAPD).replacingOccurrences(of: "DIR", with: dir.path)
                + "\nstatefile = \(dir.path)/statefile\ndeliver-method = lmtp:[127.0.0.1]:9\n"
            try text.write(to: dir.appendingPathComponent("config"), atomically: true, encoding: .utf8)
            results.append(try ToolRunner.run(executable: program, ["--config=\(dir.path)/config", "acct"],
                                              environment: ["XDG_DATA_HOME": dir.path, "XDG_CONFIG_HOME": dir.path, "HOME": dir.path]))
        }
        return (results[0], results[1])
    }

    private func lines(_ run: ToolRun) -> [String] { run.stderr.split(separator: "\n").map(String.init) }

    func testAuthenticationFailureNamesTheSectionBeforeTheTraffic() throws {
        let (reference, ours) = try run(section: "type = tunnel\ncommand = FAKE --state DIR/r.json --password secret\nusername = fake\npassword = wrong")
        XCTAssertEqual(lines(reference).first, "acct: ERROR: NO [AUTHENTICATIONFAILED] Authentication failed.", reference.stderr)
        XCTAssertEqual(lines(ours).first, lines(reference).first, ours.stderr)
        XCTAssertEqual(lines(ours).count, 2, ours.stderr)
        XCTAssertTrue(lines(reference).last?.hasPrefix("acct: IMAP traffic (bytes): ") ?? false, reference.stderr)
        XCTAssertTrue(lines(ours).last?.hasPrefix("acct: IMAP traffic (bytes): ") ?? false, ours.stderr)
        XCTAssertEqual(ours.status, 77)
    }

    func testConnectionFailureNamesTheSectionBeforeTheTraffic() throws {
        let port = try TCPPort.free()
        let (reference, ours) = try run(section: "type = imap\nhost = 127.0.0.1\nport = \(port)\nSTARTTLS = NO")
        XCTAssertEqual(lines(reference), ["acct: ERROR: Can't connect to 127.0.0.1:\(port)", "acct: IMAP traffic (bytes): recv 0 sent 0"], reference.stderr)
        XCTAssertEqual(lines(ours), ["acct: ERROR: connect(127.0.0.1:\(port)): Connection refused", "acct: IMAP traffic (bytes): recv 0 sent 0"], ours.stderr)
        XCTAssertEqual(ours.status, 75)
    }
}
