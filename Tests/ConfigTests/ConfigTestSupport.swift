import XCTest
@testable import Engine

/// A fake environment: HOME=/home/u, data in /data, configuration in /conf.
let testEnvironment = ConfigEnvironment(
    variables: ["HOME": "/home/u", "XDG_DATA_HOME": "/data", "XDG_CONFIG_HOME": "/conf"],
    passwordDatabaseHome: "/home/pw", effectiveUserName: "alice")

func parseInterimap(_ text: String, path: String = "config") throws -> InterimapConfiguration {
    try InterimapConfiguration(file: INIFile(text: text, path: path), environment: testEnvironment)
}

func parsePullimap(_ text: String, section: String = "acct", path: String = "pullimap") throws -> PullimapConfiguration {
    try PullimapConfiguration(file: INIFile(text: text, path: path), section: section, environment: testEnvironment)
}

/// Asserts that `body` throws a ``ConfigError`` whose description is exactly `message`.
func XCTAssertConfigError<T>(_ body: @autoclosure () throws -> T, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected the error \(message)", file: file, line: line)
    } catch let error as ConfigError {
        XCTAssertEqual(error.description, message, file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
