import XCTest
import Engine

final class MessageDataTests: XCTestCase {
    private func wire(_ message: String) -> String {
        String(decoding: MessageData(message: message.bytes).wireBytes, as: UTF8.self)
    }

    func testCRLFMessagesPassUnchanged() {
        XCTAssertEqual(wire("Subject: x\r\n\r\nbody\r\n"), "Subject: x\r\n\r\nbody\r\n.\r\n")
    }

    func testBareLFBecomesCRLF() {
        XCTAssertEqual(wire("Subject: x\n\nline 1\nline 2\r\nline 3\n"), "Subject: x\r\n\r\nline 1\r\nline 2\r\nline 3\r\n.\r\n")
    }

    func testLoneCRIsContent() {
        XCTAssertEqual(wire("a\rb\n"), "a\rb\r\n.\r\n")
        XCTAssertEqual(wire("a\r"), "a\r\r\n.\r\n")
    }

    func testDotStuffing() {
        XCTAssertEqual(wire(".starts\r\nmiddle.dot\n.\n..two\r\n."), "..starts\r\nmiddle.dot\r\n..\r\n...two\r\n..\r\n.\r\n")
        XCTAssertEqual(wire("."), "..\r\n.\r\n")
    }

    func testMissingFinalLineEndIsAdded() {
        XCTAssertEqual(wire("no final newline"), "no final newline\r\n.\r\n")
    }

    func testEmptyMessage() {
        XCTAssertEqual(wire(""), ".\r\n")
        XCTAssertEqual(MessageData(message: []).messageSize, 0)
    }

    func testSizeAndEightBit() {
        let data = MessageData(message: Array("a\n.b\n".utf8))
        XCTAssertEqual(data.messageSize, "a\r\n.b\r\n".utf8.count, "size after CRLF normalisation, before stuffing")
        XCTAssertFalse(data.hasEightBitOctets)
        XCTAssertTrue(MessageData(message: Array("caf\u{e9}\n".utf8)).hasEightBitOctets)
    }

    func testLargeMessage() {
        let line = Array(repeating: UInt8(ascii: "x"), count: 998) + [0x0A]
        let message = Array((0..<1000).map { _ in line }.joined())
        let data = MessageData(message: message)
        XCTAssertEqual(data.messageSize, 1000 * 1000)
        XCTAssertEqual(data.wireBytes.count, 1000 * 1000 + 3)
    }
}
