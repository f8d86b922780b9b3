import XCTest
@testable import Engine

final class FetchResponseTests: XCTestCase {
    func testSmallAttributesStreamAsEvents() throws {
        XCTAssertEqual(try events("* 3 FETCH (UID 8 MODSEQ (12) FLAGS (\\Seen $Forwarded))\r\n"), [
            .fetchStart(sequenceNumber: 3),
            .fetchAttribute(.uid(8)),
            .fetchAttribute(.modSeq(12)),
            .fetchAttribute(.flags([.seen, Flag("$Forwarded")])),
            .fetchEnd,
        ])
    }

    func testBodyLiteralStreams() throws {
        let body = "From: a@b\r\nSubject: hi\r\n\r\nhello\r\n"
        let input = "* 1 FETCH (UID 4 RFC822.SIZE \(body.utf8.count) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {\(body.utf8.count)}\r\n\(body) MODSEQ (7))\r\na1 OK Fetch completed.\r\n"
        let date = InternalDate(year: 1996, month: 7, day: 17, hour: 2, minute: 44, second: 25, zoneOffsetMinutes: -420)
        XCTAssertEqual(try events(input), [
            .fetchStart(sequenceNumber: 1),
            .fetchAttribute(.uid(4)),
            .fetchAttribute(.rfc822Size(UInt32(body.utf8.count))),
            .fetchAttribute(.internalDate(try XCTUnwrap(date))),
            .fetchBodyStart(section: .complete, origin: nil, size: body.utf8.count),
            .fetchBodyChunk(wire(body)),
            .fetchBodyEnd,
            .fetchAttribute(.modSeq(7)),
            .fetchEnd,
            .tagged(TaggedResponse(tag: "a1", status: .ok, text: ResponseText(text: "Fetch completed."))),
        ])
    }

    func testCollectedFetch() throws {
        let r = try responses("* 12 FETCH (UID 100 FLAGS () BODY[HEADER.FIELDS (FROM SUBJECT)] {11}\r\nFrom: x\r\n\r\n BODY[]<0> \"abc\" RFC822.TEXT NIL)\r\n")
        guard case .untagged(.fetch(let f))? = r.first else { return XCTFail("\(r)") }
        XCTAssertEqual(f.sequenceNumber, 12)
        XCTAssertEqual(f.uid, 100)
        XCTAssertEqual(f.flags, [])
        XCTAssertNil(f.modSeq)
        XCTAssertEqual(f.bodies, [
            FetchedBody(section: BodySection(kind: .headerFields(["FROM", "SUBJECT"])), bytes: wire("From: x\r\n\r\n")),
            FetchedBody(section: .complete, origin: 0, bytes: wire("abc")),
            FetchedBody(section: .text, bytes: []),
        ])
        XCTAssertEqual(f.body(BodySection(kind: .headerFields(["FROM", "SUBJECT"]))), wire("From: x\r\n\r\n"))
        XCTAssertNil(f.body(.complete), "a partial body is not the complete body")
    }

    func testRFC822ItemsAreReportedAsSections() throws {
        let r = try responses("* 1 FETCH (RFC822 {3}\r\nabc RFC822.HEADER {2}\r\nhh RFC822.TEXT \"t\")\r\n")
        guard case .untagged(.fetch(let f))? = r.first else { return XCTFail("\(r)") }
        XCTAssertEqual(f.body(.complete), wire("abc"))
        XCTAssertEqual(f.body(.header), wire("hh"))
        XCTAssertEqual(f.body(.text), wire("t"))
    }

    func testSections() throws {
        func section(_ s: String) throws -> BodySection? {
            let e = try events("* 1 FETCH (BODY[\(s)] NIL)\r\n")
            for case .fetchBodyStart(let section, _, _) in e { return section }
            return nil
        }
        XCTAssertEqual(try section(""), .complete)
        XCTAssertEqual(try section("HEADER"), .header)
        XCTAssertEqual(try section("text"), .text)
        XCTAssertEqual(try section("1"), BodySection(part: [1]))
        XCTAssertEqual(try section("1.2.3.MIME"), BodySection(part: [1, 2, 3], kind: .mime))
        XCTAssertEqual(try section("2.HEADER.FIELDS.NOT (Received \"X-Spam\")"), BodySection(part: [2], kind: .headerFieldsNot(["Received", "X-Spam"])))
        XCTAssertEqual(BodySection(part: [2], kind: .headerFieldsNot(["Received", "X Spam"])).description, "2.HEADER.FIELDS.NOT (Received \"X Spam\")")
        XCTAssertEqual(BodySection(part: [1, 2], kind: .text).description, "1.2.TEXT")
        XCTAssertThrowsError(try section("BOGUS"))
    }

    func testEnvelope() throws {
        // RFC 3501 §8 example, as dovecot formats it.
        let line = "* 12 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\"))\r\n"
        let r = try responses(line)
        guard case .untagged(.fetch(let f))? = r.first, let env = f.envelope else { return XCTFail("\(r)") }
        XCTAssertEqual(env.date, "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)")
        XCTAssertEqual(env.subject, "IMAP4rev1 WG mtg summary and minutes")
        let gray = EnvelopeAddress(name: "Terry Gray", adl: nil, mailbox: "gray", host: "cac.washington.edu")
        XCTAssertEqual(env.from, [gray])
        XCTAssertEqual(env.sender, [gray])
        XCTAssertEqual(env.replyTo, [gray])
        XCTAssertEqual(env.to.map(\.emailAddress), ["imap@cac.washington.edu"])
        XCTAssertEqual(env.cc.count, 2)
        XCTAssertEqual(env.cc[1].name, "John Klensin")
        XCTAssertEqual(env.bcc, [])
        XCTAssertNil(env.inReplyTo)
        XCTAssertEqual(env.messageID, "<B27397-0100000@cac.washington.edu>")
    }

