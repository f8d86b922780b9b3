import Foundation
import XCTest

/// A bad configuration stops either program before any connection, with one line naming the
/// file, the line, the key and the value, and exit status 78 (EX_CONFIG).
final class ConfigurationErrorTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("toolcfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testUnknownTypeIsRefusedNamingLineKeyAndValue() throws {
        let path = try write("config", "[local]\ntype = tunnel\ncommand = true\n[remote]\n# comment\ntype = imapz\n")
        let run = try ToolRunner.run("interimap", ["--config=\(path)"], environment: ["XDG_DATA_HOME": dir.path])
        XCTAssertEqual(run.status, 78)
        XCTAssertEqual(run.stderr, "interimap: \(path):6: type: unknown value 'imapz' (expected imap, imaps or tunnel)\n")
    }

    func testMissingConfigurationFile() throws {
        let run = try ToolRunner.run("interimap", [], environment: ["XDG_CONFIG_HOME": dir.path])
        XCTAssertEqual(run.status, 78)
        XCTAssertTrue(run.stderr.hasPrefix("interimap: \(dir.path)/interimap/config: "), run.stderr)
        XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, "one line: \(run.stderr)")
    }

    func testPullimapUnknownSectionAndBadValue() throws {
        let path = try write("pullimap", "[acct]\ntype = tunnel\ncommand = true\npurge-after = soon\n")
        let missing = try ToolRunner.run("pullimap", ["--config=\(path)", "other"])
        XCTAssertEqual(missing.status, 78)
        XCTAssertTrue(missing.stderr.contains("other"), missing.stderr)
        let bad = try ToolRunner.run("pullimap", ["--config=\(path)", "acct"])
        XCTAssertEqual(bad.status, 78)
        XCTAssertTrue(bad.stderr.contains("\(path):4: purge-after"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("soon"), bad.stderr)
    }
}
