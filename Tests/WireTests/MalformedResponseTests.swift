import XCTest
@testable import Engine

final class MalformedResponseTests: XCTestCase {
    private func assertSyntaxError(_ input: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let e = parseError(input) else { return XCTFail("no error for \(input.debugDescription)", file: file, line: line) }
        guard case .syntax = e.kind else { return XCTFail("unexpected \(e)", file: file, line: line) }
        XCTAssertFalse(e.excerpt.isEmpty, file: file, line: line)
        XCTAssertLessThan(e.excerpt.count, 120, file: file, line: line)
    }

    func testSyntaxErrors() {
        assertSyntaxError("\r\n")
        assertSyntaxError("a1\r\n")
        assertSyntaxError("a1 MAYBE done\r\n")
        assertSyntaxError("*\r\n")
        assertSyntaxError("* 12\r\n")
        assertSyntaxError("* 12 EXISTS extra\r\n")
        assertSyntaxError("* FLAGS (\\Seen\r\n")
        assertSyntaxError("* FLAGS \\Seen)\r\n")
        assertSyntaxError("* LIST (\\HasNoChildren \"/\" INBOX\r\n")
        assertSyntaxError("* LIST () \"//\" INBOX\r\n")
        assertSyntaxError("* LIST () \"/\" \"unterminated\r\n")
        assertSyntaxError("* STATUS INBOX (MESSAGES x)\r\n")
        assertSyntaxError("* VANISHED (LATER) 1:2\r\n")
        assertSyntaxError("* VANISHED 0:3\r\n")
        assertSyntaxError("* VANISHED 1:3,\r\n")
        assertSyntaxError("* SEARCH 1 two\r\n")
        assertSyntaxError("* 1 FETCH (UID)\r\n")
        assertSyntaxError("* 1 FETCH (UID 1\r\n")
        assertSyntaxError("* 1 FETCH (UID 1))\r\n")
        assertSyntaxError("* 1 FETCH UID 1\r\n")
        assertSyntaxError("* 1 FETCH (FLAGS (\\Seen)\r\n")
        assertSyntaxError("* 1 FETCH (MODSEQ 3)\r\n")
        assertSyntaxError("* 1 FETCH (INTERNALDATE \"32-Foo-1996 02:44:25 -0700\")\r\n")
        assertSyntaxError("* 1 FETCH (BODY[1.HEADER.FIELDS FROM] NIL)\r\n")
        assertSyntaxError("* 1 FETCH (BODY[] {3}\r\nabc\r\n")
        assertSyntaxError("* 1 FETCH (X-UNKNOWN (((a b))\r\n")
        assertSyntaxError("* 1 FETCH (ENVELOPE (NIL NIL))\r\n")
        assertSyntaxError("* ID (\"odd\")\r\n")
        assertSyntaxError("* LIST () \"/\" {3}\r\nabcdef\r\n")
    }

    func testNumbersOutOfRange() {
        XCTAssertEqual(parseError("* 4294967296 EXISTS\r\n")?.kind, .numberOutOfRange)
        XCTAssertEqual(parseError("* 1 FETCH (UID 99999999999999999999999)\r\n")?.kind, .numberOutOfRange)
        XCTAssertEqual(parseError("* OK [HIGHESTMODSEQ 99999999999999999999999] x\r\n"), nil, "bad code arguments are kept as `other`")
    }

    func testHugeLiteralCountsAreRejected() {
        for input in ["* LIST () \"/\" {99999999999}\r\n", "* 1 FETCH (BODY[] {99999999999}\r\n", "* 1 FETCH (X-FOO {99999999999}\r\n",
                      "* 1 FETCH (BODY[] {99999999999999999999999999}\r\n"] {
            guard let e = parseError(input) else { XCTFail("no error for \(input)"); continue }
            guard case .literalTooLarge = e.kind else { XCTFail("unexpected \(e) for \(input)"); continue }
        }
        // A non-body literal above the configured bound is refused before it is buffered.
        let limits = ResponseParserLimits(maxLiteralSize: 100)
        XCTAssertEqual(parseError(wire("* LIST () \"/\" {101}\r\n"), limits: limits)?.kind, .literalTooLarge(size: 101, limit: 100))
        XCTAssertEqual(parseError(wire("* 1 FETCH (ENVELOPE ({101}\r\n"), limits: limits)?.kind, .literalTooLarge(size: 101, limit: 100))
        // Body literals are not bounded by maxLiteralSize: they are streamed.
        XCTAssertNil(parseError(wire("* 1 FETCH (BODY[] {101}\r\n") + [UInt8](repeating: 0x61, count: 101) + wire(")\r\n"), limits: limits))
    }

