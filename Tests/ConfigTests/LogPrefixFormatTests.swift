import XCTest
@testable import Engine

final class LogPrefixFormatTests: XCTestCase {
    private func render(_ format: String, _ name: String, _ mailbox: String) throws -> String {
        try LogPrefixFormat(parsing: format).render(name: name, mailbox: mailbox)
    }

    func testDefaultFormat() throws {
        let format = LogPrefixFormat.default
        XCTAssertEqual(format.render(name: "local", mailbox: "INBOX"), "local(INBOX): ")
        XCTAssertEqual(format.render(name: "remote", mailbox: "a/b"), "remote(a/b): ")
        XCTAssertEqual(format.render(name: "local", mailbox: ""), "local: ")
        XCTAssertEqual(format.render(name: "", mailbox: "INBOX"), "")
        XCTAssertEqual(format.render(name: "", mailbox: ""), "")
        XCTAssertEqual(try LogPrefixFormat(parsing: LogPrefixFormat.defaultFormatString), format)
        XCTAssertEqual(format.description, "%?n?%?m?%n(%m)&%n?: ?")
    }

    /// Renderings checked against the reference interimap's log lines for the same formats.
    func testFormatsMatchingTheReference() throws {
        XCTAssertEqual(try render("[%n|%m] ", "remote", "INBOX"), "[remote|INBOX] ")
        XCTAssertEqual(try render("[%n|%m] ", "", ""), "[|] ")
        XCTAssertEqual(try render("%?m?M=%m&nomb?", "remote", "a/b"), "M=a/b")
        XCTAssertEqual(try render("%?m?M=%m&nomb?", "local", ""), "nomb")
        XCTAssertEqual(try render(#"%?n?%n\&\?\\%%&X?:"#, "database", ""), #"database&?\%:"#)
        XCTAssertEqual(try render(#"%?n?%n\&\?\\%%&X?:"#, "", ""), "X:")
        XCTAssertEqual(try render("%?m?[%?n?%n&-?]&{%n}?|", "remote", "INBOX"), "[remote]|")
        XCTAssertEqual(try render("%?m?[%?n?%n&-?]&{%n}?|", "database", ""), "{database}|")
        XCTAssertEqual(try render("%?m?[%?n?%n&-?]&{%n}?|", "", ""), "{}|")
        XCTAssertEqual(try render("%?n?a?b?|", "x", ""), "ab?|", "a '?' outside any condition is literal")
        XCTAssertEqual(try render("%?n?a?b?|", "", ""), "b?|")
        XCTAssertEqual(try render("a&b", "x", ""), "a&b")
        XCTAssertEqual(try render(#"a\b"#, "x", ""), #"a\b"#, "a backslash before another character is literal")
        XCTAssertEqual(try render(#"%n\"#, "x", ""), #"x\"#)
        XCTAssertEqual(try render("", "local", "INBOX"), "")
    }

    func testParsedTree() throws {
        XCTAssertEqual(try LogPrefixFormat(parsing: "%n: %%%m").nodes,
                       [.expand(.name), .literal(": %"), .expand(.mailbox)])
        XCTAssertEqual(try LogPrefixFormat(parsing: "%?m?<%m>?").nodes,
                       [.conditional(.mailbox, then: [.literal("<"), .expand(.mailbox), .literal(">")], else: [])])
    }

    func testErrors() {
        let cases: [(String, String)] = [
            ("%x", "unknown sequence '%x' (expected %n, %m, %? or %%) at offset 0"),
            ("50%", "'%' at the end of the format (write %% for a literal %) at offset 2"),
            ("%?m?a", "unterminated %? condition (missing the closing '?') at offset 5"),
            ("%?m?a&b", "unterminated %? condition (missing the closing '?') at offset 7"),
            ("%?n?a&b&c?", "a second '&' in one %? condition (write \\& for a literal &) at offset 7"),
            ("x%?q?y?", "bad condition '%?q' (expected %?n? or %?m?) at offset 1"),
            ("%?", "bad condition '%?' at the end (expected %?n? or %?m?) at offset 0"),
            ("%?nx", "bad condition: '%?n' must be followed by '?' at offset 0"),
            ("%?n?%?m?x?", "unterminated %? condition (missing the closing '?') at offset 10"),
        ]
        for (format, message) in cases {
            XCTAssertThrowsError(try LogPrefixFormat(parsing: format), format) { error in
                XCTAssertEqual((error as? LogPrefixFormatError)?.description, message, format)
            }
        }
    }
}
