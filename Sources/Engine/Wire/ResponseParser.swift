import Foundation

/// An incremental, total parser of IMAP server output (RFC 3501 §7 and extensions).
///
///     var parser = ResponseParser()
///     parser.append(bytes)
///     while let event = try parser.next() { ... }
///
/// `next()` returns nil when it needs more bytes. Every input yields events or a typed
/// `ResponseParserError`; after an error the parser keeps throwing it.
///
/// Memory: lines and non-body literals are bounded by `ResponseParserLimits`; FETCH body
/// literals are never buffered whole but reported in chunks, so a body of any size passes
/// through a buffer of about `bodyChunkSize` plus whatever the caller appends at once.
///
/// How it works: a framer scans the input once for line ends, noting a literal `{n}` at the end
/// of a line; a response is parsed only when it is complete (all its lines and literals are
/// buffered), so no byte is parsed twice however the input is split. FETCH responses are parsed
/// item by item instead, up to each literal, so that a body literal can be streamed as it arrives.
public struct ResponseParser: Sendable {
    public let limits: ResponseParserLimits

    private var buffer: [UInt8] = []
    /// First byte not yet consumed.
    private var readIndex = 0
    /// Events produced but not yet returned.
    private var queue: [ResponseEvent] = []
    private var queueHead = 0
    private var state: State = .responseStart
    /// Framing: next byte to examine for LF, start of the current line, end of a literal being
    /// buffered, and a line end found but not yet handled.
    private var scanIndex = 0
    private var lineStart = 0
    private var literalEnd: Int?
    private var pendingBoundary: Boundary?
    private var failure: ResponseParserError?
    /// State of `nextResponse()`.
    private var collecting: FetchResponse?
    private var collectedSize = 0

    private enum State {
        case responseStart
        /// Buffering a non-FETCH response until its last line.
        case wholeResponse
        /// Inside a FETCH response's parenthesised data; `readIndex` is at the next item.
        case fetchItems
        /// Streaming (or discarding) a literal of a FETCH response.
        case fetchLiteral(remaining: Int, discard: Bool)
    }

    /// A complete line in the buffer, ending at `end` (after LF); `literal` if it ends with `{n}`.
    private enum Boundary {
        case lineEnd(end: Int)
        case literal(size: UInt64, end: Int)

        var end: Int {
            switch self {
            case .lineEnd(let e), .literal(_, let e): return e
            }
        }

        func shifted(by d: Int) -> Boundary {
            switch self {
            case .lineEnd(let e): return .lineEnd(end: e - d)
            case .literal(let s, let e): return .literal(size: s, end: e - d)
            }
        }
    }

    public init(limits: ResponseParserLimits = .default) {
        self.limits = limits
    }

    /// Bytes appended but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Feeds bytes received from the server.
    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil if more bytes are needed.
    public mutating func next() throws -> ResponseEvent? {
        if let failure { throw failure }
        do {
            return try step()
        } catch let e as ResponseParserError {
            failure = e
            throw e
        }
    }

    /// The next complete response, with a FETCH response collected into one
    /// `UntaggedResponse.fetch` value (bounded by `maxCollectedFetchSize`), or nil if more bytes
    /// are needed. Do not mix with `next()` in the middle of a FETCH response.
    public mutating func nextResponse() throws -> Response? {
        while let event = try next() {
            switch event {
            case .tagged(let t): return .tagged(t)
            case .untagged(let u): return .untagged(u)
            case .continuation(let c): return .continuation(c)
            case .fetchStart(let n):
                collecting = FetchResponse(sequenceNumber: n)
                collectedSize = 0
            case .fetchAttribute(let a):
                collecting?.attributes.append(a)
            case .fetchBodyStart(let section, let origin, let size):
                collectedSize += size
                guard collectedSize <= limits.maxCollectedFetchSize else {
                    let e = ResponseParserError(.collectedFetchTooLarge(limit: limits.maxCollectedFetchSize),
                                                excerpt: "BODY[\(section)] {\(size)}")
                    failure = e
                    throw e
                }
                var body = FetchedBody(section: section, origin: origin, bytes: [])
                body.bytes.reserveCapacity(size)
                collecting?.bodies.append(body)
            case .fetchBodyChunk(let chunk):
                if var f = collecting, !f.bodies.isEmpty {
                    collecting = nil
                    f.bodies[f.bodies.count - 1].bytes.append(contentsOf: chunk)
                    collecting = f
                }
            case .fetchBodyEnd:
                break
            case .fetchEnd:
                if let f = collecting {
                    collecting = nil
                    return .untagged(.fetch(f))
                }
            }
        }
        return nil
    }

    // MARK: state machine

