#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starting a child process with posix_spawnp (execvp's PATH search): tunnel commands and
/// `passwordeval`. The child gets the default action for SIGPIPE back and an empty signal mask,
/// and none of our descriptors beyond the three it is given.
enum ChildSpawn {
    enum Failure: Error { case spawn(String) }

    /// - Parameters:
    ///   - stdin, stdout: descriptors to put there; nil leaves ours.
    ///   - newProcessGroup: the child leads a process group of its own, so that everything it
    ///     starts can be killed together (`kill(-pid, ...)`).
    static func spawn(_ arguments: [String], stdin: Int32?, stdout: Int32?, nullStderr: Bool = false,
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

        if let stdin { posix_spawn_file_actions_adddup2(&actions, stdin, 0) }
        if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        if nullStderr {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
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
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        guard let program = argv[0] else { throw Failure.spawn("empty command") }
        let rc = posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
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
