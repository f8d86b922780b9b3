import XCTest
@testable import Engine

final class MailboxExclusionTests: XCTestCase {
    func testNulDelimiterInThePattern() throws {
        // interimap(1): "^virtual(?:\x00|$) excludes the mailbox named "virtual" as well as its descendants."
        let exclusion = try MailboxExclusion(pattern: #"^virtual(?:\x00|$)"#)
        XCTAssertTrue(exclusion.excludes("virtual"))
        XCTAssertTrue(exclusion.excludes("virtual\u{0}All"))
        XCTAssertTrue(exclusion.excludes("virtual\u{0}a\u{0}b"))
        XCTAssertFalse(exclusion.excludes("virtually"))
        XCTAssertFalse(exclusion.excludes("INBOX\u{0}virtual"))
        XCTAssertFalse(exclusion.excludes(""))
    }

    func testPerlSyntax() throws {
        let exclusion = try MailboxExclusion(pattern: #"(?i)^(?:trash|spam)\z|\x00Archive\d{4}$"#)
        XCTAssertTrue(exclusion.excludes("TRASH"))
        XCTAssertTrue(exclusion.excludes("Lists\u{0}Archive2019"))
        XCTAssertFalse(exclusion.excludes("Trash\u{0}x"))
        XCTAssertTrue(try MailboxExclusion(pattern: "&AOk-").excludes("caf&AOk-"), "modified UTF-7 names are plain ASCII")
    }

    func testBadExpression() {
        for pattern in ["(", "a{2,1}", "[z-a]", "*x"] {
            XCTAssertThrowsError(try MailboxExclusion(pattern: pattern)) { error in
                XCTAssertEqual((error as? MailboxExclusionError)?.description, "invalid regular expression '\(pattern)'")
            }
        }
    }
}
