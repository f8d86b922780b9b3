import XCTest
@testable import Engine

/// Bytes of a string written with `\r\n` line endings.
func wire(_ s: String) -> [UInt8] { Array(s.utf8) }

/// All events of `input`, fed at once (or in pieces of `pieceSize` bytes).
func events(_ input: [UInt8], pieceSize: Int? = nil, limits: ResponseParserLimits = .default) throws -> [ResponseEvent] {
    var parser = ResponseParser(limits: limits)
    var out: [ResponseEvent] = []
    if let pieceSize {
        var i = 0
        while i < input.count {
            let j = min(input.count, i + pieceSize)
            parser.append(input[i..<j])
            while let e = try parser.next() { out.append(e) }
            i = j
        }
    } else {
        parser.append(input)
        while let e = try parser.next() { out.append(e) }
    }
    return out
}

func events(_ input: String, pieceSize: Int? = nil) throws -> [ResponseEvent] { try events(wire(input), pieceSize: pieceSize) }

/// All complete responses of `input` (FETCH collected).
func responses(_ input: String, limits: ResponseParserLimits = .default) throws -> [Response] {
    var parser = ResponseParser(limits: limits)
    parser.append(wire(input))
    var out: [Response] = []
    while let r = try parser.nextResponse() { out.append(r) }
    XCTAssertEqual(parser.bufferedByteCount, 0, "unconsumed input", file: #file, line: #line)
    return out
}

/// The single untagged response of `line`.
func untagged(_ line: String, file: StaticString = #filePath, line l: UInt = #line) throws -> UntaggedResponse? {
    let r = try responses(line)
    XCTAssertEqual(r.count, 1, "expected one response", file: file, line: l)
    guard case .untagged(let u)? = r.first else {
        XCTFail("not untagged: \(r)", file: file, line: l)
        return nil
    }
    return u
}

/// The parser error `input` produces (fed at once), or nil if none.
func parseError(_ input: [UInt8], limits: ResponseParserLimits = .default) -> ResponseParserError? {
    var parser = ResponseParser(limits: limits)
    parser.append(input)
    do {
        while try parser.next() != nil {}
        return nil
    } catch let e as ResponseParserError {
        return e
    } catch {
        XCTFail("untyped error \(error)")
        return nil
    }
}

func parseError(_ input: String) -> ResponseParserError? { parseError(wire(input)) }
