/// The text of a message as local mail stores keep it: lines end with LF (IMAP sends CRLF,
/// RFC 3501 §2.2), and the message ends with a line ending.
enum LocalMessageText {
    /// `message` with every CRLF turned into LF (a lone CR is content and stays), ending with LF.
    static func unixLines(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 1)
        message.withUnsafeBufferPointer { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A {
                    index += 1
                    continue
                }
                out.append(byte)
                index += 1
            }
        }
        if out.last != 0x0A { out.append(0x0A) }
        return out
    }

    /// The mboxrd body of `message` (already in unix lines): every line matching `^>*From `
    /// gets one more `>`, so that a reader can undo it exactly by removing one `>` from such
    /// lines, and no line of the message can pass for the `From ` line of the next one.
    static func mboxrdQuoted(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + 16)
        let from: [UInt8] = Array("From ".utf8)
        var lineStart = 0
        message.withUnsafeBufferPointer { bytes in
            while lineStart < bytes.count {
                var end = lineStart
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                var probe = lineStart
                while probe < end && bytes[probe] == 0x3E { probe += 1 }  // '>'
                if end - probe >= from.count && Array(bytes[probe..<(probe + from.count)]) == from { out.append(0x3E) }
                out.append(contentsOf: bytes[lineStart..<min(end + 1, bytes.count)])
                lineStart = end + 1
            }
        }
        return out
    }

    /// The envelope sender as an MDA's `%F` receives it: `MAILER-DAEMON` for the null path, and
    /// only letters, digits and `.@_-+/` (anything else becomes `_`), so that the command line
    /// the shell sees never carries a metacharacter from a message.
    static func shellSafeSender(_ reversePath: String) -> String {
        guard !reversePath.isEmpty else { return "MAILER-DAEMON" }
        let allowed = Set(".@_-+/".unicodeScalars)
        var text = ""
        for scalar in reversePath.unicodeScalars {
            let ok = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                                        || ("0"..."9").contains(scalar) || allowed.contains(scalar))
            text.unicodeScalars.append(ok ? scalar : "_")
        }
        return text
    }
}
