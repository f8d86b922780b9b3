import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory removed after the test.
func makeTemporaryDirectory(_ testCase: XCTestCase, prefix: String = "deliverytests") throws -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(prefix + "-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// The unprivileged account dovecot runs as in tests.
let testUser = ProcessInfo.processInfo.environment["INTERIMAP_TEST_USER"] ?? "imaptest"

/// Fails (under CI) or skips (locally) when a system tool or condition is missing.
func requireTools(_ tools: [String], user: Bool = false, root: Bool = false, python: [String] = []) throws {
    var missing = tools.filter { !FileManager.default.isExecutableFile(atPath: $0) }
    if user && getpwnam(testUser) == nil { missing.append("user \(testUser)") }
    if root && geteuid() != 0 { missing.append("root (to run dovecot as \(testUser))") }
    for module in python {
        let check = try? runProcess(["/usr/bin/env", "python3", "-c", "import \(module)"])
        if check?.status != 0 { missing.append("python3 module \(module)") }
    }
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

/// A TCP port nobody listens on right now (bound to port 0, then released).
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw XCTSkip("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw XCTSkip("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
func waitForListener(port: Int, timeout: TimeInterval = 10) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout)
    while Date() < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        close(fd)
        if result == 0 { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return false
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
