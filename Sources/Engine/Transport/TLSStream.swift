import COpenSSL
import Foundation

/// TLS (imaps, or after STARTTLS) over another `ByteStream`, with OpenSSL.
///
/// The SSL object only ever sees memory BIOs: it is a pure transform (ciphertext in, plaintext
/// out and the reverse) run under `state`, while the underlying stream is read and written
/// outside that lock. So a reader blocked waiting for the server never holds up a writer, and a
/// writer blocked on a full socket never holds up the reader; the lock is only held for the
/// microseconds of a cipher operation.
///
/// Ciphertext reaches the underlying stream in the order OpenSSL produced it: every producer
/// appends to `outgoing` under the lock, and one flusher at a time (`flushing`) writes it out.
/// Output produced while reading (TLS 1.3 post-handshake messages such as a KeyUpdate reply) is
/// written by a background flush, never by the reader itself, so that reading cannot wait on
/// writing.
///
/// `handshake(over:host:configuration:)` returns only once the server is authenticated as
/// configured (chain and host name, or SPKI pin), so nothing is sent above TLS before that.
public final class TLSStream: ByteStream, @unchecked Sendable {
    /// What was negotiated, for the debug log.
    public struct Session: Sendable, Equatable {
        /// "TLSv1.3", ...
        public let protocolVersion: String
        /// OpenSSL's cipher name, e.g. "TLS_AES_256_GCM_SHA384".
        public let cipher: String
        /// The cipher's secret bits.
        public let cipherBits: Int
        /// sha256 of the server certificate's SubjectPublicKeyInfo (the `SSL_fingerprint` form).
        public let peerSPKIFingerprint: SPKIFingerprint?
        /// The server certificate's subject ("/CN=imap.example.org").
        public let peerSubject: String?
        /// The server certificate's issuer and validity dates (`--serverinfo`).
        public var peerIssuer: String? = nil
        public var peerNotBefore: String? = nil
        public var peerNotAfter: String? = nil
    }

    /// The host the connection was made to (for messages).
    public let host: String
    /// Set when the handshake completes, before the stream is handed out; never changes after.
    public private(set) var session = Session(protocolVersion: "", cipher: "", cipherBits: 0,
                                              peerSPKIFingerprint: nil, peerSubject: nil)

    private let lower: ByteStream
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let inputBIO: OpaquePointer
    private let outputBIO: OpaquePointer
    private let verifier: TLSPeerVerifier

    /// Protects the SSL object and its BIOs, `outgoing`, `flushing`, `closed`, `inputGeneration`
    /// and `writeFailure`; waited on by a writer that needs the reader to make progress and by
    /// a flusher waiting for its turn.
    private let state = NSCondition()
    /// Ciphertext taken from the output BIO, waiting to be written to `lower`.
    private var outgoing: [UInt8] = []
    /// Whether some thread is writing `outgoing` to `lower` (one at a time, to keep the order).
    private var flushing = false
    private var closed = false
    /// Counts ciphertext deliveries to the input BIO (a writer blocked on WANT_READ waits for it).
    private var inputGeneration = 0
    /// The first failure writing to `lower`: the record stream is broken from then on.
    private var writeFailure: TransportError?

    /// How much ciphertext to ask the lower stream for at once (a full TLS record and then some).
    private static let readChunk = 32 * 1024
    /// How much plaintext to encrypt per lock hold.
    private static let writeChunk = 64 * 1024

    private init(lower: ByteStream, host: String, context: OpaquePointer, ssl: OpaquePointer,
                 inputBIO: OpaquePointer, outputBIO: OpaquePointer, verifier: TLSPeerVerifier) {
        self.lower = lower
        self.host = host
        self.context = context
        self.ssl = ssl
        self.inputBIO = inputBIO
        self.outputBIO = outputBIO
        self.verifier = verifier
    }

    deinit {
        SSL_free(ssl)  // also frees both BIOs
        SSL_CTX_free(context)
    }

    /// Runs a client handshake over `lower` and authenticates the server as `configuration`
    /// says, against `host` (the connection's host option: a name, or an IP literal with or
    /// without brackets). On failure `lower` is closed and the error says why: the
    /// verification reason, a host name mismatch, a fingerprint mismatch with the server's
    /// actual SPKI sha256, or OpenSSL's reason (e.g. a protocol version the server refused).
    public static func handshake(over lower: ByteStream, host: String,
                                 configuration: TLSConfiguration) throws -> TLSStream {
        let stream: TLSStream
        do {
            let address = try HostAddress(parsing: host)
            let verifier = TLSPeerVerifier(host: address.name, verify: configuration.verify,
                                           fingerprints: configuration.fingerprints)
            let context = try makeContext(configuration, verifier: verifier)
            guard let ssl = SSL_new(context) else {
                SSL_CTX_free(context)
                throw TransportError.tls("SSL_new: \(openSSLErrors())")
            }
            guard let inputBIO = BIO_new(BIO_s_mem()), let outputBIO = BIO_new(BIO_s_mem()) else {
                SSL_free(ssl)
                SSL_CTX_free(context)
                throw TransportError.tls("BIO_new: \(openSSLErrors())")
            }
            SSL_set_bio(ssl, inputBIO, outputBIO)
            stream = TLSStream(lower: lower, host: address.name, context: context, ssl: ssl,
                               inputBIO: inputBIO, outputBIO: outputBIO, verifier: verifier)
            try stream.configurePeer(address, configuration)
        } catch {
            lower.close()
            throw error
        }
        do {
            try stream.runHandshake()
        } catch {
            stream.close()
            throw error
        }
        return stream
    }

