import XCTest
@testable import Engine

/// The expectations mirror what the reference pullimap sent as `MAIL FROM` for the same
/// ENVELOPEs (observed against dovecot and a scripted IMAP server).
final class EnvelopeSenderTests: XCTestCase {
    private func address(_ mailbox: String?, _ host: String?, name: String? = nil, adl: String? = nil) -> EnvelopeAddress {
        EnvelopeAddress(name: name, adl: adl, mailbox: mailbox, host: host)
    }

    func testFirstSenderAddressOfTheEnvelope() {
        let envelope = Envelope(from: [address("alice", "example.org", name: "Alice")], sender: [address("sender", "example.org"), address("x", "y")])
        XCTAssertEqual(EnvelopeSender.reversePath(for: envelope), "sender@example.org")
    }

    func testFromWhenTheServerLeftSenderEmpty() {
        XCTAssertEqual(EnvelopeSender.reversePath(for: Envelope(from: [address("f", "ex.org")])), "f@ex.org")
        XCTAssertEqual(EnvelopeSender.reversePath(for: Envelope()), "")
    }

    func testLocalPartQuotingAsTheReferenceDoes() {
        XCTAssertEqual(EnvelopeSender.path(for: address("quoted local", "example.org")), #""quoted local"@example.org"#)
        XCTAssertEqual(EnvelopeSender.path(for: address("a.b..c", "ex.org")), #""a.b..c"@ex.org"#)
        XCTAssertEqual(EnvelopeSender.path(for: address(".a", "ex.org")), #"".a"@ex.org"#)
        XCTAssertEqual(EnvelopeSender.path(for: address(#"we\ird"x"#, "ex.org")), #""we\\ird\"x"@ex.org"#)
        XCTAssertEqual(EnvelopeSender.path(for: address("a+b=c/d{e}|~!#$%&'*^_`-", "ex.org")), "a+b=c/d{e}|~!#$%&'*^_`-@ex.org")
        XCTAssertEqual(EnvelopeSender.path(for: address("j\u{f6}rg", "ex.org")), "j\u{f6}rg@ex.org", "RFC 6531 atext")
    }

    func testSourceRouteIsDropped() {
        XCTAssertEqual(EnvelopeSender.path(for: address("user", "example.org", adl: "@route.example")), "user@example.org")
    }

    func testUnusableAddressesGiveTheNullPath() {
        XCTAssertEqual(EnvelopeSender.path(for: address("Friends", nil)), "", "group marker")
        XCTAssertEqual(EnvelopeSender.path(for: address(nil, "ex.org")), "")
        XCTAssertEqual(EnvelopeSender.path(for: address("", "")), "")
        XCTAssertEqual(EnvelopeSender.path(for: address("a\r\nRCPT TO:<x@y>", "ex.org")), "", "no command injection")
        XCTAssertEqual(EnvelopeSender.path(for: address("a", "ex ample")), "")
        XCTAssertEqual(EnvelopeSender.path(for: address("a", "ex>ample")), "")
    }

    // MARK: - From the header

    private func sender(_ header: String) -> String {
        EnvelopeSender.reversePath(forMessage: Array(header.utf8))
    }

    func testSenderFieldWinsOverFromAndReturnPathIsIgnored() {
        XCTAssertEqual(sender("Return-Path: <rp@example.org>\r\nFrom: \"Alice A\" <alice@example.org>\r\nSender: sender@example.org\r\n\r\nbody\r\n"),
                       "sender@example.org")
        XCTAssertEqual(sender("Return-Path: <rp@example.org>\nFrom: Bob <bob@example.com>\n\nbody\n"), "bob@example.com")
        XCTAssertEqual(sender("To: x@y\nSubject: no from\n\nFrom: body@example.org\n"), "", "only the header block is read")
        XCTAssertEqual(sender(""), "")
    }

    func testAddressForms() {
        XCTAssertEqual(sender("From: carol@example.com (Carol)\n\n"), "carol@example.com")
        XCTAssertEqual(sender("FROM:   (comment (nested)) Carol <carol@example.com>\n\n"), "carol@example.com")
        XCTAssertEqual(sender("From:\r\n  folded@example.org\r\n\r\n"), "folded@example.org")
        XCTAssertEqual(sender("From: \"Doe, John\" <john@example.org>, other@example.org\n\n"), "john@example.org")
        XCTAssertEqual(sender("From: \"quoted local\"@example.org\n\n"), #""quoted local"@example.org"#)
        XCTAssertEqual(sender("From: <@route.example:user@example.org>\n\n"), "user@example.org")
        XCTAssertEqual(sender("From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.org>\n\n"), "jorg@example.org")
        XCTAssertEqual(sender("From: a . b @ example . org\n\n"), "a.b@example.org", "obsolete spacing (RFC 5322 §4.4)")
        XCTAssertEqual(sender("From: x@[192.0.2.1]\n\n"), "x@[192.0.2.1]")
    }

    func testAddressesWithoutAUsablePath() {
        XCTAssertEqual(sender("From: Friends: a@b.example, c@d.example;\n\n"), "", "a group, as the reference")
        XCTAssertEqual(sender("From: undisclosed-recipients:;\n\n"), "")
        XCTAssertEqual(sender("From: localuser\n\n"), "")
        XCTAssertEqual(sender("Sender: <>\nFrom: a@b\n\n"), "")
    }

    func testGarbageNeverCrashes() {
        for garbage in ["From: <<<>>>@@@,,,;;;:::\n\n", "From: \"unterminated\n\n", "From: (unterminated comment\n\n",
                        "From: [unterminated\n\n", "From: \\\\\\\n\n", "From: )]>\n\n", "From:\n\n", ": no name\nFrom: a@b\n\n",
                        "From: a@b@c\n\n", "\u{0}\u{1}From: x\n\n", "From: <a@b\n\n"] {
            _ = sender(garbage)
        }
        XCTAssertEqual(sender(": no name\nbroken line\nFrom: a@b\n\n"), "a@b")
        XCTAssertEqual(sender("From: <a@b\n\n"), "a@b")
    }

    func testAddressListParserGroups() {
        let parsed = AddressListParser.parse("Team: a@x.org, B <b@y.org>; c@z.org")
        XCTAssertEqual(parsed, [
            EnvelopeAddress(name: nil, adl: nil, mailbox: "Team", host: nil),
            EnvelopeAddress(name: nil, adl: nil, mailbox: "a", host: "x.org"),
            EnvelopeAddress(name: "B", adl: nil, mailbox: "b", host: "y.org"),
            EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil),
            EnvelopeAddress(name: nil, adl: nil, mailbox: "c", host: "z.org"),
        ])
    }

    func testHeaderUnfolding() {
        let header = MessageHeader(message: Array("Subject: a\r\n b\r\n\tc\r\nX-Empty:\r\n\r\nBody: no\r\n".utf8))
        XCTAssertEqual(header.firstValue(named: "subject"), "a b\tc")
        XCTAssertEqual(header.firstValue(named: "X-Empty"), "")
        XCTAssertNil(header.firstValue(named: "Body"))
    }

    func testLogLine() {
        XCTAssertEqual(DeliveryLogLine.message(uid: 12, reversePath: "a@example.org", internalDate: "21-Nov-2026 17:55:22 +0000"),
                       "UID 12 from <a@example.org> (21-Nov-2026 17:55:22 +0000)")
        XCTAssertEqual(DeliveryLogLine.message(uid: 3, reversePath: "", internalDate: " 1-Jan-2024 09:08:07 +0130"),
                       "UID 3 from <> ( 1-Jan-2024 09:08:07 +0130)")
        let date = InternalDate(year: 2024, month: 2, day: 1, hour: 9, minute: 8, second: 7, zoneOffsetMinutes: -420)
        XCTAssertEqual(date.map { DeliveryLogLine.message(uid: 1, reversePath: "x@y", internalDate: $0) },
                       "UID 1 from <x@y> (01-Feb-2024 09:08:07 -0700)")
        XCTAssertEqual(DeliveryLogLine.prefix(section: "acct", mailbox: "INBOX"), "acct(INBOX): ")
    }
}
