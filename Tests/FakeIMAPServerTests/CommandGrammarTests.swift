import Engine
@testable import FakeIMAPServer
import XCTest

/// The server's command reader: atoms, quoted strings, lists, sections with spaces, literals.
final class CommandGrammarTests: XCTestCase {
    func tokens(_ text: String, _ literals: [[UInt8]] = []) throws -> [CommandToken] {
        try CommandTokenizer.tokenize(text: Array(text.utf8), literals: literals)
    }

    func testAtomsQuotedListsAndSections() throws {
        XCTAssertEqual(try tokens("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>)"), [
            .atom("FETCH"), .atom("1:*"),
            .list([.atom("UID"), .atom("BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>")]),
        ])
        XCTAssertEqual(try tokens("LOGIN \"a \\\"b\\\\\" ()"), [.atom("LOGIN"), .quoted(Array("a \"b\\".utf8)), .list([])])
        XCTAssertEqual(try tokens("STORE 1 +FLAGS (\\Seen $Junk)"), [.atom("STORE"), .atom("1"), .atom("+FLAGS"), .list([.atom("\\Seen"), .atom("$Junk")])])
        XCTAssertEqual(try tokens("APPEND INBOX \u{0} \u{0}", [[1], [2, 3]]), [.atom("APPEND"), .atom("INBOX"), .literal([1]), .literal([2, 3])])
        XCTAssertThrowsError(try tokens("LIST (a"))
        XCTAssertThrowsError(try tokens("LIST a)"))
        XCTAssertThrowsError(try tokens("LOGIN \"open"))
        XCTAssertThrowsError(try tokens("FETCH 1 BODY[TEXT"))
    }

    func testLiteralAnnouncements() {
        XCTAssertTrue(CommandReader.literalAnnouncement(Array("APPEND x {12}".utf8)).map { $0 == (12, true) } ?? false)
        XCTAssertTrue(CommandReader.literalAnnouncement(Array("APPEND x {0+}".utf8)).map { $0 == (0, false) } ?? false)
        XCTAssertNil(CommandReader.literalAnnouncement(Array("APPEND x {a}".utf8)))
        XCTAssertNil(CommandReader.literalAnnouncement(Array("APPEND x {}".utf8)))
        XCTAssertNil(CommandReader.literalAnnouncement(Array("NOOP".utf8)))
    }

    func testReaderSendsContinuationForSynchronisingLiteralsOnly() throws {
        let server = FakeIMAPServer()
        let c = IMAPTestClientForGrammar(server.connect())
        _ = try c.line()
        try c.send("a LOGIN {1+}\r\nu {1}\r\n")
        XCTAssertEqual(try c.line(), "+ OK")
        try c.send("p\r\n")
        XCTAssertEqual(try c.line(), "a BAD Error in IMAP command LOGIN: Already logged in.")
        try c.send("b BAD-TAG(\r\n")
        XCTAssertTrue(try c.line().hasPrefix("b BAD"))
        c.stream.close()
    }
}

/// A bare line reader, to see the continuation request itself.
final class IMAPTestClientForGrammar {
    let stream: Engine.ByteStream
    var buffer: [UInt8] = []
    init(_ stream: Engine.ByteStream) { self.stream = stream }
    func send(_ s: String) throws { try stream.write(Array(s.utf8)) }
    func line() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: 0x0A) {
                let l = String(decoding: buffer[..<i], as: UTF8.self).trimmingCharacters(in: .newlines)
                buffer.removeFirst(i + 1)
                return l
            }
            let chunk = try stream.read(maxLength: 4096)
            if chunk.isEmpty { throw CommandReadError.lineTooLong }
            buffer += chunk
        }
    }
}