    private mutating func step() throws -> ResponseEvent? {
        while true {
            if queueHead < queue.count {
                let e = queue[queueHead]
                queueHead += 1
                if queueHead == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    queueHead = 0
                }
                return e
            }
            switch state {
            case .responseStart:
                guard let b = try takeBoundary() else { return nil }
                switch classifyResponse(upTo: b.end) {
                case .singleLine:
                    // Status responses and continuation requests are one line even if the text
                    // happens to end with something like "{5}" (RFC 3501 `text` has no literals).
                    let event = try parse(readIndex..<b.end) { try $0.readResponse() }
                    consume(upTo: b.end)
                    return event
                case .fetch:
                    let (n, next) = try parse(readIndex..<b.end) { r -> (UInt32, Int) in
                        let n = try r.readFetchPrefix()
                        return (n, r.pos)
                    }
                    queue.append(.fetchStart(sequenceNumber: n))
                    readIndex = next
                    pendingBoundary = b
                    state = .fetchItems
                case .multiLine:
                    pendingBoundary = b
                    state = .wholeResponse
                }
            case .wholeResponse:
                guard let b = try takeBoundary() else { return nil }
                switch b {
                case .literal(let size, let end):
                    try bufferLiteral(size: size, after: end)
                case .lineEnd(let end):
                    try checkResponseSize(end)
                    let event = try parse(readIndex..<end) { try $0.readResponse() }
                    consume(upTo: end)
                    state = .responseStart
                    return event
                }
            case .fetchItems:
                guard let b = try takeBoundary() else { return nil }
                try checkResponseSize(b.end)
                try parseFetchItems(boundary: b)
            case .fetchLiteral(let remaining, let discard):
                if remaining == 0 {
                    if !discard { queue.append(.fetchBodyEnd) }
                    state = .fetchItems
                    scanIndex = readIndex
                    lineStart = readIndex
                    continue
                }
                let available = buffer.count - readIndex
                if discard {
                    guard available > 0 else { return nil }
                    let n = min(available, remaining)
                    readIndex += n
                    state = .fetchLiteral(remaining: remaining - n, discard: true)
                    continue
                }
                let want = min(remaining, limits.bodyChunkSize)
                guard available >= want else { return nil }
                let chunk = Array(buffer[readIndex..<(readIndex + want)])
                readIndex += want
                state = .fetchLiteral(remaining: remaining - want, discard: false)
                return .fetchBodyChunk(chunk)
            }
        }
    }

    /// Parses FETCH data items up to the boundary `b` and queues their events.
    private mutating func parseFetchItems(boundary b: Boundary) throws {
        let steps = try parse(readIndex..<b.end) { r -> [(FetchStep, Int)] in
            var steps: [(FetchStep, Int)] = []
            while true {
                let s = try r.readFetchStep()
                steps.append((s, r.pos))
                switch s {
                case .attribute, .skipped, .body: continue
                case .bodyLiteral, .discardLiteral, .end, .needLiteral: return steps
                }
            }
        }
        for (s, next) in steps {
            switch s {
            case .attribute(let a):
                queue.append(.fetchAttribute(a))
                readIndex = next
            case .skipped:
                readIndex = next
            case .body(let section, let origin, let data):
                queue.append(.fetchBodyStart(section: section, origin: origin, size: data.count))
                var i = 0
                while i < data.count {
                    let n = min(limits.bodyChunkSize, data.count - i)
                    queue.append(.fetchBodyChunk(Array(data[i..<(i + n)])))
                    i += n
                }
                queue.append(.fetchBodyEnd)
                readIndex = next
            case .bodyLiteral(let section, let origin, let size):
                queue.append(.fetchBodyStart(section: section, origin: origin, size: size))
                readIndex = next
                state = .fetchLiteral(remaining: size, discard: false)
            case .discardLiteral(let size):
                readIndex = next
                state = .fetchLiteral(remaining: size, discard: true)
            case .end:
                queue.append(.fetchEnd)
                consume(upTo: next)
                state = .responseStart
            case .needLiteral(let size):
                guard case .literal = b else {
                    throw error(.syntax(expected: "literal at the end of a line"), at: b.end)
                }
                try bufferLiteral(size: UInt64(size), after: b.end)
            }
        }
    }

    private enum ResponseShape { case singleLine, fetch, multiLine }

    /// Decides from the first line how the response is framed.
    private func classifyResponse(upTo end: Int) -> ResponseShape {
        var i = readIndex
        guard i < end else { return .singleLine }
        if buffer[i] == WireSyntax.plus { return .singleLine }
        guard buffer[i] == WireSyntax.star else { return .singleLine }  // tagged: always one line
        i += 1
        guard i < end, buffer[i] == WireSyntax.sp else { return .singleLine }
        i += 1
        var numbered = false
        if i < end, WireSyntax.isDigit(buffer[i]) {
            while i < end, WireSyntax.isDigit(buffer[i]) { i += 1 }
            guard i < end, buffer[i] == WireSyntax.sp else { return .multiLine }
            i += 1
            numbered = true
        }
        var kw = [UInt8]()
        while i < end, kw.count < 8, buffer[i] >= 0x41 && buffer[i] <= 0x7a { kw.append(WireSyntax.upper(buffer[i])); i += 1 }
        let keyword = String(decoding: kw, as: UTF8.self)
        let terminated = i >= end || buffer[i] == WireSyntax.sp || buffer[i] == WireSyntax.cr || buffer[i] == WireSyntax.lf
        guard terminated else { return .multiLine }
        if numbered { return keyword == "FETCH" ? .fetch : .multiLine }
        switch keyword {
        case "OK", "NO", "BAD", "BYE", "PREAUTH": return .singleLine
        default: return .multiLine
        }
    }

    // MARK: framing

    private mutating func takeBoundary() throws -> Boundary? {
        if let b = pendingBoundary {
            pendingBoundary = nil
            return b
        }
        return try nextBoundary()
    }

    /// Scans for the next LF (after any literal being buffered). Each byte is examined once.
    private mutating func nextBoundary() throws -> Boundary? {
        if let le = literalEnd {
            guard buffer.count >= le else { return nil }
            scanIndex = le
            lineStart = le
            literalEnd = nil
        }
        let count = buffer.count
        guard scanIndex < count else { return nil }
        let from = scanIndex
        let lf: Int? = buffer.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress, let hit = memchr(base + from, Int32(WireSyntax.lf), count - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        guard let lf else {
            scanIndex = count
            if count - lineStart > limits.maxLineLength + 1 {
                throw error(.lineTooLong(limit: limits.maxLineLength), at: lineStart)
            }
            return nil
        }
        if lf - lineStart > limits.maxLineLength + 1 {
            throw error(.lineTooLong(limit: limits.maxLineLength), at: lineStart)
        }
        let start = lineStart
        scanIndex = lf + 1
        lineStart = lf + 1
        // A literal `{n}` / `{n+}` ends the line (RFC 3501 §4.3).
        var e = lf
        if e > start, buffer[e - 1] == WireSyntax.cr { e -= 1 }
        guard e > start, buffer[e - 1] == WireSyntax.rbrace else { return .lineEnd(end: lf + 1) }
        var j = e - 1
        if j > start, buffer[j - 1] == WireSyntax.plus { j -= 1 }
        let digitsEnd = j
        while j > start, WireSyntax.isDigit(buffer[j - 1]) { j -= 1 }
        guard j < digitsEnd, j > start, buffer[j - 1] == WireSyntax.lbrace else { return .lineEnd(end: lf + 1) }
        var size: UInt64 = 0
        for k in j..<digitsEnd {
            size = digitsEnd - j > 19 ? UInt64.max : size * 10 + UInt64(buffer[k] - 0x30)
        }
        return .literal(size: size, end: lf + 1)
    }

    /// Arranges for a non-body literal of `size` bytes starting at `start` to be buffered.
    private mutating func bufferLiteral(size: UInt64, after start: Int) throws {
        guard size <= UInt64(limits.maxLiteralSize) else {
            throw error(.literalTooLarge(size: size, limit: limits.maxLiteralSize), at: start)
        }
        try checkResponseSize(start + Int(size))
        literalEnd = start + Int(size)
    }

    private func checkResponseSize(_ end: Int) throws {
        if end - readIndex > limits.maxResponseSize {
            throw error(.responseTooLarge(limit: limits.maxResponseSize), at: readIndex)
        }
    }

    /// Consumes through `end` (a response's end) and resets the framer there.
    private mutating func consume(upTo end: Int) {
        readIndex = end
        scanIndex = end
        lineStart = end
        literalEnd = nil
    }

    /// Drops consumed bytes when that costs no more than the bytes already consumed since the
    /// last compaction, so that compaction is amortised O(1) per byte.
    private mutating func compact() {
        guard readIndex > 0 else { return }
        let remaining = buffer.count - readIndex
        if remaining == 0 {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 4 * max(limits.bodyChunkSize, 1 << 16))
        } else if readIndex >= remaining {
            buffer.removeSubrange(0..<readIndex)
        } else {
            return
        }
        let d = readIndex
        readIndex = 0
        scanIndex = max(0, scanIndex - d)
        lineStart = max(0, lineStart - d)
        literalEnd = literalEnd.map { $0 - d }
        pendingBoundary = pendingBoundary.map { $0.shifted(by: d) }
    }

    // MARK: helpers

    private func parse<T>(_ range: Range<Int>, _ body: (inout WireReader) throws -> T) throws -> T {
        let limits = self.limits
        return try buffer.withUnsafeBufferPointer { p in
            var reader = WireReader(p, range: range, limits: limits)
            do {
                return try body(&reader)
            } catch is LiteralPending {
                throw reader.syntax("literal data within the response")
            }
        }
    }

    private func error(_ kind: ResponseParserError.Kind, at position: Int) -> ResponseParserError {
        let hi = min(buffer.count, max(position, readIndex) + 80)
        return ResponseParserError(kind, excerpt: ResponseParserError.excerpt(buffer, range: readIndex..<hi, at: position))
    }
}
