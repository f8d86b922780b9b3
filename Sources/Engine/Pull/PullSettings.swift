import Foundation

/// What a pull does, from the configuration section and the command line.
public struct PullSettings: Sendable, Equatable {
    /// The section: the component name of log lines.
    public var section: String
    /// `mailbox` (UTF-8, as configured).
    public var mailbox: String
    /// `deliver-rcpt`.
    public var recipient: String
    /// `purge-after`.
    public var purge: PurgePolicy
    /// `--no-delivery`.
    public var noDelivery: Bool
    /// `--idle[=seconds]`: nil to stop after one cycle.
    public var idleTimeout: TimeInterval?

    public init(section: String, mailbox: String = "INBOX", recipient: String, purge: PurgePolicy = PurgePolicy(days: nil),
                noDelivery: Bool = false, idleTimeout: TimeInterval? = nil) {
        self.section = section
        self.mailbox = mailbox
        self.recipient = recipient
        self.purge = purge
        self.noDelivery = noDelivery
        self.idleTimeout = idleTimeout
    }

    public init(configuration: PullimapConfiguration, invocation: PullimapInvocation) {
        self.init(section: configuration.section, mailbox: configuration.mailbox, recipient: configuration.deliverRecipient,
                  purge: PurgePolicy(days: configuration.purgeAfterDays), noDelivery: invocation.noDelivery,
                  idleTimeout: invocation.idleTimeout.map { TimeInterval($0) })
    }
}
