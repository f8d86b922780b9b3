import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// How a program run by a test ended, and what it wrote.
public struct ProcessResult: Sendable {
    /// The exit status, or the signal number when `signaled`.
    public var status: Int32
    /// Whether a signal ended the process.
    public var signaled: Bool
    /// The standard output (with the standard error too when it was merged), as bytes.
    public var stdoutBytes: [UInt8]
    /// The standard error, when captured apart.
    public var stderr: String
    public var duration: TimeInterval
    public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    public var killedBySIGKILL: Bool { signaled && status == SIGKILL }
}

/// The one way tests run a program (ours, the reference's, a system tool): a separate thread
/// drains each captured pipe, so a child that fills one while the other is read never blocks;
/// stdin is fed from a thread too; and every run has a timeout, after which the process is
/// killed and the test fails instead of hanging the suite.
public final class RunningProcess: @unchecked Sendable {
    /// What the standard input reads.
    public enum Input: Sendable {
        case null
        /// These bytes, then end of file.
        case bytes([UInt8])
        /// A pipe the test writes to (`input`) and closes when done.
        case pipe
    }

    /// Where a standard output or error goes.
    public enum Output: Sendable {
        /// Captured into the result.
        case capture
        /// For stdout: a pipe the test reads as the program runs (`output`).
        case stream
        /// For stderr: wherever stdout goes, interleaved as written.
        case merged
        /// Written to this file (created or truncated).
        case file(String)
        case null
    }

    public let process = Process()
    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// SIGTERM.
    public func terminate() { process.terminate() }
    /// Waits for the end with no limit (after the test has signalled the process itself).
    public func waitUntilExit() { process.waitUntilExit() }
    /// The write end of stdin, with `Input.pipe`.
    public private(set) var input: FileHandle?
    /// The read end of stdout, with `Output.stream`.
    public private(set) var output: FileHandle?
    private let started = Date()
    private let drained = DispatchGroup()
    private let stdoutBox = Collected()
    private let stderrBox = Collected()
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `executable` (searched in PATH when it has no slash).
    /// - Parameters:
    ///   - environment: added to ours (a nil value removes a variable); with `inherit` false, the
    ///     whole environment.
    public init(_ executable: String, _ arguments: [String], stdin: Input = .null,
                environment: [String: String?] = [:], inheritEnvironment: Bool = true, directory: String? = nil,
                stdout: Output = .capture, stderr: Output = .capture) throws {
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let outPipe = Pipe()
        process.standardOutput = try Self.handle(stdout, pipe: outPipe)
        process.standardError = try stderr.isMerged ? process.standardOutput : Self.handle(stderr, pipe: Pipe())
        let inPipe = Pipe()
        if case .null = stdin { process.standardInput = FileHandle.nullDevice } else { process.standardInput = inPipe }
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
        switch stdout {
        case .capture: drain(outPipe, into: stdoutBox)
        case .stream: output = outPipe.fileHandleForReading
        default: break
        }
        if case .capture = stderr, let pipe = process.standardError as? Pipe { drain(pipe, into: stderrBox) }
        switch stdin {
        case .null: break
        case .pipe: input = inPipe.fileHandleForWriting
        case .bytes(let bytes):
            Thread {
                // A child that exits without reading gets EPIPE here, not a SIGPIPE for us.
                signal(SIGPIPE, SIG_IGN)
                try? inPipe.fileHandleForWriting.write(contentsOf: Data(bytes))
                try? inPipe.fileHandleForWriting.close()
            }.start()
        }
    }

    private static func handle(_ output: Output, pipe: Pipe) throws -> Any {
        switch output {
        case .capture, .merged, .stream: return pipe
        case .null: return FileHandle.nullDevice
        case .file(let path):
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown) }
            return handle
        }
    }

    private func drain(_ pipe: Pipe, into box: Collected) {
        drained.enter()
        let handle = pipe.fileHandleForReading
        Thread { [drained] in
            box.set(handle.readDataToEndOfFile())
            drained.leave()
        }.start()
    }

    /// Waits at most `timeout` seconds for the end; past it, kills the process (SIGKILL) and
    /// fails the test.
    public func wait(timeout: TimeInterval = 120, file: StaticString = #filePath, line: UInt = #line) -> ProcessResult {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("\(process.executableURL?.path ?? "process") \(process.arguments ?? []) did not finish within \(timeout) s",
                    file: file, line: line)
            exited.wait()
        }
        process.waitUntilExit()
        // The pipes end when every holder of their write ends has: a grandchild still holding
        // one must not hang the test either.
        _ = drained.wait(timeout: .now() + 10)
        return ProcessResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                             stdoutBytes: Array(stdoutBox.get()), stderr: String(decoding: stderrBox.get(), as: UTF8.self),
                             duration: Date().timeIntervalSince(started))
    }

    /// Waits at most `timeout` seconds, then sends `signal` (to a run meant to go on, such as
    /// `--watch`) and waits for the end; `stopped` says whether it had to.
    public func stop(after timeout: TimeInterval, with signal: Int32,
                     file: StaticString = #filePath, line: UInt = #line) -> (result: ProcessResult, stopped: Bool) {
        let stopped = exited.wait(timeout: .now() + timeout) == .timedOut
        if stopped { kill(process.processIdentifier, signal) } else { exited.signal() }
        return (wait(timeout: 60, file: file, line: line), stopped)
    }

    /// Runs a program to its end (see `init` and `wait`).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], stdin: Input = .null,
                           environment: [String: String?] = [:], inheritEnvironment: Bool = true,
                           directory: String? = nil, stdout: Output = .capture, stderr: Output = .capture,
                           timeout: TimeInterval = 120, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        try RunningProcess(executable, arguments, stdin: stdin, environment: environment, inheritEnvironment: inheritEnvironment,
                           directory: directory, stdout: stdout, stderr: stderr)
            .wait(timeout: timeout, file: file, line: line)
    }
}

extension RunningProcess.Output {
    var isMerged: Bool { if case .merged = self { return true } else { return false } }
}

/// Bytes gathered by a reader thread.
private final class Collected: @unchecked Sendable {
    /// Protects `data`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}
