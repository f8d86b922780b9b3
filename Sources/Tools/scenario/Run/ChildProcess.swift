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

/// A process started with posix_spawn in its own process group, so that it and everything it
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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // Default signal handling in the child (the runner ignores SIGPIPE).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        let groupFlag = newProcessGroup ? POSIX_SPAWN_SETPGROUP : 0
        posix_spawnattr_setflags(&attributes, Int16(groupFlag | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var toClose: [Int32] = []
        defer { for fd in toClose { close(fd) } }
        var parentStdin: Int32?
        if wantStdinPipe {
            var fds: [Int32] = [0, 0]
            guard Self.makePipe(&fds) else { throw RunnerError("pipe: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            toClose.append(fds[0])
            parentStdin = fds[1]
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        var parentStdout: Int32?
        switch output {
        case .file(let path):
            posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe(let keepStderr):
            var fds: [Int32] = [0, 0]
            guard Self.makePipe(&fds) else { throw RunnerError("pipe: \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            if !keepStderr { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }
            toClose.append(fds[1])
            parentStdout = fds[0]
        case .null:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            if let fd = parentStdin { close(fd) }
            if let fd = parentStdout { close(fd) }
            throw RunnerError("cannot run \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
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