    func testEnvelopeWithLiteralsIsBufferedNotStreamed() throws {
        let line = "* 1 FETCH (ENVELOPE (NIL {7}\r\nSubj\u{00E9}t NIL NIL NIL NIL NIL NIL NIL NIL) UID 2)\r\n"
        XCTAssertEqual(try events(line), [
            .fetchStart(sequenceNumber: 1),
            .fetchAttribute(.envelope(Envelope(subject: "Subjét"))),
            .fetchAttribute(.uid(2)),
            .fetchEnd,
        ])
    }

    func testUnknownAttributesAreSkipped() throws {
        let structure = "BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL)"
        let input = "* 2 FETCH (X-GM-LABELS (\\Inbox \"a b\") \(structure) BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 3 1) BINARY[1]<0> ~{4}\r\n\0\u{01}\u{02}\u{03} BINARY.SIZE[1] 4 X-NESTED ((({2}\r\nab))) X-GUID abc UID 9)\r\n"
        XCTAssertEqual(try events(input), [.fetchStart(sequenceNumber: 2), .fetchAttribute(.uid(9)), .fetchEnd])
    }

    func testEmptyAndSpacedFetchLists() throws {
        XCTAssertEqual(try events("* 1 FETCH ()\r\n"), [.fetchStart(sequenceNumber: 1), .fetchEnd])
        XCTAssertEqual(try events("* 1 fetch ( UID 1  FLAGS ( \\Seen ) )\r\n"),
                       [.fetchStart(sequenceNumber: 1), .fetchAttribute(.uid(1)), .fetchAttribute(.flags([.seen])), .fetchEnd])
    }

    func testZeroLengthBodyLiteral() throws {
        XCTAssertEqual(try events("* 1 FETCH (BODY[] {0}\r\n UID 3)\r\n"), [
            .fetchStart(sequenceNumber: 1),
            .fetchBodyStart(section: .complete, origin: nil, size: 0),
            .fetchBodyEnd,
            .fetchAttribute(.uid(3)),
            .fetchEnd,
        ])
    }

    func testLiteralPlusSyntaxAndCRLFInsideBody() throws {
        let body = "a\r\nb\r\n)\r\n* 2 FETCH (\r\n"
        let e = try events("* 1 FETCH (BODY[] {\(body.utf8.count)+}\r\n\(body))\r\n")
        XCTAssertEqual(e, [.fetchStart(sequenceNumber: 1), .fetchBodyStart(section: .complete, origin: nil, size: body.utf8.count),
                           .fetchBodyChunk(wire(body)), .fetchBodyEnd, .fetchEnd])
    }

    func testBodyIsChunkedDeterministically() throws {
        let limits = ResponseParserLimits(bodyChunkSize: 10)
        let body = [UInt8](repeating: 0x41, count: 25)
        let input = wire("* 1 FETCH (BODY[] {25}\r\n") + body + wire(")\r\n")
        let expected: [ResponseEvent] = [
            .fetchStart(sequenceNumber: 1), .fetchBodyStart(section: .complete, origin: nil, size: 25),
            .fetchBodyChunk(Array(body[0..<10])), .fetchBodyChunk(Array(body[10..<20])), .fetchBodyChunk(Array(body[20..<25])),
            .fetchBodyEnd, .fetchEnd,
        ]
        XCTAssertEqual(try events(input, limits: limits), expected)
        XCTAssertEqual(try events(input, pieceSize: 1, limits: limits), expected)
        XCTAssertEqual(try events(input, pieceSize: 7, limits: limits), expected)
    }

    func testFetchInterleavedWithOtherResponses() throws {
        let r = try responses("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 2 EXPUNGE\r\n* 3 FETCH (UID 9 MODSEQ (4))\r\n* VANISHED (EARLIER) 4:5\r\na OK\r\n")
        XCTAssertEqual(r, [
            .untagged(.fetch(FetchResponse(sequenceNumber: 1, attributes: [.uid(1), .flags([.seen])]))),
            .untagged(.expunge(2)),
            .untagged(.fetch(FetchResponse(sequenceNumber: 3, attributes: [.uid(9), .modSeq(4)]))),
            .untagged(.vanished(earlier: true, uids: SequenceSet([4, 5]))),
            .tagged(TaggedResponse(tag: "a", status: .ok, text: ResponseText(text: ""))),
        ])
    }

    func testCollectedFetchIsBounded() {
        let limits = ResponseParserLimits(maxCollectedFetchSize: 10)
        XCTAssertThrowsError(try responses("* 1 FETCH (BODY[] {11}\r\nhello world)\r\n", limits: limits)) { e in
            XCTAssertEqual((e as? ResponseParserError)?.kind, .collectedFetchTooLarge(limit: 10))
        }
        XCTAssertNoThrow(try responses("* 1 FETCH (BODY[] {10}\r\nhelloworld)\r\n", limits: limits))
    }
}
