import XCTest
@testable import Engine

final class IncrementalFeedingTests: XCTestCase {
    /// Server output as dovecot writes it (plus a few edge cases).
    static let corpus: [String] = [
        "* PREAUTH [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE] Logged in as u\r\n",
        "a1 OK Enabled.\r\n* ENABLED QRESYNC\r\n",
        "* LIST (\\HasNoChildren) \"/\" \"a b\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n* LIST (\\HasChildren \\Subscribed) \"/\" INBOX\r\n* STATUS INBOX (UIDNEXT 5 HIGHESTMODSEQ 9)\r\na2 OK List completed (0.001 + 0.000 secs).\r\n",
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\n* OK [UIDNEXT 9] Predicted next UID\r\n* OK [HIGHESTMODSEQ 1] Highest\r\n* VANISHED (EARLIER) 1:3,5\r\na3 OK [READ-WRITE] Select completed (0.002 + 0.000 + 0.001 secs).\r\n",
        "* 3 FETCH (UID 8 MODSEQ (12) FLAGS (\\Seen $Forwarded))\r\n",
        "* 1 FETCH (UID 6 MODSEQ (3) FLAGS (\\Seen) INTERNALDATE \" 7-Feb-2024 10:00:01 +0100\" RFC822.SIZE 28 BODY[] {28}\r\nSubject: x\r\n\r\nline1\r\nline2\r\n)\r\na4 OK Fetch completed (0.001 + 0.000 secs).\r\n",
        "* 2 FETCH (BODY[HEADER.FIELDS (MESSAGE-ID)] {21}\r\nMessage-ID: <a@b>\r\n\r\n UID 7 BODY[1]<0> {0}\r\n RFC822.TEXT \"q\\\"x\\\\\")\r\n",
        "* 1 FETCH (ENVELOPE (NIL {3}\r\nabc ((NIL NIL \"u\" \"h\")) NIL NIL NIL NIL NIL NIL {4}\r\n<id>) UID 3 X-THING (a {2}\r\nxy b) BINARY[] ~{3}\r\n\0\0\0 UID 4)\r\n",
        "* OK [APPENDUID 38505 3955:3957] done\r\na5 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
        "a6 NO [TRYCREATE] Mailbox doesn't exist: x\r\n+ OK\r\n+ \r\n+\r\n",
        "* SEARCH 2 84 882 (MODSEQ 917162500)\r\n* ESEARCH (TAG \"a7\") UID ALL 1:5\r\n* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n* ID (\"name\" \"Dovecot\")\r\n",
        "* LIST () \"/\" {5}\r\na\"b\\c\r\n* XNOTIFY foo {3}\r\nbar baz\r\n* 7 XWHATEVER (1 2)\r\n* BYE Logging out\r\n",
        "* OK text that ends like a literal {5}\r\n* LSUB () \".\" #news\r\n* 4 EXPUNGE\r\n",
    ]

    private func allInput() -> [UInt8] { IncrementalFeedingTests.corpus.flatMap { wire($0) } }

    func testCorpusParsesWithoutError() throws {
        for item in IncrementalFeedingTests.corpus {
            XCTAssertNoThrow(try events(wire(item)), item)
        }
        XCTAssertGreaterThan(try events(allInput()).count, 60)
    }

    func testByteByByteFeedingGivesTheSameEvents() throws {
        let input = allInput()
        let whole = try events(input)
        XCTAssertEqual(try events(input, pieceSize: 1), whole)
    }

    func testRandomSplitsGiveTheSameEvents() throws {
        let input = allInput()
        let whole = try events(input)
        var rng = SplitMix64(seed: 42)
        for _ in 0..<50 {
            var parser = ResponseParser()
            var got: [ResponseEvent] = []
            var i = 0
            while i < input.count {
                let j = min(input.count, i + 1 + Int(rng.next() % 40))
                parser.append(input[i..<j])
                while let e = try parser.next() { got.append(e) }
                i = j
            }
            XCTAssertEqual(got, whole)
            XCTAssertEqual(parser.bufferedByteCount, 0)
        }
    }

    func testEveryPrefixYieldsAPrefixOfTheEvents() throws {
        // Feeding a prefix never produces an event that the whole input would not.
        let input = wire(IncrementalFeedingTests.corpus[7])
        let whole = try events(input)
        for cut in 0...input.count {
            let part = try events(Array(input[..<cut]))
            XCTAssertEqual(Array(whole.prefix(part.count)), part, "cut at \(cut)")
        }
    }

    func testCollectedResponsesAcrossSplits() throws {
        let input = allInput()
        var whole = ResponseParser()
        whole.append(input)
        var expected: [Response] = []
        while let r = try whole.nextResponse() { expected.append(r) }
        var split = ResponseParser()
        var got: [Response] = []
        for b in input {
            split.append([b])
            while let r = try split.nextResponse() { got.append(r) }
        }
        XCTAssertEqual(got, expected)
    }
}