    private static func makeContext(_ configuration: TLSConfiguration, verifier: TLSPeerVerifier) throws -> OpaquePointer {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TransportError.tls("SSL_CTX_new: \(openSSLErrors())")
        }
        do {
            try configure(context, configuration, verifier: verifier)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        return context
    }

    private static func configure(_ context: OpaquePointer, _ configuration: TLSConfiguration,
                                  verifier: TLSPeerVerifier) throws {
        // A renegotiation would make SSL_write wait for the reader; IMAP servers have no use
        // for it, and refusing it keeps the two directions independent.
        _ = interimap_SSL_CTX_set_options(context, UInt(interimap_SSL_OP_NO_RENEGOTIATION()))
        if let min = configuration.protocolMin,
           interimap_SSL_CTX_set_min_proto_version(context, min.openSSLVersion) != 1 {
            throw TransportError.configuration("SSL_protocol_min: \(min.rawValue) is not supported (\(openSSLErrors()))")
        }
        if let max = configuration.protocolMax,
           interimap_SSL_CTX_set_max_proto_version(context, max.openSSLVersion) != 1 {
            throw TransportError.configuration("SSL_protocol_max: \(max.rawValue) is not supported (\(openSSLErrors()))")
        }
        if let selection = configuration.protocols, !selection.disabled.isEmpty {
            let options = selection.disabled.reduce(UInt64(0)) { $0 | $1.openSSLDisableOption }
            _ = interimap_SSL_CTX_set_options(context, UInt(options))
        }
        if let list = configuration.cipherList, SSL_CTX_set_cipher_list(context, list) != 1 {
            throw TransportError.configuration("SSL_cipherlist '\(list)': \(openSSLErrors())")
        }
        if let suites = configuration.cipherSuites, SSL_CTX_set_ciphersuites(context, suites) != 1 {
            throw TransportError.configuration("SSL_ciphersuites '\(suites)': \(openSSLErrors())")
        }
        if configuration.verify {
            // interimap(1): the system's default CA locations are used unless SSL_CAfile or
            // SSL_CApath is set.
            if configuration.caFile == nil && configuration.caPath == nil {
                if SSL_CTX_set_default_verify_paths(context) != 1 {
                    throw TransportError.tls("cannot load the default CA locations: \(openSSLErrors())")
                }
            }
            if let file = configuration.caFile, SSL_CTX_load_verify_locations(context, file, nil) != 1 {
                throw TransportError.configuration("SSL_CAfile '\(file)': \(openSSLErrors())")
            }
            if let path = configuration.caPath {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw TransportError.configuration("SSL_CApath '\(path)': no such directory")
                }
                if SSL_CTX_load_verify_locations(context, nil, path) != 1 {
                    throw TransportError.configuration("SSL_CApath '\(path)': \(openSSLErrors())")
                }
            }
        }
        // SSL_VERIFY_PEER so that a refusal by the callback aborts the handshake (with an alert
        // to the server); the callback itself decides, see TLSPeerVerifier.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        SSL_CTX_set_cert_verify_callback(context, tlsCertificateVerifyCallback,
                                         Unmanaged.passUnretained(verifier).toOpaque())
    }

    /// SNI and the name or address the certificate must match.
    private func configurePeer(_ address: HostAddress, _ configuration: TLSConfiguration) throws {
        let serverName: String?
        if let explicit = configuration.serverName {
            serverName = explicit.isEmpty ? nil : explicit
        } else {
            // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName".
            serverName = address.isIPLiteral ? nil : address.name
        }
        if let serverName, interimap_SSL_set_tlsext_host_name(ssl, serverName) != 1 {
            throw TransportError.configuration("SSL_hostname '\(serverName)': \(TLSStream.openSSLErrors())")
        }
        guard configuration.verify, configuration.fingerprints.isEmpty else { return }
        guard let parameters = SSL_get0_param(ssl) else { return }
        if address.isIPLiteral {
            if X509_VERIFY_PARAM_set1_ip_asc(parameters, address.name) != 1 {
                throw TransportError.tls("cannot check the certificate against '\(address.name)': \(TLSStream.openSSLErrors())")
            }
        } else {
            X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            if X509_VERIFY_PARAM_set1_host(parameters, address.name, 0) != 1 {
                throw TransportError.tls("cannot check the certificate against '\(address.name)': \(TLSStream.openSSLErrors())")
            }
        }
    }

    // MARK: - Handshake

    private func runHandshake() throws {
        while true {
            state.lock()
            ERR_clear_error()
            let rc = SSL_connect(ssl)
            let code = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, rc)
            let errors = rc == 1 ? "" : TLSStream.openSSLErrors()
            takeOutputLocked()
            state.unlock()
            if rc == 1 || code == SSL_ERROR_WANT_READ {
                try flush()
            } else {
                // Best effort: the alert telling the server why we abort.
                try? flush()
                if let failure = verifier.failure { throw TransportError.tls(failure) }
                throw TransportError.tls("handshake with '\(host)' failed: \(TLSStream.describe(code, errors))")
            }
            if rc == 1 { break }
            let ciphertext = try lower.read(maxLength: TLSStream.readChunk)
            if ciphertext.isEmpty {
                throw TransportError.tls("handshake with '\(host)' failed: connection closed by the server")
            }
            deliver(ciphertext)
        }
        // Defence in depth: the callback must have run and accepted (a server could pick an
        // anonymous cipher and send no certificate at all).
        if verifier.authenticates && !verifier.accepted {
            throw TransportError.tls(verifier.failure ?? "'\(host)' presented no certificate")
        }
        state.lock()
        session = currentSessionLocked()
        state.unlock()
    }

    private func currentSessionLocked() -> Session {
        let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "?"
        var cipherName = "?"
        var bits = 0
        if let cipher = SSL_get_current_cipher(ssl) {
            cipherName = SSL_CIPHER_get_name(cipher).map { String(cString: $0) } ?? "?"
            bits = Int(SSL_CIPHER_get_bits(cipher, nil))
        }
        var fingerprint: SPKIFingerprint?
        var subject: String?
        var issuer: String?
        var validity: (notBefore: String, notAfter: String)?
        if let certificate = interimap_SSL_get_peer_certificate(ssl) {
            fingerprint = SPKIFingerprint.of(spki: TLSPeerVerifier.subjectPublicKeyInfo(of: certificate))
            subject = TLSPeerVerifier.subject(of: certificate)
            issuer = TLSPeerVerifier.issuer(of: certificate)
            validity = TLSPeerVerifier.validity(of: certificate)
            X509_free(certificate)
        }
        return Session(protocolVersion: version, cipher: cipherName, cipherBits: bits,
                       peerSPKIFingerprint: fingerprint, peerSubject: subject, peerIssuer: issuer,
                       peerNotBefore: validity?.notBefore, peerNotAfter: validity?.notAfter)
    }

    /// Convenience accessors for the debug log.
    public var protocolVersion: String { session.protocolVersion }
    public var cipher: String { session.cipher }
    public var peerSPKIFingerprint: SPKIFingerprint? { session.peerSPKIFingerprint }

    // MARK: - Ciphertext plumbing

    /// Moves whatever the SSL object wrote into the output BIO to `outgoing`. Lock held.
    private func takeOutputLocked() {
        while true {
            let pending = Int(BIO_ctrl_pending(outputBIO))
            if pending <= 0 { return }
            var chunk = [UInt8](repeating: 0, count: pending)
            let n = chunk.withUnsafeMutableBytes { BIO_read(outputBIO, $0.baseAddress, Int32(pending)) }
            if n <= 0 { return }
            outgoing.append(contentsOf: chunk.prefix(Int(n)))
        }
    }

    /// Hands ciphertext from the server to the SSL object.
    private func deliver(_ ciphertext: [UInt8]) {
        state.lock(); defer { state.unlock() }
        ciphertext.withUnsafeBytes { raw in
            _ = BIO_write(inputBIO, raw.baseAddress, Int32(raw.count))
        }
        inputGeneration += 1
        state.broadcast()
    }

    /// Writes `outgoing` to the lower stream, in order, one flusher at a time. Lock held on
    /// entry and exit; released while writing.
    private func flushLocked() throws {
        while flushing { state.wait() }
        if let writeFailure { throw writeFailure }
        flushing = true
        defer {
            flushing = false
            state.broadcast()
        }
        while !outgoing.isEmpty {
            let chunk = outgoing
            outgoing = []
            state.unlock()
            var failure: Error?
            do { try lower.write(chunk) } catch { failure = error }
            state.lock()
            if let failure {
                let error = (failure as? TransportError) ?? .tls("write to '\(host)': \(failure)")
                writeFailure = error
                throw error
            }
        }
    }

    private func flush() throws {
        state.lock(); defer { state.unlock() }
        try flushLocked()
    }

    // MARK: - ByteStream

    public func read(maxLength: Int) throws -> [UInt8] {
        guard maxLength > 0 else { return [] }
        let limit = Int32(min(maxLength, Int(Int32.max)))
        while true {
            state.lock()
            if closed { state.unlock(); return [] }
            ERR_clear_error()
            var code = SSL_ERROR_NONE
            var errors = ""
            let plaintext = [UInt8](unsafeUninitializedCapacity: Int(limit)) { buffer, count in
                let n = SSL_read(ssl, buffer.baseAddress, limit)
                if n > 0 {
                    count = Int(n)
                } else {
                    count = 0
                    code = SSL_get_error(ssl, n)
                    errors = TLSStream.openSSLErrors()
                }
            }
            if SSL_get_key_update_type(ssl) != SSL_KEY_UPDATE_NONE {
                // The server asked for a KeyUpdate in return (RFC 8446 §4.6.3). OpenSSL only
                // records that, to send it on the next SSL_write: re-arming the same (not
                // requested) update through the public API and running the state machine
                // produces it now, so that a session that is only reading (IDLE) answers too.
                ERR_clear_error()
                if SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1 {
                    _ = SSL_do_handshake(ssl)
                }
                ERR_clear_error()
            }
            takeOutputLocked()
            let needsFlush = !outgoing.isEmpty && !flushing
            state.unlock()
            if needsFlush {
                // Post-handshake output (e.g. a KeyUpdate reply): written in the background so
                // that this reader never blocks on the socket's send side.
                DispatchQueue.global().async { try? self.flush() }
            }
            if !plaintext.isEmpty { return plaintext }
            switch code {
            case SSL_ERROR_WANT_READ:
                break
            case SSL_ERROR_ZERO_RETURN:
                return []  // close_notify
            default:
                if isClosed { return [] }
                throw TransportError.tls("reading from '\(host)': \(TLSStream.describe(code, errors))")
            }
            let ciphertext: [UInt8]
            do {
                ciphertext = try lower.read(maxLength: TLSStream.readChunk)
            } catch {
                if isClosed { return [] }
                throw error
            }
            // End of stream without close_notify: many IMAP servers close that way after BYE;
            // the IMAP layer notices a truncated response on its own.
            if ciphertext.isEmpty { return [] }
            deliver(ciphertext)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        state.lock(); defer { state.unlock() }
        var offset = 0
        while offset < bytes.count {
            if closed { throw TransportError.closed }
            if let writeFailure { throw writeFailure }
            ERR_clear_error()
            let length = min(bytes.count - offset, TLSStream.writeChunk)
            let n = bytes.withUnsafeBytes { raw -> Int32 in
                guard let base = raw.baseAddress else { return 0 }
                return SSL_write(ssl, base + offset, Int32(length))
            }
            if n > 0 {
                offset += Int(n)
                takeOutputLocked()
                try flushLocked()
                continue
            }
            let code = SSL_get_error(ssl, n)
            let errors = TLSStream.openSSLErrors()
            guard code == SSL_ERROR_WANT_READ else {
                throw TransportError.tls("writing to '\(host)': \(TLSStream.describe(code, errors))")
            }
            // The record layer needs the server's next message first; the reader thread
            // delivers it.
            takeOutputLocked()
            try flushLocked()
            let seen = inputGeneration
            while seen == inputGeneration && !closed { state.wait() }
        }
    }

    /// Sends close_notify, then half-closes the underlying stream; reading may continue until
    /// the server's own close_notify or end of stream.
    public func shutdownWrite() {
        state.lock()
        if !closed && writeFailure == nil {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
            takeOutputLocked()
            try? flushLocked()
        }
        state.unlock()
        lower.shutdownWrite()
    }

    /// Closes the underlying stream at once (no close_notify: closing must not wait on a send
    /// buffer the server may not be draining). A blocked read returns end of stream.
    public func close() {
        state.lock()
        let wasClosed = closed
        closed = true
        state.broadcast()
        state.unlock()
        if !wasClosed { lower.close() }
    }

    private var isClosed: Bool {
        state.lock(); defer { state.unlock() }
        return closed
    }

    // MARK: - Errors

    /// Drains OpenSSL's (per-thread) error queue into one line of reasons.
    static func openSSLErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        return reasons.joined(separator: "; ")
    }

    static func describe(_ code: Int32, _ errors: String) -> String {
        if !errors.isEmpty { return errors }
        switch code {
        case SSL_ERROR_SYSCALL: return "unexpected end of stream"
        case SSL_ERROR_ZERO_RETURN: return "connection closed (close_notify)"
        default: return "SSL error \(code)"
        }
    }
}
