import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The unprivileged account dovecot runs as in tests.
let testUser = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest"

/// Fails (under CI) or skips (locally) when a system tool or condition is missing.
func requireTools(_ tools: [String], user: Bool = false, root: Bool = false) throws {
    var missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
    if user && getpwnam(testUser) == nil { missing.append("user \(testUser)") }
    if root && geteuid() != 0 { missing.append("root (to run dovecot as \(testUser))") }
    guard missing.isEmpty else {
        let message = "missing \(missing.joined(separator: ", ")); run scripts/setup.sh"
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail(message)
            throw XCTSkip("failed: " + message)
        }
        throw XCTSkip(message)
    }
}

/// Runs a program to completion, feeding it `input` (the shared runner; `environment`, when
/// given, is the whole environment).
@discardableResult
func runProcess(_ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) throws -> ProcessResult {
    try RunningProcess.run(arguments[0], Array(arguments.dropFirst()), stdin: .bytes(input),
                           environment: environment ?? [:], inheritEnvironment: environment == nil)
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
