import XCTest
@testable import Engine

final class ListStatusResponseTests: XCTestCase {
    func testListWithChildInfo() throws {
        let u = try untagged("* LIST (\\HasNoChildren) \"/\" \"a b\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n")
        guard case .list(let l)? = u else { return XCTFail("\(String(describing: u))") }
        XCTAssertEqual(l.attributes, [.hasNoChildren])
        XCTAssertEqual(l.delimiter, "/")
        XCTAssertEqual(l.name, MailboxName(wire: "a b"))
        XCTAssertEqual(try l.name.decoded(), "a b")
        XCTAssertEqual(l.childInfo, ["SUBSCRIBED"])
        XCTAssertNil(l.oldName)
    }

    func testListVariants() throws {
        guard case .list(let a)? = try untagged("* LIST (\\Noselect \\HasChildren) \".\" INBOX.Archive\r\n") else { return XCTFail() }
        XCTAssertEqual(a.attributes, [.noSelect, .hasChildren])
        XCTAssertEqual(a.delimiter, ".")
        XCTAssertEqual(a.name.wireString, "INBOX.Archive")

        guard case .list(let b)? = try untagged("* LIST () NIL inbox\r\n") else { return XCTFail() }
        XCTAssertEqual(b.attributes, [])
        XCTAssertNil(b.delimiter)
        XCTAssertEqual(b.name, .inbox)
        XCTAssertTrue(b.name.isInbox)

        // Attributes are case-insensitive and normalised; unknown ones kept as sent.
        guard case .list(let c)? = try untagged("* LIST (\\hasnochildren \\Subscribed \\XCustom) \"\\\\\" foo]bar\r\n") else { return XCTFail() }
        XCTAssertEqual(c.attributes, [.hasNoChildren, .subscribed, MailboxAttribute("\\XCustom")])
        XCTAssertEqual(c.delimiter, "\\")
        XCTAssertEqual(c.name.wireString, "foo]bar")

        // A name as a literal, with modified UTF-7.
        guard case .list(let d)? = try untagged("* LIST (\\HasNoChildren) \"/\" {31}\r\n~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n") else { return XCTFail() }
        XCTAssertEqual(d.name.wireString, "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        XCTAssertEqual(try d.name.decoded(), "~peter/mail/台北/日本語")

        // Invalid modified UTF-7 keeps the raw form available.
        guard case .list(let e)? = try untagged("* LIST () \"/\" \"bad&Jjo\"\r\n") else { return XCTFail() }
        XCTAssertThrowsError(try e.name.decoded())
        XCTAssertEqual(e.name.displayName, "bad&Jjo")
        XCTAssertEqual(e.name.wireBytes, wire("bad&Jjo"))
    }

    func testListOldNameAndGenericExtendedItems() throws {
        guard case .list(let l)? = try untagged("* LIST () \"/\" \"new\" (\"OLDNAME\" (\"old\") \"X-THING\" (1 (2 NIL) \"s\"))\r\n") else { return XCTFail() }
        XCTAssertEqual(l.oldName, MailboxName(wire: "old"))
        XCTAssertEqual(l.extendedItems.count, 2)
        XCTAssertEqual(l.extendedItems[1], .init(tag: "X-THING", value: .list([.atom("1"), .list([.atom("2"), .nilValue]), .string(wire("s"))])))
    }

    func testLsub() throws {
        guard case .lsub(let l)? = try untagged("* LSUB () \".\" #news.comp.mail.misc\r\n") else { return XCTFail() }
        XCTAssertEqual(l.name.wireString, "#news.comp.mail.misc")
        XCTAssertEqual(l.delimiter, ".")
    }

    func testStatus() throws {
        XCTAssertEqual(try untagged("* STATUS INBOX (UIDNEXT 5 HIGHESTMODSEQ 9)\r\n"),
                       .status(mailbox: .inbox, status: MailboxStatus(uidNext: 5, highestModSeq: 9)))
        XCTAssertEqual(try untagged("* STATUS \"a b\" (MESSAGES 231 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 3 RECENT 0 SIZE 1234 X-GUID \"abc\")\r\n"),
                       .status(mailbox: MailboxName(wire: "a b"), status: MailboxStatus(
                        messages: 231, recent: 0, uidNext: 44292, uidValidity: 1, unseen: 3,
                        otherItems: [.init(name: "SIZE", value: .atom("1234")), .init(name: "X-GUID", value: .string(wire("abc")))])))
        XCTAssertEqual(try untagged("* STATUS {3}\r\nfoo ()\r\n"), .status(mailbox: MailboxName(wire: "foo"), status: MailboxStatus()))
    }
}
