import Foundation
import Logging

/// One side of the synchronization: interimap's `[local]` or `[remote]` section.
public struct InterimapServerConfiguration: Equatable, Sendable {
    /// `local` or `remote`: the section name, also the component name in log lines.
    public var name: String
    /// How to connect and log in.
    public var connection: ConnectionOptions
    /// `list-reference`: the reference name of the initial LIST (RFC 3501 §6.3.8); "" when unset.
    public var listReference: String
    /// `sync-level`: the highest ``SyncLevel`` to use with this server, whatever it advertises
    /// (nil: as high as its capabilities allow).
    public var syncLevel: SyncLevel? = nil
}

/// The configuration of interimap, as interimap(1) "CONFIGURATION FILE" describes it.
///
/// Options of the default section apply to both `[local]` and `[remote]` (as in the reference
/// implementation), except those the man page reserves for the default section, which are refused
/// in `[local]`/`[remote]`. Unknown options in the default, `[local]` and `[remote]` sections are
/// errors, as in the reference; other sections are ignored with a warning.
public struct InterimapConfiguration: Sendable {
    /// The configuration file the settings came from.
    public var configFile: String
    /// `database`, resolved: absolute, relative paths start from `$XDG_DATA_HOME/interimap`.
    /// Default `HOST.db` with HOST the `[remote]` host (so `localhost.db` for a tunnel).
    public var database: String
    public var local: InterimapServerConfiguration
    public var remote: InterimapServerConfiguration
    /// `list-mailbox` patterns (default `*`); NUL stands for the hierarchy delimiter.
    public var listMailbox: [String]
    /// `list-select-opts`: LIST-EXTENDED selection options (RFC 5258 §3.1); empty when unset.
    public var listSelectOptions: [String]
    /// `ignore-mailbox`.
    public var ignoreMailbox: MailboxExclusion?
    /// `logfile`: an absolute path, or nil for the standard error only.
    public var logfile: String?
    /// Where `logfile` was set (for errors when it cannot be opened).
    public var logfileSetting: INIValue?
    /// `log-prefix` (default ``LogPrefixFormat/default``).
    public var logPrefix: LogPrefixFormat
    /// Things worth a warning that did not stop the parsing.
    public var warnings: [ConfigWarning]

    /// Options that interimap(1) says are "only available in the default section".
    public static let defaultSectionOnlyKeys: Set<String> = [
        "database", "list-mailbox", "list-select-opts", "ignore-mailbox", "logfile",
    ]
    /// `log-prefix` is read from the default section only; the reference ignores it elsewhere.
    static let ignoredInServerSections: Set<String> = ["log-prefix"]
    /// Options valid in `[local]` and `[remote]` (and, inherited, in the default section).
    public static let serverSectionKeys: Set<String> = ConnectionOptionParser.keys.union(["list-reference", "sync-level"])

    /// Reads the configuration file at `path` (see ``ConfigEnvironment/interimapConfigFile(option:)``).
    public static func load(path: String, environment: ConfigEnvironment) throws(ConfigError) -> InterimapConfiguration {
        try InterimapConfiguration(file: INIFile(contentsOf: path), environment: environment)
    }

