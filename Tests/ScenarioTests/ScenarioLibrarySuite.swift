import Foundation
import Testing
@testable import scenario

/// The conformance suite: every scenario file of Scenarios/ is its own test case, replayed by the
/// built `scenario` program against our interimap and pullimap (the binaries next to it).
/// The dovecot variant needs doveadm: it fails under CI when missing, and is left out elsewhere.
enum ScenarioLibrary {
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    static let dovecotInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/doveadm")

    /// Scenario files by their name relative to Scenarios/ (what a failing case shows).
    static let files: [String] = ScenarioTool.libraryFiles.map { ($0 as NSString).lastPathComponent }

    /// Those that use no server-side fault: they also run against real dovecot stores.
    static let faultFreeFiles: [String] = files.filter { name in
        let path = (ScenarioTool.libraryDirectory as NSString).appendingPathComponent(name)
        return (try? ScenarioParser.parse(file: path))?.fakeOnlyReasons.isEmpty ?? true
    }

    static func replay(_ name: String, _ extra: [String] = []) throws -> ScenarioTool.Result {
        try ScenarioTool.run(["replay"] + extra + [(ScenarioTool.libraryDirectory as NSString).appendingPathComponent(name)])
    }
}

@Suite("Scenario library")
struct ScenarioLibrarySuite {
    @Test("replays on the fake server", arguments: ScenarioLibrary.files)
    func fake(_ file: String) throws {
        let result = try ScenarioLibrary.replay(file)
        #expect(result.status == 0, "Scenarios/\(file) failed:\n\(result.output)")
    }

    @Test("replays on dovecot stores", .enabled(if: ScenarioLibrary.dovecotInstalled || ScenarioLibrary.inCI),
          arguments: ScenarioLibrary.faultFreeFiles)
    func dovecot(_ file: String) throws {
        let result = try ScenarioLibrary.replay(file, ["--backend", "dovecot"])
        #expect(result.status == 0, "Scenarios/\(file) failed with --backend dovecot:\n\(result.output)")
    }

    /// A library scenario with one expectation made wrong must fail, naming the step and showing
    /// the diff.
    @Test("a wrong expectation fails with a diff")
    func wrongExpectation() throws {
        let path = (ScenarioTool.libraryDirectory as NSString).appendingPathComponent("new-messages-both-sides.ini")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let wrong = text.replacingOccurrences(of: "messages local INBOX = a1 b1 a2 a3 b2", with: "messages local INBOX = a1 b1 a3 a2 b2")
        #expect(wrong != text)
        let file = try ScenarioTool.write(wrong, name: "new-messages-both-sides.ini")
        let result = try ScenarioTool.run(["replay", file])
        #expect(result.status != 0)
        #expect(result.output.contains("FAIL new-messages-both-sides"))
        #expect(result.output.contains(":  messages local INBOX = a1 b1 a3 a2 b2") || result.output.contains(": messages local INBOX = a1 b1 a3 a2 b2"))
        #expect(result.output.contains("--- expected\n    +++ local INBOX, in UID order"), "\(result.output)")
    }
}
