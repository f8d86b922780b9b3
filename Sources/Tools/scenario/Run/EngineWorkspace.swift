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

/// How names of one mailbox read on each side and in the database, from the delimiters and the
/// `list-reference` of each side: the database holds the name below the reference with NUL as
/// hierarchy delimiter (interimap(1), `list-reference`; DESIGN.md, database schema).
struct MailboxNaming {
    let localDelimiter: Character
    let remoteDelimiter: Character
    let localReference: String
    let remoteReference: String

    init(scenario: Scenario) {
        localDelimiter = scenario.server("local")?.delimiter ?? "/"
        remoteDelimiter = scenario.server("remote")?.delimiter ?? "/"
        localReference = scenario.interimapOptions["local"]?.last(where: { $0.key == "list-reference" })?.value ?? ""
        remoteReference = scenario.interimapOptions["remote"]?.last(where: { $0.key == "list-reference" })?.value ?? ""
    }

    func delimiter(_ side: String) -> Character { side == "remote" ? remoteDelimiter : localDelimiter }
    func reference(_ side: String) -> String { side == "remote" ? remoteReference : localReference }

    /// The components of a name written with the local delimiter (how scenarios name a mailbox
    /// of the database).
    func components(ofLocalName name: String) -> [String] {
        name.split(separator: localDelimiter, omittingEmptySubsequences: false).map(String.init)
    }

    /// The server-side name on `side` of the mailbox whose components are given.
    func serverName(_ components: [String], side: String) -> String {
        reference(side) + components.joined(separator: String(delimiter(side)))
    }

    /// The database's `mailbox` value: components in modified UTF-7 joined by NUL.
    func databaseName(_ components: [String]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, c) in components.enumerated() {
            if i > 0 { out.append(0) }
            out += Array(ModifiedUTF7.encode(c).utf8)
        }
        return out
    }

    /// A database `mailbox` value as a name with the local delimiter (Unicode).
    func localName(fromDatabase bytes: [UInt8]) -> String {
        bytes.split(separator: 0, omittingEmptySubsequences: false).map { part in
            let wire = String(decoding: part, as: UTF8.self)
            return (try? ModifiedUTF7.decode(wire)) ?? wire
        }.joined(separator: String(localDelimiter))
    }

    /// The server's mailboxes below `side`'s reference, with the reference removed and the
    /// delimiter replaced by `/`, for comparing the two sides.
    func comparableNames(_ snapshot: ServerSnapshot, side: String) -> [String: String] {
        var out: [String: String] = [:]
        let ref = reference(side)
        for name in snapshot.mailboxes.keys {
            var rest = name
            if !ref.isEmpty {
                guard name.hasPrefix(ref) else { continue }
                rest = String(name.dropFirst(ref.count))
                if rest.isEmpty { continue }
            }
            out[rest.split(separator: snapshot.delimiter, omittingEmptySubsequences: false).joined(separator: "/")] = name
        }
        return out
    }
}
