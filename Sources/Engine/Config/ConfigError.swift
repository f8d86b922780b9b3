/// A configuration problem, located as precisely as possible: the file, the line, the option
/// and the offending value (the value is quoted inside `reason`).
///
/// Its description is one line, `FILE:LINE: KEY: REASON`, e.g.
/// `/home/u/.config/interimap/config:3: type: unknown value 'imapz' (expected imap, imaps or tunnel)`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration file (as the user gave it, or the default path).
    public var file: String
    /// The 1-based line number, when the problem belongs to a line.
    public var line: Int?
    /// The option name, when the problem belongs to an option.
    public var key: String?
    /// What is wrong, including the bad value in single quotes where there is one.
    public var reason: String

    public init(file: String, line: Int? = nil, key: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.key = key
        self.reason = reason
    }

    /// An error about the value of an option, located at the line that set it.
    public init(_ value: INIValue, _ reason: String) {
        self.init(file: value.file, line: value.line, key: value.key, reason: reason)
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        return text + reason
    }
}

extension ConfigError: CustomDebugStringConvertible {
    public var debugDescription: String { description }
}

/// A configuration oddity that does not stop the program (a deprecated option, an ignored
/// option or section); printed as a warning by the tools. Same one-line shape as ``ConfigError``.
public struct ConfigWarning: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public init(_ value: INIValue, _ message: String) {
        self.init(file: value.file, line: value.line, key: value.key, message: message)
    }

    public var description: String {
        ConfigError(file: file, line: line, key: key, reason: message).description
    }
}

/// Quotes a configuration value for an error message: `'value'`.
func quoted(_ value: String) -> String {
    "'" + value + "'"
}

extension ConfigError: ExitStatusProviding {
    /// A configuration problem is EX_CONFIG for cron jobs and service managers to tell apart.
    public var exitStatus: ExitStatus { .configuration }
}