    func testLongLinesAreRejectedBeforeTheyEnd() {
        let limits = ResponseParserLimits(maxLineLength: 1000)
        var parser = ResponseParser(limits: limits)
        parser.append(wire("* OK ") + [UInt8](repeating: 0x61, count: 2000))  // no CRLF yet
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual(($0 as? ResponseParserError)?.kind, .lineTooLong(limit: 1000)) }
        // The parser stays failed.
        parser.append(wire("\r\n"))
        XCTAssertThrowsError(try parser.next())

        XCTAssertEqual(parseError(wire("* SEARCH") + Array(repeating: wire(" 1"), count: 600).flatMap { $0 } + wire("\r\n"), limits: limits)?.kind,
                       .lineTooLong(limit: 1000))
        // Many literals cannot add up past maxResponseSize.
        let many = ResponseParserLimits(maxLiteralSize: 1000, maxResponseSize: 5000)
        var input = wire("* XFOO")
        for _ in 0..<10 { input += wire(" {900}\r\n") + [UInt8](repeating: 0x62, count: 900) }
        input += wire("\r\n")
        XCTAssertEqual(parseError(input, limits: many)?.kind, .responseTooLarge(limit: 5000))
    }

    func testDeepNestingIsATypedError() {
        let deep = "* 1 FETCH (X-DEEP " + String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000) + ")\r\n"
        XCTAssertEqual(parseError(deep)?.kind, .nestingTooDeep(limit: ResponseParserLimits.default.maxNestingDepth))
        let deepList = "* LIST () \"/\" x (\"X\" " + String(repeating: "(", count: 10_000) + String(repeating: ")", count: 10_000) + ")\r\n"
        XCTAssertEqual(parseError(deepList)?.kind, .nestingTooDeep(limit: ResponseParserLimits.default.maxNestingDepth))
    }

    func testTruncatedInputJustWaits() throws {
        for input in ["* 1 FETCH (UID 1", "* 1 FETCH (BODY[] {10}\r\nabc", "* LIST () \"/\" {5}\r\nab", "a1 OK", "* OK [UIDNEXT 5"] {
            var parser = ResponseParser()
            parser.append(wire(input))
            var got: [ResponseEvent] = []
            while let e = try parser.next() { got.append(e) }
            XCTAssertFalse(got.contains(.fetchEnd), input)
            XCTAssertFalse(got.contains { if case .tagged = $0 { return true } else { return false } }, input)
        }
    }

    func testErrorDescriptionIsOneLineWithExcerpt() {
        let e = parseError("* 1 FETCH (UID x)\r\n")
        XCTAssertEqual(e?.kind, .syntax(expected: "number"))
        let d = e?.description ?? ""
        XCTAssertTrue(d.contains("expected number"), d)
        XCTAssertTrue(d.contains("UID ⟨here⟩x)"), d)
        XCTAssertFalse(d.contains("\n"))
    }

    /// Random and mutated inputs must give events or a typed error, never a crash or a hang.
    func testGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 0x1234_5678)
        let seeds = IncrementalFeedingTests.corpus
        for round in 0..<3000 {
            var input: [UInt8]
            if round % 3 == 0 {
                input = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = wire(seeds[Int(rng.next() % UInt64(seeds.count))])
                for _ in 0..<(1 + Int(rng.next() % 4)) where !input.isEmpty {
                    let i = Int(rng.next() % UInt64(input.count))
                    switch rng.next() % 4 {
                    case 0: input[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: input.remove(at: i)
                    case 2: input.insert([0x28, 0x29, 0x7b, 0x7d, 0x22, 0x5c, 0x0d, 0x0a, 0x5b, 0x5d][Int(rng.next() % 10)], at: i)
                    default: input = Array(input[..<i])
                    }
                }
            }
            var parser = ResponseParser(limits: ResponseParserLimits(maxLineLength: 4096, maxLiteralSize: 4096, maxResponseSize: 65536))
            parser.append(input)
            var n = 0
            do {
                while try parser.next() != nil { n += 1; if n > 100_000 { XCTFail("runaway"); break } }
            } catch is ResponseParserError {
            } catch {
                XCTFail("untyped error \(error)")
            }
        }
    }
}

/// A small deterministic PRNG for reproducible fuzzing.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
