import Foundation
import Logging

/// The `interimap` program once its command line is parsed: load the configuration, then run.
public enum InterimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: InterimapInvocation, environment: ConfigEnvironment = .current()) -> ExitStatus {
        ProgramFailure.report(program: "interimap") {
            let path = environment.interimapConfigFile(option: invocation.configPath)
            let configuration = try InterimapConfiguration.load(path: path, environment: environment)
            let sink = try configuration.openLogSink(threshold: LogSink.threshold(quiet: invocation.quiet, debugLevel: invocation.debugLevel))
            defer { sink.close() }
            for warning in configuration.warnings {
                sink.record(level: .warning, component: "", mailbox: "", message: warning.description)
            }
            throw ProgramFailure(status: .unavailable, message: "synchronization is not implemented yet")
        }
    }
}
