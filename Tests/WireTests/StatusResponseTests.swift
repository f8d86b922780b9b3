import XCTest
@testable import Engine

final class StatusResponseTests: XCTestCase {
    func testTaggedOKNOBAD() throws {
        let r = try responses("a1 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\nA2 NO [TRYCREATE] Mailbox doesn't exist: foo\r\nx BAD Error in IMAP command: Unknown command\r\n")
        XCTAssertEqual(r, [
            .tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(code: .readWrite, text: "Select completed (0.001 + 0.000 secs)."))),
            .tagged(TaggedResponse(tag: "A2", status: .no, text: ResponseText(code: .tryCreate, text: "Mailbox doesn't exist: foo"))),
            .tagged(TaggedResponse(tag: "x", status: .bad, text: ResponseText(text: "Error in IMAP command: Unknown command"))),
        ])
    }

    func testTaggedWithoutTextAndLowercaseStatus() throws {
        XCTAssertEqual(try responses("a1 ok\r\n"), [.tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(text: "")))])
        XCTAssertEqual(try responses("a1 OK [CLOSED]\r\n"), [.tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(code: .closed, text: "")))])
    }

    func testUntaggedConditions() throws {
        XCTAssertEqual(try untagged("* OK [HIGHESTMODSEQ 1] Highest\r\n"), .ok(ResponseText(code: .highestModSeq(1), text: "Highest")))
        XCTAssertEqual(try untagged("* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"), .ok(ResponseText(code: .uidValidity(1_700_000_000), text: "UIDs valid")))
        XCTAssertEqual(try untagged("* OK [UIDNEXT 5] Predicted next UID\r\n"), .ok(ResponseText(code: .uidNext(5), text: "Predicted next UID")))
        XCTAssertEqual(try untagged("* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n"),
                       .ok(ResponseText(code: .noModSeq, text: "Sorry, this mailbox format doesn't support modsequences")))
        XCTAssertEqual(try untagged("* OK [CLOSED] Previous mailbox closed.\r\n"), .ok(ResponseText(code: .closed, text: "Previous mailbox closed.")))
        XCTAssertEqual(try untagged("* NO [ALERT] Quota exceeded\r\n"), .no(ResponseText(code: .alert, text: "Quota exceeded")))
        XCTAssertEqual(try untagged("* BAD garbage\r\n"), .bad(ResponseText(text: "garbage")))
        XCTAssertEqual(try untagged("* BYE Logging out\r\n"), .bye(ResponseText(text: "Logging out")))
        XCTAssertEqual(try untagged("* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ QRESYNC] Logged in as u\r\n"),
                       .preAuth(ResponseText(code: .capability(["IMAP4rev1", "LITERAL+", "QRESYNC"]), text: "Logged in as u")))
    }

    func testResponseCodes() throws {
        func code(_ c: String) throws -> ResponseCode? {
            guard case .ok(let t)? = try untagged("* OK [\(c)] text\r\n") else { return nil }
            return t.code
        }
        XCTAssertEqual(try code("PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)"),
                       .permanentFlags([.answered, .flagged, .deleted, .seen, .draft, Flag("$Forwarded"), Flag("\\*")]))
        XCTAssertEqual(try code("PERMANENTFLAGS ()"), .permanentFlags([]))
        XCTAssertEqual(try code("APPENDUID 38505 3955:3957"),
                       .appendUID(uidValidity: 38505, uids: SequenceSet(ranges: [3955...3957])))
        XCTAssertEqual(try code("APPENDUID 38505 3955"), .appendUID(uidValidity: 38505, uids: SequenceSet([3955])))
        XCTAssertEqual(try code("COPYUID 38505 304,319:320 3956:3958"),
                       .copyUID(uidValidity: 38505, source: SequenceSet([304, 319, 320]), destination: SequenceSet(ranges: [3956...3958])))
        XCTAssertEqual(try code("MODIFIED 7,9"), .modified(SequenceSet([7, 9])))
        XCTAssertEqual(try code("READ-ONLY"), .readOnly)
        XCTAssertEqual(try code("read-write"), .readWrite)
        XCTAssertEqual(try code("UNSEEN 12"), .unseen(12))
        XCTAssertEqual(try code("HIGHESTMODSEQ 9223372036854775807"), .highestModSeq(UInt64(Int64.max)))
        // RFC 7162 §7: a mod-sequence is below 2^63; a larger one is no HIGHESTMODSEQ at all.
        XCTAssertEqual(try code("HIGHESTMODSEQ 9223372036854775808"), .other(name: "HIGHESTMODSEQ", text: "9223372036854775808"))
        XCTAssertEqual(try code("UIDNOTSTICKY"), .uidNotSticky)
        XCTAssertEqual(try code("BADCHARSET (UTF-8 US-ASCII)"), .badCharset(["UTF-8", "US-ASCII"]))
        XCTAssertEqual(try code("PARSE"), .parse)
        XCTAssertEqual(try code("CANNOT"), .other(name: "CANNOT", text: nil))
        XCTAssertEqual(try code("REFERRAL imap://a/b;x"), .other(name: "REFERRAL", text: "imap://a/b;x"))
        // A known code whose arguments do not parse is kept as `other`, never an error.
        XCTAssertEqual(try code("UIDNEXT abc"), .other(name: "UIDNEXT", text: "abc"))
        XCTAssertEqual(try code("UIDVALIDITY 99999999999"), .other(name: "UIDVALIDITY", text: "99999999999"))
    }

    func testBracketWithoutCodeIsText() throws {
        XCTAssertEqual(try untagged("* OK [no closing bracket\r\n"), .ok(ResponseText(text: "[no closing bracket")))
        XCTAssertEqual(try untagged("* OK text with ] bracket\r\n"), .ok(ResponseText(text: "text with ] bracket")))
    }

    func testStatusTextEndingLikeALiteralIsOneLine() throws {
        // RFC 3501 `text` cannot contain literals: "{5}" at the end of a status line is text.
        let r = try responses("* OK see {5}\r\na1 OK done {2}\r\n")
        XCTAssertEqual(r, [.untagged(.ok(ResponseText(text: "see {5}"))),
                           .tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(text: "done {2}")))])
    }

    func testEightBitTextIsTolerated() throws {
        XCTAssertEqual(try untagged("* OK Bienvenue chez vous, \u{00E9}t\u{00E9}\r\n"), .ok(ResponseText(text: "Bienvenue chez vous, été")))
    }

    func testContinuationRequests() throws {
        XCTAssertEqual(try responses("+ OK\r\n+\r\n+ \r\n+ idling\r\n"), [
            .continuation(ContinuationRequest(text: "OK")), .continuation(ContinuationRequest(text: "")),
            .continuation(ContinuationRequest(text: "")), .continuation(ContinuationRequest(text: "idling")),
        ])
        let r = try responses("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n")
        guard case .continuation(let c)? = r.first else { return XCTFail("\(r)") }
        XCTAssertEqual(c.base64Decoded.map { String(decoding: $0, as: UTF8.self) }, "<1896.697170952@postoffice.reston.mci.net>")
        XCTAssertNil(ContinuationRequest(text: "not base64!").base64Decoded)
        XCTAssertEqual(ContinuationRequest(text: "").base64Decoded, [])
    }

    func testCapabilityAndEnabled() throws {
        XCTAssertEqual(try untagged("* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN AUTH=LOGIN\r\n"),
                       .capability(["IMAP4rev1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE", "IDLE", "LITERAL+", "AUTH=PLAIN", "AUTH=LOGIN"]))
        XCTAssertEqual(try untagged("* ENABLED QRESYNC\r\n"), .enabled(["QRESYNC"]))
        XCTAssertEqual(try untagged("* ENABLED\r\n"), .enabled([]))
    }

    func testFlagsExistsRecentExpunge() throws {
        XCTAssertEqual(try untagged("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n"),
                       .flags([.answered, .flagged, .deleted, .seen, .draft, Flag("$Forwarded")]))
        XCTAssertEqual(try untagged("* 172 EXISTS\r\n"), .exists(172))
        XCTAssertEqual(try untagged("* 0 RECENT\r\n"), .recent(0))
        XCTAssertEqual(try untagged("* 44 EXPUNGE\r\n"), .expunge(44))
    }

    func testVanished() throws {
        XCTAssertEqual(try untagged("* VANISHED (EARLIER) 1:3,5\r\n"), .vanished(earlier: true, uids: SequenceSet([1, 2, 3, 5])))
        XCTAssertEqual(try untagged("* VANISHED 405,407,410,425\r\n"), .vanished(earlier: false, uids: SequenceSet([405, 407, 410, 425])))
        XCTAssertEqual(try untagged("* VANISHED (earlier) 300:310,405,411\r\n"),
                       .vanished(earlier: true, uids: SequenceSet(ranges: [300...310, 405...405, 411...411])))
    }

    func testUnknownResponsesAreKeptGenerically() throws {
        XCTAssertEqual(try untagged("* XAPPLEPUSHSERVICE aps-version 2\r\n"),
                       .other(GenericUntaggedResponse(number: nil, keyword: "XAPPLEPUSHSERVICE", arguments: wire("aps-version 2"))))
        XCTAssertEqual(try untagged("* 3 XFOO (a \"b\")\r\n"),
                       .other(GenericUntaggedResponse(number: 3, keyword: "XFOO", arguments: wire("(a \"b\")"))))
        XCTAssertEqual(try untagged("* METADATA INBOX (/private/comment {3}\r\nabc)\r\n"),
                       .other(GenericUntaggedResponse(number: nil, keyword: "METADATA", arguments: wire("INBOX (/private/comment {3}\r\nabc)"))))
        XCTAssertEqual(try untagged("* NOOPISH\r\n"), .other(GenericUntaggedResponse(number: nil, keyword: "NOOPISH", arguments: [])))
    }

    func testIDResponse() throws {
        XCTAssertEqual(try untagged("* ID (\"name\" \"Dovecot\" \"version\" NIL)\r\n"),
                       .id([IDParameter(key: "name", value: "Dovecot"), IDParameter(key: "version", value: nil)]))
        XCTAssertEqual(try untagged("* ID NIL\r\n"), .id(nil))
    }

    func testSearch() throws {
        XCTAssertEqual(try untagged("* SEARCH 2 84 882\r\n"), .search(SearchResponse(numbers: [2, 84, 882])))
        XCTAssertEqual(try untagged("* SEARCH\r\n"), .search(SearchResponse(numbers: [])))
        XCTAssertEqual(try untagged("* SEARCH \r\n"), .search(SearchResponse(numbers: [])))
        XCTAssertEqual(try untagged("* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n"),
                       .search(SearchResponse(numbers: [2, 5, 6, 7, 11, 12, 18, 19, 20, 23], highestModSeq: 917_162_500)))
    }

    func testESearch() throws {
        XCTAssertEqual(try untagged("* ESEARCH (TAG \"a567\") UID MIN 4 MAX 20 COUNT 3 ALL 4,10:20 MODSEQ 12\r\n"),
                       .esearch(ESearchResponse(tag: "a567", isUID: true, min: 4, max: 20, count: 3,
                                                all: SequenceSet([4] + Array(10...20)), highestModSeq: 12)))
        XCTAssertEqual(try untagged("* ESEARCH (TAG \"a\") COUNT 0\r\n"), .esearch(ESearchResponse(tag: "a", count: 0)))
        XCTAssertEqual(try untagged("* ESEARCH (TAG \"a\") XFOO (1 2)\r\n"),
                       .esearch(ESearchResponse(tag: "a", otherItems: [.init(name: "XFOO", value: .list([.atom("1"), .atom("2")]))])))
    }

    func testNamespace() throws {
        XCTAssertEqual(try untagged("* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\" \"X-PARAM\" (\"a\")) (\"#public/\" NIL))\r\n"),
                       .namespace(NamespaceResponse(
                        personal: [Namespace(prefix: MailboxName(wire: ""), delimiter: "/")],
                        otherUsers: [Namespace(prefix: MailboxName(wire: "~"), delimiter: "/")],
                        shared: [Namespace(prefix: MailboxName(wire: "#shared/"), delimiter: "/",
                                           extensions: [.string(wire("X-PARAM")), .list([.string(wire("a"))])]),
                                 Namespace(prefix: MailboxName(wire: "#public/"), delimiter: nil)])))
        XCTAssertEqual(try untagged("* NAMESPACE ((\"\" \".\")) NIL NIL\r\n"),
                       .namespace(NamespaceResponse(personal: [Namespace(prefix: MailboxName(wire: ""), delimiter: ".")], otherUsers: [], shared: [])))
    }

    func testDescriptionsAreReadable() {
        let t = TaggedResponse(tag: "a1", status: .ok, text: ResponseText(code: .appendUID(uidValidity: 1, uids: SequenceSet([1, 2, 3])), text: "done"))
        XCTAssertEqual(t.description, "a1 OK [APPENDUID 1 1:3] done")
        XCTAssertEqual(WireValue.list([.atom("A"), .string(wire("b\"c\u{01}")), .nilValue]).description, "(A \"b\\\"c\\x01\" NIL)")
    }
}

/// Quirks of servers reported in the wild, read as the server meant them.
final class ProviderQuirkResponseTests: XCTestCase {
    func testAHighestModSeqCodeWithoutTextIsRead() throws {
        // Gmail is reported to send the response code and nothing after it (RFC 3501 §9 wants text).
        guard case .ok(let text)? = try untagged("* OK [HIGHESTMODSEQ 123]\r\n") else { return XCTFail("not an OK") }
        XCTAssertEqual(text.code, .highestModSeq(123))
    }

    func testAStatusWithATrailingSpaceIsRead() throws {
        // Outlook.com is reported to end STATUS responses with a space.
        guard case .status(_, let status)? = try untagged("* STATUS INBOX (MESSAGES 2 UIDNEXT 5) \r\n") else { return XCTFail("not a STATUS") }
        XCTAssertEqual(status.uidNext, 5)
        XCTAssertEqual(status.messages, 2)
    }
}
