import ArgumentParser
import Engine
import Foundation
import ToolOptions

/// `pullimap [--config=FILE] [--idle[=SECONDS]] [--no-delivery] [--quiet] [--status-only | --serverinfo]
/// (SECTION... | --all)` (pullimap(1), with several sections and the two reporting modes added).
@main
struct PullimapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pullimap",
        abstract: "Pull mails from an IMAP mailbox and deliver them over SMTP/LMTP, to a maildir, an mbox or an MDA.",
        discussion: """
            pullimap retrieves new messages from the mailbox of each given SECTION and delivers them \
            (deliver-method: smtp:/lmtp: over TCP or a unix socket, maildir:, mbox:, mda:); it can \
            also remove old messages (purge-after). A \
            statefile keeps the mailbox's UIDVALIDITY and UIDNEXT, and the UIDs delivered while a \
            UID FETCH is in progress, so that an interrupted run neither loses nor duplicates mail.

            Configuration: $XDG_CONFIG_HOME/pullimap (~/.config/pullimap).
            Exit status: 0 on success; sysexits(3) codes otherwise (64 usage, 78 configuration, \
            75 temporary failure, 69 server unavailable, 76 protocol error, 65 bad data).
            """,
        version: "pullimap version \(InterIMAPVersion.string)")

    @OptionGroup var common: CommonOptions

    @Option(help: ArgumentHelp("Keep the connection open and IDLE, for at most SECONDS each time (default 1740). Written --idle, --idle=SECONDS or --idle SECONDS.", valueName: "seconds"))
    var idle: String?

    @ArgumentParser.Flag(help: "Update the statefile, but skip delivery.")
    var noDelivery = false

    @ArgumentParser.Flag(name: .customLong("all"), help: "Pull from every section of the configuration file (not the default section).")
    var allSections = false

    @ArgumentParser.Flag(name: .customLong("status-only"), help: "Print how many messages wait in each section and their size; deliver nothing.")
    var statusOnly = false

    @ArgumentParser.Flag(name: .customLong("serverinfo"), help: "Print the server's greeting, capabilities, TLS certificate and mailbox state; deliver nothing.")
    var serverInfo = false

    @ArgumentParser.Flag(inversion: .prefixedNo,
                         help: "Show messages delivered of how many on one line of the standard error (default: when it is a terminal).")
    var progress: Bool?

    @Argument(help: "The configuration sections to pull from, in order.")
    var sections: [String] = []

    func invocation() throws -> PullimapInvocation {
        var invocation = try PullimapInvocation.make(sections: sections, all: allSections, statusOnly: statusOnly,
                                                     serverInfo: serverInfo, idle: idle, noDelivery: noDelivery, quiet: common.quiet,
                                                     debugLevel: common.debug, configPath: common.configPath)
        invocation.progress = ProgressLine.Mode(flag: progress)
        return invocation
    }

    func validate() throws {
        try InvocationErrors.validate(invocation)
    }

    func run() throws {
        let status = PullimapProgram.run(try InvocationErrors.checked(invocation))
        if status != .success { throw ExitCode(status.rawValue) }
    }

    static func main() {
        let arguments = OptionalValueArguments.normalize(Array(CommandLine.arguments.dropFirst()),
                                                         optionalValueOptions: ["idle"])
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
