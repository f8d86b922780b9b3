import Foundation
import Logging

/// The `pullimap` program once its command line is parsed: load the configuration, then run.
public enum PullimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: PullimapInvocation, environment: ConfigEnvironment = .current()) -> ExitStatus {
        ProgramFailure.report(program: "pullimap") {
            let path = environment.pullimapConfigFile(option: invocation.configPath)
            let configuration = try PullimapConfiguration.load(path: path, section: invocation.section, environment: environment)
            let sink = try LogSink(threshold: LogSink.threshold(quiet: invocation.quiet, debugLevel: invocation.debugLevel))
            defer { sink.close() }
            for warning in configuration.warnings {
                sink.record(level: .warning, component: invocation.section, mailbox: "", message: warning.description)
            }
            throw ProgramFailure(status: .unavailable, message: "pulling is not implemented yet")
        }
    }
}
