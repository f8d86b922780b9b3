import XCTest
@testable import Engine

final class MailboxHierarchyTests: XCTestCase {
    func testTranslationBetweenDelimiters() throws {
        XCTAssertEqual(try MailboxHierarchy.translate("a/b/c", from: "/", to: "."), "a.b.c")
        XCTAssertEqual(try MailboxHierarchy.translate("a.b.c", from: ".", to: "/"), "a/b/c")
        XCTAssertEqual(try MailboxHierarchy.translate("a.b", from: ".", to: "."), "a.b")
        XCTAssertEqual(try MailboxHierarchy.translate("INBOX", from: "/", to: nil), "INBOX")
        XCTAssertEqual(try MailboxHierarchy.translate("x", from: nil, to: "/"), "x")
        XCTAssertEqual(MailboxHierarchy.components(of: "a//b", delimiter: "/"), ["a", "", "b"])
    }

    func testAmbiguousNamesAreErrors() {
        XCTAssertThrowsError(try MailboxHierarchy.translate("a.b/c", from: "/", to: ".")) { e in
            XCTAssertEqual(e as? MailboxHierarchy.TranslationError, .ambiguous(name: "a.b/c", character: "."))
            XCTAssertTrue("\(e)".contains("'.'"))
        }
        XCTAssertThrowsError(try MailboxHierarchy.translate("a/b", from: nil, to: "/"))
        XCTAssertThrowsError(try MailboxHierarchy.translate("a/b", from: "/", to: nil)) { e in
            XCTAssertEqual(e as? MailboxHierarchy.TranslationError, .flatNamespace(name: "a/b"))
        }
    }

    func testDatabaseForm() throws {
        XCTAssertEqual(try MailboxHierarchy.databaseName("a/b/c", delimiter: "/"), [0x61, 0, 0x62, 0, 0x63])
        XCTAssertEqual(try MailboxHierarchy.databaseName("INBOX", delimiter: nil), Array("INBOX".utf8))
        XCTAssertEqual(try MailboxHierarchy.name(fromDatabase: [0x61, 0, 0x62], delimiter: "."), "a.b")
        XCTAssertEqual(try MailboxHierarchy.name(fromDatabase: [0x61, 0, 0x62], delimiter: "/"), "a/b")
        // Round trip between two servers through the database.
        let db = try MailboxHierarchy.databaseName("Archives/2024/Été", delimiter: "/")
        XCTAssertEqual(try MailboxHierarchy.name(fromDatabase: db, delimiter: "."), "Archives.2024.Été")
        XCTAssertThrowsError(try MailboxHierarchy.databaseName("a\u{0}b", delimiter: "/")) { e in
            XCTAssertEqual(e as? MailboxHierarchy.TranslationError, .ambiguous(name: "a\u{0}b", character: "\0"))
            XCTAssertTrue("\(e)".contains("NUL"))
        }
        XCTAssertThrowsError(try MailboxHierarchy.name(fromDatabase: [0x61, 0x2e, 0, 0x62], delimiter: "."))
        XCTAssertThrowsError(try MailboxHierarchy.name(fromDatabase: [0x61, 0, 0x62], delimiter: nil))
    }
}
