/// What one `interimap` run was asked to do: the command line, parsed and checked
/// (interimap(1), COMMANDS and OPTIONS).
public struct InterimapInvocation: Sendable, Equatable {
    /// The action; the default is the QRESYNC-based synchronization.
    public enum Command: Sendable, Equatable {
        /// Synchronize the given mailboxes, or those the LIST options select when empty.
        case synchronize(mailboxes: [String])
        /// `--repair [MAILBOX ...]`: list database anomalies and do a full synchronization.
        case repair(mailboxes: [String])
        /// `--delete MAILBOX ...`: delete on each target (not recursive, per RFC 3501 §6.3.4).
        case delete(mailboxes: [String])
        /// `--rename SOURCE DEST`: rename on each target (recursive, per RFC 3501 §6.3.5).
        case rename(source: String, destination: String)
    }

    /// A place `--delete` and `--rename` act on (`--target`).
    public enum Target: String, Sendable, CaseIterable, Hashable {
        case local, remote, database
    }

    public var command: Command
    /// Targets of `--delete`/`--rename`; all three unless `--target` narrowed them.
    public var targets: Set<Target>
    /// `--watch[=seconds]`: keep synchronizing, sleeping this long between runs.
    public var watchInterval: Int?
    /// `--notify`: rely on RFC 5465 NOTIFY events instead of polling.
    public var notify: Bool
    public var quiet: Bool
    /// 0 none, 1 traffic with credentials redacted, 2 or more traffic including credentials.
    public var debugLevel: Int
    /// `--config=FILE` as given (resolved against XDG_CONFIG_HOME by the configuration loader).
    public var configPath: String?
    /// `--progress`/`--no-progress`: whether a progress line is drawn (``SyncProgress``).
    public var progress: ProgressLine.Mode = .automatic
    /// `--dry-run`: read both servers and the database, log what the command would change (each
    /// line marked), and change nothing (``DryRunMailStore``, ``SyncDatabase/init(inMemoryCopyOf:)``).
    public var dryRun = false

    public init(command: Command = .synchronize(mailboxes: []), targets: Set<Target> = Set(Target.allCases),
                watchInterval: Int? = nil, notify: Bool = false, quiet: Bool = false, debugLevel: Int = 0,
                configPath: String? = nil) {
        self.command = command; self.targets = targets; self.watchInterval = watchInterval
        self.notify = notify; self.quiet = quiet; self.debugLevel = debugLevel; self.configPath = configPath
    }

    /// Builds and checks an invocation from the raw options, with the reference's rules: at most one
    /// command; `--rename` takes exactly two names and `--delete` at least one; `--target` only
    /// with `--delete` or `--rename`, repeated or comma-separated (`--target=local,remote`);
    /// `--watch` and `--notify` only for synchronization, and `--notify` alone implies `--watch`.
    /// MAILBOX arguments must be modified UTF-7 (RFC 3501 §5.1.3) and are refused before any
    /// connection otherwise; `inbox` in any case is INBOX (RFC 3501 §5.1), which cannot be deleted.
    public static func make(repair: Bool, delete: Bool, rename: Bool, mailboxes rawMailboxes: [String], targets: [String],
                            watch: String?, notify: Bool, quiet: Bool, debugLevel: Int,
                            configPath: String?, dryRun: Bool = false) throws -> InterimapInvocation {
        let commands = [repair ? "--repair" : nil, delete ? "--delete" : nil, rename ? "--rename" : nil].compactMap { $0 }
        guard commands.count <= 1 else {
            throw CommandLineError("\(commands.joined(separator: " and ")) cannot be combined: give at most one command")
        }
        var parsedTargets = Set<Target>()
        for t in targets.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }) {
            guard let target = Target(rawValue: t.lowercased()) else {
                throw CommandLineError("--target: unknown value '\(t)' (expected local, remote or database)")
            }
            parsedTargets.insert(target)
        }
        if !targets.isEmpty && !(delete || rename) {
            throw CommandLineError("--target is only meaningful with --delete or --rename")
        }
        let mailboxes = try rawMailboxes.map(checkedMailbox)
        if delete, mailboxes.contains("INBOX") {
            throw CommandLineError("INBOX can't be deleted", isUsage: false)
        }
        let command: Command
        if rename {
            guard mailboxes.count == 2 else {
                throw CommandLineError("--rename takes exactly two mailboxes, SOURCE and DEST (got \(mailboxes.count))")
            }
            command = .rename(source: mailboxes[0], destination: mailboxes[1])
        } else if delete {
            guard !mailboxes.isEmpty else { throw CommandLineError("--delete takes at least one MAILBOX") }
            command = .delete(mailboxes: mailboxes)
        } else if repair {
            command = .repair(mailboxes: mailboxes)
        } else {
            command = .synchronize(mailboxes: mailboxes)
        }
        if watch != nil, !commands.isEmpty {
            throw CommandLineError("--watch cannot be combined with \(commands[0])")
        }
        if notify, !commands.isEmpty {
            throw CommandLineError("--notify cannot be combined with \(commands[0])")
        }
        // A dry run is one pass: repeated, it would report the same changes again and again.
        if dryRun, watch != nil || notify {
            throw CommandLineError("--dry-run cannot be combined with \(watch != nil ? "--watch" : "--notify")")
        }
        // interimap(1): the default interval is 1 minute, or 15 minutes with --notify, which
        // implies --watch.
        let watch = watch ?? (notify ? OptionalValueArguments.defaultMarker : nil)
        let interval = try OptionalValueArguments.seconds(watch, option: "watch", defaultSeconds: notify ? 900 : 60)
        var invocation = InterimapInvocation(command: command, targets: parsedTargets.isEmpty ? Set(Target.allCases) : parsedTargets,
                                             watchInterval: interval, notify: notify, quiet: quiet, debugLevel: debugLevel,
                                             configPath: configPath)
        invocation.dryRun = dryRun
        return invocation
    }

    /// A MAILBOX argument as the servers will be asked for it: valid modified UTF-7, with a
    /// case-insensitive `inbox` spelled INBOX.
    static func checkedMailbox(_ name: String) throws -> String {
        do { _ = try ModifiedUTF7.decode(name) } catch {
            throw CommandLineError("Invalid mailbox name \(name): not modified UTF-7 (RFC 3501 §5.1.3)", isUsage: false)
        }
        return name.uppercased() == "INBOX" ? "INBOX" : name
    }
}
