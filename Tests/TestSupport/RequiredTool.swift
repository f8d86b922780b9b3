import Foundation
import XCTest

/// System tools some tests need (doveadm, interimap, ...). The project's rule: when a tool is
/// missing the test fails under CI (environment variable `CI` set) and is skipped elsewhere.
public enum RequiredTool {
    /// Returns `path` if it is an executable file; otherwise fails (CI) or skips the test.
    public static func require(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        let message = "\(path) is missing: run scripts/setup.sh"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message, file: file, line: line)
            throw XCTSkip(message)
        }
        throw XCTSkip(message)
    }

    /// The directory holding the package's built products (next to the test bundle), where
    /// executables such as fake-imapd are found.
    public static func productsDirectory() -> URL {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("fake-imapd").path) {
            return c
        }
        return candidates.first ?? URL(fileURLWithPath: ".")
    }

    /// A built product of this package, e.g. `fake-imapd`; fails the test if it was not built.
    public static func product(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = productsDirectory().appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(name) was not built at \(path): run `swift build` first", file: file, line: line)
            throw XCTSkip("\(name) missing")
        }
        return path
    }
}
