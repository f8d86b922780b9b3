import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// type=tunnel: a command whose standard input and output are one end of a connected
/// socketpair(AF_UNIX, SOCK_STREAM), the other end being this stream (interimap(1), `type`).
///
/// The child is spawned with posix_spawn: its stdin and stdout are the socket, stderr is
/// inherited or /dev/null (`null-stderr`), and no other descriptor of ours leaks into it
/// (everything we open is close-on-exec, and descriptors from 3 up are closed in the child
/// where the C library can). `close()` closes our end, then reaps the child: a command that
/// does not exit on end of input within `terminationGracePeriod` gets SIGTERM, then SIGKILL.
public final class TunnelStream: ByteStream, @unchecked Sendable {
    /// The `command` option, as given.
    public let command: String
    /// The child's process ID.
    public let processID: pid_t
    /// How long `close()` waits for the child to exit on its own before each signal.
    public let terminationGracePeriod: Double

    private let socket: SocketStream
    /// Protects `status`; held while reaping so that concurrent `close()` calls reap once.
    private let reapLock = NSLock()
    private var status: ProcessExitStatus?

    private init(command: String, processID: pid_t, socket: SocketStream, terminationGracePeriod: Double) {
        self.command = command
        self.processID = processID
        self.socket = socket
        self.terminationGracePeriod = terminationGracePeriod
    }

    deinit { close() }

    /// Starts `command` (through `/bin/sh -c` when it has shell metacharacters, see
    /// `TunnelCommand`) connected to a new stream. Throws `.tunnel` when it cannot be started,
    /// e.g. "No such file or directory" for a missing program.
    public static func spawn(command: String, nullStderr: Bool = false,
                             terminationGracePeriod: Double = 2, silence: SilenceLimit? = nil) throws -> TunnelStream {
        try spawn(arguments: TunnelCommand.arguments(for: command), command: command, nullStderr: nullStderr,
                  terminationGracePeriod: terminationGracePeriod, silence: silence)
    }

    /// Starts the program of `arguments` (PATH search) connected to a new stream; `command` names
    /// it in errors.
    public static func spawn(arguments: [String], command: String, nullStderr: Bool = false,
                             terminationGracePeriod: Double = 2, silence: SilenceLimit? = nil) throws -> TunnelStream {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, streamSocketType, 0, &pair) == 0 else {
            throw TransportError.tunnel(command: command, message: "socketpair: \(errnoText(errno))")
        }
        let ours = pair[0]
        var theirs = pair[1]
        prepareDescriptor(ours)
        prepareDescriptor(theirs)
        // The child's end is duplicated onto 0 and 1; were it itself 0, 1 or 2 (our own standard
        // descriptors closed), dup2 onto the same number would keep its close-on-exec flag.
        if theirs <= 2 {
            let moved = fcntl(theirs, F_DUPFD_CLOEXEC, 3)
            closeDescriptor(theirs)
            guard moved >= 0 else {
                closeDescriptor(ours)
                throw TransportError.tunnel(command: command, message: "fcntl: \(errnoText(errno))")
            }
            theirs = moved
        }
        defer { closeDescriptor(theirs) }

        let pid: pid_t
        do {
            pid = try spawnProcess(arguments, stdio: theirs, nullStderr: nullStderr)
        } catch let TransportError.tunnel(_, message) {
            closeDescriptor(ours)
            throw TransportError.tunnel(command: command, message: message)
        }
        let peer = "tunnel '\(command)'"
        return TunnelStream(command: command, processID: pid, socket: SocketStream(adopting: ours, peer: peer, silence: silence),
                            terminationGracePeriod: terminationGracePeriod)
    }

    /// The child's stdin and stdout are the socket.
    private static func spawnProcess(_ arguments: [String], stdio fd: Int32, nullStderr: Bool) throws -> pid_t {
        do {
            return try ChildSpawn.spawn(arguments, stdin: fd, stdout: fd, nullStderr: nullStderr)
        } catch ChildSpawn.Failure.spawn(let message) {
            throw TransportError.tunnel(command: "", message: message)
        }
    }

    public func read(maxLength: Int) throws -> [UInt8] { try socket.read(maxLength: maxLength) }
    public func write(_ bytes: [UInt8]) throws { try socket.write(bytes) }
    public func shutdownWrite() { socket.shutdownWrite() }

    /// Closes our end of the socket (the command reads end of file) and reaps the command.
    public func close() {
        socket.close()
        reap()
    }

    /// The command's exit status once reaped (after `close()`), nil before.
    public var exitStatus: ProcessExitStatus? {
        reapLock.lock(); defer { reapLock.unlock() }
        return status
    }

    /// Waits for the command to exit, escalating to SIGTERM then SIGKILL after each
    /// `terminationGracePeriod`, so that no zombie is left behind.
    @discardableResult
    private func reap() -> ProcessExitStatus? {
        reapLock.lock(); defer { reapLock.unlock() }
        if let status { return status }
        for signal in [Int32(0), SIGTERM, SIGKILL] {
            if signal != 0 { _ = kill(processID, signal) }
            let patience = signal == SIGKILL ? Double.infinity : terminationGracePeriod
            if let result = waitForChild(upTo: patience) {
                status = result
                return result
            }
        }
        return nil
    }

    /// Polls waitpid(WNOHANG) with growing pauses (a command usually exits within a
    /// millisecond of reading end of file) until the child is reaped or `seconds` have passed.
    private func waitForChild(upTo seconds: Double) -> ProcessExitStatus? {
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 200
        while true {
            var raw: Int32 = 0
            let rc = waitpid(processID, &raw, WNOHANG)
            if rc == processID { return ProcessExitStatus(waitStatus: raw) }
            if rc < 0 && errno == EINTR { continue }
            if rc < 0 {
                // ECHILD: reaped elsewhere (e.g. SIGCHLD set to SIG_IGN by the program).
                return .unavailable
            }
            if Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }
}
