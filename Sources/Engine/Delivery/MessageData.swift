/// A message prepared for the DATA phase of an SMTP/LMTP transaction.
///
/// RFC 5321 §2.3.8: lines end with CRLF and a bare LF must not be sent, so every LF not preceded
/// by CR becomes CRLF (a lone CR is message content and is kept). §4.5.2: a line starting with
/// "." gets one more "." (dot-stuffing). The message always ends with CRLF (one is added if the
/// last line has none) and the data ends with ".CRLF", which makes the CRLF.CRLF terminator of
/// §4.1.1.4.
public struct MessageData: Sendable {
    /// The octets to send after the 354 reply, terminator included.
    public let wireBytes: [UInt8]
    /// The size of the message after line-ending normalisation, before dot-stuffing: what the
    /// receiving server stores, and the value of the `SIZE=` parameter (RFC 1870 §3).
    public let messageSize: Int
    /// Whether an octet has its high bit set: the message needs `BODY=8BITMIME` (RFC 6152 §3).
    public let hasEightBitOctets: Bool

    public init(message: [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 32 + 8)
        var atLineStart = true
        var previous: UInt8 = 0
        var stuffedDots = 0
        var eightBit = false
        message.withUnsafeBufferPointer { bytes in
            for byte in bytes {
                if byte >= 0x80 { eightBit = true }
                if atLineStart && byte == 0x2E {
                    out.append(0x2E)
                    stuffedDots += 1
                }
                if byte == 0x0A {
                    if previous != 0x0D { out.append(0x0D) }
                    out.append(0x0A)
                    atLineStart = true
                } else {
                    out.append(byte)
                    atLineStart = false
                }
                previous = byte
            }
        }
        if !atLineStart { out.append(contentsOf: [0x0D, 0x0A]) }
        messageSize = out.count - stuffedDots
        out.append(contentsOf: [0x2E, 0x0D, 0x0A])
        wireBytes = out
        hasEightBitOctets = eightBit
    }
}
