import Logging

/// The swift-log metadata keys the log handler turns into the `log-prefix` (`%n` and `%m`).
public enum LogMetadataKey {
    /// The component name: `local`, `remote`, `database`, or pullimap's section.
    public static let component = "component"
    /// The mailbox the entry is about.
    public static let mailbox = "mailbox"
}

extension Logger {
    /// A copy of this logger whose entries are about component `name` (`%n` of `log-prefix`).
    public func withComponent(_ name: String?) -> Logger {
        var copy = self
        copy[metadataKey: LogMetadataKey.component] = name.map { .string($0) }
        return copy
    }

    /// A copy of this logger whose entries are about `mailbox` (`%m` of `log-prefix`); nil clears it.
    public func withMailbox(_ mailbox: String?) -> Logger {
        var copy = self
        copy[metadataKey: LogMetadataKey.mailbox] = mailbox.map { .string($0) }
        return copy
    }
}
