/// What one `pullimap` run was asked to do (pullimap(1), Synopsis and Options).
public struct PullimapInvocation: Sendable, Equatable {
    /// What the run does with each section.
    public enum Mode: Sendable, Equatable {
        /// Pull and deliver (the default).
        case pull
        /// `--status-only`: count the messages waiting and their size; deliver nothing.
        case statusOnly
        /// `--serverinfo`: show what the server offers; deliver nothing, leave the statefile.
        case serverInfo
    }

    /// The configuration sections naming the accounts to pull from, in order (empty with `--all`).
    public var sections: [String]
    /// `--all`: every section of the file except the default one.
    public var allSections: Bool
    public var mode: Mode
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

    /// The first section (the only one of the reference's single-section command line).
    public var section: String { sections.first ?? "" }

    public init(sections: [String], allSections: Bool = false, mode: Mode = .pull, idleTimeout: Int? = nil,
                noDelivery: Bool = false, quiet: Bool = false, debugLevel: Int = 0, configPath: String? = nil) {
        self.sections = sections; self.allSections = allSections; self.mode = mode
        self.idleTimeout = idleTimeout; self.noDelivery = noDelivery
        self.quiet = quiet; self.debugLevel = debugLevel; self.configPath = configPath
    }

    public init(section: String, idleTimeout: Int? = nil, noDelivery: Bool = false, quiet: Bool = false,
                debugLevel: Int = 0, configPath: String? = nil) {
        self.init(sections: [section], idleTimeout: idleTimeout, noDelivery: noDelivery, quiet: quiet,
                  debugLevel: debugLevel, configPath: configPath)
    }

    public static func make(section: String, idle: String?, noDelivery: Bool, quiet: Bool, debugLevel: Int,
                            configPath: String?) throws -> PullimapInvocation {
        try make(sections: [section], all: false, statusOnly: false, serverInfo: false, idle: idle, noDelivery: noDelivery,
                 quiet: quiet, debugLevel: debugLevel, configPath: configPath)
    }

    public static func make(sections: [String], all: Bool, statusOnly: Bool, serverInfo: Bool, idle: String?,
                            noDelivery: Bool, quiet: Bool, debugLevel: Int, configPath: String?) throws -> PullimapInvocation {
        if all && !sections.isEmpty { throw CommandLineError("--all takes no SECTION (it pulls every section of the file)") }
        if !all && sections.isEmpty { throw CommandLineError("missing SECTION (or --all)") }
        if sections.contains("") { throw CommandLineError("SECTION must not be empty") }
        if let repeated = sections.first(where: { name in sections.filter { $0 == name }.count > 1 }) {
            throw CommandLineError("section '\(repeated)' is given twice")
        }
        if statusOnly && serverInfo { throw CommandLineError("--status-only and --serverinfo cannot be combined") }
        let mode: Mode = statusOnly ? .statusOnly : serverInfo ? .serverInfo : .pull
        if mode != .pull && idle != nil {
            throw CommandLineError("--idle cannot be combined with --\(statusOnly ? "status-only" : "serverinfo")")
        }
        if mode != .pull && noDelivery {
            throw CommandLineError("--no-delivery cannot be combined with --\(statusOnly ? "status-only" : "serverinfo")")
        }
        // pullimap(1): each IDLE lasts at most 29 minutes by default (RFC 2177 §3 asks clients to
        // re-issue IDLE at least every 29 minutes to avoid the server's inactivity logout).
        let idle = try OptionalValueArguments.seconds(idle, option: "idle", defaultSeconds: 29 * 60)
        return PullimapInvocation(sections: sections, allSections: all, mode: mode, idleTimeout: idle, noDelivery: noDelivery,
                                  quiet: quiet, debugLevel: debugLevel, configPath: configPath)
    }
}
