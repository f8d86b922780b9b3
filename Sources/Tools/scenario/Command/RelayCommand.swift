import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `scenario relay --log FILE --label NAME -- COMMAND...`: runs COMMAND (a tunnel to a server)
/// and copies bytes between it and this program's stdin/stdout, appending every line to FILE
/// as `NAME C: ...` (client to server) or `NAME S: ...`. Used by `replay --verbose`.
struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay", abstract: "Relay stdin/stdout to a command, logging the traffic.", shouldDisplay: false)

    @Option(name: .long) var log: String
    @Option(name: .long) var label: String = "server"
    @Argument(parsing: .captureForPassthrough) var command: [String] = []

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        var words = command
        if words.first == "--" { words.removeFirst() }
        guard let executable = words.first else { throw ValidationError("give the command to relay to") }
        let child = try ChildProcess(executable: executable, arguments: Array(words.dropFirst()),
                                     environment: ProcessInfo.processInfo.environment, stdinPipe: true,
                                     output: .pipe(keepStderr: true), newProcessGroup: false)
        let logFD = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard let toChild = child.stdinPipe, let fromChild = child.stdoutPipe else { throw RunnerError("relay: no pipes") }
        let clientSide = LineLogger(fd: logFD, prefix: "\(label) C: ")
        let serverSide = LineLogger(fd: logFD, prefix: "\(label) S: ")
        let upstream = Thread {
            Self.copy(from: 0, to: toChild, logger: clientSide)
            close(toChild)
        }
        upstream.start()
        Self.copy(from: fromChild, to: 1, logger: serverSide)
        close(1)
        let status = child.wait(timeout: 3600) ?? .signaled(SIGKILL)
        if case .exited(let code) = status { Foundation.exit(code) }
        Foundation.exit(1)
    }

    static func copy(from source: Int32, to destination: Int32, logger: LineLogger) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { logger.flush(); return }
            logger.add(buffer[0..<n])
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { write(destination, $0.baseAddress.map { $0 + offset }, n - offset) }
                if w < 0 { if errno == EINTR { continue }; logger.flush(); return }
                offset += w
            }
        }
    }
}

/// Splits a byte stream into lines and appends them, prefixed, to a log descriptor.
final class LineLogger: @unchecked Sendable {
    let fd: Int32
    let prefix: String
    /// Only touched by the one thread copying this direction.
    private var pending: [UInt8] = []

    init(fd: Int32, prefix: String) {
        self.fd = fd
        self.prefix = prefix
    }

    func add(_ bytes: ArraySlice<UInt8>) {
        pending += bytes
        var text = ""
        while let lf = pending.firstIndex(of: 10) {
            var line = Array(pending[..<lf])
            pending.removeFirst(lf + 1)
            if line.last == 13 { line.removeLast() }
            text += prefix + Self.printable(line) + "\n"
        }
        emit(text)
    }

    func flush() {
        if !pending.isEmpty { emit(prefix + Self.printable(pending) + "\n"); pending = [] }
    }

    private func emit(_ text: String) {
        guard fd >= 0, !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    static func printable(_ line: [UInt8]) -> String {
        if let s = String(validating: line, as: UTF8.self), !s.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" }) { return s }
        return "<\(line.count) bytes of binary data>"
    }
}
