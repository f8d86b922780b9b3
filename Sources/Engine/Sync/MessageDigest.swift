import Foundation
import COpenSSL

/// SHA-256 of message bytes (OpenSSL), to recognise the same message on both servers.
enum MessageDigest {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        bytes.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        return digest
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of bytes that arrive in pieces (a message streamed from one server to the other).
    final class Hasher {
        private let context: OpaquePointer?

        init() {
            context = EVP_MD_CTX_new()
            EVP_DigestInit_ex(context, EVP_sha256(), nil)
        }

        deinit { EVP_MD_CTX_free(context) }

        func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        }

        /// The digest of everything given so far.
        func finish() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
            var length: UInt32 = 0
            EVP_DigestFinal_ex(context, &digest, &length)
            return digest
        }
    }
}

extension MessageBody {
    /// The same bytes, each piece also given to `hasher` as it is read.
    func hashed(into hasher: MessageDigest.Hasher) -> MessageBody {
        MessageBody(size: size) { [self] in
            guard let chunk = try nextChunk() else { return nil }
            hasher.update(chunk)
            return chunk
        }
    }
}
