/// The `--debug` view of IMAP traffic: one `C: ` or `S: ` line per protocol line, with the contents
/// of literals replaced by `[...]` (interimap(1), `--debug`: "all IMAP traffic besides literals").
///
/// Server bytes arrive in arbitrary chunks; this splits them into lines and skips literal octets
/// by following the `{n}` / `{n+}` announcements at line ends (RFC 3501 §4.3), without keeping
/// more than one line in memory.
public final class TrafficLog: @unchecked Sendable {
    private let emit: @Sendable (String) -> Void
    // Reader-side state; only the connection's reader thread calls `server(_:)`.
    private var line: [UInt8] = []
    private var literalRemaining = 0
    private var afterLiteral = false
    private static let maxLoggedLine = 4096

    public init(emit: @escaping @Sendable (String) -> Void) { self.emit = emit }

    /// Logs one command line as sent (the caller redacts credentials first).
    public func client(_ text: String) { emit("C: " + text) }

    /// Feeds bytes received from the server.
    public func server(_ bytes: [UInt8]) {
        var i = 0
        while i < bytes.count {
            if literalRemaining > 0 {
                let n = min(literalRemaining, bytes.count - i)
                literalRemaining -= n; i += n
                if literalRemaining == 0 { line = Array("[...]".utf8); afterLiteral = true }
                continue
            }
            let b = bytes[i]; i += 1
            if b == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let count = Self.literalCount(line)
                emit("S: " + String(decoding: line, as: UTF8.self))
                line.removeAll(keepingCapacity: true)
                afterLiteral = false
                if let count, count > 0 { literalRemaining = count } else if count == 0 { line = Array("[...]".utf8) }
            } else if line.count < Self.maxLoggedLine {
                line.append(b)
            }
        }
    }

    /// The octet count of a literal announced at the end of a line: `{12}` or `{12+}`.
    static func literalCount(_ line: [UInt8]) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}
