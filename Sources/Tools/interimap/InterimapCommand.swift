import ArgumentParser
import Engine
import Foundation
import ToolOptions

/// `interimap [OPTION ...] [COMMAND] [MAILBOX ...]` (interimap(1)).
@main
struct InterimapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interimap",
        abstract: "Fast bidirectional synchronization for QRESYNC-capable IMAP servers.",
        discussion: """
            interimap performs stateful synchronization between two IMAP4rev1 servers ([local] and \
            [remote] in the configuration file), using QRESYNC (RFC 7162). The servers must also \
            support LIST-EXTENDED, LIST-STATUS (or NOTIFY) and UIDPLUS. The association between \
            local and remote UIDs, and each mailbox's UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ, are \
            kept in an SQLite database.

            Without a command, each mailbox listed by LIST "" "*" (narrowed by list-mailbox, \
            list-select-opts and ignore-mailbox) is synchronized; MAILBOX arguments replace that \
            list and are taken as is (modified UTF-7, unquoted, local hierarchy delimiter).

            Configuration: $XDG_CONFIG_HOME/interimap/config (~/.config/interimap/config).
            Exit status: 0 on success; sysexits(3) codes otherwise (64 usage, 78 configuration, \
            75 temporary failure, 69 server unavailable, 76 protocol error, 65 bad data).
            """,
        version: "interimap version \(InterIMAPVersion.string)")

    /// The three commands are one exclusive choice: the parser itself rejects two of them.
    enum Action: String, EnumerableFlag {
        case repair, delete, rename

        static func help(for value: Action) -> ArgumentHelp? {
            switch value {
            case .repair: return "List the database anomalies and repair them with a full synchronization."
            case .delete: return "Delete the given MAILBOXes on each target (not recursive)."
            case .rename: return "Rename the mailbox SOURCE to DEST on each target (recursive)."
            }
        }
    }

    @ArgumentParser.Flag(exclusivity: .exclusive)
    var action: Action?

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Limit --delete/--rename to local, remote or database (repeatable, or comma-separated).", valueName: "target"))
    var target: [String] = []

    @Option(help: ArgumentHelp("Keep synchronizing, sleeping SECONDS between runs (default 60, or 900 with --notify). Written --watch, --watch=SECONDS or --watch SECONDS.", valueName: "seconds"))
    var watch: String?

    @ArgumentParser.Flag(help: "Use the IMAP NOTIFY extension (RFC 5465) on both servers instead of polling (implies --watch).")
    var notify = false

    @ArgumentParser.Flag(name: .customLong("dry-run"),
                         help: "Read both servers and the database and log what would be changed, each line marked [dry-run]; change nothing.")
    var dryRun = false

    @ArgumentParser.Flag(inversion: .prefixedNo,
                         help: "Show mailboxes and messages done of how many on one line of the standard error (default: when it is a terminal).")
    var progress: Bool?

    @Argument(help: ArgumentHelp("Mailboxes (SOURCE DEST for --rename).", valueName: "MAILBOX"))
    var mailboxes: [String] = []

    func invocation() throws -> InterimapInvocation {
        var invocation = try InterimapInvocation.make(repair: action == .repair, delete: action == .delete, rename: action == .rename,
                                                      mailboxes: mailboxes, targets: target, watch: watch, notify: notify,
                                                      quiet: common.quiet, debugLevel: common.debug, configPath: common.configPath,
                                                      dryRun: dryRun)
        invocation.progress = ProgressLine.Mode(flag: progress)
        return invocation
    }

    func validate() throws {
        try InvocationErrors.validate(invocation)
    }

    func run() throws {
        let status = InterimapProgram.run(try InvocationErrors.checked(invocation))
        if status != .success { throw ExitCode(status.rawValue) }
    }

    static func main() {
        let arguments = OptionalValueArguments.normalize(Array(CommandLine.arguments.dropFirst()),
                                                         optionalValueOptions: ["watch"])
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
