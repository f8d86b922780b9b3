import Engine
import FakeIMAPServer
import Foundation
import TestSupport

/// Two fake-imapd stores (delimiters `/` and `.`) in a temporary directory, a configuration that
/// tunnels to both, and our interimap to run on them as a user would.
final class FakeServerPair {
    let dir: URL
    let fakeIMAPD = ToolRunner.productsDirectory.appendingPathComponent("fake-imapd").path

    /// `seed` fills the local and remote stores before the first run.
    init(seed: (FakeIMAPStore, FakeIMAPStore) throws -> Void) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-pair-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let local = FakeIMAPStore(delimiter: "/", firstUIDValidity: 100)
        let remote = FakeIMAPStore(delimiter: ".", firstUIDValidity: 500)
        try seed(local, remote)
        try FakeIMAPStateFile(path: statePath("local"), delimiter: "/", firstUIDValidity: 100).save(local)
        try FakeIMAPStateFile(path: statePath("remote"), delimiter: ".", firstUIDValidity: 500).save(remote)
        try """
            database = \(databasePath)
            [local]
            type = tunnel
            command = \(fakeIMAPD) --state \(statePath("local"))
            [remote]
            type = tunnel
            command = \(fakeIMAPD) --state \(statePath("remote")) --delimiter .

            """.write(to: configURL, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    var configURL: URL { dir.appendingPathComponent("config") }
    var databasePath: String { dir.appendingPathComponent("data/interimap.db").path }
    func statePath(_ side: String) -> String { dir.appendingPathComponent("\(side).json").path }
    /// What interimap runs with: its data directory in ours.
    var environment: [String: String] { ["XDG_DATA_HOME": dir.path, "HOME": dir.path] }

    /// Changes a server's state file as another client would.
    func change(_ side: String, _ body: (FakeIMAPStore) throws -> Void) throws {
        let file = FakeIMAPStateFile(path: statePath(side))
        let store = try file.loadStore()
        try body(store)
        try file.save(store)
    }

    func interimap(_ arguments: [String]) throws -> ToolRun {
        try ToolRunner.run("interimap", ["--config=\(configURL.path)"] + arguments, environment: environment)
    }

    /// The bytes of everything a run could change: both state files and the database.
    func files() -> [String: Data?] {
        var result: [String: Data?] = [:]
        for path in [statePath("local"), statePath("remote"), databasePath] { result[path] = FileManager.default.contents(atPath: path) }
        return result
    }
}
