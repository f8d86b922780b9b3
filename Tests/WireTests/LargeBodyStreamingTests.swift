import XCTest
@testable import Engine

final class LargeBodyStreamingTests: XCTestCase {
    /// A 20 MB body fed in 16 KiB network-sized pieces passes through a small buffer.
    func testTwentyMegabyteBodyStreamsWithBoundedBuffer() throws {
        let size = 20 * 1024 * 1024
        // A pattern whose period (4093, prime) never lines up with chunk or piece sizes, so that a
        // dropped, repeated or misplaced chunk is detected.
        let pattern = (0..<4093).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 3) }
        var body: [UInt8] = []
        body.reserveCapacity(size + pattern.count)
        while body.count < size { body += pattern }
        body.removeLast(body.count - size)
        let head = wire("* 7 FETCH (UID 70 BODY[] {\(size)}\r\n")
        let tail = wire(" FLAGS (\\Seen))\r\na1 OK done\r\n")

        var parser = ResponseParser()
        let chunkSize = parser.limits.bodyChunkSize
        var maxBuffered = 0
        var received = 0
        var mismatches = 0
        var sawEnd = false, sawTagged = false, sawFlags = false
        var chunks = 0

        func drain() throws {
            while let e = try parser.next() {
                switch e {
                case .fetchBodyStart(_, _, let s): XCTAssertEqual(s, size)
                case .fetchBodyChunk(let c):
                    XCTAssertLessThanOrEqual(c.count, chunkSize)
                    let same = c.withUnsafeBytes { cp in
                        body.withUnsafeBytes { bp in
                            guard received + c.count <= size, let a = cp.baseAddress, let b = bp.baseAddress else { return false }
                            return memcmp(a, b + received, c.count) == 0
                        }
                    }
                    if !same { mismatches += 1 }
                    received += c.count
                    chunks += 1
                case .fetchAttribute(.flags(let f)): sawFlags = f == [.seen]
                case .fetchEnd: sawEnd = true
                case .tagged: sawTagged = true
                default: break
                }
            }
            maxBuffered = max(maxBuffered, parser.bufferedByteCount)
        }

        parser.append(head)
        try drain()
        var i = 0
        let piece = 16 * 1024
        while i < size {
            let j = min(size, i + piece)
            body.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[i..<j])) }
            try drain()
            i = j
        }
        parser.append(tail)
        try drain()

        XCTAssertEqual(received, size)
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(chunks, (size + chunkSize - 1) / chunkSize)
        XCTAssertTrue(sawFlags && sawEnd && sawTagged)
        XCTAssertLessThanOrEqual(maxBuffered, chunkSize + piece, "buffer must stay bounded")
    }

    /// An unknown item with a huge literal is discarded as it arrives, not buffered.
    func testUnknownHugeLiteralIsDiscardedWithoutBuffering() throws {
        let size = 8 * 1024 * 1024
        var parser = ResponseParser()
        parser.append(wire("* 1 FETCH (BINARY[] ~{\(size)}\r\n"))
        var events: [ResponseEvent] = []
        let piece = [UInt8](repeating: 0x5a, count: 64 * 1024)
        var sent = 0
        while sent < size {
            parser.append(piece)
            sent += piece.count
            while let e = try parser.next() { events.append(e) }
            XCTAssertEqual(parser.bufferedByteCount, 0)
        }
        parser.append(wire(" UID 5)\r\n"))
        while let e = try parser.next() { events.append(e) }
        XCTAssertEqual(events, [.fetchStart(sequenceNumber: 1), .fetchAttribute(.uid(5)), .fetchEnd])
    }

    /// Many small messages in one big input: linear time (no quadratic re-scanning/compaction).
    func testManySmallFetchesAreFast() throws {
        var input: [UInt8] = []
        let body = wire("From: a@b\r\nSubject: test message\r\n\r\n" + String(repeating: "body line\r\n", count: 40))
        for n in 1...20_000 {
            input += wire("* \(n) FETCH (UID \(n) MODSEQ (\(n + 10)) FLAGS (\\Seen) BODY[] {\(body.count)}\r\n") + body + wire(")\r\n")
        }
        let start = Date()
        var parser = ResponseParser()
        var bodies = 0
        var i = 0
        while i < input.count {
            let j = min(input.count, i + 32 * 1024)
            parser.append(input[i..<j])
            while let e = try parser.next() { if case .fetchBodyEnd = e { bodies += 1 } }
            i = j
        }
        XCTAssertEqual(bodies, 20_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "parsing \(input.count) bytes took too long")
    }
}
