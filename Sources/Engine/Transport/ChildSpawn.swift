#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting a child process with posix_spawnp (execvp's PATH search): the one spawner of tunnel
/// commands, `passwordeval`, the scenario tool's programs under test and the tests' helper
/// servers. The child gets the default action for SIGPIPE back and an empty signal mask, and
/// none of our descriptors beyond the three it is given.
public enum ChildSpawn {
    public enum Failure: Error { case spawn(String) }

    /// Where one of the child's standard descriptors comes from.
    public enum Stream: Sendable, Equatable {
        /// Ours, as it is.
        case inherit
        /// This descriptor of ours (dup2'd into place).
        case descriptor(Int32)
        /// /dev/null.
        case null
        /// A file opened for writing (created 0644), appended to or truncated.
        case file(String, append: Bool)
        /// For stderr: wherever stdout went.
        case standardOutput
    }

    /// - Parameters:
    ///   - stdin, stdout: descriptors to put there; nil leaves ours.
    ///   - newProcessGroup: the child leads a process group of its own, so that everything it
    ///     starts can be killed together (`kill(-pid, ...)`).
    static func spawn(_ arguments: [String], stdin: Int32?, stdout: Int32?, nullStderr: Bool = false,
                      newProcessGroup: Bool = false) throws -> pid_t {
        try spawn(arguments, stdin: stdin.map(Stream.descriptor) ?? .inherit,
                  stdout: stdout.map(Stream.descriptor) ?? .inherit, stderr: nullStderr ? .null : .inherit,
                  newProcessGroup: newProcessGroup)
    }

    /// Starts `arguments[0]` (searched in PATH when it has no slash) with `arguments` as its argv.
    /// - Parameters:
    ///   - environment: the child's whole environment; nil passes ours on.
    ///   - newProcessGroup: the child leads a process group of its own, so that everything it
    ///     starts can be killed together (`kill(-pid, ...)`).
    public static func spawn(_ arguments: [String], environment: [String: String]? = nil,
                             stdin: Stream = .inherit, stdout: Stream = .inherit, stderr: Stream = .inherit,
                             newProcessGroup: Bool = false) throws -> pid_t {
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .inherit: break
            case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path, let append):
                posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0o644)
            case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, target)
            }
        }
        addCloseFrom(&actions, 3)

        // A process that ignores SIGPIPE (as network programs often do) would pass that on
        // through exec: the command gets the default action back, and an empty signal mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newProcessGroup {
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        #if canImport(Darwin)
        flags |= Int16(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        posix_spawnattr_setflags(&attributes, flags)

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for p in argv { free(p) }
            for p in envp ?? [] { free(p) }
        }
        var pid: pid_t = 0
        guard let program = argv[0] else { throw Failure.spawn("empty command") }
        let rc = envp.map { posix_spawnp(&pid, program, &actions, &attributes, argv, $0) }
            ?? posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw Failure.spawn("\(arguments[0]): \(errnoText(rc))") }
        return pid
    }
    #if os(Linux)
    private typealias CloseFromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// posix_spawn_file_actions_addclosefrom_np (glibc 2.34) is hidden behind _GNU_SOURCE in
    /// the headers Swift imports: looked up at run time, and skipped on older C libraries,
    /// where close-on-exec on our own descriptors is the protection.
    private static let closeFrom: CloseFromFunction? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFromFunction.self)
    }()

    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        if let closeFrom { _ = closeFrom(&actions, lowest) }
    }
    #else
    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t?, _ lowest: Int32) {}
    #endif

}
