import Foundation

/// SCRAM-SHA-256 (RFC 7677) and SCRAM-SHA-1 (RFC 5802) without channel binding: the password
/// never crosses the wire, and the server proves in its last message that it knows it too.
///
/// client-first  `n,,n=USER,r=CNONCE`
/// server-first  `r=CNONCE+SNONCE,s=SALT,i=ITERATIONS`
/// client-final  `c=biws,r=NONCE,p=PROOF`
/// server-final  `v=SIGNATURE` (or `e=ERROR`), answered with an empty response.
struct SCRAMSASLClient: SASLClient {
    let mechanism: AuthMechanism
    let server: String
    private let primitives: SCRAMPrimitives
    private let username: String
    private let password: String
    private let clientNonce: String
    /// The most PBKDF2 iterations we compute for a server (RFC 5802 §5.1 leaves the count to the
    /// server; a hostile one could ask for billions). Servers use 4096 to a few hundred thousand.
    static let maximumIterations = 10_000_000

    private var clientFirstBare = ""
    private var expectedServerSignature: [UInt8]?
    private var serverVerified = false
    private var failure: AuthenticationError?

    init(mechanism: AuthMechanism, server: String, username: String, password: String, clientNonce: String? = nil) throws {
        self.mechanism = mechanism
        self.server = server
        self.primitives = SCRAMPrimitives(hash: mechanism == .scramSHA1 ? .sha1 : .sha256)
        self.username = username
        self.password = password
        self.clientNonce = try clientNonce ?? Data(SCRAMPrimitives.randomBytes(24)).base64EncodedString()
    }

    mutating func initialResponse() -> [UInt8] {
        clientFirstBare = "n=" + SCRAMMessage.escapedName(SASLprep.prepare(username) ?? username) + ",r=" + clientNonce
        return Array(("n,," + clientFirstBare).utf8)
    }

    mutating func answer(_ challenge: [UInt8]) -> [UInt8]? {
        do {
            if expectedServerSignature == nil {
                return try clientFinal(serverFirst: challenge)
            }
            try verify(serverFinal: challenge)
            return []
        } catch let error as AuthenticationError {
            failure = error
        } catch {
            failure = .malformedChallenge(server: server, mechanism: mechanism.rawValue, reason: String(describing: error))
        }
        return nil
    }

    func clientSideFailure(afterSuccess: Bool) -> AuthenticationError? {
        if let failure { return failure }
        if afterSuccess && !serverVerified {
            return .serverNotAuthenticated(server: server, mechanism: mechanism.rawValue, reason: "no server signature before OK")
        }
        return nil
    }

    private func malformed(_ reason: String) -> AuthenticationError {
        .malformedChallenge(server: server, mechanism: mechanism.rawValue, reason: reason)
    }

    private mutating func clientFinal(serverFirst bytes: [UInt8]) throws -> [UInt8] {
        guard let serverFirst = String(validating: bytes, as: UTF8.self), let attrs = SCRAMMessage.attributes(serverFirst) else {
            throw malformed("server-first-message is not a list of attributes")
        }
        // RFC 5802 §5.1: an unknown mandatory extension (m=) makes the exchange fail.
        if attrs.first?.0 == "m" { throw malformed("mandatory extension not supported") }
        guard attrs.count >= 3, attrs[0].0 == "r", attrs[1].0 == "s", attrs[2].0 == "i" else {
            throw malformed("expected r=, s= and i= in the server-first-message")
        }
        let nonce = attrs[0].1
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count,
              nonce.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "," }) else {
            throw malformed("the nonce does not extend ours")
        }
        guard let salt = Data(base64Encoded: attrs[1].1).map(Array.init), !salt.isEmpty else { throw malformed("bad salt") }
        guard attrs[2].1.count <= 9, attrs[2].1.allSatisfy({ $0.isASCII && $0.isNumber }), let iterations = Int(attrs[2].1),
              iterations >= 1, iterations <= Self.maximumIterations else {
            throw malformed("iteration count '\(attrs[2].1.prefix(12))' out of range 1...\(Self.maximumIterations)")
        }
        let withoutProof = "c=biws,r=" + nonce  // biws = base64("n,,"), the gs2 header
        let authMessage = Array((clientFirstBare + "," + serverFirst + "," + withoutProof).utf8)
        let normalized = Array((SASLprep.prepare(password) ?? password).utf8)
        let salted = try primitives.hi(normalized, salt: salt, iterations: iterations)
        let clientKey = try primitives.hmac(key: salted, Array("Client Key".utf8))
        let storedKey = try primitives.h(clientKey)
        let clientSignature = try primitives.hmac(key: storedKey, authMessage)
        let proof = zip(clientKey, clientSignature).map { $0 ^ $1 }
        let serverKey = try primitives.hmac(key: salted, Array("Server Key".utf8))
        expectedServerSignature = try primitives.hmac(key: serverKey, authMessage)
        return Array((withoutProof + ",p=" + Data(proof).base64EncodedString()).utf8)
    }

    private mutating func verify(serverFinal bytes: [UInt8]) throws {
        guard let text = String(validating: bytes, as: UTF8.self), let attrs = SCRAMMessage.attributes(text), let first = attrs.first else {
            throw malformed("server-final-message is not a list of attributes")
        }
        if first.0 == "e" {
            throw AuthenticationError.serverNotAuthenticated(server: server, mechanism: mechanism.rawValue, reason: "server error '\(first.1.prefix(100))'")
        }
        guard first.0 == "v", let signature = Data(base64Encoded: first.1).map(Array.init) else {
            throw malformed("expected v= in the server-final-message")
        }
        guard signature == expectedServerSignature else {
            throw AuthenticationError.serverNotAuthenticated(server: server, mechanism: mechanism.rawValue, reason: "wrong server signature")
        }
        serverVerified = true
    }
}
