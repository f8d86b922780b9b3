import Foundation

/// The two programs whose configuration and data live under the XDG base directories.
public enum ConfiguredProgram: String, Sendable {
    case interimap
    case pullimap
}

/// The facts about the process that configuration defaults depend on: environment variables
/// (`HOME`, `XDG_CONFIG_HOME`, `XDG_DATA_HOME`), the home directory and user name from the
/// password database. Tests build one from a dictionary instead of the real environment.
///
/// Paths follow interimap(1) and pullimap(1): the configuration lives in `$XDG_CONFIG_HOME`
/// (default `~/.config`), data (the database, statefiles) in `$XDG_DATA_HOME/<program>`
/// (default `~/.local/share/<program>`).
public struct ConfigEnvironment: Sendable {
    /// The environment variables.
    public var variables: [String: String]
    /// The home directory from the password database, used when `HOME` is unset or empty.
    public var passwordDatabaseHome: String?
    /// The user name of the effective uid (the default `deliver-rcpt` of pullimap).
    public var effectiveUserName: String?

    /// An environment built from explicit values (for tests).
    public init(variables: [String: String], passwordDatabaseHome: String? = nil, effectiveUserName: String? = nil) {
        self.variables = variables
        self.passwordDatabaseHome = passwordDatabaseHome
        self.effectiveUserName = effectiveUserName
    }

    /// The environment of this process: its variables, and getpwuid(3) for the home directory
    /// (of the real uid) and the user name (of the effective uid, as pullimap(1) specifies).
    public static func current() -> ConfigEnvironment {
        ConfigEnvironment(variables: ProcessInfo.processInfo.environment,
                          passwordDatabaseHome: passwordEntry(uid: getuid())?.home,
                          effectiveUserName: passwordEntry(uid: geteuid())?.name)
    }

    /// `$HOME`, or the home directory from the password database when `HOME` is unset or empty.
    public var homeDirectory: String {
        if let home = variables["HOME"], !home.isEmpty { return home }
        return passwordDatabaseHome ?? "/"
    }

    /// `$XDG_CONFIG_HOME`, or `~/.config` when unset or empty.
    public var configHome: String {
        if let value = variables["XDG_CONFIG_HOME"], !value.isEmpty { return value }
        return Self.join(homeDirectory, ".config")
    }

    /// `$XDG_DATA_HOME`, or `~/.local/share` when unset or empty.
    public var dataHome: String {
        if let value = variables["XDG_DATA_HOME"], !value.isEmpty { return value }
        return Self.join(homeDirectory, ".local/share")
    }

    /// The directory holding `program`'s data: `$XDG_DATA_HOME/<program>`.
    public func dataDirectory(for program: ConfiguredProgram) -> String {
        Self.join(dataHome, program.rawValue)
    }

    /// A data path from the configuration (`database`, `statefile`): absolute paths are kept,
    /// relative ones start from `$XDG_DATA_HOME/<program>`.
    public func dataPath(_ path: String, for program: ConfiguredProgram) -> String {
        path.hasPrefix("/") ? path : Self.join(dataDirectory(for: program), path)
    }

    /// The configuration file interimap reads: `--config=FILE` if given (relative paths start
    /// from `$XDG_CONFIG_HOME/interimap`), else `$XDG_CONFIG_HOME/interimap/config`.
    public func interimapConfigFile(option: String?) -> String {
        let directory = Self.join(configHome, "interimap")
        guard let option else { return Self.join(directory, "config") }
        return option.hasPrefix("/") ? option : Self.join(directory, option)
    }

    /// The configuration file pullimap reads.
    ///
    /// pullimap(1) says `$XDG_CONFIG_HOME/pullimap`, with relative `--config=FILE` paths starting
    /// from `$XDG_CONFIG_HOME`. Later releases of the reference implementation moved the file to
    /// `$XDG_CONFIG_HOME/pullimap/config` and resolve relative paths from
    /// `$XDG_CONFIG_HOME/pullimap`; to be a drop-in replacement for both, the documented location
    /// wins and the newer one is used when only it exists (or when `$XDG_CONFIG_HOME/pullimap` is
    /// a directory).
    public func pullimapConfigFile(option: String?, fileExists: (String) -> Bool = ConfigEnvironment.isRegularFile)
        -> String {
        let newerDirectory = Self.join(configHome, "pullimap")
        guard let option else {
            let documented = newerDirectory
            let newer = Self.join(newerDirectory, "config")
            return !fileExists(documented) && fileExists(newer) ? newer : documented
        }
        if option.hasPrefix("/") { return option }
        let documented = Self.join(configHome, option)
        let newer = Self.join(newerDirectory, option)
        return !fileExists(documented) && fileExists(newer) ? newer : documented
    }

    /// The configuration file of `program` (see ``interimapConfigFile(option:)`` and
    /// ``pullimapConfigFile(option:fileExists:)``).
    public func configFile(for program: ConfiguredProgram, option: String?) -> String {
        switch program {
        case .interimap: return interimapConfigFile(option: option)
        case .pullimap: return pullimapConfigFile(option: option)
        }
    }

    /// Creates `$XDG_DATA_HOME/<program>` (mode 0700) if needed and returns it. Like the
    /// reference implementation, `$XDG_DATA_HOME` itself must already exist.
    public func createDataDirectory(for program: ConfiguredProgram) throws(ConfigError) -> String {
        let base = dataHome
        var info = stat()
        guard stat(base, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ConfigError(file: base, reason: "no such directory (the data directory $XDG_DATA_HOME or ~/.local/share must exist)")
        }
        let directory = dataDirectory(for: program)
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw ConfigError(file: directory, reason: "cannot create the data directory: \(errnoText(errno))")
        }
        return directory
    }

    /// Whether `path` names an existing regular file (following symlinks).
    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func passwordEntry(uid: uid_t) -> (name: String, home: String)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>? = nil
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil, let name = entry.pw_name, let home = entry.pw_dir else { return nil }
        return (String(cString: name), String(cString: home))
    }
}
