import Foundation

/// A failure that ends a program run: one line on stderr, `PROGRAM: MESSAGE`, and an exit status.
public struct ProgramFailure: Error, CustomStringConvertible, ExitStatusProviding {
    public let exitStatus: ExitStatus
    public let message: String
    public init(status: ExitStatus, message: String) { self.exitStatus = status; self.message = message }
    public var description: String { message }

    /// Runs `body`, turning any error into its one-line report and exit status.
    public static func report(program: String, _ body: () throws -> Void) -> ExitStatus {
        do {
            try body()
            return .success
        } catch let logged as LoggedFailure {
            return logged.exitStatus
        } catch {
            let status = (error as? ExitStatusProviding)?.exitStatus ?? .software
            let line = "\(program): \(String(describing: error))\n"
            FileHandle.standardError.write(Data(line.utf8))
            return status
        }
    }
}

/// A failure already written to the log: only its exit status remains to be returned.
public struct LoggedFailure: Error, ExitStatusProviding {
    public let exitStatus: ExitStatus
    public init(exitStatus: ExitStatus) { self.exitStatus = exitStatus }
}
