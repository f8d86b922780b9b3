import XCTest
@testable import Engine

final class MailReplyTests: XCTestCase {
    private func replies(_ wire: String, count: Int) throws -> [MailReply] {
        let (client, server) = MemoryStream.pair()
        try server.write(wire.bytes)
        server.close()
        var reader = MailReplyReader(stream: client)
        return try (0..<count).map { _ in try reader.readReply() }
    }

    func testSingleAndMultiLineReplies() throws {
        let parsed = try replies("220 mx.example ESMTP ready\r\n250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n354\r\n", count: 3)
        XCTAssertEqual(parsed[0], MailReply(code: 220, lines: ["mx.example ESMTP ready"]))
        XCTAssertEqual(parsed[1].code, 250)
        XCTAssertEqual(parsed[1].lines, ["mx.example", "PIPELINING", "8BITMIME"])
        XCTAssertEqual(parsed[2], MailReply(code: 354, lines: [""]))
        XCTAssertEqual(parsed[1].description, "250 mx.example PIPELINING 8BITMIME")
        XCTAssertEqual(parsed[1].wireLines, ["250-mx.example", "250-PIPELINING", "250 8BITMIME"])
    }

    func testBareLFEndsALineToo() throws {
        let parsed = try replies("250-a\n250 b\n", count: 1)
        XCTAssertEqual(parsed[0].lines, ["a", "b"])
    }

    func testRepliesSplitAcrossReads() throws {
        let (client, server) = MemoryStream.pair()
        var reader = MailReplyReader(stream: client)
        Thread.detachNewThread {
            for piece in ["25", "0-first\r", "\n250 sec", "ond\r\n"] {
                try? server.write(piece.bytes)
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        XCTAssertEqual(try reader.readReply().lines, ["first", "second"])
    }

    func testMalformedReplies() {
        for wire in ["hello\r\n", "25\r\n", "250x\r\n", "250-a\r\n251 b\r\n", "2a0 x\r\n"] {
            XCTAssertThrowsError(try replies(wire, count: 1), wire) { error in
                guard case MailReplyReader.ReadError.malformed = error else { return XCTFail("\(wire): \(error)") }
            }
        }
    }

    func testEndOfStreamInsideAReply() {
        XCTAssertThrowsError(try replies("250-a\r\n250 b", count: 1)) { error in
            guard case MailReplyReader.ReadError.connectionLost = error else { return XCTFail("\(error)") }
        }
    }

    func testReplyClasses() {
        XCTAssertTrue(MailReply(code: 250, lines: []).isPositiveCompletion)
        XCTAssertTrue(MailReply(code: 354, lines: []).isPositiveIntermediate)
        XCTAssertTrue(MailReply(code: 451, lines: []).isTransientFailure)
        XCTAssertTrue(MailReply(code: 550, lines: []).isPermanentFailure)
        XCTAssertEqual(MailReply(code: 250, lines: []).wireLines, ["250"])
    }

    func testServiceExtensions() {
        let reply = MailReply(code: 250, lines: ["mx.example greets you", "pipelining", "SIZE 1000000", "8BITMIME", "SMTPUTF8", "AUTH PLAIN LOGIN"])
        let extensions = ServiceExtensions(helloReply: reply)
        XCTAssertTrue(extensions.pipelining)
        XCTAssertTrue(extensions.eightBitMIME)
        XCTAssertTrue(extensions.smtpUTF8)
        XCTAssertEqual(extensions.maximumMessageSize, 1_000_000)
        XCTAssertEqual(extensions.keywords["AUTH"], "PLAIN LOGIN")
        XCTAssertFalse(extensions.contains("MX.EXAMPLE"), "the first line is the server name, not a keyword")
        XCTAssertEqual(ServiceExtensions(helloReply: MailReply(code: 250, lines: ["x", "SIZE"])).maximumMessageSize, 0)
        XCTAssertNil(ServiceExtensions.none.maximumMessageSize)
        XCTAssertFalse(ServiceExtensions.none.pipelining)
    }
}
