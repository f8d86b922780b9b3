import Foundation
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

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, feeding it `input`.
@discardableResult
func runProcess(_ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    if let environment { process.environment = environment }
    let output = Pipe(), errors = Pipe(), inputPipe = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = inputPipe
    try process.run()
    // Read both pipes on their own threads so neither fills up and blocks the child.
    let collected = CollectedOutput()
    let group = DispatchGroup()
    for (index, pipe) in [output, errors].enumerated() {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(index, data)
            group.leave()
        }
    }
    if !input.isEmpty { inputPipe.fileHandleForWriting.write(Data(input)) }
    try inputPipe.fileHandleForWriting.close()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: collected.get(0), as: UTF8.self),
                         stderr: String(decoding: collected.get(1), as: UTF8.self))
}

/// Output gathered by reader threads.
final class CollectedOutput: @unchecked Sendable {
    /// Protects `data`.
    private let lock = NSLock()
    private var data: [Int: Data] = [:]
    func set(_ index: Int, _ value: Data) { lock.withLock { data[index] = value } }
    func get(_ index: Int) -> Data { lock.withLock { data[index] ?? Data() } }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
