import Foundation
import Logging

/// The `pullimap` program once its command line is parsed: load the configuration, lock the
/// statefile, connect, and pull (pullimap(1)).
public enum PullimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: PullimapInvocation, environment: ConfigEnvironment = .current()) -> ExitStatus {
        ProgramFailure.report(program: "pullimap") {
            let path = environment.pullimapConfigFile(option: invocation.configPath)
            let configuration = try PullimapConfiguration.load(path: path, section: invocation.section, environment: environment)
            let progressLine = invocation.progress.isEnabled(descriptor: STDERR_FILENO, quiet: invocation.quiet) ? ProgressLine() : nil
            let sink = try LogSink(threshold: LogSink.threshold(quiet: invocation.quiet, debugLevel: invocation.debugLevel),
                                   progressLine: progressLine)
            defer {
                progressLine?.finish()
                sink.close()
            }
            for warning in configuration.warnings {
                sink.record(level: .warning, component: invocation.section, mailbox: "", message: warning.description)
            }
            let settings = PullSettings(configuration: configuration, invocation: invocation)
            let log = PullLog(sink: sink, section: configuration.section, mailbox: configuration.mailbox)

            // The statefile is locked before any network traffic: a second instance stops here.
            let statefile = try PullStatefile.open(path: configuration.statefile)
            defer { statefile.close() }
            do {
                try pull(configuration: configuration, invocation: invocation, settings: settings, log: log, statefile: statefile)
            } catch let error as PullError {
                // Written as a log line, `section: ERROR: message`, as the reference does.
                let line = error.logLine
                sink.record(level: .error, component: line.component, mailbox: line.mailbox, message: line.message)
                throw LoggedFailure(exitStatus: error.exitStatus)
            }
        }
    }

    private static func pull(configuration: PullimapConfiguration, invocation: PullimapInvocation, settings: PullSettings,
                             log: PullLog, statefile: PullStatefile) throws {
        let traffic = TrafficCounter()
        let login = SessionLogin(options: configuration.connection, name: configuration.section,
                                 keepAlive: settings.idleTimeout != nil, debugLevel: invocation.debugLevel,
                                 debugLog: log.imapTrafficLog, traffic: traffic)
        let session = try login.open()
        defer {
            session.logout()
            log.accountInfo("IMAP traffic (bytes): recv \(InterimapSynchronization.bytes(traffic.bytesReceived)) "
                            + "sent \(InterimapSynchronization.bytes(traffic.bytesSent))")
        }
        session.alertHandler = { text in log.warning("ALERT: \(text)") }
        let channel = DeliveryChannel(method: configuration.deliverMethod, clientDomain: configuration.deliverEHLO,
                                      trace: log.isDebugEnabled ? log.mailTrafficLog : nil)
        defer { channel.close() }
        let run = PullRun(settings: settings, connection: PullConnection(session: session, mailboxName: configuration.mailbox),
                          statefile: statefile, channel: channel, log: log)
        run.progress = PullProgress(line: log.sink.progressLine,
                                    label: log.sink.prefix.render(name: configuration.section, mailbox: configuration.mailbox))
        try run.run()
    }
}
