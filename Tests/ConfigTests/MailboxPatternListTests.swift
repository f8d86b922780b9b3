import XCTest
@testable import Engine

final class MailboxPatternListTests: XCTestCase {
    private func parse(_ value: String) throws -> [String] { try MailboxPatternList.parse(value) }

    private func assertError(_ value: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let patterns = try parse(value)
            XCTFail("expected \(message), got \(patterns)", file: file, line: line)
        } catch {
            XCTAssertEqual((error as? MailboxPatternListError)?.description, message, file: file, line: line)
        }
    }

    func testUnquotedPatterns() throws {
        XCTAssertEqual(try parse("INBOX"), ["INBOX"])
        XCTAssertEqual(try parse("  a   b\tc "), ["a", "b", "c"])
        XCTAssertEqual(try parse("* % Lists/% a]b a'b"), ["*", "%", "Lists/%", "a]b", "a'b"])
    }

    func testQuotedPatternsAndEscapes() throws {
        XCTAssertEqual(try parse("\"a b\" c"), ["a b", "c"])
        XCTAssertEqual(try parse(#""a\tb""#), ["a\tb"])
        XCTAssertEqual(try parse(#""\n\r\a\b\f\v""#), ["\n\r\u{07}\u{08}\u{0C}\u{0B}"])
        XCTAssertEqual(try parse(#""a\\b\"c""#), ["a\\b\"c"])
        XCTAssertEqual(try parse(#""a\x41b""#), ["aAb"])
        XCTAssertEqual(try parse(#""a\x4a\x4A""#), ["aJJ"])
        XCTAssertEqual(try parse(#""a\x4142""#), ["aA42"], "\\xHH takes exactly two digits")
    }

    func testNulStandsForTheHierarchyDelimiter() throws {
        XCTAssertEqual(try parse(#""foo\x00bar""#), ["foo\u{0}bar"])
        XCTAssertEqual(try parse(#""foo\0bar""#), ["foo\u{0}bar"])
        XCTAssertEqual(try parse(#""foo\01""#), ["foo\u{0}1"], "\\0 is NUL, not the start of an octal escape")
    }

    func testErrors() {
        assertError(#""ab"#, "unterminated quoted name (missing the closing '\"') at offset 0")
        assertError(#"x "a\"#, "unterminated quoted name (missing the closing '\"') at offset 2")
        assertError(#""""#, "empty quoted name at offset 0")
        assertError(#""a"b"#, "a quoted name must be followed by a space at offset 3")
        assertError(#"a"b""#, "character '\"' is not allowed outside double quotes at offset 1")
        assertError(#"a\x00b"#, "character '\\' is not allowed outside double quotes at offset 1")
        assertError("a(b", "character '(' is not allowed outside double quotes at offset 1")
        assertError("a{b", "character '{' is not allowed outside double quotes at offset 1")
        assertError(#""a\qb""#, "unknown escape sequence '\\q' at offset 2")
        assertError(#""a\101""#, "unknown escape sequence '\\1' at offset 2")
        assertError(#""a\x4""#, "'\\x' must be followed by two hexadecimal digits at offset 2")
        assertError(#""a\xzz""#, "'\\x' must be followed by two hexadecimal digits at offset 2")
        assertError(#""a\xff""#, "'\\xff' is not ASCII (mailbox names must be modified UTF-7) at offset 2")
        assertError("bo\u{EE}te", "non-ASCII character '\u{EE}' (mailbox names must be modified UTF-7) at offset 2")
        assertError("\"\u{EE}\"", "non-ASCII character '\u{EE}' (mailbox names must be modified UTF-7) at offset 1")
        assertError("   ", "no mailbox pattern at offset 0")
    }
}
