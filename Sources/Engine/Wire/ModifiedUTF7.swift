/// Modified UTF-7 mailbox names (RFC 3501 §5.1.3): printable US-ASCII stands for itself except `&`,
/// written `&-`; any other run of characters is UTF-16 in modified BASE64 (`,` instead of `/`,
/// no padding) between `&` and `-`.
public enum ModifiedUTF7 {
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        public var description: String { switch self { case .invalid(let s): return "invalid modified UTF-7 mailbox name '\(s)'" } }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)
    private static let reverse: [Int16] = {
        var t = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = Int16(i) }
        return t
    }()

    /// Encode a Unicode mailbox name to its wire form.
    public static func encode(_ name: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(UInt8(ascii: "&"))
            var bytes: [UInt8] = []
            for u in pending { bytes.append(UInt8(u >> 8)); bytes.append(UInt8(u & 0xff)) }
            var i = 0
            while i < bytes.count {
                let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
                let n = min(3, bytes.count - i)
                out.append(alphabet[Int(b0 >> 2)])
                out.append(alphabet[Int(((b0 & 3) << 4) | (b1 >> 4))])
                if n > 1 { out.append(alphabet[Int(((b1 & 0xf) << 2) | (b2 >> 6))]) }
                if n > 2 { out.append(alphabet[Int(b2 & 0x3f)]) }
                i += 3
            }
            out.append(UInt8(ascii: "-"))
            pending.removeAll()
        }
        for scalar in name.unicodeScalars {
            let v = scalar.value
            if v >= 0x20 && v <= 0x7e {
                flush()
                if v == 0x26 { out.append(contentsOf: [0x26, 0x2d]) } else { out.append(UInt8(v)) }
            } else {
                pending.append(contentsOf: Array(String(scalar).utf16))
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decode a wire-form name. Strict: rejects non-printable bytes, bad BASE64, padding bits that
    /// are not zero, unterminated shifts and encoded printable ASCII (RFC 3501 §5.1.3 forbids it).
    public static func decode(_ wire: String) throws -> String {
        let bytes = Array(wire.utf8)
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c >= 0x20 && c <= 0x7e else { throw DecodeError.invalid(wire) }
            if c != UInt8(ascii: "&") { scalars.append(Unicode.Scalar(c)); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw DecodeError.invalid(wire) }
            if bytes[i] == UInt8(ascii: "-") { scalars.append("&"); i += 1; continue }
            var bits: UInt32 = 0, nbits = 0
            var units: [UInt16] = []
            var byteBuf: [UInt8] = []
            while i < bytes.count && bytes[i] != UInt8(ascii: "-") {
                let v = reverse[Int(bytes[i])]
                guard v >= 0 else { throw DecodeError.invalid(wire) }
                bits = (bits << 6) | UInt32(v); nbits += 6
                if nbits >= 8 { nbits -= 8; byteBuf.append(UInt8((bits >> UInt32(nbits)) & 0xff)) }
                i += 1
            }
            guard i < bytes.count else { throw DecodeError.invalid(wire) }  // no closing '-'
            i += 1
            guard byteBuf.count % 2 == 0, !byteBuf.isEmpty, nbits < 6, bits & ((1 << UInt32(nbits)) - 1) == 0 else { throw DecodeError.invalid(wire) }
            var j = 0
            while j < byteBuf.count { units.append(UInt16(byteBuf[j]) << 8 | UInt16(byteBuf[j + 1])); j += 2 }
            var decoded = ""
            var it = units.makeIterator()
            var utf16 = UTF16()
            loop: while true {
                switch utf16.decode(&it) {
                case .scalarValue(let s):
                    if s.value >= 0x20 && s.value <= 0x7e { throw DecodeError.invalid(wire) }
                    decoded.unicodeScalars.append(s)
                case .emptyInput: break loop
                case .error: throw DecodeError.invalid(wire)
                }
            }
            scalars.append(contentsOf: decoded.unicodeScalars)
        }
        return String(scalars)
    }
}
