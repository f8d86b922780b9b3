import Foundation
import Logging

/// The `interimap` program once its command line is parsed: load the configuration, lock the
/// database, connect, and carry out the command.
public enum InterimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: InterimapInvocation, environment: ConfigEnvironment = .current()) -> ExitStatus {
        ProgramFailure.report(program: "interimap") {
            let path = environment.interimapConfigFile(option: invocation.configPath)
            let configuration = try InterimapConfiguration.load(path: path, environment: environment)
            // The progress line's counts (SyncProgress(line: sink.progressLine)) are for the
            // synchronizer to report; the line is erased before the last words of the run.
            let progressLine = invocation.progress.isEnabled(descriptor: STDERR_FILENO, quiet: invocation.quiet) ? ProgressLine() : nil
            let sink = try configuration.openLogSink(threshold: LogSink.threshold(quiet: invocation.quiet, debugLevel: invocation.debugLevel),
                                                     progressLine: progressLine)
            defer {
                progressLine?.finish()
                sink.close()
            }
            // The stores' own lines (ALERTs, ignored names) are facts; the run's are changes,
            // marked as not made in a dry run.
            let log = SyncLog(sink: sink)
            let runLog = SyncLog(sink: sink, dryRun: invocation.dryRun)
            for warning in configuration.warnings {
                sink.record(level: .warning, component: "", mailbox: "", message: warning.description)
            }
            // The database is locked before any network traffic: a second instance stops here.
            let database = invocation.dryRun ? try SyncDatabase(inMemoryCopyOf: configuration.database)
                                             : try SyncDatabase(path: configuration.database)
            if database.isNew { runLog.notice("", "", "Creating new schema in database file \(configuration.database)") }
            let stores: (local: IMAPMailStore, remote: IMAPMailStore)
            do {
                stores = try IMAPStoreConnector.connect(configuration, invocation: invocation, log: log)
            } catch {
                logFatal(error, to: sink)
                throw LoggedFailure(exitStatus: (error as? ExitStatusProviding)?.exitStatus ?? .software)
            }
            let run: InterimapSynchronization
            if invocation.dryRun {
                for store in [stores.local, stores.remote] { store.readOnly = true }
                run = InterimapSynchronization(configuration: configuration, log: runLog, database: database,
                                               local: DryRunMailStore(stores.local), remote: DryRunMailStore(stores.remote))
            } else {
                run = InterimapSynchronization(configuration: configuration, log: log, database: database,
                                               local: stores.local, remote: stores.remote)
            }
            do {
                switch invocation.command {
                case .synchronize(let mailboxes):
                    if let interval = invocation.watchInterval {
                        try WatchLoop(run: run, interval: interval, notify: invocation.notify, mailboxes: mailboxes,
                                      shutdown: ShutdownSignal()).start()
                    } else {
                        try run.synchronize(repair: false, mailboxes: mailboxes)
                    }
                case .repair(let mailboxes):
                    try run.synchronize(repair: true, mailboxes: mailboxes)
                case .delete(let mailboxes):
                    try run.learnDelimiters()
                    try MailboxAdministration(run: run, targets: invocation.targets).delete(mailboxes)
                case .rename(let source, let destination):
                    try run.learnDelimiters()
                    try MailboxAdministration(run: run, targets: invocation.targets).rename(from: source, to: destination)
                }
            } catch {
                logFatal(error, to: sink)
                run.finish()
                throw LoggedFailure(exitStatus: (error as? ExitStatusProviding)?.exitStatus ?? .software)
            }
            run.finish()
        }
    }

    /// Fatal errors are log lines too, `component: ERROR: message`, as the reference writes them
    /// (to the logfile as well when one is set).
    private static func logFatal(_ error: Error, to sink: LogSink) {
        switch error {
        case let e as SyncError: sink.record(level: .error, component: e.component, mailbox: "", message: e.message)
        case let e as ServerFailure: sink.record(level: .error, component: e.server, mailbox: e.mailbox ?? "", message: e.message)
        case let e as ConnectionFailure: sink.record(level: .error, component: e.server, mailbox: "", message: e.message)
        default: sink.record(level: .error, component: "", mailbox: "", message: String(describing: error))
        }
    }
}
