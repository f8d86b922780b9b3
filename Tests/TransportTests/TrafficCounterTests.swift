import Foundation
import XCTest
@testable import Engine

/// The traffic line's figures: wire bytes, and with COMPRESS both the IMAP and the wire counts.
final class TrafficCounterTests: XCTestCase {
    func testPlainSummary() {
        let counter = TrafficCounter()
        counter.addReceived(4066)
        counter.addSent(229)
        XCTAssertEqual(counter.summary, "recv 3.97K sent 229")
    }

    /// Bytes before COMPRESS count in both figures; after it, the uncompressed ones are counted
    /// above the DeflateStream and the wire ones below it.
    func testCompressedSummaryGivesBothFigures() throws {
        let (a, b) = MemoryStream.pair()
        let counter = TrafficCounter()
        let wire = CountingStream(over: a, counter: counter)
        try wire.write(Array("a COMPRESS DEFLATE\r\n".utf8))  // 20 bytes before compression
        let client = counter.countingDecompressed(try DeflateStream(over: wire))
        let server = try DeflateStream(over: b)
        _ = try b.read(maxLength: 20)
        let text = Array(String(repeating: "* 1 FETCH (FLAGS (\\Seen))\r\n", count: 200).utf8)
        try server.write(text)
        var got = 0
        while got < text.count { got += try client.read(maxLength: 65536).count }
        try client.write(Array("b LOGOUT\r\n".utf8))
        let summary = counter.summary
        let wireReceived = counter.bytesReceived
        XCTAssertLessThan(wireReceived, text.count / 4, "compressed on the wire")
        let factor = String(format: "%.2f", Double(wireReceived) / Double(text.count))
        XCTAssertTrue(summary.hasPrefix("recv 5.27K (compr. \(wireReceived), factor \(factor)) sent 30 (compr. "), summary)
    }

    func testByteUnits() {
        XCTAssertEqual(TrafficCounter.bytes(1023), "1023")
        XCTAssertEqual(TrafficCounter.bytes(1024), "1.00K")
        XCTAssertEqual(TrafficCounter.bytes(3 * 1024 * 1024 + 200 * 1024), "3.20M")
    }
}
