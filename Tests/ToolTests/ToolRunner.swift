import Foundation
import XCTest

/// Runs one of the package's executables as a user would, capturing its output and exit status.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum ToolRunner {
    /// The directory holding the built products: the test executable lives next to them
    /// (`INTERIMAP_BIN_DIR` overrides, e.g. to test installed binaries).
    static var productsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["INTERIMAP_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The root of the source tree (Package.swift, doc/, dist/, scripts/).
    static var sourceRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Whether `name` is an executable on PATH.
    static func isInstalled(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    /// Runs the built product `tool`.
    static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> ToolRun {
        let url = productsDirectory.appendingPathComponent(tool)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("\(url.path) is not built: run `swift build --build-tests` first", file: file, line: line)
            return ToolRun(status: -1, stdout: "", stderr: "")
        }
        return try run(executable: url.path, arguments, environment: environment)
    }

    /// Runs any program (found on PATH when `executable` has no slash), in `directory` if given.
    static func run(executable: String, _ arguments: [String], environment: [String: String] = [:],
                    directory: String? = nil) throws -> ToolRun {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Both pipes are drained at once (stderr on another thread), so a child that fills one
        // while the other is being read never blocks.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let errHandle = err.fileHandleForReading
        let done = DispatchSemaphore(value: 0)
        Thread { errBox.data = errHandle.readDataToEndOfFile(); done.signal() }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }
}
