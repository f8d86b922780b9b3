import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
enum TerminationStatus: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let s): return s == SIGKILL ? "killed (SIGKILL)" : "killed by signal \(s)"
        }
    }
}

/// A process started (with the engine's `ChildSpawn`) in its own process group, so that it and everything it
/// starts (tunnel commands, fake servers) can be waited for and, if need be, killed together.
/// Descendants orphaned by a crash of the engine are reparented to init; the group counts as
/// ended when none of its processes is alive (zombies waiting for init do not count).
final class ChildProcess {
    let pid: pid_t
    private(set) var status: TerminationStatus?
    /// The parent's ends of the pipes, when asked for.
    let stdinPipe: Int32?
    let stdoutPipe: Int32?

    enum Output {
        /// Appended to this file (stdout and stderr both).
        case file(String)
        /// A pipe for stdout; stderr goes to /dev/null, or is inherited with `keepStderr`.
        case pipe(keepStderr: Bool)
        case null
    }

    init(executable: String, arguments: [String], environment: [String: String],
         stdinPipe wantStdinPipe: Bool = false, output: Output, newProcessGroup: Bool = true) throws {
        var toClose: [Int32] = []
        defer { for fd in toClose { close(fd) } }
        var stdin = ChildSpawn.Stream.null
        var parentStdin: Int32?
        if wantStdinPipe {
            var fds: [Int32] = [0, 0]
            guard Self.makePipe(&fds) else { throw RunnerError("pipe: \(String(cString: strerror(errno)))") }
            stdin = .descriptor(fds[0])
            toClose.append(fds[0])
            parentStdin = fds[1]
        }
        let stdout: ChildSpawn.Stream, stderr: ChildSpawn.Stream
        var parentStdout: Int32?
        switch output {
        case .file(let path):
            (stdout, stderr) = (.file(path, append: true), .standardOutput)
        case .pipe(let keepStderr):
            var fds: [Int32] = [0, 0]
            guard Self.makePipe(&fds) else {
                if let fd = parentStdin { close(fd) }
                throw RunnerError("pipe: \(String(cString: strerror(errno)))")
            }
            (stdout, stderr) = (.descriptor(fds[1]), keepStderr ? .inherit : .null)
            toClose.append(fds[1])
            parentStdout = fds[0]
        case .null:
            (stdout, stderr) = (.null, .standardOutput)
        }
        do {
            // The shared spawner: its own process group, SIGPIPE back to the default, an empty
            // signal mask, no descriptor of ours beyond the three.
            pid = try ChildSpawn.spawn([executable] + arguments, environment: environment, stdin: stdin,
                                       stdout: stdout, stderr: stderr, newProcessGroup: newProcessGroup)
        } catch ChildSpawn.Failure.spawn(let message) {
            if let fd = parentStdin { close(fd) }
            if let fd = parentStdout { close(fd) }
            throw RunnerError("cannot run \(message)")
        }
        stdinPipe = parentStdin
        stdoutPipe = parentStdout
    }

    /// pipe(2) with both ends close-on-exec (the child gets its ends through dup2).
    static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// The status if the process has ended (reaps it).
    func poll() -> TerminationStatus? {
        if let status { return status }
        var raw: Int32 = 0
        let r = waitpid(pid, &raw, WNOHANG)
        guard r == pid else { return nil }
        status = Self.decode(raw)
        return status
    }

    /// Waits up to `timeout` seconds; nil if still running.
    func wait(timeout: TimeInterval) -> TerminationStatus? {
        let deadline = Date().addingTimeInterval(timeout)
        var pause: useconds_t = 1000
        while true {
            if let s = poll() { return s }
            if Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    func signal(_ signal: Int32) { if status == nil { kill(pid, signal) } }

    /// Kills the process and everything it started.
    func killGroup() { kill(-pid, SIGKILL) }

    /// Waits until no process of the group (tunnels, servers) is alive; after `timeout` kills them.
    func waitForGroup(timeout: TimeInterval = 5) {
        let deadline = Date().addingTimeInterval(timeout)
        var killed = false
        while Self.groupIsAlive(pid) {
            if Date() >= deadline {
                if killed { return }
                kill(-pid, SIGKILL)
                killed = true
            }
            usleep(2000)
        }
    }

    /// Whether a process of group `group` is alive (not a zombie), from /proc/PID/stat.
    static func groupIsAlive(_ group: pid_t) -> Bool {
        if kill(-group, 0) != 0 && errno == ESRCH { return false }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return false }
        for entry in entries where entry.first?.isNumber == true {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/stat"),
                  let text = String(data: data, encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { continue }
            // After "pid (comm) ": state, ppid, pgrp.
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count >= 3, let pgrp = Int32(fields[2]), pgrp == group else { continue }
            if fields[0] != "Z" && fields[0] != "X" { return true }
        }
        return false
    }

    static func decode(_ raw: Int32) -> TerminationStatus {
        let signal = raw & 0x7f
        if signal == 0 { return .exited((raw >> 8) & 0xff) }
        return .signaled(signal)
    }
}
