import Foundation
import TestSupport
import XCTest

/// Runs the built `scenario` program (it sits next to the test executable) and the package's
/// paths the scenario tests need.
enum ScenarioTool {
    struct Result {
        var status: Int32
        var output: String
    }

    static var productsDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["INTERIMAP_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static var executable: String { productsDirectory.appendingPathComponent("scenario").path }

    /// The package's Scenarios/ directory.
    static var libraryDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scenarios").path
    }

    /// Every scenario file of the library, sorted.
    static var libraryFiles: [String] {
        let dir = libraryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".ini") }.sorted().map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Runs `scenario ARGUMENTS` with the shared runner, stdout and stderr interleaved.
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let result = try RunningProcess.run(executable, arguments, environment: environment, stderr: .merged,
                                            timeout: 1200, file: file, line: line)
        return Result(status: result.status, output: result.stdout)
    }

    /// A scenario file with this text in a fresh temporary directory.
    static func write(_ text: String, name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-test-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
