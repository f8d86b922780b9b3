import COpenSSL
import Foundation

/// Decides, during the handshake, whether the server's certificate is acceptable: its key must
/// match one of the SPKI pins when `SSL_fingerprint` is set, and its chain must verify (with the
/// host name or IP address check OpenSSL performs from the SSL's verify parameters) when
/// `SSL_verify` is on. With both set, both must hold, as the reference implementation requires:
/// a pin narrows what a trusted chain allows, it does not replace the chain. A self-signed
/// certificate is pinned with `SSL_verify = NO` and its fingerprint.
///
/// It runs as OpenSSL's certificate verification callback, inside SSL_connect, on the
/// handshaking thread: nothing else touches its state until the handshake is over.
final class TLSPeerVerifier: @unchecked Sendable {
    let host: String
    let verify: Bool
    let fingerprints: [SPKIFingerprint]

    /// Why the certificate was refused, in a user's terms.
    private(set) var failure: String?
    /// Whether the callback ran and accepted.
    private(set) var accepted = false

    init(host: String, verify: Bool, fingerprints: [SPKIFingerprint]) {
        self.host = host
        self.verify = verify
        self.fingerprints = fingerprints
    }

    /// Whether the handshake needs any check at all.
    var authenticates: Bool { verify || !fingerprints.isEmpty }

    /// The verification callback's body; `store` is the X509_STORE_CTX for the server's chain.
    func check(_ store: OpaquePointer) -> Bool {
        guard let leaf = X509_STORE_CTX_get0_cert(store) else {
            failure = "the server presented no certificate"
            return false
        }
        if !fingerprints.isEmpty {
            let spki = TLSPeerVerifier.subjectPublicKeyInfo(of: leaf)
            if fingerprints.contains(where: { $0.matches(spki: spki) }) {
                if !verify {
                    accepted = true
                    return true
                }
            } else {
                let actual = SPKIFingerprint.of(spki: spki).map(\.description) ?? "?"
                let expected = fingerprints.map(\.description).joined(separator: " ")
                failure = "SPKI fingerprint mismatch for '\(host)': the server's is \(actual), SSL_fingerprint allows \(expected)"
                X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION)
                return false
            }
        }
        if !verify {
            accepted = true
            return true
        }
        if X509_verify_cert(store) == 1 {
            accepted = true
            return true
        }
        let code = X509_STORE_CTX_get_error(store)
        let reason = String(cString: X509_verify_cert_error_string(Int(code)))
        let subject = TLSPeerVerifier.subject(of: X509_STORE_CTX_get_current_cert(store) ?? leaf)
        switch code {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            failure = "the server certificate (subject \(subject)) does not match '\(host)': \(reason)"
        default:
            let depth = X509_STORE_CTX_get_error_depth(store)
            failure = "certificate verification failed for '\(host)': \(reason) (depth \(depth), subject \(subject))"
        }
        return false
    }

    /// DER SubjectPublicKeyInfo of a certificate (i2d_X509_PUBKEY of X509_get_X509_PUBKEY), the
    /// bytes `openssl x509 -pubkey | openssl pkey -pubin -outform DER` prints.
    static func subjectPublicKeyInfo(of certificate: OpaquePointer) -> [UInt8] {
        guard let key = X509_get_X509_PUBKEY(certificate) else { return [] }
        let length = i2d_X509_PUBKEY(key, nil)
        guard length > 0 else { return [] }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509_PUBKEY(key, &cursor)
        }
        return written == length ? der : []
    }

    /// The certificate subject in OpenSSL's one-line form ("/CN=imap.example.org").
    static func subject(of certificate: OpaquePointer) -> String { oneLine(X509_get_subject_name(certificate)) }

    /// The certificate issuer, in the same form.
    static func issuer(of certificate: OpaquePointer) -> String { oneLine(X509_get_issuer_name(certificate)) }

    /// The validity dates (notBefore, notAfter) as `2026-12-01 21:36:25 UTC`.
    static func validity(of certificate: OpaquePointer) -> (notBefore: String, notAfter: String) {
        func text(_ time: UnsafePointer<ASN1_TIME>?) -> String {
            guard let time else { return "?" }
            var parts = tm()
            guard ASN1_TIME_to_tm(time, &parts) == 1 else { return "?" }
            var buffer = [Int8](repeating: 0, count: 64)
            let length = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S UTC", &parts)
            return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return (text(X509_get0_notBefore(certificate)), text(X509_get0_notAfter(certificate)))
    }

    private static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name else { return "?" }
        var buffer = [CChar](repeating: 0, count: 512)
        guard X509_NAME_oneline(name, &buffer, Int32(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// OpenSSL's certificate verification callback (SSL_CTX_set_cert_verify_callback): `argument`
/// is the unretained TLSPeerVerifier the TLSStream keeps alive.
let tlsCertificateVerifyCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { store, argument in
    guard let store, let argument else { return 0 }
    let verifier = Unmanaged<TLSPeerVerifier>.fromOpaque(argument).takeUnretainedValue()
    return verifier.check(store) ? 1 : 0
}
