import Foundation

/// The `pullimap` program once its command line is parsed: load the configuration, then run.
public enum PullimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: PullimapInvocation, environment: [String: String] = ProcessInfo.processInfo.environment) -> ExitStatus {
        ProgramFailure.report(program: "pullimap") {
            throw ProgramFailure(status: .unavailable, message: "pulling is not implemented yet")
        }
    }
}
