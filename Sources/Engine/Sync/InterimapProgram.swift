import Foundation

/// The `interimap` program once its command line is parsed: load the configuration, then run.
public enum InterimapProgram {
    /// Runs one invocation and returns the exit status; failures are reported on stderr as one line.
    public static func run(_ invocation: InterimapInvocation, environment: [String: String] = ProcessInfo.processInfo.environment) -> ExitStatus {
        ProgramFailure.report(program: "interimap") {
            throw ProgramFailure(status: .unavailable, message: "synchronization is not implemented yet")
        }
    }
}
