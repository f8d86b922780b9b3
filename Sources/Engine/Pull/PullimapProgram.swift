import Foundation
import Logging

/// The `pullimap` program once its command line is parsed: load the configuration, then for
/// each section lock the statefile, connect, and pull (pullimap(1)), or report its status or
/// what its server offers.
///
/// Several sections run one after the other, each with its own statefile, lock and
/// connections; a failing section does not stop the next. With `--idle` they run side by side,
/// each idling on its own connection. The exit status is the worst of the sections' (see
/// ``worst(_:)``).
public enum PullimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one
    /// line. `output` receives what `--status-only` and `--serverinfo` print (standard output
    /// by default).
    public static func run(_ invocation: PullimapInvocation, environment: ConfigEnvironment = .current(),
                           output: @escaping @Sendable (String) -> Void = { print($0) }) -> ExitStatus {
        var file: INIFile?
        var sink: LogSink?
        var progressLine: ProgressLine?
        var sections: [String] = []
        let setup = ProgramFailure.report(program: "pullimap") {
            let path = environment.pullimapConfigFile(option: invocation.configPath)
            let parsed = try INIFile(contentsOf: path)
            sections = invocation.allSections ? parsed.sectionNames : invocation.sections
            guard !sections.isEmpty else { throw ConfigError(file: path, reason: "--all: the file has no section besides the default one") }
            file = parsed
            progressLine = invocation.progress.isEnabled(descriptor: STDERR_FILENO, quiet: invocation.quiet) ? ProgressLine() : nil
            sink = try LogSink(threshold: LogSink.threshold(quiet: invocation.quiet, debugLevel: invocation.debugLevel),
                               progressLine: progressLine)
        }
        guard setup == .success, let file, let sink else { return setup }
        defer {
            progressLine?.finish()
            sink.close()
        }
        let context = SectionContext(file: file, invocation: invocation, environment: environment, sink: sink, output: output)
        if invocation.idleTimeout != nil && sections.count > 1 {
            return worst(concurrently(sections) { context.run(section: $0) })
        }
        return worst(sections.map { context.run(section: $0) })
    }

    /// The status of a run of several sections: success only if all succeeded; a temporary
    /// failure (75, worth retrying as it is) only if no section failed otherwise; else the
    /// first other failure.
    public static func worst(_ statuses: [ExitStatus]) -> ExitStatus {
        if let hard = statuses.first(where: { $0 != .success && $0 != .temporaryFailure }) { return hard }
        return statuses.contains(.temporaryFailure) ? .temporaryFailure : .success
    }

    /// Runs `body` for each section on a thread of its own and returns the statuses in order.
    private static func concurrently(_ sections: [String], _ body: @escaping @Sendable (String) -> ExitStatus) -> [ExitStatus] {
        let results = StatusSlots(count: sections.count)
        let group = DispatchGroup()
        for (index, section) in sections.enumerated() {
            group.enter()
            let thread = Thread {
                results.set(index, body(section))
                group.leave()
            }
            thread.name = "pull-\(section)"
            thread.start()
        }
        group.wait()
        return results.values
    }
}

/// The exit statuses of sections running side by side.
private final class StatusSlots: @unchecked Sendable {
    /// Protects `slots`.
    private let lock = NSLock()
    private var slots: [ExitStatus]
    init(count: Int) { slots = Array(repeating: .success, count: count) }
    func set(_ index: Int, _ status: ExitStatus) { lock.withLock { slots[index] = status } }
    var values: [ExitStatus] { lock.withLock { slots } }
}

/// What every section of one run shares.
private struct SectionContext: @unchecked Sendable {
    let file: INIFile
    let invocation: PullimapInvocation
    let environment: ConfigEnvironment
    let sink: LogSink
    let output: @Sendable (String) -> Void

