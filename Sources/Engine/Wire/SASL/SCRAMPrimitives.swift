import COpenSSL
import Foundation

/// The hash function H, HMAC and Hi (PBKDF2 with HMAC, RFC 2898 §5.2) of SCRAM (RFC 5802 §2.2),
/// over OpenSSL's libcrypto. Shared by the client and the fake server, which must agree on them.
public struct SCRAMPrimitives: Sendable {
    /// `SHA-1` or `SHA-256` (RFC 5802 §4, RFC 7677 §3).
    public enum Hash: Sendable { case sha1, sha256 }
    public let hash: Hash

    public init(hash: Hash) { self.hash = hash }

    private var digest: OpaquePointer? {
        switch hash {
        case .sha1: return EVP_sha1()
        case .sha256: return EVP_sha256()
        }
    }

    /// The output length of H in bytes.
    public var length: Int { hash == .sha1 ? 20 : 32 }

    public func h(_ data: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var count: UInt32 = 0
        guard EVP_Digest(data, data.count, &out, &count, digest, nil) == 1 else { throw SCRAMPrimitiveError.digest }
        return Array(out[0..<Int(count)])
    }

    public func hmac(key: [UInt8], _ data: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var count: UInt32 = 0
        guard HMAC(digest, key, Int32(key.count), data, data.count, &out, &count) != nil else { throw SCRAMPrimitiveError.digest }
        return Array(out[0..<Int(count)])
    }

    /// Hi(str, salt, i) of RFC 5802 §2.2, which is PBKDF2 with HMAC-H and dkLen = the hash length.
    public func hi(_ password: [UInt8], salt: [UInt8], iterations: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let chars = password.map { CChar(bitPattern: $0) }
        let ok = PKCS5_PBKDF2_HMAC(chars, Int32(chars.count), salt, Int32(salt.count), Int32(iterations), digest, Int32(length), &out)
        guard ok == 1 else { throw SCRAMPrimitiveError.digest }
        return out
    }

    /// Random bytes for the client nonce, from OpenSSL's CSPRNG.
    public static func randomBytes(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else { throw SCRAMPrimitiveError.random }
        return out
    }
}

public enum SCRAMPrimitiveError: Error, CustomStringConvertible {
    case digest, random
    public var description: String {
        switch self {
        case .digest: return "OpenSSL digest computation failed"
        case .random: return "OpenSSL could not produce random bytes"
        }
    }
}
