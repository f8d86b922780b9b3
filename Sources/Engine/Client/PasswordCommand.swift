import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `passwordeval`: a shell command whose standard output is the password, or the access token of
/// an OAuth mechanism (the option of mpop(1) and msmtp(1)). It runs at each connection, before
/// anything is sent to the server, so that a token helper that refreshes tokens is asked again
/// for every new session.
public struct PasswordCommand: Sendable {
    /// The command, run as `/bin/sh -c COMMAND`.
    public var command: String
    /// The configuration section it belongs to, for errors.
    public var section: String
    /// How long the command may run. Long enough for a token helper's network round trip or a
    /// gpg passphrase prompt, short enough that a hung helper does not hang a cron job.
    public var timeout: TimeInterval
    /// The most output accepted: a password or a token, not a file.
    static let maximumOutput = 64 * 1024

    public init(command: String, section: String, timeout: TimeInterval = 60) {
        self.command = command; self.section = section; self.timeout = timeout
    }

    /// Why the command gave no secret.
    public enum Failure: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
        case couldNotStart(section: String, reason: String)
        case failed(section: String, status: ProcessExitStatus)
        case timedOut(section: String, seconds: Int)
        case noOutput(section: String)
        case tooLong(section: String)

        public var description: String {
            switch self {
            case let .couldNotStart(section, reason): return "[\(section)] passwordeval: cannot run /bin/sh: \(reason)"
            case let .failed(section, status): return "[\(section)] passwordeval: command \(status)"
            case let .timedOut(section, seconds): return "[\(section)] passwordeval: command still running after \(seconds) s, killed"
            case .noOutput(let section): return "[\(section)] passwordeval: command exited with status 0 and printed nothing"
            case .tooLong(let section): return "[\(section)] passwordeval: command printed more than \(PasswordCommand.maximumOutput) bytes"
            }
        }

        /// A helper that fails may work on the next try (a token endpoint down, a prompt not
        /// answered); one that prints nothing or too much is set up wrong.
        public var exitStatus: ExitStatus {
            switch self {
            case .failed, .timedOut: return .temporaryFailure
            case .couldNotStart: return .osError
            case .noOutput, .tooLong: return .configuration
            }
        }
    }

    /// Runs the command and returns its output without the trailing newline (one `\n`, or `\r\n`).
    /// Its standard input and standard error are ours, so that a pinentry or a helper's
    /// diagnostics reach the user.
    public func run() throws(Failure) -> String {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .couldNotStart(section: section, reason: "pipe: \(errnoText(errno))") }
        let readEnd = fds[0], writeEnd = fds[1]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do {
            // Its own process group, so that a timeout kills what it started too.
            pid = try ChildSpawn.spawn(["/bin/sh", "-c", command], stdin: nil, stdout: writeEnd, newProcessGroup: true)
        } catch {
            close(readEnd); close(writeEnd)
            throw .couldNotStart(section: section, reason: "\(error)")
        }
        close(writeEnd)
        defer { close(readEnd) }
        let deadline = Date().addingTimeInterval(timeout)
        func killed() -> Failure {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return .timedOut(section: section, seconds: Int(timeout.rounded()))
        }

        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var tooLong = false
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw killed() }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready <= 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count + n > Self.maximumOutput { tooLong = true } else { output += buffer[0..<n] }
        }
        // End of file: the command closed its output; now its exit status.
        var waitStatus: Int32 = 0
        while true {
            let rc = waitpid(pid, &waitStatus, WNOHANG)
            if rc == pid { break }
            if rc < 0 && errno != EINTR { throw .couldNotStart(section: section, reason: "waitpid: \(errnoText(errno))") }
            if deadline.timeIntervalSinceNow <= 0 { throw killed() }
            usleep(2_000)
        }
        let status = ProcessExitStatus(waitStatus: waitStatus)
        guard status.isSuccess else { throw .failed(section: section, status: status) }
        guard !tooLong else { throw .tooLong(section: section) }
        if output.last == UInt8(ascii: "\n") {
            output.removeLast()
            if output.last == UInt8(ascii: "\r") { output.removeLast() }
        }
        guard !output.isEmpty else { throw .noOutput(section: section) }
        return String(decoding: output, as: UTF8.self)
    }
}
