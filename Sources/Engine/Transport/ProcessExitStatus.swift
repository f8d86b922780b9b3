#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a tunnel command ended.
public enum ProcessExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// exit(code).
    case exited(Int32)
    /// Terminated by a signal.
    case signaled(Int32)
    /// The child was reaped elsewhere (waitpid gave ECHILD), so its status is not known.
    case unavailable

    /// Decodes a waitpid(2) status (WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift cannot call).
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    /// True for `exited(0)`.
    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal):
            let name = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
            return "killed by signal \(signal) (\(name))"
        case .unavailable: return "exit status unavailable"
        }
    }
}
