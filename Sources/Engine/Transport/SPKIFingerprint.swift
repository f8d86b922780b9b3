import COpenSSL

/// A digest of a certificate's SubjectPublicKeyInfo, as given in `SSL_fingerprint`:
/// `[ALGO$]DIGEST_HEX`, the algorithm defaulting to sha256 (interimap(1)). It pins the server's
/// key itself, independently of the certificate chain, so it survives certificate renewals that
/// keep the key.
public struct SPKIFingerprint: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Lower-case digest name, e.g. "sha256".
    public let algorithm: String
    /// The digest bytes.
    public let digest: [UInt8]

    public init(algorithm: String, digest: [UInt8]) {
        self.algorithm = algorithm.lowercased()
        self.digest = digest
    }

    /// Parses one `[ALGO$]HEX` value: hex digits in either case, colons between bytes tolerated.
    public init(parsing value: String) throws {
        let parts = value.split(separator: "$", maxSplits: 1, omittingEmptySubsequences: false)
        let algorithm = parts.count == 2 ? String(parts[0]).lowercased() : "sha256"
        let hex = String(parts.count == 2 ? parts[1] : parts[0]).filter { $0 != ":" }
        guard let md = EVP_get_digestbyname(algorithm) else {
            throw TransportError.configuration("SSL_fingerprint: '\(value)': unknown digest algorithm '\(algorithm)'")
        }
        let expectedLength = Int(EVP_MD_get_size(md))
        guard let digest = SPKIFingerprint.decodeHex(hex) else {
            throw TransportError.configuration("SSL_fingerprint: '\(value)' is not [ALGO$]DIGEST_HEX (hexadecimal digits)")
        }
        guard digest.count == expectedLength else {
            throw TransportError.configuration(
                "SSL_fingerprint: '\(value)': \(algorithm) digests have \(expectedLength * 2) hex digits, not \(hex.count)")
        }
        self.init(algorithm: algorithm, digest: digest)
    }

    /// Parses the space-separated list of `SSL_fingerprint`.
    public static func parseList(_ value: String) throws -> [SPKIFingerprint] {
        try value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { try SPKIFingerprint(parsing: String($0)) }
    }

    /// The fingerprint of DER-encoded SubjectPublicKeyInfo bytes with `algorithm`.
    public static func of(spki der: [UInt8], algorithm: String = "sha256") -> SPKIFingerprint? {
        guard let md = EVP_get_digestbyname(algorithm) else { return nil }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = der.withUnsafeBytes { EVP_Digest($0.baseAddress, der.count, &out, &length, md, nil) }
        guard ok == 1 else { return nil }
        return SPKIFingerprint(algorithm: algorithm, digest: Array(out.prefix(Int(length))))
    }

    /// Whether this pin matches the given SubjectPublicKeyInfo.
    public func matches(spki der: [UInt8]) -> Bool {
        SPKIFingerprint.of(spki: der, algorithm: algorithm)?.digest == digest
    }

    /// Lower-case hex without separators.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return String(digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }

    /// `algorithm$hex`, the form `SSL_fingerprint` accepts.
    public var description: String { "\(algorithm)$\(hex)" }

    static func decodeHex(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
