/// The header block of an RFC 5322 message, split into fields with folding undone (§2.2.3).
///
/// Only the octets before the first empty line are looked at, so a body is never scanned. A line
/// that is neither a field (`name:value`) nor a continuation (starts with space or tab) is
/// skipped, as is anything after a header too large to be real: mail found in the wild is
/// often malformed, and a sender address is not worth failing a delivery for.
///
/// Shared with the scenario tool (which names messages by their Message-ID or Subject); the
/// fake server splits headers with its own code on purpose (see `MessageParts` there): it
/// plays the server whose output this reads.
public struct MessageHeader: Sendable {
    /// A header field: its name as written and its unfolded value (CRLFs removed, leading
    /// whitespace of the value kept out).
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// The fields in message order.
    public private(set) var fields: [Field] = []

    /// The header block is bounded so that a message without an empty line is not read whole.
    static let maximumHeaderSize = 1 << 20

    public init(message: [UInt8]) {
        let limit = min(message.count, Self.maximumHeaderSize)
        var lineStart = 0
        var current: (name: String, value: [UInt8])?
        func finish() {
            if let field = current {
                fields.append(Field(name: field.name, value: String(decoding: field.value, as: UTF8.self)))
            }
            current = nil
        }
        while lineStart < limit {
            var lineEnd = lineStart
            while lineEnd < limit, message[lineEnd] != 0x0A { lineEnd += 1 }
            var contentEnd = lineEnd
            if contentEnd > lineStart, message[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = message[lineStart..<contentEnd]
            lineStart = lineEnd + 1
            if line.isEmpty { break }  // end of the header block
            if let first = line.first, first == 0x20 || first == 0x09 {
                // §2.2.3: unfolding removes the CRLF, the whitespace stays.
                current?.value.append(contentsOf: line)
                continue
            }
            finish()
            guard let colon = line.firstIndex(of: 0x3A) else { continue }
            let nameBytes = line[line.startIndex..<colon]
            // §3.6.8: a field name is printable US-ASCII except ":" (and no space); WSP before the
            // colon is obsolete syntax (§4.5) and tolerated.
            let trimmedName = nameBytes.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
            guard !trimmedName.isEmpty, trimmedName.allSatisfy({ (0x21...0x7E).contains($0) }) else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == 0x20 || $0 == 0x09 }
            current = (String(decoding: trimmedName, as: UTF8.self), Array(value))
        }
        finish()
    }

    /// The value of the first field called `name` (case-insensitive), if any.
    public func firstValue(named name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }
}
