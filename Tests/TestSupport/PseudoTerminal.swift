import Foundation

/// Runs a program on a pseudo-terminal, as from an interactive shell: its standard input, output
/// and error are the terminal (isatty(3) is true), and what it draws there is returned, control
/// sequences and all. The terminal is made by python3's pty module (a standard one, on every
/// machine the tests run on), which forks the program with the terminal as its controlling one.
public enum PseudoTerminal {
    public struct Output {
        /// The exit status, or 128 + the signal that ended the program.
        public var status: Int32
        /// Everything written to the terminal; the terminal's `\r\n` for each `\n` (ONLCR) is
        /// turned back into `\n`.
        public var text: String
    }

    static let driver = """
        import fcntl, os, pty, struct, sys, termios
        columns = int(sys.argv[1])
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
            os.execv(sys.argv[2], sys.argv[2:])
        out = bytearray()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the program and its children closed the terminal
                break
            if not data:
                break
            out += data
        _, status = os.waitpid(pid, 0)
        sys.stdout.buffer.write(out)
        sys.exit(os.waitstatus_to_exitcode(status) % 256 if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
        """

    /// Runs `executable ARGUMENTS` on a terminal `columns` wide, with `environment` added to ours.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           columns: Int = 100) throws -> Output {
        let result = try RunningProcess.run("python3", ["-c", driver, String(columns), executable] + arguments,
                                            environment: environment)
        let text = result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
        return Output(status: result.status, text: text)
    }
}