    /// Builds the configuration from a parsed file.
    public init(file: INIFile, environment: ConfigEnvironment) throws(ConfigError) {
        configFile = file.path
        var warnings: [ConfigWarning] = []

        for key in file.defaultSection.keys {
            guard let setting = file.defaultSection[key] else { continue }
            if !Self.serverSectionKeys.contains(key), !Self.defaultSectionOnlyKeys.contains(key), key != "log-prefix" {
                throw ConfigError(setting, "unknown option")
            }
        }
        for name in file.sectionNames {
            guard let section = file.section(name) else { continue }
            guard name == "local" || name == "remote" else {
                warnings.append(ConfigWarning(file: file.path, line: section.headerLine,
                                              message: "section [\(name)] is ignored (interimap reads [local], [remote] and the default section)"))
                continue
            }
            for key in section.keys {
                guard let setting = section[key] else { continue }
                if Self.defaultSectionOnlyKeys.contains(key) {
                    throw ConfigError(setting, "only available in the default section, not in [\(name)]")
                }
                if Self.ignoredInServerSections.contains(key) {
                    warnings.append(ConfigWarning(setting, "ignored in [\(name)]: only read from the default section"))
                    continue
                }
                if !Self.serverSectionKeys.contains(key) {
                    throw ConfigError(setting, "unknown option in [\(name)]")
                }
            }
        }

        func server(_ name: String, compressDefault: Bool) throws(ConfigError) -> InterimapServerConfiguration {
            guard let section = file.section(name) else {
                throw ConfigError(file: file.path, reason: "no [\(name)] section")
            }
            var values = file.effectiveValues(in: name)
            for key in Self.defaultSectionOnlyKeys.union(Self.ignoredInServerSections) { values[key] = nil }
            var reader = OptionReader(values: values, file: file.path)
            let connection = try ConnectionOptionParser.parse(&reader, section: name, sectionLine: section.headerLine,
                                                              compressDefault: compressDefault)
            let listReference = try reader.string("list-reference") ?? ""
            var syncLevel: SyncLevel?
            if let text = try reader.string("sync-level"), let setting = reader["sync-level"] {
                guard let level = SyncLevel(rawValue: text.lowercased()) else {
                    throw ConfigError(setting, "invalid value \(quoted(text)) (expected qresync, condstore or plain)")
                }
                syncLevel = level
            }
            warnings.append(contentsOf: reader.warnings.filter { warning in !warnings.contains(warning) })
            return InterimapServerConfiguration(name: name, connection: connection, listReference: listReference, syncLevel: syncLevel)
        }
        // interimap(1): compress "Default: NO for the [local] section, YES for the [remote] section."
        local = try server("local", compressDefault: false)
        remote = try server("remote", compressDefault: true)

        let reader = OptionReader(values: file.defaultSection.values, file: file.path)

        // interimap(1): "Default: HOST.db, where HOST is taken from the [remote] or [local]
        // sections, in that order." The [remote] host always has a value (localhost by default),
        // so it decides, as in the reference implementation ("[::1].db" keeps the brackets).
        let databaseName = try reader.string("database") ?? (remote.connection.host + ".db")
        database = environment.dataPath(databaseName, for: .interimap)

        if let text = try reader.string("list-mailbox"), let setting = reader["list-mailbox"] {
            do {
                listMailbox = try MailboxPatternList.parse(text)
            } catch {
                throw ConfigError(setting, "\(error.reason) in \(quoted(text))")
            }
        } else {
            listMailbox = ["*"]
        }

        listSelectOptions = try reader.words("list-select-opts") ?? []
        if let setting = reader["list-select-opts"] {
            for option in listSelectOptions where !Self.isAtom(option) {
                throw ConfigError(setting, "\(quoted(option)) is not a LIST selection option (an IMAP atom such as SUBSCRIBED)")
            }
        }

        if let text = try reader.string("ignore-mailbox"), let setting = reader["ignore-mailbox"] {
            do {
                ignoreMailbox = try MailboxExclusion(pattern: text)
            } catch {
                throw ConfigError(setting, error.description)
            }
        } else {
            ignoreMailbox = nil
        }

        logfileSetting = reader["logfile"]
        if let text = try reader.string("logfile"), let setting = reader["logfile"] {
            // The reference refuses relative log file names too.
            guard text.hasPrefix("/") else {
                throw ConfigError(setting, "\(quoted(text)) is not an absolute path")
            }
            logfile = text
        } else {
            logfile = nil
        }

        if let text = try reader.string("log-prefix"), let setting = reader["log-prefix"] {
            do {
                logPrefix = try LogPrefixFormat(parsing: text)
            } catch {
                throw ConfigError(setting, "bad format \(quoted(text)): \(error.description)")
            }
        } else {
            logPrefix = .default
        }
        self.warnings = warnings
    }

    /// Opens the log sink for this configuration (`logfile`, `log-prefix`); a log file that cannot
    /// be opened is reported at the line that set it.
    public func openLogSink(threshold: Logger.Level, standardError: Int32? = STDERR_FILENO,
                            progressLine: ProgressLine? = nil) throws(ConfigError) -> LogSink {
        do {
            return try LogSink(prefix: logPrefix, threshold: threshold, logfile: logfile, standardError: standardError,
                               progressLine: progressLine)
        } catch {
            if let setting = logfileSetting { throw ConfigError(setting, error.description) }
            throw ConfigError(file: configFile, key: "logfile", reason: error.description)
        }
    }

    /// The server configuration named `local` or `remote`.
    public func server(named name: String) -> InterimapServerConfiguration? {
        switch name {
        case "local": return local
        case "remote": return remote
        default: return nil
        }
    }

    /// RFC 3501 §9: atom = 1*ATOM-CHAR; ATOM-CHAR is any CHAR except atom-specials
    /// `( ) { SP CTL % * " \ ]`.
    static func isAtom(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7F && !"(){%*\"\\]".unicodeScalars.contains(scalar)
        }
    }
}
