import Foundation
import XCTest

/// A fresh directory under the system's temporary directory, removed when `testCase` ends.
public func makeTemporaryDirectory(_ testCase: XCTestCase, prefix: String = "tests") throws -> String {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(prefix + "-" + UUID().uuidString)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}
