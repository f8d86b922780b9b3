import TestSupport
import XCTest
@testable import Engine

final class ConfigEnvironmentTests: XCTestCase {
    func testXDGVariables() {
        let env = ConfigEnvironment(variables: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/xc", "XDG_DATA_HOME": "/xd/"])
        XCTAssertEqual(env.homeDirectory, "/home/u")
        XCTAssertEqual(env.configHome, "/xc")
        XCTAssertEqual(env.dataHome, "/xd/")
        XCTAssertEqual(env.dataDirectory(for: .interimap), "/xd/interimap")
        XCTAssertEqual(env.dataPath("a.db", for: .interimap), "/xd/interimap/a.db")
        XCTAssertEqual(env.dataPath("/abs/a.db", for: .interimap), "/abs/a.db")
        XCTAssertEqual(env.dataPath("acct", for: .pullimap), "/xd/pullimap/acct")
    }

    func testDefaultsFromHome() {
        let env = ConfigEnvironment(variables: ["HOME": "/home/u", "XDG_CONFIG_HOME": ""])
        XCTAssertEqual(env.configHome, "/home/u/.config")
        XCTAssertEqual(env.dataHome, "/home/u/.local/share")
        XCTAssertEqual(env.interimapConfigFile(option: nil), "/home/u/.config/interimap/config")
        XCTAssertEqual(env.dataPath("x.db", for: .interimap), "/home/u/.local/share/interimap/x.db")
    }

    func testHomeFallsBackToThePasswordDatabase() {
        let env = ConfigEnvironment(variables: [:], passwordDatabaseHome: "/var/lib/u")
        XCTAssertEqual(env.homeDirectory, "/var/lib/u")
        XCTAssertEqual(env.configHome, "/var/lib/u/.config")
        XCTAssertEqual(ConfigEnvironment(variables: ["HOME": ""], passwordDatabaseHome: "/p").homeDirectory, "/p")
        XCTAssertNotNil(ConfigEnvironment.current().passwordDatabaseHome)
    }

    func testInterimapConfigFile() {
        let env = ConfigEnvironment(variables: ["HOME": "/home/u", "XDG_CONFIG_HOME": "/xc"])
        XCTAssertEqual(env.interimapConfigFile(option: nil), "/xc/interimap/config")
        XCTAssertEqual(env.interimapConfigFile(option: "work.ini"), "/xc/interimap/work.ini")
        XCTAssertEqual(env.interimapConfigFile(option: "./work.ini"), "/xc/interimap/./work.ini")
        XCTAssertEqual(env.interimapConfigFile(option: "/etc/interimap.ini"), "/etc/interimap.ini")
        XCTAssertEqual(env.configFile(for: .interimap, option: nil), "/xc/interimap/config")
    }

    func testPullimapConfigFileFollowsTheManPage() {
        let env = ConfigEnvironment(variables: ["HOME": "/home/u"])
        let nothing: (String) -> Bool = { _ in false }
        XCTAssertEqual(env.pullimapConfigFile(option: nil, fileExists: nothing), "/home/u/.config/pullimap")
        XCTAssertEqual(env.pullimapConfigFile(option: "p.ini", fileExists: nothing), "/home/u/.config/p.ini")
        XCTAssertEqual(env.pullimapConfigFile(option: "/etc/p.ini", fileExists: nothing), "/etc/p.ini")
    }

    func testPullimapConfigFileFallsBackToTheNewerLocation() {
        let env = ConfigEnvironment(variables: ["HOME": "/home/u"])
        let newer: (String) -> Bool = { ["/home/u/.config/pullimap/config", "/home/u/.config/pullimap/p.ini"].contains($0) }
        XCTAssertEqual(env.pullimapConfigFile(option: nil, fileExists: newer), "/home/u/.config/pullimap/config")
        XCTAssertEqual(env.pullimapConfigFile(option: "p.ini", fileExists: newer), "/home/u/.config/pullimap/p.ini")
        let both: (String) -> Bool = { _ in true }
        XCTAssertEqual(env.pullimapConfigFile(option: "p.ini", fileExists: both), "/home/u/.config/p.ini")
    }

    func testPullimapConfigFileOnDisk() throws {
        let directory = try makeTemporaryDirectory(self)
        let env = ConfigEnvironment(variables: ["XDG_CONFIG_HOME": directory])
        XCTAssertEqual(env.configFile(for: .pullimap, option: nil), directory + "/pullimap")
        try FileManager.default.createDirectory(atPath: directory + "/pullimap", withIntermediateDirectories: true)
        try "[a]\n".write(toFile: directory + "/pullimap/config", atomically: true, encoding: .utf8)
        XCTAssertEqual(env.configFile(for: .pullimap, option: nil), directory + "/pullimap/config")
    }

    func testCreateDataDirectory() throws {
        let directory = try makeTemporaryDirectory(self)
        let env = ConfigEnvironment(variables: ["XDG_DATA_HOME": directory])
        XCTAssertEqual(try env.createDataDirectory(for: .interimap), directory + "/interimap")
        var info = stat()
        XCTAssertEqual(stat(directory + "/interimap", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        XCTAssertEqual(try env.createDataDirectory(for: .interimap), directory + "/interimap", "idempotent")
        let missing = ConfigEnvironment(variables: ["XDG_DATA_HOME": directory + "/none"])
        XCTAssertConfigError(try missing.createDataDirectory(for: .pullimap),
                             "\(directory)/none: no such directory (the data directory $XDG_DATA_HOME or ~/.local/share must exist)")
    }
}
