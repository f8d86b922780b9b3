import Foundation
import TestSupport
import XCTest

/// The outcome of running one of the package's executables as a user would (the shared runner's).
typealias ToolRun = ProcessResult

/// Locates the package's executables (here or installed) and runs them with the shared runner.
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
            throw XCTSkip("\(tool) missing")
        }
        return try run(executable: url.path, arguments, environment: environment, file: file, line: line)
    }

    /// Runs any program (found on PATH when `executable` has no slash), in `directory` if given.
    static func run(executable: String, _ arguments: [String], environment: [String: String] = [:],
                    directory: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> ToolRun {
        try RunningProcess.run(executable, arguments, environment: environment, directory: directory, file: file, line: line)
    }
}
