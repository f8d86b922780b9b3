import Foundation
import XCTest
@testable import Engine

final class DeflateStreamTests: XCTestCase {
    /// A compressed pair: what `client` writes, `server` reads, and the reverse; `wire` is
    /// the server's raw end (compressed bytes), for tests that tamper with it.
    private func pair(capacity: Int = 1 << 20) throws -> (client: DeflateStream, server: DeflateStream) {
        let (a, b) = MemoryStream.pair(capacity: capacity)
        return (try DeflateStream(over: a), try DeflateStream(over: b))
    }

    func testRoundTripBothDirections() throws {
        let (client, server) = try pair()
        try client.write(bytes("a1 COMPRESS DEFLATE\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(server, "\r\n") }, "a1 COMPRESS DEFLATE\r\n")
        try server.write(bytes("* 1 EXISTS\r\na1 OK done\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(client, "done\r\n") }, "* 1 EXISTS\r\na1 OK done\r\n")
    }

    func testLargeDataCompressesAndSurvives() throws {
        let (a, b) = MemoryStream.pair(capacity: 64 * 1024)
        let counter = TrafficCounter()
        let client = try DeflateStream(over: CountingStream(over: a, counter: counter))
        let server = try DeflateStream(over: b)
        // 8 MiB of mail-like text with some variety, written in uneven pieces while the other
        // side reads with small buffers (exercises zlib's pending output between reads).
        var message: [UInt8] = []
        var i = 0
        while message.count < 8 << 20 {
            message += bytes("Received: from host\(i % 977).example.org by mx; \(i * 7919)\r\n")
            i += 1
        }
        let total = message.count
        let payload = message
        let reader = Background { () -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(total)
            while out.count < total {
                let chunk = try server.read(maxLength: 1000)
                if chunk.isEmpty { break }
                out += chunk
            }
            return out
        }
        try withTimeout(60) {
            var offset = 0
            var step = 1
            while offset < total {
                let n = min(step * 4093, total - offset)
                try client.write(Array(payload[offset..<offset + n]))
                offset += n
                step = step % 50 + 1
            }
        }
        XCTAssertEqual(try reader.wait(60), payload)
        XCTAssertLessThan(counter.bytesSent, total / 4, "text compresses")
    }

    func testEveryWriteIsDecodableImmediately() throws {
        // If a write were not flushed, the server would block on it: each command must be
        // readable on its own before the next one is sent.
        let (client, server) = try pair()
        try withTimeout(10) {
            for n in 1...300 {
                let command = "a\(n) NOOP\r\n"
                try client.write(bytes(command))
                guard try readExactly(server, command.utf8.count) == bytes(command) else {
                    throw TransportError.compression("command \(n) garbled")
                }
            }
        }
    }

    func testReadsRawDeflateFromAnotherImplementation() throws {
        // "hello" as raw deflate (RFC 1951, no zlib header), as Python's zlib with wbits=-15
        // or any RFC 4978 server produces it: a final fixed-Huffman block.
        let (a, b) = MemoryStream.pair()
        let reader = try DeflateStream(over: b)
        try a.write([0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00])
        XCTAssertEqual(try reader.read(maxLength: 100), bytes("hello"))
        // The stream ended (BFINAL): end of stream, not an error.
        XCTAssertEqual(try reader.read(maxLength: 100), [])
    }

    func testWritesRawDeflateWithSyncFlushMarker() throws {
        let (a, b) = MemoryStream.pair()
        let writer = try DeflateStream(over: a)
        try writer.write(bytes("a1 NOOP\r\n"))
        let wire = try b.read(maxLength: 1000)
        // No zlib header (0x78 ..), and Z_SYNC_FLUSH ends with an empty stored block 00 00 ff ff.
        XCTAssertNotEqual(wire.first, 0x78)
        XCTAssertEqual(Array(wire.suffix(4)), [0x00, 0x00, 0xff, 0xff])
    }

    func testCorruptedInputIsATypedError() throws {
        let (a, b) = MemoryStream.pair()
        let reader = try DeflateStream(over: b)
        // BTYPE=11 is reserved (RFC 1951 §3.2.3).
        try a.write([0xff, 0xff, 0xff, 0xff])
        XCTAssertThrowsError(try reader.read(maxLength: 100)) { error in
            XCTAssertEqual(error as? TransportError, .compression("invalid compressed data: invalid block type"))
            XCTAssertEqual("\(error)", "COMPRESS=DEFLATE: invalid compressed data: invalid block type")
        }
        // The failure sticks: the stream cannot resynchronise.
        XCTAssertThrowsError(try reader.read(maxLength: 100))
    }

    func testReaderBlockedWhileAnotherThreadWrites() throws {
        let (client, server) = try pair()
        // The client's reader waits for a response while the client's writer sends commands.
        let responses = Background { try readUntil(client, "a50 OK\r\n") }
        usleep(50_000)
        try withTimeout(10) {
            for n in 1...50 { try client.write(bytes("a\(n) NOOP\r\n")) }
        }
        let commands = try withTimeout(10) { try readUntil(server, "a50 NOOP\r\n") }
        XCTAssertEqual(commands.split(separator: "\r\n").count, 50)
        for n in 1...50 { try server.write(bytes("a\(n) OK\r\n")) }
        XCTAssertEqual(try responses.wait(10).split(separator: "\r\n").count, 50)
        // close() unblocks a pending read.
        let pending = Background { try client.read(maxLength: 10) }
        usleep(50_000)
        client.close()
        XCTAssertEqual(try pending.wait(5), [])
    }

    func testOverASocket() throws {
        // COMPRESS over a real socket: the echo server reflects compressed bytes, which our own
        // inflater then decodes (deflate output is valid inflate input for the same stream).
        let echo = try EchoServer(ipv6: false)
        defer { echo.stop() }
        let socket = try SocketStream.connect(host: "127.0.0.1", port: echo.port)
        let stream = try DeflateStream(over: socket)
        try stream.write(bytes("a1 ID NIL\r\n"))
        XCTAssertEqual(try withTimeout(5) { try readUntil(stream, "\r\n") }, "a1 ID NIL\r\n")
        stream.close()
    }
}
