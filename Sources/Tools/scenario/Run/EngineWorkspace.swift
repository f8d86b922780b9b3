import Engine
import Foundation

/// The files of one scenario run: the XDG directories the engine reads and writes, its
/// configuration files, database and statefiles, and the logs of every run.
struct EngineWorkspace {
    let directory: String
    var configHome: String { path("config") }
    var dataHome: String { path("data") }
    var home: String { path("home") }

    func path(_ relative: String) -> String { (directory as NSString).appendingPathComponent(relative) }

    init(directory: String) {
        self.directory = directory
    }

    /// Creates the directories.
    func create() throws {
        for sub in ["config", "data", "home", "servers", "logs"] {
            try FileManager.default.createDirectory(atPath: (directory as NSString).appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    /// The environment of an engine process: the runner's, with the XDG directories and HOME
    /// pointing into the workspace and the crash point armed or not.
    func environment(crash: String?) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = configHome
        env["XDG_DATA_HOME"] = dataHome
        env["HOME"] = home
        env["INTERIMAP_CRASH_AT"] = nil
        if let crash { env["INTERIMAP_CRASH_AT"] = crash }
        return env
    }

    var interimapConfigPath: String { (configHome as NSString).appendingPathComponent("interimap/config") }
    /// `$XDG_CONFIG_HOME/pullimap/config`: where the reference reads it (its manual says
    /// `$XDG_CONFIG_HOME/pullimap`); ours reads it there too when `pullimap` is a directory.
    var pullimapConfigPath: String { (configHome as NSString).appendingPathComponent("pullimap/config") }

    /// interimap's database: `database` (relative to $XDG_DATA_HOME/interimap), by default
    /// `localhost.db` since the remote is a tunnel (interimap(1), `database` and `type`).
    func databasePath(_ scenario: Scenario) -> String {
        let configured = scenario.interimapOptions[""]?.last(where: { $0.key == "database" })?.value
        let name = configured ?? "localhost.db"
        if name.hasPrefix("/") { return name }
        return ((dataHome as NSString).appendingPathComponent("interimap") as NSString).appendingPathComponent(name)
    }

    /// pullimap's statefile for a section: `statefile` (relative to $XDG_DATA_HOME/pullimap),
    /// by default the section name (pullimap(1), `statefile`).
    func statefilePath(_ section: PullimapSectionSpec) -> String {
        let name = section.options.last(where: { $0.key == "statefile" })?.value ?? section.name
        if name.hasPrefix("/") { return name }
        return ((dataHome as NSString).appendingPathComponent("pullimap") as NSString).appendingPathComponent(name)
    }
}

/// Writes the engine's configuration files for a run.
struct ConfigWriter {
    let scenario: Scenario

    /// interimap's file: the scenario's default-section lines, then `[local]` and `[remote]`
    /// reaching the servers through `tunnels`, with the scenario's lines for each.
    func interimapConfig(tunnels: [String: String], plainTraffic: Bool) -> String {
        var text = "# Written by the scenario runner for \(scenario.name).\n"
        for line in scenario.interimapOptions[""] ?? [] { text += "\(line.key) = \(line.value)\n" }
        for side in ["local", "remote"] {
            text += "\n[\(side)]\ntype = tunnel\ncommand = \(tunnels[side] ?? "false")\n"
            let own = scenario.interimapOptions[side] ?? []
            text += credentials(scenario.server(side), own: own)
            if plainTraffic && !own.contains(where: { $0.key == "compress" }) { text += "compress = NO\n" }
            for line in own { text += "\(line.key) = \(line.value)\n" }
        }
        return text
    }

    /// `username` and `password` of the server's `login`, unless the scenario's own lines set
    /// them (or `passwordeval`).
    private func credentials(_ server: ServerSpec?, own: [ConfigLine]) -> String {
        guard let login = server?.login else { return "" }
        var text = ""
        if !own.contains(where: { $0.key == "username" }) { text += "username = \(login.user)\n" }
        if !own.contains(where: { $0.key == "password" || $0.key == "passwordeval" }) { text += "password = \(login.password)\n" }
        return text
    }

    /// pullimap's file: one section per `[pullimap NAME]`, delivering to the fake receiver.
    func pullimapConfig(tunnels: [String: String], receiverPort: UInt16, plainTraffic: Bool) -> String {
        var text = "# Written by the scenario runner for \(scenario.name).\n"
        for section in scenario.pullimapSections {
            text += "\n[\(section.name)]\ntype = tunnel\ncommand = \(tunnels[section.server] ?? "false")\n"
            let own = section.options
            if !own.contains(where: { $0.key == "deliver-method" }) {
                text += "deliver-method = \(scenario.receiver.transferProtocol):[127.0.0.1]:\(receiverPort)\n"
            }
            text += credentials(scenario.server(section.server), own: own)
            if plainTraffic && !own.contains(where: { $0.key == "compress" }) { text += "compress = NO\n" }
            for line in own { text += "\(line.key) = \(line.value)\n" }
        }
        return text
    }
}
