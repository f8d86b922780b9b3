/// One item of `SSL_fingerprint`: "[ALGO$]DIGEST_HEX where ALGO is the digest algorithm (by
/// default sha256)", the digest of the server certificate's Subject Public Key Info.
public struct CertificateFingerprint: Equatable, Sendable, CustomStringConvertible {
    /// The digest algorithm name as OpenSSL knows it, lowercased (`sha256`, `sha1`, ...).
    public var algorithm: String
    /// The expected digest.
    public var digest: [UInt8]

    public init(algorithm: String, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    /// Digest sizes of the common algorithms, used to catch truncated or mistyped values early.
    static let digestSizes: [String: Int] = [
        "md5": 16, "sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64,
    ]

    /// Parses `[ALGO$]DIGEST_HEX`; returns a reason when malformed.
    static func parse(_ text: String) -> Result<CertificateFingerprint, FingerprintSyntaxError> {
        var algorithm = "sha256"
        var hex = Substring(text)
        if let dollar = text.firstIndex(of: "$") {
            let name = text[..<dollar]
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                return .failure(FingerprintSyntaxError(reason: "bad digest algorithm in \(quoted(text))"))
            }
            algorithm = name.lowercased()
            hex = text[text.index(after: dollar)...]
        }
        guard !hex.isEmpty, hex.count % 2 == 0, hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            return .failure(FingerprintSyntaxError(reason: "\(quoted(text)) is not [ALGO$]DIGEST_HEX (an even number of hexadecimal digits)"))
        }
        var digest: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else {
                return .failure(FingerprintSyntaxError(reason: "\(quoted(text)) is not hexadecimal"))
            }
            digest.append(byte)
            index = next
        }
        if let size = digestSizes[algorithm], size != digest.count {
            return .failure(FingerprintSyntaxError(reason: "\(quoted(text)) has \(digest.count) bytes, a \(algorithm) digest has \(size)"))
        }
        return .success(CertificateFingerprint(algorithm: algorithm, digest: digest))
    }

    public var description: String {
        algorithm + "$" + digest.map { byte in
            let text = String(byte, radix: 16, uppercase: false)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}

struct FingerprintSyntaxError: Error {
    let reason: String
}
