/// The configuration of one pullimap section, as pullimap(1) "Configuration file" describes it.
///
/// Options of the default section apply to every section (as in the reference implementation).
/// Only the chosen section and the default section are checked; unknown options there are
/// errors, as in the reference.
public struct PullimapConfiguration: Equatable, Sendable {
    /// The configuration file the settings came from.
    public var configFile: String
    /// The section (the command line's SECTION); also the component name in log lines.
    public var section: String
    /// How to connect and log in.
    public var connection: ConnectionOptions
    /// `statefile`, resolved: absolute; relative paths start from `$XDG_DATA_HOME/pullimap`;
    /// default the section name.
    public var statefile: String
    /// `mailbox` (default INBOX).
    public var mailbox: String
    /// `deliver-method` (default `smtp:[127.0.0.1]:25`): a server, a socket or a local store.
    public var deliverMethod: DeliveryTarget
    /// `deliver-ehlo`: the EHLO/LHLO domain (default `localhost.localdomain`).
    public var deliverEHLO: String
    /// `deliver-rcpt`: the recipient (default: the user name of the effective uid).
    public var deliverRecipient: String
    /// `purge-after` in days; nil (unset or empty) means never purge, 0 right after delivery.
    public var purgeAfterDays: Int?
    /// Things worth a warning that did not stop the parsing.
    public var warnings: [ConfigWarning]

    /// Options of a pullimap section besides the connection options.
    public static let deliveryKeys: Set<String> = [
        "statefile", "mailbox", "deliver-method", "deliver-ehlo", "deliver-rcpt", "purge-after",
    ]
    /// Every option valid in a pullimap section.
    public static let validKeys: Set<String> = ConnectionOptionParser.keys.union(deliveryKeys)

    /// Reads section `section` of the configuration file at `path`
    /// (see ``ConfigEnvironment/pullimapConfigFile(option:fileExists:)``).
    public static func load(path: String, section: String, environment: ConfigEnvironment) throws(ConfigError)
        -> PullimapConfiguration {
        try PullimapConfiguration(file: INIFile(contentsOf: path), section: section, environment: environment)
    }

    /// Builds the configuration of `section` from a parsed file.
    public init(file: INIFile, section name: String, environment: ConfigEnvironment) throws(ConfigError) {
        guard let section = file.section(name) else {
            throw ConfigError(file: file.path, reason: "no [\(name)] section")
        }
        for settings in [file.defaultSection, section] {
            for key in settings.keys {
                guard let setting = settings[key], !Self.validKeys.contains(key) else { continue }
                let hint = ["logfile", "log-prefix"].contains(key) ? " (pullimap logs to the standard error)" : ""
                throw ConfigError(setting, "unknown option\(hint)")
            }
        }
        configFile = file.path
        self.section = name
        var reader = OptionReader(values: file.effectiveValues(in: name), file: file.path)
        // pullimap(1): compress "(Default: YES.)"
        connection = try ConnectionOptionParser.parse(&reader, section: name, sectionLine: section.headerLine,
                                                      compressDefault: true)

        statefile = environment.dataPath(try reader.string("statefile") ?? name, for: .pullimap)

        let mailbox = try reader.string("mailbox") ?? "INBOX"
        self.mailbox = mailbox

        if let text = try reader.string("deliver-method"), let setting = reader["deliver-method"] {
            do {
                deliverMethod = try DeliveryTarget(parsing: text, resolve: environment.pullimapPath)
            } catch {
                throw ConfigError(setting, error.reason)
            }
        } else {
            deliverMethod = .default
        }

        // deliver-ehlo and deliver-rcpt are sent as written, spaces included (`LHLO my host`,
        // `RCPT TO:<alice smith>`), as the reference sends them: the receiving server decides.
        deliverEHLO = try reader.string("deliver-ehlo") ?? "localhost.localdomain"

        if let recipient = try reader.string("deliver-rcpt") {
            deliverRecipient = recipient
        } else if let user = environment.effectiveUserName, !user.isEmpty {
            deliverRecipient = user
        } else {
            throw ConfigError(file: file.path, line: section.headerLine, key: "deliver-rcpt",
                              reason: "not set in [\(name)] and the effective uid has no user name")
        }

        if let text = try reader.string("purge-after"), let setting = reader["purge-after"], !text.isEmpty {
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let days = Int(text), days <= 36_500_000 else {
                throw ConfigError(setting, "invalid number of days \(quoted(text)) (expected a non-negative integer)")
            }
            purgeAfterDays = days
        } else {
            purgeAfterDays = nil
        }
        warnings = reader.warnings
    }
}
