import Engine
import Foundation

/// One response line from a server, with its literals cut out: `text` has each literal replaced
/// by `{n}` (as it was announced) and `literals` holds their bytes in order.
public struct IMAPResponseLine: CustomStringConvertible, Sendable {
    public var text: String
    public var literals: [[UInt8]]

    /// `*`, `+` or the tag.
    public var tag: String { String(text.prefix { $0 != " " }) }
    public var isUntagged: Bool { tag == "*" }
    /// The word after the tag (for tagged: OK/NO/BAD; for untagged: OK, a number, LIST, ...).
    public var words: [String] { text.split(separator: " ").map(String.init) }
    /// The response code in `[...]` after the status, without brackets.
    public var code: String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }
    public var description: String { text }
}

/// The untagged responses of one command and its tagged completion.
public struct IMAPCommandResult: Sendable {
    public var untagged: [IMAPResponseLine]
    public var tagged: IMAPResponseLine
    /// `OK`, `NO` or `BAD`.
    public var status: String { tagged.words.count > 1 ? tagged.words[1] : "" }
    public var code: String? { tagged.code }
    /// Untagged lines whose first word after `*` (or after a number) is `kind`, e.g. `FETCH`.
    public func untagged(_ kind: String) -> [IMAPResponseLine] {
        untagged.filter { l in
            let w = l.words
            return (w.count > 1 && w[1].uppercased() == kind) || (w.count > 2 && w[2].uppercased() == kind)
        }
    }
}

/// A minimal IMAP client for tests: writes command text as given and reads responses with a
/// line- and literal-aware reader. It does not interpret responses; comparison tests parse the
/// parts they compare. Works over any `ByteStream` (a pipe to dovecot, the fake server's
/// in-memory connection).
public final class IMAPTestClient {
    public enum Failure: Error, CustomStringConvertible {
        case endOfStream(after: String)
        case timeout(String)
        public var description: String {
            switch self {
            case .endOfStream(let a): return "server closed the connection (last sent: \(a))"
            case .timeout(let what): return "timed out waiting for \(what)"
            }
        }
    }

    public let stream: ByteStream
    private var buffer: [UInt8] = []
    private var tagCounter = 0
    private var lastSent = ""
    /// Every line received, for diagnostics.
    public private(set) var transcript: [String] = []

    public init(stream: ByteStream) { self.stream = stream }

    private func fill() throws {
        let chunk = try stream.read(maxLength: 65536)
        if chunk.isEmpty { throw Failure.endOfStream(after: lastSent) }
        buffer.append(contentsOf: chunk)
    }

    private func rawLine() throws -> [UInt8] {
        while true {
            if let lf = buffer.firstIndex(of: 0x0A) {
                var line = Array(buffer[..<lf])
                buffer.removeFirst(lf + 1)
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            try fill()
        }
    }

    private func rawBytes(_ n: Int) throws -> [UInt8] {
        while buffer.count < n { try fill() }
        let out = Array(buffer[..<n])
        buffer.removeFirst(n)
        return out
    }

    /// Reads one response, following literals.
    public func readResponse() throws -> IMAPResponseLine {
        var text = ""
        var literals: [[UInt8]] = []
        while true {
            let line = try rawLine()
            let s = String(decoding: line, as: UTF8.self)
            text += s
            if s.hasSuffix("}"), let open = s.lastIndex(of: "{"), let n = Int(s[s.index(after: open)..<s.index(before: s.endIndex)]) {
                literals.append(try rawBytes(n))
                continue
            }
            break
        }
        transcript.append(text)
        return IMAPResponseLine(text: text, literals: literals)
    }

    public func sendRaw(_ bytes: [UInt8]) throws { try stream.write(bytes) }

    /// Sends a line (CRLF added).
    public func sendLine(_ text: String) throws {
        lastSent = text
        try stream.write(Array((text + "\r\n").utf8))
    }

    public func nextTag() -> String { tagCounter += 1; return "t\(tagCounter)" }

    /// Sends `command` with a fresh tag and reads until its tagged response.
    @discardableResult
    public func command(_ command: String) throws -> IMAPCommandResult {
        let tag = nextTag()
        try sendLine("\(tag) \(command)")
        return try readUntilTagged(tag)
    }

    /// Sends a command with synchronising literals: `parts` alternate text and literal data;
    /// waits for each `+` continuation.
    @discardableResult
    public func command(_ parts: [CommandPart]) throws -> IMAPCommandResult {
        let tag = nextTag()
        var pending = Array((tag + " ").utf8)
        for part in parts {
            switch part {
            case .text(let t): pending += Array(t.utf8)
            case .literal(let data):
                pending += Array("{\(data.count)}\r\n".utf8)
                try sendRaw(pending)
                pending = []
                let cont = try readResponse()
                guard cont.tag == "+" else { return IMAPCommandResult(untagged: [], tagged: cont) }
                pending = data
            case .literalPlus(let data):
                pending += Array("{\(data.count)+}\r\n".utf8) + data
            }
        }
        pending += [0x0D, 0x0A]
        try sendRaw(pending)
        return try readUntilTagged(tag)
    }

    public enum CommandPart {
        case text(String)
        case literal([UInt8])
        case literalPlus([UInt8])
    }

    public func readUntilTagged(_ tag: String) throws -> IMAPCommandResult {
        var untagged: [IMAPResponseLine] = []
        while true {
            let r = try readResponse()
            if r.tag == tag { return IMAPCommandResult(untagged: untagged, tagged: r) }
            untagged.append(r)
        }
    }
}