    func run(section name: String) -> ExitStatus {
        ProgramFailure.report(program: "pullimap") {
            let configuration = try PullimapConfiguration(file: file, section: name, environment: environment)
            for warning in configuration.warnings {
                sink.record(level: .warning, component: name, mailbox: "", message: warning.description)
            }
            let settings = PullSettings(configuration: configuration, invocation: invocation)
            let log = PullLog(sink: sink, section: configuration.section, mailbox: configuration.mailbox)
            do {
                switch invocation.mode {
                case .statusOnly:
                    try withSession(configuration, log: log, compress: configuration.connection.compress) { session in
                        let connection = PullConnection(session: session, mailboxName: configuration.mailbox)
                        let report = try PullStatusReport.query(connection, statefilePath: configuration.statefile, section: name)
                        output(report.line(section: name, mailbox: configuration.mailbox))
                    }
                case .serverInfo:
                    // No COMPRESS: the TLS layer stays the session's stream, for its details.
                    try withSession(configuration, log: log, compress: false) { session in
                        let connection = PullConnection(session: session, mailboxName: configuration.mailbox)
                        _ = try connection.execute(.examine(MailboxName(configuration.mailbox)))
                        for line in ServerInfo.lines(section: name, session: session, mailbox: connection.mailbox,
                                                     mailboxName: configuration.mailbox) { output(line) }
                    }
                case .pull:
                    // The statefile is locked before any network traffic: a second instance stops here.
                    let statefile = try PullStatefile.open(path: configuration.statefile)
                    defer { statefile.close() }
                    if settings.idleTimeout != nil {
                        try IdleReconnection(log: log).run { cycleSucceeded in
                            try pull(configuration, settings: settings, log: log, statefile: statefile, cycleSucceeded: cycleSucceeded)
                        }
                    } else {
                        try pull(configuration, settings: settings, log: log, statefile: statefile, cycleSucceeded: {})
                    }
                }
            } catch let error as PullError {
                // Written as a log line, `section: ERROR: message`, as the reference does.
                let line = error.logLine
                sink.record(level: .error, component: line.component, mailbox: line.mailbox, message: line.message)
                throw LoggedFailure(exitStatus: error.exitStatus)
            }
        }
    }

    /// Connects and logs in, runs `body`, logs out and logs the traffic figures. A failure is
    /// logged first, `section: ERROR: ...`, then the traffic, as the reference orders them;
    /// under `--idle` a temporary one goes back to ``IdleReconnection``, which says so itself.
    private func withSession(_ configuration: PullimapConfiguration, log: PullLog, compress: Bool, keepAlive: Bool = false,
                             _ body: (IMAPSession) throws -> Void) throws {
        var options = configuration.connection
        options.compress = compress
        let traffic = TrafficCounter()
        let login = SessionLogin(options: options, name: configuration.section, keepAlive: keepAlive,
                                 debugLevel: invocation.debugLevel, debugLog: log.imapTrafficLog, traffic: traffic)
        let trafficLine = { log.accountInfo("IMAP traffic (bytes): \(traffic.summary)") }
        do {
            let session: IMAPSession
            do { session = try login.open() } catch { throw ConnectionFailure(server: configuration.section, error: error) }
            defer { session.logout() }
            session.alertHandler = { text in log.warning("ALERT: \(text)") }
            try body(session)
        } catch {
            let underlying = (error as? ConnectionFailure)?.error ?? error
            if keepAlive && IdleReconnection.isTemporary(underlying) {
                trafficLine()
                throw underlying
            }
            let line = Self.logLine(error, section: configuration.section)
            sink.record(level: .error, component: line.component, mailbox: line.mailbox, message: line.message)
            trafficLine()
            throw LoggedFailure(exitStatus: (error as? ExitStatusProviding)?.exitStatus ?? .software)
        }
        trafficLine()
    }

    /// An error as a log line of `section`: component, mailbox, and the text after `ERROR: `.
    private static func logLine(_ error: Error, section: String) -> (component: String, mailbox: String, message: String) {
        switch error {
        case let error as PullError: return error.logLine
        case let error as ConnectionFailure: return (section, "", error.message)
        default:
            let text = String(describing: error)
            return (section, "", text.hasPrefix(section + ": ") ? String(text.dropFirst(section.count + 2)) : text)
        }
    }

    private func pull(_ configuration: PullimapConfiguration, settings: PullSettings, log: PullLog, statefile: PullStatefile,
                      cycleSucceeded: @escaping () -> Void) throws {
        try withSession(configuration, log: log, compress: configuration.connection.compress,
                        keepAlive: settings.idleTimeout != nil) { session in
            let channel = DeliveryChannel(target: configuration.deliverMethod, clientDomain: configuration.deliverEHLO,
                                          trace: log.isDebugEnabled ? log.mailTrafficLog : nil)
            defer { channel.close() }
            let run = PullRun(settings: settings, connection: PullConnection(session: session, mailboxName: configuration.mailbox),
                              statefile: statefile, channel: channel, log: log)
            // One progress line for the run; with --idle and several sections the latest
            // cycle draws it.
            run.progress = PullProgress(line: sink.progressLine,
                                        label: sink.prefix.render(name: configuration.section, mailbox: configuration.mailbox))
            run.cycleCompleted = cycleSucceeded
            try run.run()
        }
    }
}
