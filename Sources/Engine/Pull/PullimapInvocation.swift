/// What one `pullimap` run was asked to do (pullimap(1), Synopsis and Options).
public struct PullimapInvocation: Sendable, Equatable {
    /// The configuration section naming the account to pull from.
    public var section: String
    /// `--idle[=seconds]`: keep the connection and IDLE, re-issued after this many seconds.
    public var idleTimeout: Int?
    /// `--no-delivery`: advance the statefile without delivering (migration from another retriever).
    public var noDelivery: Bool
    public var quiet: Bool
    public var debugLevel: Int
    public var configPath: String?
    /// `--progress`/`--no-progress`: whether messages delivered of how many are shown on the
    /// standard error (see ``ProgressLine``).
    public var progress: ProgressLine.Mode = .automatic

    public init(section: String, idleTimeout: Int? = nil, noDelivery: Bool = false, quiet: Bool = false,
                debugLevel: Int = 0, configPath: String? = nil) {
        self.section = section; self.idleTimeout = idleTimeout; self.noDelivery = noDelivery
        self.quiet = quiet; self.debugLevel = debugLevel; self.configPath = configPath
    }

    public static func make(section: String, idle: String?, noDelivery: Bool, quiet: Bool, debugLevel: Int,
                            configPath: String?) throws -> PullimapInvocation {
        guard !section.isEmpty else { throw CommandLineError("SECTION must not be empty") }
        // pullimap(1): each IDLE lasts at most 29 minutes by default (RFC 2177 §3 asks clients to
        // re-issue IDLE at least every 29 minutes to avoid the server's inactivity logout).
        let idle = try OptionalValueArguments.seconds(idle, option: "idle", defaultSeconds: 29 * 60)
        return PullimapInvocation(section: section, idleTimeout: idle, noDelivery: noDelivery, quiet: quiet,
                                  debugLevel: debugLevel, configPath: configPath)
    }
}
